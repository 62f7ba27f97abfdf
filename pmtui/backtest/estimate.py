"""A strategy's track record from its latest stored backtest, for sizing live signals.

`latest_estimate(db, strategy, category, price)` answers "how often did this strategy's trades win
on comparable markets?" from the most recent stored run that included the strategy:

1. Trades with an outcome (voids excluded) of that run and strategy.
2. Narrowest comparable set first, widening until it holds at least `min_n` trades:
   same category and price of the outcome bought within ±0.05 → ±0.10 → same category, any price →
   same top-level category ("Crypto" for "Crypto/BTC-Price") → the whole strategy.
   Without a category or price, the steps that need them are left out.
3. If no step reaches `min_n`, the whole strategy's record is returned anyway: the caller compares
   `n` with its own threshold (`signals.min_backtest_trades`) and treats the strategy as unvalidated.

`price` is the price the signal would pay for the outcome it buys (not necessarily the YES price).
Runs on generated (demo) data are ignored unless `include_generated=True`: a strategy must never
look validated because of made-up markets. With `params`, only runs made with exactly those
parameters count. For many signals at once, `load_track_record` once and call `.estimate(...)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from pmtui.backtest.metrics import wilson_interval

MIN_N = 30
PRICE_WINDOWS = (0.05, 0.10)


@dataclass(frozen=True, slots=True)
class Estimate:
    n: int
    """Trades with an outcome behind the estimate."""
    win_rate: float
    ci_low: float
    ci_high: float
    """95% Wilson interval."""
    run_id: str
    scope: str
    """Which comparable set was used, e.g. "category=Weather/Temperature, price 0.85±0.05"."""
    avg_cost: float
    generated_data: bool


@dataclass(frozen=True, slots=True)
class TrackRecord:
    run_id: str
    generated_data: bool
    categories: np.ndarray
    price: np.ndarray
    cost: np.ndarray
    won: np.ndarray

    def estimate(
        self, category: str | None = None, price: float | None = None, *, min_n: int = MIN_N
    ) -> Estimate | None:
        if len(self.won) == 0:
            return None
        everything = np.ones(len(self.won), dtype=bool)
        steps: list[tuple[str, np.ndarray]] = []
        if category:
            same = self.categories == category
            if price is not None:
                for window in PRICE_WINDOWS:
                    near = np.abs(self.price - price) <= window + 1e-12
                    steps.append((f"category={category}, price {price:.2f}±{window:.2f}", same & near))
            steps.append((f"category={category}", same))
            top = category.split("/", 1)[0]
            if top != category:
                in_top = (self.categories == top) | np.char.startswith(self.categories.astype(str), top + "/")
                steps.append((f"category={top}/*", in_top))
        elif price is not None:
            for window in PRICE_WINDOWS:
                steps.append(
                    (f"price {price:.2f}±{window:.2f}", np.abs(self.price - price) <= window + 1e-12)
                )
        steps.append(("all trades", everything))
        for scope, mask in steps:
            if int(mask.sum()) >= min_n:
                return self._estimate(scope, mask)
        return self._estimate("all trades", everything)

    def _estimate(self, scope: str, mask: np.ndarray) -> Estimate:
        n = int(mask.sum())
        wins = int(self.won[mask].sum())
        low, high = wilson_interval(wins, n)
        return Estimate(
            n=n,
            win_rate=wins / n,
            ci_low=low,
            ci_high=high,
            run_id=self.run_id,
            scope=scope,
            avg_cost=float(self.cost[mask].mean()),
            generated_data=self.generated_data,
        )


def _latest_run(
    db: Database, strategy: str, params: Mapping[str, Any] | None, include_generated: bool
) -> tuple[str, bool] | None:
    rows = db.execute(
        "SELECT r.run_id, r.generated_data, r.config_json FROM backtest_runs r "
        "WHERE (? OR r.generated_data = 0) AND EXISTS "
        "(SELECT 1 FROM backtest_trades t WHERE t.run_id = r.run_id AND t.strategy = ?) "
        "ORDER BY r.created DESC, r.run_id DESC",
        [int(include_generated), strategy],
    )
    for run_id, generated, config_json in rows:
        if params is not None:
            config = json.loads(config_json)
            used = next((s["params"] for s in config.get("strategies", []) if s["name"] == strategy), None)
            if used != dict(params):
                continue
        return run_id, bool(generated)
    return None


def load_track_record(
    db: Database,
    strategy: str,
    *,
    params: Mapping[str, Any] | None = None,
    include_generated: bool = False,
) -> TrackRecord | None:
    """The decided trades of the strategy's latest qualifying run, or None when there is none."""
    found = _latest_run(db, strategy, params, include_generated)
    if found is None:
        return None
    run_id, generated = found
    rows = db.execute(
        "SELECT category, price, cost, won FROM backtest_trades "
        "WHERE run_id = ? AND strategy = ? AND skip_reason IS NULL AND won IS NOT NULL",
        [run_id, strategy],
    ).fetchall()
    return TrackRecord(
        run_id=run_id,
        generated_data=generated,
        categories=np.array([r[0] or "Other" for r in rows], dtype=object),
        price=np.array([r[1] for r in rows], dtype=np.float64),
        cost=np.array([r[2] for r in rows], dtype=np.float64),
        won=np.array([r[3] for r in rows], dtype=np.float64),
    )


def latest_estimate(
    db: Database,
    strategy: str,
    category: str | None = None,
    price: float | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    include_generated: bool = False,
    min_n: int = MIN_N,
) -> Estimate | None:
    """See the module docstring. None when the strategy has no qualifying run with decided trades."""
    record = load_track_record(db, strategy, params=params, include_generated=include_generated)
    return record.estimate(category, price, min_n=min_n) if record is not None else None
