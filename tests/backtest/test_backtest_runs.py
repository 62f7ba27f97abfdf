"""Stored runs: every decision kept, listing, loading, CSV export, and reading them back for estimates."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.estimate import TradeRecords
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


def test_stored_trades_feed_the_trade_estimate(db: Database) -> None:
    """The engine's stored trades, read back for a live trade's estimate: similar cost only, the run
    named (the estimate's arithmetic is tests/backtest/test_estimate.py)."""
    # Weather: 40 trades at 0.30 (12 wins), 40 at 0.80 (36 wins); all-in cost = price + 0.01.
    _ladder(db, "Weather/Temperature", [(0.30, 0 if k < 12 else 1) for k in range(40)], "lo")
    _ladder(db, "Weather/Temperature", [(0.80, 0 if k < 36 else 1) for k in range(40)], "hi")
    spec = StrategySpec(BuyYes(), {})
    assert TradeRecords(db).estimate("t_buy_yes", {}, cost=0.31, hours_to_close=168).run_id is None
    run = run_backtest(db, BacktestConfig(strategies=(spec,)))
    cheap = TradeRecords(db).estimate("t_buy_yes", {}, cost=0.31, hours_to_close=168)
    assert cheap.run_id == run.run_id and (cheap.n, cheap.wins, cheap.losses) == (40, 12, 28)
    dear = TradeRecords(db).estimate("t_buy_yes", {}, cost=0.81, hours_to_close=168)
    assert (dear.n, dear.wins, dear.losses) == (40, 36, 4)


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
