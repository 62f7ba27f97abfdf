"""Stored backtest runs: saving a run with every decision, listing, loading and exporting them.

`backtest_runs.results_json` holds the whole reported document (what `--json` printed), so a stored
run shows exactly the numbers it showed when it ran. `backtest_trades` holds one row per strategy and
considered market: the trade (outcome bought, price, all-in cost, won, $1 P&L, Kelly stake and P&L)
or the skip reason, with the YES price and the time of the price point the decision used.
"""

from __future__ import annotations

import csv
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from sqlite_utils import Database

from pmtui.backtest.engine import SKIP_REASONS, StrategyRows
from pmtui.backtest.loader import MarketData
from pmtui.store import write_tx

TRADE_COLUMNS = (
    "run_id",
    "strategy",
    "market_id",
    "category",
    "decision_t",
    "resolve_t",
    "outcome_index",
    "price",
    "cost",
    "won",
    "pnl",
    "kelly_stake",
    "kelly_pnl",
    "skip_reason",
    "yes_price",
    "price_t",
)
_REASON_NAMES = np.array([None, *SKIP_REASONS], dtype=object)


def new_run_id(now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    return f"bt-{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def save_run(
    db: Database,
    document: dict[str, Any],
    rows: Sequence[StrategyRows],
    data: MarketData,
    *,
    label: str | None = None,
) -> None:
    """Store the run document and every decision of every strategy, in one transaction."""
    run_id = document["run_id"]
    created = int(datetime.fromisoformat(document["created"]).timestamp())
    with write_tx(db):
        db.conn.execute(
            "INSERT INTO backtest_runs (run_id, created, config_json, results_json, generated_data, "
            "duration_s, label) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                created,
                json.dumps(document["config"]),
                json.dumps(document),
                int(document["generated_data"]),
                document["duration_s"],
                label,
            ),
        )
        ids = np.array(data.ids, dtype=object)
        for r in rows:
            n = len(r.reason)
            outcome = np.where(r.outcome < 0, np.nan, r.outcome.astype(np.float64))
            # NaN binds as SQL NULL; whole floats land as INTEGER in INTEGER columns.
            db.conn.executemany(
                f"INSERT INTO backtest_trades ({', '.join(TRADE_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in TRADE_COLUMNS)})",
                zip(
                    repeat(run_id, n),
                    repeat(r.spec.name, n),
                    ids[r.market_index].tolist(),
                    r.categories.tolist(),
                    r.decision_t.tolist(),
                    r.resolve_t.tolist(),
                    outcome.tolist(),
                    r.price.tolist(),
                    r.cost.tolist(),
                    r.won.tolist(),
                    r.ret.tolist(),
                    r.kelly_stake.tolist(),
                    r.kelly_pnl.tolist(),
                    _REASON_NAMES[r.reason].tolist(),
                    r.yes_price.tolist(),
                    r.price_t.tolist(),
                    strict=True,
                ),
            )


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    created: int
    strategies: list[str]
    trades: dict[str, int]
    generated_data: bool
    duration_s: float | None
    label: str | None
    horizon: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created": datetime.fromtimestamp(self.created, UTC).isoformat(),
            "strategies": self.strategies,
            "trades": self.trades,
            "generated_data": self.generated_data,
            "duration_s": self.duration_s,
            "horizon": self.horizon,
            "label": self.label,
        }


def list_runs(db: Database, limit: int = 50) -> list[RunSummary]:
    """The most recent runs first."""
    out: list[RunSummary] = []
    for run_id, created, results_json, generated, duration, label in db.execute(
        "SELECT run_id, created, results_json, generated_data, duration_s, label FROM backtest_runs "
        "ORDER BY created DESC, run_id DESC LIMIT ?",
        [limit],
    ):
        document = json.loads(results_json)
        results = document.get("results", [])
        out.append(
            RunSummary(
                run_id=run_id,
                created=created,
                strategies=[r["strategy"] for r in results],
                trades={r["strategy"]: r["trades"] for r in results},
                generated_data=bool(generated),
                duration_s=duration,
                label=label,
                horizon=document.get("config", {}).get("horizon"),
            )
        )
    return out


def load_run(db: Database, run_id: str) -> dict[str, Any] | None:
    """The document a run reported (same shape as `pmtui backtest --json`), or None."""
    row = db.execute("SELECT results_json FROM backtest_runs WHERE run_id = ?", [run_id]).fetchone()
    return json.loads(row[0]) if row else None


def load_trades(db: Database, run_id: str, strategy: str | None = None, *, trades_only: bool = False) -> Any:
    """A pandas DataFrame of the run's decisions (for charts: equity curve in `resolve_t` order)."""
    import pandas as pd

    where = ["run_id = ?"]
    params: list[Any] = [run_id]
    if strategy is not None:
        where.append("strategy = ?")
        params.append(strategy)
    if trades_only:
        where.append("skip_reason IS NULL")
    sql = f"SELECT {', '.join(TRADE_COLUMNS)} FROM backtest_trades WHERE {' AND '.join(where)} ORDER BY rowid"
    return pd.read_sql_query(sql, db.conn, params=params)


@dataclass(frozen=True, slots=True)
class EquityCurve:
    """Cumulative P&L of one strategy's trades in the order their outcomes became known."""

    resolve_t: np.ndarray
    flat: np.ndarray
    """Cumulative P&L at $1 per trade."""
    kelly: np.ndarray
    """Cumulative P&L at fractional Kelly."""


def equity_curve(db: Database, run_id: str, strategy: str) -> EquityCurve:
    rows = db.execute(
        "SELECT resolve_t, pnl, kelly_pnl FROM backtest_trades WHERE run_id = ? AND strategy = ? "
        "AND skip_reason IS NULL ORDER BY resolve_t, decision_t, market_id",
        [run_id, strategy],
    ).fetchall()
    t = np.array([r[0] if r[0] is not None else np.nan for r in rows], dtype=np.float64)
    flat = np.cumsum(np.array([r[1] or 0.0 for r in rows], dtype=np.float64))
    kelly = np.cumsum(np.array([r[2] or 0.0 for r in rows], dtype=np.float64))
    return EquityCurve(t, flat, kelly)


def export_csv(db: Database, run_id: str, path: Path) -> int:
    """Write every decision of the run to `path` (header + one line each); returns the line count.
    Raises KeyError for an unknown run."""
    if db.execute("SELECT 1 FROM backtest_runs WHERE run_id = ?", [run_id]).fetchone() is None:
        raise KeyError(run_id)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRADE_COLUMNS)
        for row in db.execute(
            f"SELECT {', '.join(TRADE_COLUMNS)} FROM backtest_trades WHERE run_id = ? ORDER BY rowid",
            [run_id],
        ):
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count
