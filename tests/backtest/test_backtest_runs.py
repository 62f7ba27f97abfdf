"""Stored runs: every decision kept, listing, loading, CSV export, and `latest_estimate`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.estimate import latest_estimate
from pmtui.backtest.metrics import wilson_interval
from pmtui.backtest.runner import run_backtest
from pmtui.backtest.runs import TRADE_COLUMNS, export_csv, list_runs, load_run, load_trades
from pmtui.config import ConfigError
from pmtui.store import connect
from tests.backtest.helpers import DAY, T0, BuyYes, market, store

END = T0 + 10 * DAY
DECISION = END - 7 * DAY


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return connect(tmp_path / "runs.sqlite")


def _ladder(
    db: Database, category: str, prices_and_winners: list[tuple[float, int]], prefix: str, **kw: object
) -> None:
    store(
        db,
        *[
            market(f"{prefix}{k:03d}", [(DECISION, p)], end=END, winner=w, category=category, **kw)  # type: ignore[arg-type]
            for k, (p, w) in enumerate(prices_and_winners)
        ],
    )


def test_a_run_is_stored_with_every_decision(db: Database, tmp_path: Path) -> None:
    store(
        db,
        market("win", [(DECISION, 0.4)], end=END, winner=0, category="Weather"),
        market("void", [(DECISION, 0.4)], end=END, winner=None),
        market("late", [(DECISION + 1, 0.4)], end=END),
    )
    result = run_backtest(db, BacktestConfig(strategies=(StrategySpec(BuyYes(), {}),)), label="first")
    assert result.run_id is not None
    trades = load_trades(db, result.run_id).set_index("market_id")
    assert len(trades) == 3
    assert trades.loc["win", "won"] == 1 and trades.loc["win", "pnl"] == pytest.approx(1 / 0.41 - 1)
    assert trades.loc["win", "price"] == 0.4 and trades.loc["win", "yes_price"] == 0.4
    assert trades.loc["win", "price_t"] == DECISION and trades.loc["win", "decision_t"] == DECISION
    assert trades.loc["win", "category"] == "Weather" and trades.loc["void", "category"] == "Other"
    # A 50-50 resolution pays $0.50 a share: no outcome to score (won is NULL), P&L 0.5/cost − 1.
    assert trades.loc["void", "won"] != trades.loc["void", "won"]
    assert trades.loc["void", "pnl"] == pytest.approx(0.5 / 0.41 - 1)
    assert trades.loc["late", "skip_reason"] == "no_price"
    assert load_run(db, result.run_id) == json.loads(json.dumps(result.document))
    runs = list_runs(db)
    assert [r.run_id for r in runs] == [result.run_id]
    assert runs[0].trades == {"t_buy_yes": 2} and runs[0].label == "first" and not runs[0].generated_data

    out = tmp_path / "trades.csv"
    assert export_csv(db, result.run_id, out) == 3
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == TRADE_COLUMNS
    assert {r["market_id"]: r["skip_reason"] for r in rows} == {"win": "", "void": "", "late": "no_price"}
    with pytest.raises(KeyError):
        export_csv(db, "bt-nope", out)
    assert load_run(db, "bt-nope") is None


def test_latest_estimate_narrows_then_widens(db: Database) -> None:
    # Weather: 40 trades near 0.30 (12 wins), 40 near 0.80 (36 wins); Sports: 10 trades (2 wins).
    _ladder(db, "Weather/Temperature", [(0.30, 0 if k < 12 else 1) for k in range(40)], "lo")
    _ladder(db, "Weather/Temperature", [(0.80, 0 if k < 36 else 1) for k in range(40)], "hi")
    _ladder(db, "Sports/NBA", [(0.50, 0 if k < 2 else 1) for k in range(10)], "sp")
    spec = StrategySpec(BuyYes(), {})
    assert latest_estimate(db, "t_buy_yes") is None
    run = run_backtest(db, BacktestConfig(strategies=(spec,)))

    near = latest_estimate(db, "t_buy_yes", category="Weather/Temperature", price=0.31)
    assert near is not None and near.run_id == run.run_id
    assert (near.n, near.win_rate) == (40, 12 / 40)
    assert (near.ci_low, near.ci_high) == pytest.approx(wilson_interval(12, 40))
    assert "±0.05" in near.scope and near.avg_cost == pytest.approx(0.31)

    whole_category = latest_estimate(db, "t_buy_yes", category="Weather/Temperature", price=0.55)
    assert whole_category is not None and (whole_category.n, whole_category.win_rate) == (80, 48 / 80)

    top = latest_estimate(db, "t_buy_yes", category="Weather/Rain")
    assert top is not None and top.n == 80 and top.scope == "category=Weather/*"

    few = latest_estimate(db, "t_buy_yes", category="Sports/NBA", price=0.5)
    assert few is not None and few.n == 90 and few.scope == "all trades"  # 10 are too few: whole strategy

    nothing_known = latest_estimate(db, "t_buy_yes", category="Sports/NBA", price=0.5, min_n=1000)
    assert nothing_known is not None and nothing_known.n == 90  # the caller judges n itself


def test_latest_estimate_ignores_generated_runs_and_other_params(db: Database) -> None:
    _ladder(db, "Weather", [(0.5, 0)] * 35, "demo", source="demo")
    run_backtest(db, BacktestConfig(strategies=(StrategySpec(BuyYes(), {}),)))
    assert latest_estimate(db, "t_buy_yes") is None
    generated = latest_estimate(db, "t_buy_yes", include_generated=True)
    assert generated is not None and generated.generated_data and generated.n == 35

    _ladder(db, "Sports", [(0.5, 1)] * 35, "real")
    mixed = run_backtest(db, BacktestConfig(strategies=(StrategySpec(BuyYes(), {"side": 1}),)))
    assert mixed.generated_data  # any generated market in a run marks the whole run
    assert latest_estimate(db, "t_buy_yes") is None
    config = BacktestConfig(strategies=(StrategySpec(BuyYes(), {"side": 1}),), category="Sports")
    assert not run_backtest(db, config).generated_data
    real = latest_estimate(db, "t_buy_yes")
    assert real is not None and not real.generated_data and (real.n, real.win_rate) == (35, 1.0)
    assert latest_estimate(db, "t_buy_yes", params={}, include_generated=True) == generated
    assert latest_estimate(db, "t_buy_yes", params={"side": 7}) is None


def test_rerun_from_the_stored_config_and_the_equity_curve(db: Database) -> None:
    from pmtui.backtest.config import config_from_json
    from pmtui.backtest.runs import equity_curve
    from pmtui.strategies.params import resolve_params
    from pmtui.strategies.registry import get_strategy

    _ladder(db, "Weather/Temperature", [(0.05 + 0.01 * k, k % 3 == 0) for k in range(30)], "w")
    params = resolve_params("weather_fade_longshots", None, {"max_yes_price": "0.2"})
    config = BacktestConfig(
        strategies=(StrategySpec(get_strategy("weather_fade_longshots"), params), StrategySpec(BuyYes(), {})),
        horizon="7d",
        split=T0,
        cost=0.02,
    )
    first = run_backtest(db, config)
    with pytest.raises(ConfigError, match="unknown strategy"):
        config_from_json(first.document["config"])  # the test strategy is not in the registry
    only_registered = run_backtest(db, BacktestConfig(strategies=config.strategies[:1], cost=0.02, split=T0))
    again = config_from_json(only_registered.document["config"])
    assert again.to_json() == only_registered.document["config"]
    assert run_backtest(db, again).document["results"] == only_registered.document["results"]

    assert first.run_id is not None
    curve = equity_curve(db, first.run_id, "t_buy_yes")
    summary = next(r for r in first.document["results"] if r["strategy"] == "t_buy_yes")
    assert len(curve.flat) == summary["trades"] == 30
    assert curve.flat[-1] == pytest.approx(summary["total_pnl"], abs=1e-5)
    assert float(
        (
            np.maximum.accumulate(np.concatenate(([0.0], curve.flat))) - np.concatenate(([0.0], curve.flat))
        ).max()
    ) == pytest.approx(summary["max_drawdown"], abs=1e-5)
