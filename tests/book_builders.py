"""Hand-built store rows for the paper and alerts tests: markets, quotes, signals, resolutions.

Rows go through plain parameterized INSERTs into a real SQLite file, the way the collector and the
signals queue write them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pmtui.config import AlertSettings, DatabaseSettings, PaperSettings, Settings

NOW = 1_760_000_000
WIDE_OPEN = {"max_per_market": 1.0, "max_per_cluster": 1.0, "max_per_category": 1.0}


def make_settings(
    db_path: Path,
    *,
    paper: dict[str, Any] | None = None,
    alerts: dict[str, Any] | None = None,
    strategies: dict[str, dict[str, Any]] | None = None,
) -> Settings:
    return Settings(
        database=DatabaseSettings(path=db_path),
        paper=dataclasses.replace(PaperSettings(), **(paper or {})),
        alerts=dataclasses.replace(AlertSettings(), **(alerts or {})),
        strategies=strategies or {},
    )


def add_market(
    db: Database,
    market_id: str,
    *,
    question: str = "Will it happen?",
    outcomes: Sequence[str] = ("Yes", "No"),
    prices: Sequence[float] = (0.5, 0.5),
    fee_rate: float | None = None,
    fee_exponent: float | None = None,
    min_size: float | None = None,
    category: str | None = "Crypto/BTC-Price",
    cluster_id: str | None = None,
    event_id: str | None = None,
    source: str = "api",
) -> list[str]:
    """Insert a market; returns its token ids, one per outcome."""
    tokens = [f"{market_id}-tok{i}" for i in range(len(outcomes))]
    db.execute(
        "INSERT INTO markets (id, question, outcomes_json, token_ids_json, prices_json, yes_price, fee_rate,"
        " fee_exponent, min_size, category, cluster_id, event_id, source, first_seen, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            market_id,
            question,
            json.dumps(list(outcomes)),
            json.dumps(tokens),
            json.dumps([str(p) for p in prices]),
            prices[0] if prices else None,
            fee_rate,
            fee_exponent,
            min_size,
            category,
            cluster_id,
            event_id,
            source,
            NOW,
            NOW,
        ],
    )
    return tokens


def set_quote(
    db: Database, token_id: str, *, bid: float | None = None, ask: float | None = None, t: int = NOW
) -> None:
    market_id = token_id.rsplit("-tok", 1)[0]
    db.execute(
        "INSERT INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, NULL, ?)"
        " ON CONFLICT (token_id) DO UPDATE SET best_bid = excluded.best_bid, best_ask = excluded.best_ask,"
        " t = excluded.t",
        [token_id, market_id, bid, ask, t],
    )


def add_signal(
    db: Database,
    market_id: str,
    *,
    outcome_index: int = 1,
    outcome: str = "No",
    strategy: str = "fade_longshots",
    price: float = 0.5,
    stake_micros: int = 50_000_000,
    status: str = "approved",
    est_win_prob: float | None = 0.6,
    validated: bool = True,
    edge: float | None = 0.05,
    score: float | None = None,
    token_id: str | None = None,
    created: int = NOW,
    source: str = "api",
    est_source: dict[str, object] | None = None,
) -> int:
    """A signal row; `est_source` is its estimate object (`TradeEstimate.to_json()`), {} by default."""
    cursor = db.execute(
        "INSERT INTO signals (created, updated, market_id, token_id, outcome_index, outcome, strategy, price,"
        " price_source, est_win_prob, validated, edge, stake_micros, rationale, score, status, status_time,"
        " expires, source, est_source_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ask', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            created,
            created,
            market_id,
            token_id,
            outcome_index,
            outcome,
            strategy,
            price,
            est_win_prob,
            int(validated),
            edge,
            stake_micros,
            f"test rationale for {market_id}",
            score,
            status,
            created,
            created + 6 * 3600,
            source,
            json.dumps(est_source or {}),
        ],
    )
    return int(cursor.lastrowid or 0)


def resolve(db: Database, market_id: str, winner: int | None) -> None:
    """Resolve a market: `winner` is the winning outcome index, None for a void market."""
    db.execute(
        "UPDATE markets SET closed = 1, resolution = ?, winner = ? WHERE id = ?",
        ["void" if winner is None else "resolved", winner, market_id],
    )


def add_job_run(db: Database, job: str, *, started: float, status: str, error: str | None = None) -> int:
    cursor = db.execute(
        "INSERT INTO job_runs (job, started, finished, status, error) VALUES (?, ?, ?, ?, ?)",
        [job, started, started + 5, status, error],
    )
    return int(cursor.lastrowid or 0)
