"""A signal's win estimate: what the strategy's backtest says about trades like this one.

The estimate (`pmtui.backtest.trade_estimate.TradeEstimate`) is computed by `pmtui.backtest.estimate` from the stored trades of
the one run allowed to speak for the strategy (`pmtui.backtest.eligibility`), restricted to trades
that resemble this one, and shrunk towards break-even. It is the same object everywhere an estimate
appears: `pmtui signals --json` (`estimate`), the signals table (`est_source_json`), `pmtui queue
list`, the Signals tab and the Telegram digest. There are no hard-coded win rates anywhere: without a
backtest the estimate says so and the signal is sized at zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlite_utils import Database

from pmtui.backtest.trade_estimate import TradeEstimate, no_backtest

__all__ = ["EstimateLookup", "TradeEstimate", "backtest_estimates", "no_backtest"]


class EstimateLookup(Protocol):
    """The estimate for buying at all-in `cost` a market that closes in `hours_to_close`, from the
    backtest allowed to speak for `strategy` run with `params`."""

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
    ) -> TradeEstimate: ...


def backtest_estimates() -> EstimateLookup:
    """The lookup the CLI, the monitor and approvals use (`pmtui.backtest.estimate`). Runs and their
    trades are read once per lookup (one `pmtui signals` run, monitor cycle or approval); a backtest
    stored meanwhile is used by the next one."""
    from pmtui.backtest.estimate import TradeRecords

    records: dict[int, TradeRecords] = {}

    def lookup(
        db: Database,
        strategy: str,
        *,
        params: Mapping[str, Any],
        cost: float,
        hours_to_close: float | None,
        generated: bool = False,
        min_trades: int = 30,
    ) -> TradeEstimate:
        source = records.setdefault(id(db), TradeRecords(db))
        return source.estimate(
            strategy,
            params,
            cost=cost,
            hours_to_close=hours_to_close,
            generated_market=generated,
            min_trades=min_trades,
        )

    return lookup
