"""A signal's estimated win probability: the strategy's latest backtest on comparable markets.

There are no hard-coded win rates anywhere: when no backtest of the strategy exists (or it has fewer
than `settings.signals.min_backtest_trades` trades) the signal is unvalidated, carries no estimate,
and is sized at zero.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlite_utils import Database


class EstimateLike(Protocol):
    """The shape of `pmtui.backtest`'s `Estimate` (n, win rate and its confidence interval)."""

    @property
    def n(self) -> int: ...
    @property
    def win_rate(self) -> float: ...
    @property
    def ci_low(self) -> float: ...
    @property
    def ci_high(self) -> float: ...
    @property
    def run_id(self) -> str: ...


class EstimateLookup(Protocol):
    """The strategy's latest backtest on markets comparable to this one (same category, similar
    price of the outcome bought), run with these parameters; None when there is none."""

    def __call__(
        self,
        db: Database,
        strategy: str,
        *,
        category: str | None,
        price: float | None,
        params: Mapping[str, Any],
        generated: bool = False,
    ) -> EstimateLike | None: ...


@dataclass(frozen=True, slots=True)
class WinEstimate:
    p: float | None
    """Estimated probability that the bought outcome wins; None when unvalidated."""
    validated: bool
    source: dict[str, Any]
    """What the estimate rests on: n, win_rate, ci_low, ci_high, run_id (or why there is none)."""

    @property
    def confidence(self) -> float:
        """1 − width of the confidence interval: 0 for an unvalidated or useless interval."""
        if not self.validated:
            return 0.0
        return max(0.0, 1.0 - (float(self.source["ci_high"]) - float(self.source["ci_low"])))


def estimate_for(
    lookup: EstimateLookup,
    db: Database,
    strategy: str,
    *,
    category: str | None,
    price: float | None,
    params: Mapping[str, Any],
    min_trades: int,
    generated: bool = False,
) -> WinEstimate:
    """`generated`: the market is generated demo data, so a backtest on demo data may stand for it
    (labelled `generated_data` in the source); a real market only ever gets real-data backtests."""
    found = lookup(db, strategy, category=category, price=price, params=params, generated=generated)
    if found is None:
        return WinEstimate(None, False, {"reason": "no backtest yet"})
    source = {
        "n": int(found.n),
        "win_rate": round(float(found.win_rate), 6),
        "ci_low": round(float(found.ci_low), 6),
        "ci_high": round(float(found.ci_high), 6),
        "run_id": str(found.run_id),
    }
    if getattr(found, "generated_data", False):
        source["generated_data"] = True
    scope = getattr(found, "scope", None)
    if isinstance(scope, str):
        source["scope"] = scope  # which comparable set the backtest estimate was taken from
    if found.n < min_trades:
        source["reason"] = f"only {found.n} backtest trades (< {min_trades})"
        return WinEstimate(None, False, source)
    return WinEstimate(float(found.win_rate), True, source)


def backtest_estimates() -> EstimateLookup:
    """The lookup the CLI and the monitor use: the strategy's latest stored backtest on real data
    (`pmtui.backtest.estimate`), run with the same parameters, narrowed to comparable markets.

    Runs on generated (demo) data never count for a real market, so a strategy cannot look validated
    because of made-up markets; for a generated market (`pmtui demo`'s tour) they may, and say so. Each strategy's trades are read once per lookup (one per `pmtui signals` run
    or monitor cycle), not once per market; a backtest stored meanwhile is used by the next one.
    """
    from pmtui.backtest.estimate import TrackRecord, load_track_record

    records: dict[tuple[str, str, bool], TrackRecord | None] = {}

    def latest_backtest(
        db: Database,
        strategy: str,
        *,
        category: str | None,
        price: float | None,
        params: Mapping[str, Any],
        generated: bool = False,
    ) -> EstimateLike | None:
        key = (strategy, json.dumps(dict(params), sort_keys=True, default=str), generated)
        if key not in records:
            records[key] = load_track_record(db, strategy, params=params, include_generated=generated)
        record = records[key]
        return None if record is None else record.estimate(category, price)

    return latest_backtest
