"""Hand-built markets, quotes and backtest estimates in a real SQLite store, for the signals tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from pmtui.signals.estimates import TradeEstimate, no_backtest

T0 = 1_770_000_000
"""The time the hand-built prices were observed."""


def add_market(
    db: Database,
    market_id: str,
    *,
    question: str | None = None,
    category: str | None = "Weather/Temperature",
    cluster_id: str | None = None,
    features: Mapping[str, Any] | None = None,
    outcomes: Sequence[str] = ("Yes", "No"),
    yes_price: float = 0.2,
    token_ids: Sequence[str] | None = None,
    updated_at: int = T0,
    end_date: int | None = T0 + 7 * 86400,
    volume_24h: float | None = 1000.0,
    volume: float | None = 50_000.0,
    liquidity: float | None = 5_000.0,
    fee_rate: float | None = None,
    fee_exponent: float | None = None,
    best_bid: float | None = None,
    best_ask: float | None = None,
    condition_id: str | None = None,
    event_id: str | None = None,
    event_title: str | None = None,
    closed: bool = False,
    resolution: str = "unresolved",
    winner: int | None = None,
    source: str = "api",
) -> None:
    tokens = list(token_ids) if token_ids is not None else [f"{market_id}-t{i}" for i in range(len(outcomes))]
    prices = [yes_price, round(1 - yes_price, 6)] if len(outcomes) == 2 else [yes_price]
    db.execute(
        """
        INSERT OR REPLACE INTO markets (id, condition_id, question, event_id, event_title, outcomes_json,
            token_ids_json, prices_json, yes_price, best_bid, best_ask, volume, volume_24h, liquidity,
            end_date, closed, resolution, winner, fee_rate, fee_exponent, category, cluster_id,
            features_json, source, first_seen, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            market_id,
            condition_id or f"0xcond{market_id}",
            question or f"Will the highest temperature in Testville be {market_id}°F?",
            event_id,
            event_title,
            json.dumps(list(outcomes)),
            json.dumps(tokens),
            json.dumps(prices),
            yes_price,
            best_bid,
            best_ask,
            volume,
            volume_24h,
            liquidity,
            end_date,
            int(closed),
            resolution,
            winner,
            fee_rate,
            fee_exponent,
            category,
            cluster_id,
            json.dumps(dict(features or {})),
            source,
            updated_at,
            updated_at,
        ],
    )


def add_quote(
    db: Database, market_id: str, outcome_index: int, bid: float | None, ask: float | None, t: int = T0
) -> None:
    token = f"{market_id}-t{outcome_index}"
    mid = (bid + ask) / 2 if bid is not None and ask is not None else None
    db.execute(
        "INSERT OR REPLACE INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, ?, ?)",
        [token, market_id, bid, ask, mid, t],
    )


@dataclass(frozen=True)
class FixedEstimate:
    """What a backtest is made to say about every trade of a strategy: p and its 95% interval."""

    p: float
    p_low: float
    p_high: float
    n: int = 400
    run_id: str = "run-1"


class FixedEstimates:
    """A lookup answering with given estimates per strategy ("no backtest yet" for the others), to
    test the batch and the queue apart from the estimate arithmetic (tests/backtest/test_estimate.py).
    It validates as pmtui.backtest.estimate does at its end: when the lower end of p's interval is
    above the trade's all-in cost."""

    def __init__(self, by_strategy: Mapping[str, FixedEstimate] | None = None) -> None:
        self.by_strategy = dict(by_strategy or {})
        self.calls: list[tuple[str, float, float | None]] = []

    def __call__(
        self,
        db: Database,
        strategy: str,
        *,
        params: Mapping[str, Any],
        cost: float,
        hours_to_close: float | None,
        generated: bool = False,
        min_trades: int = 30,
    ) -> TradeEstimate:
        self.calls.append((strategy, round(cost, 6), hours_to_close))
        fixed = self.by_strategy.get(strategy)
        if fixed is None:
            return no_backtest(cost)
        validated = fixed.p_low > cost and fixed.n >= min_trades
        verdict = "edge" if validated else "no edge"
        return TradeEstimate(
            cost=cost,
            p=fixed.p,
            p_interval=(fixed.p_low, fixed.p_high),
            n=fixed.n,
            wins=round(fixed.p * fixed.n),
            losses=fixed.n - round(fixed.p * fixed.n),
            run_id=fixed.run_id,
            prior_trades=10.0,
            validated=validated,
            reason=f"{verdict}: return [{fixed.p_low / cost - 1:+.1%}, {fixed.p_high / cost - 1:+.1%}] on {fixed.n} similar trades",
        )
