"""Forward test numbers on a hand-built history, and the defensive reader of stored backtests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.paper.book import close_position, open_from_signal, settle_resolved
from pmtui.paper.forward import forward_test, latest_backtests
from pmtui.stats import wilson_interval
from pmtui.strategies.params import resolve_params
from tests.book_builders import NOW, WIDE_OPEN, add_market, add_signal, make_settings, resolve, set_quote

M = 1_000_000


def run_config(*strategies: str, **changes: object) -> dict[str, object]:
    """A stored run's config as `pmtui backtest` writes it: the strategies with their default
    (live) parameters, 7 days before the end date, nothing narrowed."""
    config: dict[str, object] = {
        "strategies": [{"name": name, "params": resolve_params(name)} for name in strategies],
        "horizon": "7d",
        "anchor": "end",
        "category": None,
        "from": None,
        "to": None,
    }
    return {**config, **changes}


def add_run(
    db: Database,
    run_id: str,
    created: int,
    results: object,
    *,
    generated: bool = False,
    raw: str | None = None,
    config: dict[str, object] | None = None,
) -> None:
    if config is None:
        entries = results.get("results") if isinstance(results, dict) else results
        names = [e["strategy"] for e in entries or [] if isinstance(e, dict) and "strategy" in e]
        config = run_config(*names)
    db.execute(
        "INSERT INTO backtest_runs (run_id, created, config_json, results_json, generated_data) VALUES (?, ?, ?, ?, ?)",
        [
            run_id,
            created,
            json.dumps(config),
            raw if raw is not None else json.dumps(results),
            int(generated),
        ],
    )


def trade(
    db: Database, settings: Settings, market: str, strategy: str, winner: int | None, *, source: str = "api"
) -> None:
    """Buy 100 NO shares at 0.40 ($40) and resolve: winner 1 → +$60, 0 → −$40, None → 50-50 (+$10)."""
    tokens = add_market(db, market, category="Weather", source=source)
    set_quote(db, tokens[1], bid=0.39, ask=0.40)
    open_from_signal(db, add_signal(db, market, strategy=strategy, stake_micros=40 * M), settings, now=NOW)
    if winner is not None or market.startswith("void"):
        resolve(db, market, winner)


def test_forward_numbers_on_a_hand_built_history(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 10_000.0})
    for i in range(9):
        trade(db, settings, f"w{i}", "fade_longshots", winner=1)
    for i in range(3):
        trade(db, settings, f"l{i}", "fade_longshots", winner=0)
    trade(db, settings, "void0", "fade_longshots", winner=None)
    trade(db, settings, "sold0", "fade_longshots", winner=None)
    trade(db, settings, "open0", "fade_longshots", winner=None)
    settle_resolved(db, now=NOW + 100)
    close_position(db, 15, settings, now=NOW + 100)  # "sold0": 100 shares at the 0.39 bid → −$1
    trade(db, settings, "x0", "weather_fade_longshots", winner=1)
    settle_resolved(db, now=NOW + 200)
    add_run(
        db,
        "run-1",
        NOW - 86400,
        {
            "run_id": "run-1",
            "results": [
                {
                    "strategy": "fade_longshots",
                    "trades": 400,
                    "win_rate": 0.6,
                    "win_rate_ci": [0.55, 0.65],
                    "mean_return": 0.10,
                    "mean_return_ci": [0.05, 0.15],
                }
            ],
        },
    )

    rows = {row.strategy: row for row in forward_test(db)}

    live = rows["fade_longshots"].live
    assert (live.n_settled, live.wins, live.losses, live.voids, live.sold, live.n_open) == (12, 9, 3, 1, 1, 1)
    assert live.win_rate == 0.75
    assert live.win_rate_ci == pytest.approx((0.4677, 0.9111), abs=5e-5)
    # Returns per $1 of the 13 positions held to resolution: a win +1.5 (paid $100 for $40), a loss
    # −1, the 50-50 resolution +0.25 ($50 for $40). Mean (13.5 − 3 + 0.25)/13. The interval maps
    # Wilson(9 of 12) through return = rate × Σ(1/cost)/13 + (0.5/0.4)/13 − 1, Σ(1/cost) = 12/0.4.
    low, high = wilson_interval(9, 12) or (0.0, 0.0)
    assert live.mean_return == pytest.approx(10.75 / 13)
    assert live.mean_return_ci == pytest.approx(((low * 30 + 1.25) / 13 - 1, (high * 30 + 1.25) / 13 - 1))
    assert live.realized_micros == (9 * 60 - 3 * 40 + 10 - 1) * M  # the 50-50 +$10, the sale −$1
    backtest = rows["fade_longshots"].backtest
    assert backtest is not None
    assert (backtest.run_id, backtest.trades, backtest.win_rate_ci) == ("run-1", 400, (0.55, 0.65))
    # Live mean return interval [0.175, 1.199] sits above the backtest's [0.05, 0.15].
    assert rows["fade_longshots"].verdict == "better than backtest"

    other = rows["weather_fade_longshots"]
    assert (other.live.n_settled, other.backtest, other.verdict) == (1, None, "no backtest")


def test_verdicts(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 10_000.0})
    for i in range(6):
        trade(db, settings, f"a{i}", "fade_longshots", winner=1)
        trade(db, settings, f"b{i}", "fade_longshots", winner=0)
    for i in range(4):
        trade(db, settings, f"c{i}", "weather_fade_longshots", winner=1)
    settle_resolved(db, now=NOW + 10)
    add_run(
        db,
        "r",
        NOW,
        [
            {"strategy": "fade_longshots", "trades": 900, "win_rate": 0.5, "win_rate_ci": [0.47, 0.53],
             "mean_return": 0.25, "mean_return_ci": [0.2, 0.3]},
            {"strategy": "weather_fade_longshots", "trades": 50, "win_rate": 0.5, "win_rate_ci": [0.36, 0.64],
             "mean_return": 0.1, "mean_return_ci": [-0.1, 0.3]},
            {"strategy": "musk_fade_extremes", "trades": 50, "win_rate": 0.5, "win_rate_ci": None},
        ],
    )  # fmt: skip
    rows = {row.strategy: row for row in forward_test(db)}
    # fade_longshots: 6 wins of 12 at +1.5/−1: mean 0.25, interval overlapping the backtest's.
    assert rows["fade_longshots"].verdict == "consistent"
    assert rows["weather_fade_longshots"].verdict == "too few live trades"
    assert (
        rows["musk_fade_extremes"].live.n_settled == 0
        and rows["musk_fade_extremes"].verdict == "too few live trades"
    )


def test_backtest_reader_is_defensive_and_prefers_real_data(db: Database) -> None:
    add_run(db, "broken", NOW + 50, None, raw="{not json")
    add_run(db, "odd", NOW + 40, {"results": "nope"})
    add_run(
        db,
        "demo-new",
        NOW + 30,
        [{"strategy": "fade_longshots", "trades": 5000, "win_rate": 0.9}],
        generated=True,
    )
    add_run(
        db,
        "real-old",
        NOW,
        {
            "results": [
                {"strategy": "fade_longshots", "trades": 120, "win_rate": 0.55, "win_rate_ci": {"low": 0.46, "high": 0.64},
                 "mean_return": "0.1", "mean_return_ci": [0.3, 0.1]},
                {"trades": 3},
                "garbage",
            ]
        },
    )  # fmt: skip
    add_run(
        db,
        "demo-only",
        NOW,
        [{"strategy": "musk_fade_extremes", "trades": 40, "win_rate": True}],
        generated=True,
    )

    runs = latest_backtests(db)

    assert set(runs) == {"fade_longshots", "musk_fade_extremes"}
    s = runs["fade_longshots"]
    assert (s.run_id, s.trades, s.win_rate, s.win_rate_ci, s.generated_data) == (
        "real-old",
        120,
        0.55,
        (0.46, 0.64),
        False,
    )
    assert (s.mean_return, s.mean_return_ci) == (None, None)  # a string and an inverted interval are rejected
    t = runs["musk_fade_extremes"]
    assert (t.run_id, t.generated_data, t.win_rate) == ("demo-only", True, None)
    assert s.cannot_speak is None and t.cannot_speak == "it ran on generated demo data"


def test_only_a_run_that_may_speak_for_the_live_strategy_is_compared(db: Database, db_path: Path) -> None:
    """The rule signals use: real data, anchor end, the live parameters, nothing narrowed."""
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 10_000.0})
    for i in range(12):
        trade(db, settings, f"w{i}", "fade_longshots", winner=1)  # +150% a trade: far above the runs
    settle_resolved(db, now=NOW + 10)
    result = [{"strategy": "fade_longshots", "trades": 500, "win_rate": 0.97, "win_rate_ci": [0.95, 0.98],
               "mean_return": 0.01, "mean_return_ci": [-0.01, 0.03]}]  # fmt: skip
    add_run(db, "close", NOW + 3, result, config=run_config("fade_longshots", anchor="close"))
    add_run(db, "weather", NOW + 2, result, config=run_config("fade_longshots", category="Weather"))
    add_run(db, "other", NOW + 1, result, config=run_config("fade_longshots") | {
        "strategies": [{"name": "fade_longshots", "params": {**resolve_params("fade_longshots"), "max_price": 0.2}}]
    })  # fmt: skip
    [row] = [r for r in forward_test(db) if r.strategy == "fade_longshots"]
    assert row.backtest is not None and row.backtest.run_id == "close"
    assert row.backtest.cannot_speak == "it used --anchor close"
    assert row.verdict == "no eligible backtest"
    # Run live with max_price 0.2, the "other" run is the one that speaks for it.
    tuned = make_settings(db_path, strategies={"fade_longshots": {"max_price": 0.2}})
    [row] = [r for r in forward_test(db, tuned) if r.strategy == "fade_longshots"]
    assert row.backtest is not None and (row.backtest.run_id, row.backtest.cannot_speak) == ("other", None)
    assert row.verdict == "better than backtest"


def test_a_generated_run_stands_beside_positions_on_generated_markets_only(
    db: Database, db_path: Path
) -> None:
    """`pmtui demo`'s tour: paper trades on demo markets are compared with a backtest on demo data
    (flagged); real paper trades never are."""
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 10_000.0})
    trade(db, settings, "demo1", "fade_longshots", winner=1, source="demo")
    trade(db, settings, "real1", "weather_fade_longshots", winner=1)
    result = [{"strategy": s, "trades": 300, "win_rate": 0.9, "win_rate_ci": [0.86, 0.93],
               "mean_return": 0.01, "mean_return_ci": [-0.02, 0.04]} for s in ("fade_longshots", "weather_fade_longshots")]  # fmt: skip
    add_run(db, "demo-run", NOW, result, generated=True)
    settle_resolved(db, now=NOW + 10)
    rows = {row.strategy: row for row in forward_test(db)}
    demo = rows["fade_longshots"].backtest
    assert demo is not None and (demo.run_id, demo.generated_data, demo.cannot_speak) == (
        "demo-run",
        True,
        None,
    )
    real = rows["weather_fade_longshots"].backtest
    assert real is not None and real.cannot_speak == "it ran on generated demo data"
    assert rows["weather_fade_longshots"].verdict == "no eligible backtest"
