"""The lookup `pmtui signals` and the monitor use: a strategy's latest stored backtest on real data,
run with the same parameters, is what validates and sizes its signals."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.metrics import wilson_interval
from pmtui.backtest.runner import run_backtest
from pmtui.config import Settings
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.estimates import backtest_estimates
from pmtui.strategies.params import resolve_params
from pmtui.strategies.registry import get_strategy
from tests.backtest.helpers import DAY, market, store
from tests.signals.helpers import T0, add_market, add_quote

END = T0 - 30 * DAY
WINS, LOSSES = 38, 2


def backtest_fade_longshots(
    db: Database, *, source: str = "import", params: dict[str, float] | None = None
) -> None:
    """Longshots at YES 0.05 a week before their end, NO winning 38 times out of 40."""
    store(
        db,
        *[
            market(
                f"{source}-old-{k:02d}",
                [(END - 7 * DAY, 0.05)],
                end=END,
                winner=1 if k < WINS else 0,
                category="Other",
                source=source,
            )
            for k in range(WINS + LOSSES)
        ],
    )
    resolved = resolve_params("fade_longshots", None, params)
    spec = StrategySpec(get_strategy("fade_longshots"), resolved)
    assert run_backtest(db, BacktestConfig(strategies=(spec,))).run_id is not None


def live_longshot(db: Database, *, source: str = "api") -> None:
    add_market(db, "live", category="Other", yes_price=0.05, source=source)
    add_quote(db, "live", 1, 0.93, 0.94)


def fade_signal(db: Database, overrides: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
    """The dry-run proposal of fade_longshots on the live market."""
    options = BatchOptions(
        at=T0, strategies=("fade_longshots",), param_overrides=overrides or {}, dry_run=True
    )
    report = run_signals(db, Settings(), backtest_estimates(), options)
    [item] = [i for i in report.items if i.candidate.market_id == "live"]
    c = item.candidate
    return {
        "validated": c.estimate.validated,
        "p": c.estimate.p,
        "source": c.estimate.source,
        "edge": c.edge,
        "stake": c.stake_micros,
    }


def test_a_stored_backtest_validates_and_sizes_the_signal(db: Database) -> None:
    backtest_fade_longshots(db)
    live_longshot(db)
    signal = fade_signal(db)
    low, high = wilson_interval(WINS, WINS + LOSSES)
    assert signal["validated"] is True and signal["p"] == WINS / (WINS + LOSSES)
    source = signal["source"]
    assert source["n"] == WINS + LOSSES
    assert (source["ci_low"], source["ci_high"]) == (round(low, 6), round(high, 6))
    assert signal["edge"] == WINS / (WINS + LOSSES) - 0.94
    assert signal["stake"] > 0


def test_a_backtest_on_demo_data_or_other_parameters_does_not_validate(db: Database) -> None:
    backtest_fade_longshots(db, params={"max_price": 0.2})  # real data, other parameters
    backtest_fade_longshots(db, source="demo")  # default parameters, but the run touches demo markets
    live_longshot(db)
    signal = fade_signal(db)  # the default parameters have no real-data backtest
    assert signal["validated"] is False and signal["stake"] == 0
    assert signal["source"] == {"reason": "no backtest yet"}
    override = fade_signal(db, {"fade_longshots": {"max_price": 0.2}})
    assert override["validated"] is True


def test_a_demo_market_may_be_validated_by_a_demo_backtest_and_says_so(db: Database) -> None:
    """`pmtui demo && pmtui` shows sized signals on made-up markets from a backtest on made-up
    markets, labelled generated; the same backtest never validates a real market (test above)."""
    backtest_fade_longshots(db, source="demo")
    live_longshot(db, source="demo")
    signal = fade_signal(db)
    assert signal["validated"] is True and signal["stake"] > 0
    assert signal["source"]["generated_data"] is True
    assert signal["source"]["n"] == WINS + LOSSES
