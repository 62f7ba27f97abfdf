"""Approval re-checks at the fill: re-priced, re-estimated, re-sized; refused (and left pending) when
the price moved against the trader or the edge is gone; a signal that is not validated needs a size.
Hand-built markets and quotes in a real store; the estimate is fixed (its arithmetic is tested in
tests/backtest/test_estimate.py) and validates when its interval's low end is above the cost."""

from __future__ import annotations

import dataclasses

import pytest
from sqlite_utils import Database

from pmtui.config import ConfigError, PaperSettings, Settings, SignalSettings, settings_from_mapping
from pmtui.money import MICROS
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.fill import plan_fill
from pmtui.signals.queue import QueueError, approve, fill_text
from pmtui.signals.store import get_signal
from tests.signals.helpers import T0, FixedEstimate, FixedEstimates, add_market, add_quote

WEATHER = "weather_fade_longshots"
EDGE = FixedEstimates({WEATHER: FixedEstimate(p=0.90, p_low=0.86, p_high=0.93)})
SETTINGS = Settings(paper=PaperSettings(max_per_market=0.05))
NOW = T0 + 60


def signal_at(db: Database, ask: float, estimates: FixedEstimates = EDGE, market: str = "w1") -> int:
    """A weather longshot whose NO asks `ask`; its signal, made at T0."""
    add_market(db, market, yes_price=0.2)
    add_quote(db, market, 1, round(ask - 0.01, 4), ask)
    report = run_signals(db, SETTINGS, estimates, BatchOptions(strategies=(WEATHER,)), now=T0)
    [item] = [i for i in report.items if i.candidate.market_id == market]
    assert item.signal_id is not None
    return item.signal_id


def move_ask(db: Database, ask: float, market: str = "w1") -> None:
    add_quote(db, market, 1, round(ask - 0.01, 4), ask, t=NOW - 1)


def test_an_adverse_move_beyond_the_tolerance_is_refused_and_stays_pending(db: Database) -> None:
    signal_id = signal_at(db, 0.78)
    move_ask(db, 0.80)  # +2¢ against the trader
    plan = plan_fill(db, signal_id, SETTINGS, EDGE, now=NOW)
    assert not plan.ok and plan.price == pytest.approx(0.80)
    assert plan.refusal == (
        f"cannot approve signal #{signal_id}: the price moved against you from 78.0¢ to 80.0¢ "
        "(+2.0¢, more than the 1¢ tolerance); it stays pending"
    )
    with pytest.raises(QueueError, match=r"moved against you from 78\.0¢ to 80\.0¢"):
        approve(db, signal_id, by="t", now=NOW, settings=SETTINGS, estimates=EDGE)
    signal = get_signal(db, signal_id)
    assert signal is not None and signal.status == "pending"
    assert db["paper_positions"].count == 0 and db["signal_decisions"].count == 0


def test_a_small_move_fills_at_the_new_price_with_a_stake_no_larger_than_shown(db: Database) -> None:
    signal_id = signal_at(db, 0.78)
    shown = get_signal(db, signal_id)
    assert shown is not None and shown.stake_micros > 0
    move_ask(db, 0.785)  # +0.5¢: within the tolerance
    plan = plan_fill(db, signal_id, SETTINGS, EDGE, now=NOW)
    assert plan.ok and plan.price == pytest.approx(0.785) and plan.cost_micros <= shown.stake_micros
    approve(db, signal_id, by="t", now=NOW, settings=SETTINGS, estimates=EDGE)
    fill = db.execute("SELECT price_micros, shares_micros FROM paper_fills").fetchone()
    assert fill == (785_000, plan.shares_micros)
    cost = db.execute("SELECT cost_micros FROM paper_positions").fetchone()[0]
    assert cost == plan.cost_micros <= shown.stake_micros
    assert (
        fill_text(db, signal_id)
        == f"{plan.shares_micros / MICROS:,.2f} No @ 78.5¢ for ${cost / MICROS:,.2f} incl. fee $0.00"
    )
    decision = db.execute("SELECT action, price FROM signal_decisions").fetchone()
    assert decision == ("approve", pytest.approx(0.785))


def test_a_favourable_move_spends_no_more_than_the_row_showed(db: Database) -> None:
    signal_id = signal_at(db, 0.78)
    shown = get_signal(db, signal_id)
    assert shown is not None and shown.stake_micros == 50 * MICROS  # Kelly hit the 5% market cap
    wide = dataclasses.replace(SETTINGS, paper=PaperSettings(max_per_market=0.5, max_per_cluster=0.5))
    move_ask(db, 0.70)  # 8¢ cheaper: Kelly would stake more now, and the caps would allow it
    plan = plan_fill(db, signal_id, wide, EDGE, now=NOW)
    assert plan.ok and plan.limited_by == "shown" and plan.cost_micros <= shown.stake_micros


def test_the_tolerance_is_the_setting(db: Database) -> None:
    signal_id = signal_at(db, 0.78)
    move_ask(db, 0.80)
    loose = dataclasses.replace(SETTINGS, signals=SignalSettings(approve_tolerance=0.05))
    assert plan_fill(db, signal_id, loose, EDGE, now=NOW).ok
    strict = dataclasses.replace(SETTINGS, signals=SignalSettings(approve_tolerance=0.0))
    move_ask(db, 0.781)
    assert not plan_fill(db, signal_id, strict, EDGE, now=NOW).ok


@pytest.mark.parametrize("value", [-0.01, 0.5, 2])
def test_a_bad_tolerance_is_a_config_error(value: float) -> None:
    with pytest.raises(ConfigError, match=r"signals\.approve_tolerance"):
        settings_from_mapping({"signals": {"approve_tolerance": value}})


def test_an_edge_that_is_gone_is_refused(db: Database) -> None:
    signal_id = signal_at(db, 0.78)
    move_ask(db, 0.785)
    thin = FixedEstimates({WEATHER: FixedEstimate(p=0.80, p_low=0.74, p_high=0.85)})  # the backtest changed
    plan = plan_fill(db, signal_id, SETTINGS, thin, now=NOW)
    assert not plan.ok
    assert plan.refusal is not None and "the edge is gone at 78.5¢: no edge: return [" in plan.refusal


def test_a_signal_that_is_not_validated_needs_a_size_and_spends_exactly_it(db: Database) -> None:
    signal_id = signal_at(db, 0.78, estimates=FixedEstimates())  # no backtest: stake 0
    plan = plan_fill(db, signal_id, SETTINGS, FixedEstimates(), now=NOW)
    assert not plan.ok and plan.needs_size
    assert "it is not validated (no backtest yet), so pmtui sizes it at zero" in (plan.refusal or "")
    with pytest.raises(QueueError, match="sizes it at zero"):
        approve(db, signal_id, by="t", now=NOW, settings=SETTINGS, estimates=FixedEstimates())
    sized = plan_fill(db, signal_id, SETTINGS, FixedEstimates(), now=NOW, stake_micros=10 * MICROS)
    assert sized.ok and sized.limited_by == "size" and sized.cost_micros <= 10 * MICROS
    approve(
        db,
        signal_id,
        by="t",
        now=NOW,
        settings=SETTINGS,
        estimates=FixedEstimates(),
        stake_micros=10 * MICROS,
    )
    assert db.execute("SELECT cost_micros FROM paper_positions").fetchone()[0] == sized.cost_micros


def test_a_size_under_the_minimum_order_is_refused_not_raised(db: Database) -> None:
    signal_id = signal_at(db, 0.78, estimates=FixedEstimates())
    plan = plan_fill(db, signal_id, SETTINGS, FixedEstimates(), now=NOW, stake_micros=2 * MICROS)
    assert not plan.ok and plan.refusal is not None
    assert (
        "$2.00 buys 2.56 shares at 78.0¢, under the market's minimum order of 5; a size of at least $3.90"
        in plan.refusal
    )


def test_a_size_is_held_to_the_caps(db: Database) -> None:
    signal_id = signal_at(db, 0.78, estimates=FixedEstimates())
    plan = plan_fill(db, signal_id, SETTINGS, FixedEstimates(), now=NOW, stake_micros=500 * MICROS)
    assert plan.ok and plan.limited_by == "market" and plan.cost_micros <= 50 * MICROS


def test_without_a_fresh_price_nothing_fills(db: Database) -> None:
    signal_id = signal_at(db, 0.78)
    later = NOW + int(SETTINGS.signals.max_price_age) + 10  # the quote and the display price are stale
    plan = plan_fill(db, signal_id, SETTINGS, EDGE, now=later)
    assert not plan.ok and "no price of No from the last 60 min" in (plan.refusal or "")


def test_a_market_with_an_unknown_fee_schedule_is_charged_the_highest_rate_and_says_so(db: Database) -> None:
    """Fees on, schedule unknown (Gamma's feesEnabled without a feeSchedule): the fill is charged at
    0.07 × q(1 − q) a share, never nothing, and the one-line summary says the rate was assumed."""
    add_market(db, "w1", yes_price=0.2, fee_rate=None)
    add_quote(db, "w1", 1, 0.77, 0.78)
    report = run_signals(db, SETTINGS, EDGE, BatchOptions(strategies=(WEATHER,)), now=T0)
    [item] = [i for i in report.items if i.candidate.market_id == "w1"]
    assert item.signal_id is not None
    plan = plan_fill(db, item.signal_id, SETTINGS, EDGE, now=NOW)
    assert plan.ok and plan.fee_assumed
    per_share = 0.07 * 0.78 * 0.22
    assert plan.fee_micros == pytest.approx(plan.shares_micros / MICROS * per_share * MICROS, abs=10)
    assert "rate unknown, charged at 0.07" in plan.summary()
    add_market(db, "w2", yes_price=0.2, fee_rate=0.0)
    add_quote(db, "w2", 1, 0.77, 0.78)
    report = run_signals(db, SETTINGS, EDGE, BatchOptions(strategies=(WEATHER,)), now=T0)
    [free] = [i for i in report.items if i.candidate.market_id == "w2"]
    assert free.signal_id is not None
    plan = plan_fill(db, free.signal_id, SETTINGS, EDGE, now=NOW)
    assert plan.ok and not plan.fee_assumed and plan.fee_micros == 0 and "rate unknown" not in plan.summary()
