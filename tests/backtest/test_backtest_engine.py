"""The engine on hand-built markets: entry price, staleness, anchors, costs, fees, voids, skips."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlite_utils import Database

from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.engine import StrategyRows, reason_name
from pmtui.backtest.loader import load_market_data
from pmtui.backtest.runner import BacktestCancelled, BacktestResult, run_backtest
from pmtui.store import connect
from tests.backtest.helpers import (
    DAY,
    T0,
    BuyNoBelow,
    BuyYes,
    Fails,
    Recorder,
    WeatherOnly,
    market,
    store,
)

END = T0 + 10 * DAY
DECISION = END - 7 * DAY  # the default horizon counts back from the end date


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return connect(tmp_path / "bt.sqlite")


def run(db: Database, *specs: StrategySpec, **config: Any) -> BacktestResult:
    return run_backtest(db, BacktestConfig(strategies=specs, **config), store=False)


def rows_by_market(result: BacktestResult, strategy: str) -> dict[str, dict[str, Any]]:
    assert result.data is not None
    rows: StrategyRows = next(r for r in result.rows if r.spec.name == strategy)
    out = {}
    for j, i in enumerate(rows.market_index.tolist()):
        out[result.data.ids[i]] = {
            "reason": reason_name(int(rows.reason[j])),
            "outcome": int(rows.outcome[j]),
            "yes_price": float(rows.yes_price[j]),
            "price_t": float(rows.price_t[j]),
            "price": float(rows.price[j]),
            "cost": float(rows.cost[j]),
            "won": float(rows.won[j]),
            "ret": float(rows.ret[j]),
            "decision_t": float(rows.decision_t[j]),
        }
    return out


def result_of(result: BacktestResult, strategy: str) -> dict[str, Any]:
    return next(r for r in result.document["results"] if r["strategy"] == strategy)


BUY_YES = StrategySpec(BuyYes(), {})
BUY_NO = StrategySpec(BuyYes(), {"side": 1})


def test_entry_price_is_the_last_point_at_or_before_the_decision_time(db: Database) -> None:
    store(
        db,
        market("exact", [(T0, 0.2), (DECISION - 1, 0.3), (DECISION, 0.4), (DECISION + 1, 0.9)], end=END),
        market("before", [(T0, 0.2), (DECISION - 60, 0.35), (DECISION + 1, 0.9), (END - 1, 0.99)], end=END),
        market("late", [(DECISION + 1, 0.5), (END - 1, 0.6)], end=END),
    )
    rows = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    assert rows["exact"]["yes_price"] == 0.4 and rows["exact"]["price_t"] == DECISION
    assert rows["before"]["yes_price"] == 0.35 and rows["before"]["price_t"] == DECISION - 60
    assert rows["late"]["reason"] == "no_price"  # its first point came after the decision
    assert rows["exact"]["decision_t"] == DECISION


def test_horizons_and_open(db: Database) -> None:
    store(db, market("m", [(T0, 0.1), (END - 30 * 3600, 0.5), (END - 2 * 3600, 0.8)], end=END))
    assert rows_by_market(run(db, BUY_YES, horizon="24h"), "t_buy_yes")["m"]["yes_price"] == 0.5
    assert rows_by_market(run(db, BUY_YES, horizon="90m"), "t_buy_yes")["m"]["yes_price"] == 0.8
    opened = rows_by_market(run(db, BUY_YES, horizon="open", max_staleness=30 * DAY), "t_buy_yes")["m"]
    assert opened["yes_price"] == 0.1 and opened["decision_t"] == T0


def test_staleness(db: Database) -> None:
    store(
        db,
        market("fresh", [(DECISION - 3 * DAY, 0.4)], end=END),
        market("stale", [(DECISION - 3 * DAY - 1, 0.4)], end=END),
    )
    rows = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    assert rows["fresh"]["reason"] is None  # exactly max-staleness old is still usable
    assert rows["stale"]["reason"] == "stale"
    rows = rows_by_market(run(db, BUY_YES, max_staleness=4 * DAY), "t_buy_yes")
    assert rows["stale"]["reason"] is None


def test_costs_and_returns_by_hand(db: Database) -> None:
    store(
        db,
        market("yes_won", [(DECISION, 0.4)], end=END, winner=0),
        market("no_won", [(DECISION, 0.4)], end=END, winner=1),
    )
    yes = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    assert yes["yes_won"]["price"] == 0.4
    assert yes["yes_won"]["cost"] == pytest.approx(0.41)
    assert yes["yes_won"]["ret"] == pytest.approx(1 / 0.41 - 1)
    assert yes["no_won"]["ret"] == -1.0 and yes["no_won"]["won"] == 0.0
    no = rows_by_market(run(db, BUY_NO, cost=0.02), "t_buy_yes")
    assert no["no_won"]["price"] == pytest.approx(0.6)  # buying outcome 1 costs 1 - p
    assert no["no_won"]["cost"] == pytest.approx(0.62)
    assert no["no_won"]["ret"] == pytest.approx(1 / 0.62 - 1)
    summary = result_of(run(db, BUY_YES), "t_buy_yes")
    assert summary["trades"] == 2 and summary["wins"] == 1 and summary["losses"] == 1
    assert summary["total_pnl"] == pytest.approx(1 / 0.41 - 2, abs=1e-6)
    assert summary["avg_cost"] == pytest.approx(0.41)
    assert summary["edge"] == pytest.approx(0.5 - 0.41)


FEE_V2_END = 1_780_000_000  # 2026-05-28: after Polymarket's "Fee Structure V2" of 2026-03-30
FEE_V2_DECISION = FEE_V2_END - 7 * DAY


def test_taker_fees_of_the_schedule_in_force(db: Database) -> None:
    at = [(FEE_V2_DECISION, 0.4)]
    store(
        db,
        market("linear", at, end=FEE_V2_END, fee_rate=0.07, fee_exponent=1.0),
        market("squared", at, end=FEE_V2_END, fee_rate=0.07, fee_exponent=2.0),
        market("free", at, end=FEE_V2_END, fee_rate=0.0, fee_exponent=1.0),
        market("unknown", at, end=FEE_V2_END),
    )
    rows = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    # The fee is charged on the price paid, 0.40 + the 1¢ cost, as a paper fill charges it.
    assert rows["linear"]["cost"] == pytest.approx(0.41 + 0.07 * 0.41 * 0.59)
    assert rows["squared"]["cost"] == pytest.approx(0.41 + 0.07 * (0.41 * 0.59) ** 2)
    assert rows["free"]["cost"] == pytest.approx(0.41)
    # Fees on but the schedule unknown: charged the highest published rate, never free.
    assert rows["unknown"]["cost"] == pytest.approx(0.41 + 0.07 * 0.41 * 0.59)


UP_DOWN_15M = {"direction": "up_down", "window_minutes": 15, "asset": "BTC"}
UP_DOWN_5M = {"direction": "up_down", "window_minutes": 5, "asset": "BTC"}


@pytest.mark.parametrize(
    ("decided", "charged"),
    [
        # (decision time, which markets pay: {market: (rate, exponent)})
        (1_766_000_000, {}),  # 2025-12-17: the CLOB was fee-free
        (1_770_000_000, {"btc15": (0.25, 2.0), "btc15_by_type": (0.25, 2.0)}),  # 2026-02: 15-min crypto only
        (
            1_780_000_000,  # 2026-05-28: every market its own (today's) schedule
            {
                "btc15": (0.07, 1.0),
                "btc15_by_type": (0.07, 1.0),
                "btc5": (0.07, 1.0),
                "politics": (0.04, 1.0),
            },
        ),
    ],
)
def test_fees_as_they_were_at_the_decision_time(
    db: Database, decided: int, charged: dict[str, tuple[float, float]]
) -> None:
    at, end = [(decided, 0.4)], decided + 7 * DAY
    store(
        db,
        market(
            "btc15",
            at,
            end=end,
            category="Crypto/BTC-UpDown",
            features=UP_DOWN_15M,
            fee_rate=0.07,
            fee_exponent=1,
        ),
        market(
            "btc15_by_type",
            at,
            end=end,
            category="Crypto",
            fee_type="crypto_15_min",
            fee_rate=0.07,
            fee_exponent=1,
        ),
        market(
            "btc5",
            at,
            end=end,
            category="Crypto/BTC-UpDown",
            features=UP_DOWN_5M,
            fee_rate=0.07,
            fee_exponent=1,
        ),
        market("politics", at, end=end, category="Politics", fee_rate=0.04, fee_exponent=1),
    )
    rows = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    for name, row in rows.items():
        rate, exponent = charged.get(name, (0.0, 1.0))
        assert row["cost"] == pytest.approx(0.41 + rate * (0.41 * 0.59) ** exponent), name


def test_no_edge_and_settled(db: Database) -> None:
    store(
        db,
        market("dear", [(DECISION, 0.95)], end=END),
        market("settled", [(DECISION, 0.995)], end=END),
        market("zero", [(DECISION, 0.0)], end=END),
    )
    rows = rows_by_market(run(db, BUY_YES, cost=0.06), "t_buy_yes")
    assert rows["dear"]["reason"] == "no_edge"  # 0.95 + 0.06 >= 1
    assert rows["settled"]["reason"] == "settled"
    assert rows["zero"]["reason"] == "settled"
    rows = rows_by_market(run(db, BUY_YES, settled_band=0.0), "t_buy_yes")
    assert rows["settled"]["reason"] == "no_edge"  # 0.995 + 0.01 >= 1
    assert rows["zero"]["reason"] == "settled"  # a price of exactly 0 or 1 is always settled


def test_a_void_pays_half_and_is_counted_apart(db: Database) -> None:
    store(
        db,
        market("void", [(DECISION, 0.5)], end=END, winner=None),
        market("win", [(DECISION, 0.5)], end=END, winner=0),
    )
    result = run(db, BUY_YES)
    rows = rows_by_market(result, "t_buy_yes")
    # A 50-50 resolution pays $0.50 a share: bought at 0.51 all-in, it returns 0.5/0.51 − 1.
    assert rows["void"]["reason"] is None and math.isnan(rows["void"]["won"])
    assert rows["void"]["ret"] == pytest.approx(0.5 / 0.51 - 1)
    summary = result_of(result, "t_buy_yes")
    assert (summary["trades"], summary["wins"], summary["losses"], summary["voids"]) == (2, 1, 0, 1)
    assert summary["win_rate"] == 1.0  # voids are neither wins nor losses ...
    assert summary["mean_return"] == pytest.approx((1 / 0.51 - 1 + 0.5 / 0.51 - 1) / 2)  # ... but count
    assert summary["total_pnl"] == pytest.approx(1 / 0.51 - 1 + 0.5 / 0.51 - 1, abs=1e-6)


def test_only_resolved_markets_are_considered(db: Database) -> None:
    store(
        db,
        market("open", [(DECISION, 0.5)], end=END, resolution="unresolved", winner=None),
        market("done", [(DECISION, 0.5)], end=END),
    )
    result = run(db, BUY_YES)
    assert set(rows_by_market(result, "t_buy_yes")) == {"done"}
    assert result_of(result, "t_buy_yes")["considered"] == 1


def test_closed_early_and_the_close_anchor(db: Database) -> None:
    # "... by" market that resolved YES two days after listing, long before end - 7d.
    early = market(
        "early", [(T0, 0.3), (T0 + DAY, 0.35), (T0 + 2 * DAY, 0.99)], end=END + 30 * DAY, closed=T0 + 2 * DAY
    )
    store(db, early)
    rows = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    assert rows["early"]["reason"] == "closed_early"  # no longer open at end - 7d
    rows = rows_by_market(run(db, BUY_YES, anchor="close", horizon="24h"), "t_buy_yes")
    assert rows["early"]["decision_t"] == T0 + DAY  # min(end, closed) - 24h
    assert rows["early"]["yes_price"] == 0.35


def test_not_binary_and_category(db: Database) -> None:
    store(
        db,
        market("three", [(DECISION, 0.5)], end=END, outcomes=("A", "B", "C")),
        market("weather", [(DECISION, 0.5)], end=END, category="Weather/Temperature"),
        market("nba", [(DECISION, 0.5)], end=END, category="Sports/NBA"),
        market("unknown", [(DECISION, 0.5)], end=END, category=None),
        market("lookalike", [(DECISION, 0.5)], end=END, category="Weatherly"),
    )
    rows = rows_by_market(run(db, StrategySpec(WeatherOnly(), {})), "t_weather")
    assert rows["three"]["reason"] == "not_binary"
    assert rows["weather"]["reason"] is None
    assert rows["nba"]["reason"] == "category"
    assert rows["unknown"]["reason"] == "category"  # no category counts as "Other"
    assert rows["lookalike"]["reason"] == "category"


def test_what_a_strategy_sees(db: Database) -> None:
    features = {"asset": "BTC", "threshold": 150000.0, "direction": "reach"}
    store(
        db,
        market(
            "m",
            [(DECISION - 10, 0.42), (DECISION + 10, 0.9)],
            end=END,
            category="Crypto/BTC-Price",
            features=features,
        ),
        market("nocat", [(DECISION, 0.5)], end=END, category=None),
    )
    recorder = Recorder()
    result = run(db, StrategySpec(recorder, {}))
    seen = {ctx.market_id: ctx for ctx in recorder.seen}
    ctx = seen["m"]
    assert (ctx.yes_price, ctx.t, ctx.end_date) == (0.42, DECISION, END)
    assert ctx.category == "Crypto/BTC-Price" and dict(ctx.features) == features
    assert ctx.volume is None and ctx.liquidity is None  # lifetime values are never shown
    assert ctx.outcomes == ("Yes", "No") and ctx.question == "Question m?"
    assert seen["nocat"].category == "Other"
    assert result_of(result, "t_recorder")["skipped"] == {"no_signal": 2}


def test_a_failing_strategy_is_counted_not_fatal(db: Database) -> None:
    store(db, market("bad", [(DECISION, 0.5)], end=END), market("good", [(DECISION, 0.5)], end=END))
    summary = result_of(run(db, StrategySpec(Fails(), {})), "t_fails")
    assert summary["skipped"] == {"error": 1}
    assert summary["trades"] == 1
    assert "bad: ZeroDivisionError: boom" in summary["errors"][0]


def test_filters_split_and_by_category(db: Database) -> None:
    items = []
    for k in range(6):
        end = END + k * 30 * DAY
        category = "Weather/Temperature" if k % 2 else "Sports/NBA"
        items.append(market(f"m{k}", [(end - 7 * DAY, 0.5)], end=end, category=category, winner=k % 2))
    store(db, *items)
    split_at = END - 7 * DAY + 90 * DAY  # m0..m2 decided before, m3..m5 from
    result = run(db, BUY_YES, split=split_at)
    summary = result_of(result, "t_buy_yes")
    assert summary["split"]["before"]["trades"] == 3 and summary["split"]["after"]["trades"] == 3
    assert summary["split"]["before"]["wins"] == 2  # m0, m2 resolved YES
    categories = {c["category"]: c for c in summary["by_category"]}
    assert categories["Sports/NBA"]["wins"] == 3 and categories["Weather/Temperature"]["wins"] == 0
    assert summary["too_few_trades"] is True
    only = run(db, BUY_YES, category="Weather")
    assert result_of(only, "t_buy_yes")["considered"] == 3
    window = run(db, BUY_YES, date_from=END - 7 * DAY + 30 * DAY, date_to=END - 7 * DAY + 60 * DAY)
    assert set(rows_by_market(window, "t_buy_yes")) == {"m1", "m2"}


def test_too_few_trades_flag_flips_at_thirty(db: Database) -> None:
    store(db, *[market(f"m{k:02d}", [(DECISION, 0.5)], end=END) for k in range(30)])
    assert result_of(run(db, BUY_YES), "t_buy_yes")["too_few_trades"] is False
    assert result_of(run(db, BUY_YES, min_trades=31), "t_buy_yes")["too_few_trades"] is True


def test_calibration_of_the_prices_used(db: Database) -> None:
    store(
        db,
        market("a", [(DECISION, 0.05)], end=END, winner=1),
        market("b", [(DECISION, 0.15)], end=END, winner=0),
        market("c", [(DECISION, 0.5)], end=END, winner=None),  # void: no outcome to score
        market("d", [(DECISION - 4 * DAY, 0.5)], end=END, winner=0),  # stale: not a price used
    )
    document = run(db, BUY_YES).document
    assert document["brier_n"] == 2
    assert document["brier"] == pytest.approx((0.05**2 + 0.85**2) / 2)
    buckets = {row["bucket"]: row for row in document["calibration"]}
    assert buckets["0.0-0.1"]["n"] == 1 and buckets["0.1-0.2"]["share_yes"] == 1.0


def test_drawdown_follows_resolution_order(db: Database) -> None:
    # Decided in order a, b, c but resolved c, a, b: P&L in resolution order is -1, +1.5, -1.
    store(
        db,
        market("a", [(T0, 0.39)], end=T0 + 7 * DAY + 10, closed=T0 + 20 * DAY, winner=0),
        market("b", [(T0 + 1, 0.5)], end=T0 + 7 * DAY + 11, closed=T0 + 30 * DAY, winner=1),
        market("c", [(T0 + 2, 0.5)], end=T0 + 7 * DAY + 12, closed=T0 + 10 * DAY, winner=1),
    )
    summary = result_of(run(db, BUY_YES), "t_buy_yes")
    assert summary["total_pnl"] == pytest.approx(1 / 0.4 - 1 - 2)
    assert summary["max_drawdown"] == pytest.approx(1.0)  # 0 -> -1 -> +0.5 -> -0.5


def test_full_and_focused_loads_agree(db: Database) -> None:
    store(
        db,
        market("a", [(T0, 0.2), (DECISION - 5, 0.3), (DECISION + 5, 0.7)], end=END),
        market("b", [(DECISION + 5, 0.7)], end=END),
        market("c", [(T0 - 9 * DAY, 0.6), (DECISION - 4 * DAY, 0.1)], end=END, winner=1),
    )
    config = BacktestConfig(strategies=(BUY_YES, StrategySpec(BuyNoBelow(), {"max_yes": 0.5})), horizon="7d")
    full = load_market_data(db)
    for horizon in ("7d", "24h", "open"):
        import dataclasses

        cfg = dataclasses.replace(config, horizon=horizon)
        focused = run_backtest(db, cfg, store=False).document["results"]
        from_full = run_backtest(db, cfg, data=full, store=False).document["results"]
        assert focused == from_full


def test_focused_data_refuses_another_horizon(db: Database) -> None:
    store(db, market("a", [(DECISION, 0.3)], end=END))
    data = load_market_data(db, focus=(7 * DAY, "end"))
    with pytest.raises(ValueError, match="loaded for"):
        run_backtest(db, BacktestConfig(strategies=(BUY_YES,), horizon="24h"), data=data, store=False)


def test_cancel_stops_the_run_and_stores_nothing(db: Database) -> None:
    store(db, market("a", [(DECISION, 0.3)], end=END))
    with pytest.raises(BacktestCancelled):
        run_backtest(db, BacktestConfig(strategies=(BUY_YES,)), cancelled=lambda: True)
    assert db.execute("SELECT count(*) FROM backtest_runs").fetchone()[0] == 0
    reports: list[tuple[float, str]] = []
    run_backtest(db, BacktestConfig(strategies=(BUY_YES,)), progress=lambda f, m: reports.append((f, m)))
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_kelly_pnl_is_sized_from_earlier_outcomes_only(db: Database) -> None:
    # 40 markets, each decided after the previous resolved; YES always wins at price 0.5.
    items = []
    for k in range(40):
        decide = T0 + k * 10 * DAY
        items.append(market(f"m{k:02d}", [(decide, 0.5)], end=decide + 7 * DAY, closed=decide + 8 * DAY))
    store(db, *items)
    result = run(db, BUY_YES, kelly_min_history=30, kelly_fraction=0.25, kelly_bankroll=100.0)
    rows = next(r for r in result.rows)
    stakes = np.nan_to_num(rows.kelly_stake)
    # The first 30 decisions (and the 31st: the 30th outcome arrives 8 days after it was decided,
    # i.e. before the 31st decision 10 days later) - exactly 30 outcomes known at decision 31.
    assert (stakes[:30] == 0).all()
    edge = 1 - 0.51  # every earlier trade won at cost 0.51
    assert stakes[30] == pytest.approx(100 * 0.25 * min(1.0, edge / (1 - 0.51)))
    assert result_of(result, "t_buy_yes")["kelly_pnl"] == pytest.approx(
        float((stakes * (1 / 0.51 - 1)).sum())
    )


def ladder_market(
    threshold: int, price: float, *, end: int = END, winner: int = 1, decided: int | None = None
) -> Any:
    """A rung of "What price will Bitcoin hit by March 31?" (a real question form; made-up prices)."""
    question = f"Will Bitcoin reach ${threshold:,} by March 31, 2026?"
    write = market(
        f"btc{threshold}",
        [(decided or end - 7 * DAY, price)],
        end=end,
        winner=winner,
        category="Crypto/BTC-Price",
    )
    write.market.question = question
    return write


def test_a_ladder_strategy_sees_its_siblings_as_they_were_and_no_later(db: Database) -> None:
    from pmtui.strategies.params import resolve_params
    from pmtui.strategies.registry import get_strategy

    store(
        db,
        ladder_market(100_000, 0.80, winner=0),
        ladder_market(120_000, 0.55),
        ladder_market(150_000, 0.30),
        ladder_market(200_000, 0.10),
        ladder_market(250_000, 0.05),
    )
    clusters = {r[0] for r in db.execute("SELECT cluster_id FROM markets WHERE id LIKE 'btc%'")}
    assert len(clusters) == 1 and None not in clusters  # the taxonomy put the rungs in one ladder
    fade = StrategySpec(get_strategy("crypto_favorite_fade"), resolve_params("crypto_favorite_fade"))
    rows = rows_by_market(run(db, fade), "crypto_favorite_fade")
    # Median 120,000 × 1.25^0.2 = 125,477: $200K and $250K are over 25% above it, $150K is not.
    traded = {m for m, row in rows.items() if row["reason"] is None}
    assert traded == {"btc200000", "btc250000"}
    assert all(rows[m]["outcome"] == 1 for m in traded)


def test_a_sibling_priced_after_the_decision_is_not_seen(db: Database) -> None:
    from pmtui.strategies.params import resolve_params
    from pmtui.strategies.registry import get_strategy

    # The rungs that make the median end a day later: their decision (and price) comes after the
    # $250K rung's, so at its decision time the $250K rung has no ladder to read.
    later = END + DAY
    store(
        db,
        ladder_market(100_000, 0.80, winner=0, end=later),
        ladder_market(120_000, 0.55, end=later),
        ladder_market(250_000, 0.05),
    )
    fade = StrategySpec(get_strategy("crypto_favorite_fade"), resolve_params("crypto_favorite_fade"))
    rows = rows_by_market(run(db, fade), "crypto_favorite_fade")
    assert rows["btc250000"]["reason"] == "no_signal"


def test_the_backtest_and_a_signal_charge_the_same_all_in_cost(db: Database) -> None:
    """One share at 0.40 with the 1¢ cost on a 0.07 market: the backtest's cost is what
    `all_in_cost` (a signal's cost, a paper fill's) charges, fee on the price paid."""
    from pmtui.paper.fees import all_in_cost

    store(db, market("linear", [(FEE_V2_DECISION, 0.4)], end=FEE_V2_END, fee_rate=0.07, fee_exponent=1.0))
    rows = rows_by_market(run(db, BUY_YES), "t_buy_yes")
    assert rows["linear"]["cost"] == pytest.approx(
        all_in_cost(0.4, fee_rate=0.07, fee_exponent=1.0, slippage=0.01), abs=1e-5
    )
