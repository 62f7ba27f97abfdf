"""The lookup `pmtui signals` and the monitor use, end to end: a backtest run by the engine and
stored is what validates and sizes a signal, only when it may speak for the strategy."""

from __future__ import annotations

from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.runner import run_backtest
from pmtui.config import Settings
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.estimates import backtest_estimates
from pmtui.strategies.params import resolve_params
from pmtui.strategies.registry import get_strategy
from tests.backtest.helpers import DAY, market, store
from tests.signals.helpers import T0, add_market, add_quote

END = T0 - 30 * DAY
TRADES = 200


def backtest_fade_longshots(
    db: Database, *, source: str = "import", params: dict[str, float] | None = None, wins: int = TRADES
) -> str:
    """Longshots at YES 0.05 a week before their end (NO costs 0.96 with the 1¢ cost): NO wins
    `wins` times out of TRADES."""
    store(
        db,
        *[
            market(
                f"{source}-old-{k:03d}",
                [(END - 7 * DAY, 0.05)],
                end=END,
                winner=1 if k < wins else 0,
                category="Other",
                source=source,
            )
            for k in range(TRADES)
        ],
    )
    resolved = resolve_params("fade_longshots", None, params)
    spec = StrategySpec(get_strategy("fade_longshots"), resolved)
    run_id = run_backtest(db, BacktestConfig(strategies=(spec,))).run_id
    assert run_id is not None
    return run_id


def live_longshot(db: Database, *, source: str = "api") -> None:
    """An open longshot a week from its end: its NO asks 0.95."""
    add_market(db, "live", category="Other", yes_price=0.05, source=source)
    add_quote(db, "live", 1, 0.94, 0.95)


def fade_signal(db: Database, overrides: dict[str, dict[str, float]] | None = None) -> Any:
    """The dry-run proposal of fade_longshots on the live market."""
    options = BatchOptions(
        at=T0, strategies=("fade_longshots",), param_overrides=overrides or {}, dry_run=True
    )
    report = run_signals(db, Settings(), backtest_estimates(), options)
    [item] = [i for i in report.items if i.candidate.market_id == "live"]
    return item.candidate


def test_a_stored_backtest_validates_and_sizes_the_signal(db: Database) -> None:
    run_id = backtest_fade_longshots(db)
    live_longshot(db)
    signal = fade_signal(db)
    estimate = signal.estimate
    # 200 NO wins in 200 at cost 0.96, a prior of 20 trades at the live cost 0.95 (one loss).
    assert estimate.validated and estimate.run_id == run_id
    assert (estimate.n, estimate.wins, estimate.losses) == (TRADES, TRADES, 0)
    assert estimate.p == pytest.approx((19 + 200) / (20 + 200))
    assert estimate.p_interval[0] > 0.95 and estimate.reason.startswith("edge: return [+")
    assert estimate.matched_on["horizon"] == "7d" and estimate.matched_on["hours_to_close"] == 168.0
    assert signal.edge == pytest.approx(estimate.p - 0.95)
    assert signal.stake_micros > 0


def test_a_strategy_without_edge_gets_no_stake(db: Database) -> None:
    backtest_fade_longshots(db, wins=190)  # 95% wins at cost 0.96: break-even or worse
    live_longshot(db)
    signal = fade_signal(db)
    assert not signal.estimate.validated and signal.stake_micros == 0
    assert signal.estimate.reason.startswith("no edge: return [-")


def test_a_backtest_on_demo_data_or_other_parameters_does_not_validate(db: Database) -> None:
    other = backtest_fade_longshots(db, params={"max_price": 0.2})  # real data, other parameters
    live_longshot(db)
    signal = fade_signal(db)  # the default parameters have no real-data backtest
    assert not signal.estimate.validated and signal.stake_micros == 0
    assert signal.estimate.run_id == other
    assert signal.estimate.reason.startswith(
        f"not validated: {other} cannot validate: other parameters: max_price 0.2 ≠ live 0.1"
    )
    demo = backtest_fade_longshots(db, source="demo")  # default parameters, but on demo markets too
    signal = fade_signal(db)
    assert not signal.estimate.validated and signal.stake_micros == 0
    # Both runs may not speak; the newest is named (both were stored within the same second).
    assert signal.estimate.run_id in (other, demo)
    assert "cannot validate: " in signal.estimate.reason
    override = fade_signal(db, {"fade_longshots": {"max_price": 0.2}})
    assert override.estimate.validated and override.estimate.run_id == other


def test_a_demo_market_may_be_validated_by_a_demo_backtest_and_says_so(db: Database) -> None:
    """`pmtui demo && pmtui --offline` shows sized signals on made-up markets from a backtest on
    made-up markets, labelled generated; the same backtest never validates a real market (above)."""
    backtest_fade_longshots(db, source="demo")
    live_longshot(db, source="demo")
    signal = fade_signal(db)
    assert signal.estimate.validated and signal.stake_micros > 0
    assert signal.estimate.generated_data is True and signal.estimate.to_json()["generated_data"] is True
