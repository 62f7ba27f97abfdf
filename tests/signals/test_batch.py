"""The batch signal processor on hand-built markets in a real SQLite store."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from pmtui.config import ConfigError, Settings
from pmtui.money import MICROS
from pmtui.paper.sizing import Caps, size_stake
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.queue import list_signals
from tests.signals.helpers import T0, FixedEstimate, FixedEstimates, add_market, add_quote

SETTINGS = Settings()
WEATHER = "weather_fade_longshots"
ONLY_WEATHER = BatchOptions(strategies=(WEATHER,))
GOOD = FixedEstimate(p=0.9, p_low=0.87, p_high=0.93)


def run(db: Database, estimates: FixedEstimates | None = None, **options: object) -> object:
    opts = {"strategies": (WEATHER,), **options}
    return run_signals(db, SETTINGS, estimates or FixedEstimates(), BatchOptions(**opts), now=T0 + 5)  # type: ignore[arg-type]


def pending(db: Database) -> list:
    return list_signals(db, status="pending")


def test_unvalidated_signal_from_display_price(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    report = run(db)
    [item] = report.items
    c = item.candidate
    assert item.change == "new" and item.signal_id is not None
    assert (c.outcome_index, c.outcome, c.token_id) == (1, "No", "w1-t1")
    assert c.price == pytest.approx(0.75) and c.price_source == "display"
    # No book known: slippage (settings.paper.cost) is added to the display price; no fee schedule.
    assert c.cost == pytest.approx(0.75 + SETTINGS.paper.cost)
    assert not c.estimate.validated and c.estimate.p is None and c.edge is None
    assert c.stake_micros == 0 and c.score is None
    assert c.estimate.reason == "no backtest yet" and c.estimate.run_id is None
    [signal] = pending(db)
    assert signal.id == item.signal_id and signal.validated is False and signal.est_win_prob is None
    assert signal.rationale == "temperature YES 25¢ is below 30¢: fade it, buy NO"
    assert signal.decision_t == T0 and signal.created == T0 + 5
    assert signal.expires == T0 + int(SETTINGS.signals.expiry)


def test_validated_signal_is_priced_from_the_book_and_sized_by_kelly(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25, fee_rate=0.05, fee_exponent=1)
    add_quote(db, "w1", 0, 0.24, 0.26)
    add_quote(db, "w1", 1, 0.74, 0.77)
    estimates = FixedEstimates({WEATHER: GOOD})
    [item] = run(db, estimates).items
    c = item.candidate
    assert (c.price, c.price_source) == (0.77, "book_ask")
    fee = 0.05 * 0.77 * 0.23
    assert c.fee == pytest.approx(fee) and c.cost == pytest.approx(0.77 + fee)
    assert c.estimate.validated and c.estimate.p == 0.9
    assert c.edge == pytest.approx(0.9 - 0.77 - fee)
    assert c.score == pytest.approx(c.edge * (1 - (0.93 - 0.87)))
    expected = size_stake(
        p=0.9,
        cost=c.cost,
        bankroll_micros=int(SETTINGS.paper.bankroll * MICROS),
        kelly_multiplier=SETTINGS.paper.kelly_fraction,
        caps=Caps(
            SETTINGS.paper.max_per_market, SETTINGS.paper.max_per_cluster, SETTINGS.paper.max_per_category
        ),
    )
    assert c.stake_micros == expected.stake_micros > 0
    # The estimate was asked for this strategy, this trade's all-in cost and its time to close.
    assert estimates.calls == [(WEATHER, round(0.77 + fee, 6), 7 * 24.0)]
    [signal] = pending(db)
    assert signal.est_source == c.estimate.to_json() and signal.est_source["run_id"] == "run-1"


def test_no_book_for_the_outcome_uses_one_minus_the_other_bid(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    add_quote(db, "w1", 0, 0.22, 0.27)  # only the YES book is known
    [item] = run(db).items
    assert item.candidate.price_source == "book_1-bid"
    assert item.candidate.price == pytest.approx(0.78)
    assert item.candidate.cost == pytest.approx(0.78)  # a book price: no slippage added


def test_gamma_best_bid_ask_when_no_quote(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25, best_bid=0.24, best_ask=0.26)
    [item] = run(db).items
    assert (item.candidate.price_source, item.candidate.price) == ("gamma_book", pytest.approx(0.76))


def test_book_mid_drives_the_decision_and_wide_spreads_do_not(db: Database) -> None:
    add_market(db, "w1", yes_price=0.35)  # display says 0.35: no signal on its own
    add_quote(db, "w1", 0, 0.27, 0.29, t=T0 + 60)  # fresher book: mid 0.28 < 0.30
    assert len(run(db, at=T0 + 60).items) == 1
    add_market(db, "w2", yes_price=0.35)
    add_quote(db, "w2", 0, 0.01, 0.55, t=T0 + 60)  # spread 0.54: mid is meaningless
    assert [i.candidate.market_id for i in run(db, at=T0 + 60, dry_run=True).items] == ["w1"]


def test_no_price_after_the_evaluation_time_is_used(db: Database) -> None:
    add_market(db, "w1", yes_price=0.35)
    add_quote(db, "w1", 0, 0.27, 0.29, t=T0 + 600)
    # At T0 the quote did not exist yet: the display price (0.35) is all that was known.
    assert run(db, at=T0, dry_run=True).items == []
    assert len(run(db, at=T0 + 600, dry_run=True).items) == 1


def test_stale_prices_are_not_evaluated(db: Database) -> None:
    add_market(db, "old", yes_price=0.1, updated_at=T0 - int(SETTINGS.signals.max_price_age) - 1)
    add_market(db, "new", yes_price=0.1, updated_at=T0)
    report = run(db, dry_run=True)
    assert [i.candidate.market_id for i in report.items] == ["new"]
    assert report.skipped["no_fresh_price"] == 1


def test_evaluation_time_defaults_to_the_freshest_price(db: Database) -> None:
    add_market(db, "w1", yes_price=0.1, updated_at=T0 - 100)
    add_quote(db, "w1", 0, 0.09, 0.11, t=T0)
    assert run(db, dry_run=True).at == T0


def test_no_edge_is_queued_at_stake_zero_with_its_reason(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    losing = FixedEstimate(p=0.70, p_low=0.65, p_high=0.75)  # NO costs 0.76 all-in
    [item] = run(db, FixedEstimates({WEATHER: losing})).items
    c = item.candidate
    assert not c.estimate.validated and c.stake_micros == 0 and c.score is None
    assert c.edge == pytest.approx(0.70 - 0.76)
    assert c.estimate.reason == "no edge: return [-14.5%, -1.3%] on 400 similar trades"
    [signal] = pending(db)
    assert signal.validated is False and signal.stake_micros == 0
    assert signal.est_source["reason"] == c.estimate.reason and signal.edge == pytest.approx(c.edge)


def test_ranking_validated_by_score_then_unvalidated(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25, volume_24h=10.0)
    add_market(db, "w2", yes_price=0.15, volume_24h=10.0)
    add_market(db, "w3", yes_price=0.05, volume_24h=20.0)  # NO at 0.95 + slippage: no edge at 0.9
    add_market(db, "x1", yes_price=0.05, category="Politics", volume_24h=9.0)
    add_market(db, "x2", yes_price=0.05, category="Politics", volume_24h=500.0)
    estimates = FixedEstimates({WEATHER: GOOD})
    report = run(db, estimates, strategies=(WEATHER, "fade_longshots"))
    order = [(i.candidate.market_id, i.candidate.strategy) for i in report.ranked()]
    # Weather is validated on w1 (NO at 0.75, more edge) before w2 (NO at 0.85); at w3 (NO at 0.96)
    # its estimate shows no edge. fade_longshots has no backtest. The unvalidated come last, by 24h
    # volume (x2, both on w3, x1), unstaked.
    assert order == [
        ("w1", WEATHER),
        ("w2", WEATHER),
        ("x2", "fade_longshots"),
        ("w3", "fade_longshots"),
        ("w3", WEATHER),
        ("x1", "fade_longshots"),
    ]
    staked = {(i.candidate.market_id, i.candidate.strategy) for i in report.items if i.candidate.stake_micros}
    assert staked == {("w1", WEATHER), ("w2", WEATHER)}


def test_rerun_is_unchanged_then_updated_then_expired(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    [first] = run(db).items
    [again] = run(db, at=T0).items
    assert again.change == "unchanged" and again.signal_id == first.signal_id
    add_market(db, "w1", yes_price=0.2, updated_at=T0 + 60)
    [moved] = run(db).items
    assert moved.change == "updated" and moved.signal_id == first.signal_id
    [signal] = pending(db)
    assert signal.price == pytest.approx(0.8) and signal.rationale.endswith("buy NO")
    assert signal.expires == T0 + 60 + int(SETTINGS.signals.expiry)
    add_market(db, "w1", yes_price=0.31, updated_at=T0 + 120)
    report = run(db)
    assert report.items == [] and pending(db) == []
    [(signal_id, reason)] = report.expired
    assert signal_id == first.signal_id
    assert reason == "condition no longer holds (weather_fade_longshots does not propose No at YES 31¢)"
    [expired] = list_signals(db, status="expired")
    assert expired.status_reason == reason and expired.status_time == T0 + 5


def test_condition_holding_again_makes_a_new_signal(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    [first] = run(db).items
    add_market(db, "w1", yes_price=0.5, updated_at=T0 + 60)
    run(db)
    add_market(db, "w1", yes_price=0.2, updated_at=T0 + 120)
    [second] = run(db).items
    assert second.change == "new" and second.signal_id != first.signal_id


def test_resolved_or_closed_markets_expire_their_signals(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    add_market(db, "w2", yes_price=0.25)
    run(db)
    add_market(db, "w1", yes_price=1.0, closed=True, resolution="resolved", winner=0, updated_at=T0 + 60)
    add_market(db, "w2", yes_price=0.25, closed=True, updated_at=T0 + 60)
    report = run(db)
    assert sorted(reason for _, reason in report.expired) == ["market closed", "market resolved"]
    assert pending(db) == []


def test_expiry_time_passes(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    run(db)
    later = T0 + int(SETTINGS.signals.expiry) + 1
    report = run_signals(
        db, SETTINGS, FixedEstimates(), BatchOptions(strategies=(WEATHER,), market_ids=()), now=later
    )
    assert report.expired == [(1, "expiry time passed")]


def test_expiry_never_past_the_market_end(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25, end_date=T0 + 3600)
    [item] = run(db, dry_run=True).items
    assert item.candidate.expires == T0 + 3600


def test_dedupe_by_id_and_condition(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25, condition_id="0xsame")
    add_market(db, "w2", yes_price=0.25, condition_id="0xsame")  # same market under two ids
    add_market(db, "w3", yes_price=0.25)
    report = run(db, market_ids=("w1", "w1", "w2", "w3", "zz"), dry_run=True)
    assert report.input_items == 5
    assert (report.duplicate_ids, report.duplicate_conditions) == (1, 1)
    assert report.unique_items == 2 and report.skipped["not_in_store"] == 1
    assert sorted(i.candidate.market_id for i in report.items) == ["w1", "w3"]


def test_clusters_group_markets(db: Database) -> None:
    for m in ("a", "b", "c"):
        add_market(
            db,
            m,
            yes_price=0.25,
            cluster_id="nyc-temp-feb-7",
            event_id="e1",
            event_title="Highest temperature in NYC on February 7?",
        )
    add_market(db, "d", yes_price=0.25, event_id="e2")
    add_market(db, "e", yes_price=0.25)
    report = run(db, dry_run=True)
    groups = {cid: sorted(m.id for m in c.members) for cid, c in report.clusters.items()}
    # The stored cluster is kept; markets the taxonomy has not seen yet get its ids in memory: their
    # own event's family for d, a one-market template family for e.
    assert groups["nyc-temp-feb-7"] == ["a", "b", "c"]
    assert sorted(groups.values()) == [["a", "b", "c"], ["d"], ["e"]]
    assert next(cid for cid, ids in groups.items() if ids == ["d"]).startswith("ev-")
    assert report.clusters["nyc-temp-feb-7"].summary() == "Highest temperature in NYC on February 7?"


def test_approved_or_rejected_trades_are_not_proposed_again(db: Database) -> None:
    from pmtui.signals.queue import approve, reject

    add_market(db, "w1", yes_price=0.25)
    add_market(db, "w2", yes_price=0.25)
    first = run(db)
    ids = {i.candidate.market_id: i.signal_id for i in first.items}
    approve(db, ids["w1"], by="me", now=T0 + 6, stake_micros=10 * MICROS)  # not validated: a size
    reject(db, ids["w2"], by="me", now=T0 + 6)
    again = run(db)
    assert again.items == [] and again.skipped["already_decided"] == 2


def test_dry_run_writes_nothing(db: Database) -> None:
    add_market(db, "w1", yes_price=0.25)
    report = run(db, dry_run=True)
    assert [(i.change, i.signal_id) for i in report.items] == [("new", None)]
    assert db.execute("SELECT COUNT(*) FROM signals").fetchone()[0] == 0
    run(db)
    [item] = run(db, dry_run=True).items
    assert item.change == "unchanged" and item.signal_id == 1


def test_batches_and_plan(db: Database) -> None:
    for i in range(120):
        add_market(db, f"m{i:03d}", yes_price=0.25 if i % 4 == 0 else 0.5, volume_24h=float(i))
    report = run(db, batch_size=50, max_batches=2, dry_run=True)
    assert report.batches_run == 2 and report.markets_evaluated == 100
    assert report.stop_reason == "max_batches" and report.remaining == 20
    # Highest 24h volume first: m119..m020 evaluated; proposals are the multiples of 4 among them.
    assert len(report.items) == 25
    # 25 proposals per 100 markets: one page (50) per 200 markets.
    assert report.recommended_batch_size(50) == 200
    full = run(db, batch_size=50, dry_run=True)
    assert full.stop_reason == "all_markets_evaluated" and full.remaining == 0 and full.batches_run == 3


def test_bad_options_are_config_errors(db: Database) -> None:
    with pytest.raises(ConfigError, match="unknown strategy"):
        run(db, strategies=("nope",))
    with pytest.raises(ConfigError, match="between 50 and 300"):
        run(db, batch_size=10)
    with pytest.raises(ConfigError, match="unknown parameter"):
        run(db, param_overrides={WEATHER: {"max_yes": "0.2"}})


def test_param_override_changes_the_condition(db: Database) -> None:
    add_market(db, "w1", yes_price=0.35)
    assert run(db, dry_run=True).items == []
    [item] = run(db, dry_run=True, param_overrides={WEATHER: {"max_yes_price": "0.4"}}).items
    assert item.candidate.params["max_yes_price"] == 0.4


def test_crypto_favorite_fade_reads_the_live_ladder(db: Database) -> None:
    """The rungs of one ladder in the store, priced now: NO on those far above the implied median."""
    for threshold, price in ((100_000, 0.80), (120_000, 0.55), (150_000, 0.30), (200_000, 0.10)):
        add_market(
            db,
            f"btc{threshold}",
            question=f"Will Bitcoin reach ${threshold:,} by December 31, 2026?",
            category="Crypto/BTC-Price",
            cluster_id="btc-ladder-2026",
            features={
                "asset": "BTC",
                "threshold": float(threshold),
                "direction": "reach",
                "deadline": "2026-12-31",
            },
            yes_price=price,
        )
    add_market(db, "stale", question="Will Bitcoin reach $300,000 by December 31, 2026?", category="Crypto/BTC-Price",
               cluster_id="btc-ladder-2026", yes_price=0.02, updated_at=T0 - 7200,
               features={"asset": "BTC", "threshold": 300_000.0, "direction": "reach", "deadline": "2026-12-31"})  # fmt: skip
    report = run(db, strategies=("crypto_favorite_fade",), dry_run=True)
    proposed = {i.candidate.market_id: i.candidate for i in report.items}
    assert set(proposed) == {"btc200000"}  # $150K is 20% above the median; the stale rung is not priced now
    assert proposed["btc200000"].outcome == "No"
    assert "59% above the ladder's implied median $125,477, 4 rungs" in proposed["btc200000"].rationale
