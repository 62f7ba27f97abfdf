"""No result may depend on a price from after its decision time."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlite_utils import Database

from pmtui.backtest.baselines import BuyFavourite, BuyLongshot
from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.loader import load_market_data
from pmtui.backtest.runner import BacktestResult, run_backtest
from pmtui.demo.generate import DemoOptions, write_demo
from pmtui.store import connect, write_tx
from tests.backtest.helpers import BuyNoBelow, BuyYes

CONFIG = BacktestConfig(
    strategies=(
        StrategySpec(BuyYes(), {}),
        StrategySpec(BuyNoBelow(), {"max_yes": 0.3}),
        StrategySpec(BuyFavourite(), {}),
        StrategySpec(BuyLongshot(), {}),
    ),
    horizon="24h",
    kelly_min_history=5,
)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lookahead") / "demo.sqlite"
    write_demo(connect(path), DemoOptions(markets=400, seed=5, points=60, open_share=0.0, now=1_750_000_000))
    return path


def _copy(source: Path, target: Path) -> Database:
    db = connect(source)
    db.conn.execute("VACUUM INTO ?", [str(target)])
    db.conn.close()
    return connect(target)


def _numbers(result: BacktestResult) -> dict[str, Any]:
    """Every reported result (not the run id, clock, or how many points happened to be stored)."""
    document = result.document
    markets = {
        k: v for k, v in document["markets"].items() if k not in ("price_points_read", "all_points_loaded")
    }
    return {
        "results": document["results"],
        "calibration": document["calibration"],
        "brier": document["brier"],
        "brier_n": document["brier_n"],
        "markets": markets,
    }


def _decision_times(result: BacktestResult) -> dict[str, float]:
    assert result.data is not None and result.decisions is not None
    ids = result.data.ids
    return {
        ids[i]: t
        for i, t in zip(result.decisions.index.tolist(), result.decisions.decision_t.tolist(), strict=True)
        if not np.isnan(t)
    }


def _scramble_after(db: Database, decided: dict[str, float], seed: int) -> int:
    """Randomise every price after each market's decision time and add new later points."""
    rng = np.random.default_rng(seed)
    changed = 0
    with write_tx(db):
        for market_id, token in db.execute(
            "SELECT id, json_extract(token_ids_json, '$[0]') FROM markets WHERE resolution != 'unresolved'"
        ).fetchall():
            if market_id not in decided:
                continue
            at = int(decided[market_id])
            later = [
                t for (t,) in db.execute("SELECT t FROM prices WHERE token_id = ? AND t > ?", [token, at])
            ]
            rows = [(float(rng.uniform(0.001, 0.999)), token, t) for t in later]
            db.conn.executemany("UPDATE prices SET p = ? WHERE token_id = ? AND t = ?", rows)
            db.conn.execute(
                "INSERT OR IGNORE INTO prices VALUES (?, ?, ?)", [token, at + 1, float(rng.uniform(0, 1))]
            )
            changed += len(rows) + 1
    return changed


def test_randomising_every_later_price_changes_nothing(demo_db: Path, tmp_path: Path) -> None:
    db = _copy(demo_db, tmp_path / "copy.sqlite")
    before = run_backtest(db, CONFIG, store=False)
    assert sum(r["trades"] for r in before.document["results"]) > 100
    changed = _scramble_after(db, _decision_times(before), seed=1)
    assert changed > 1000
    after = run_backtest(db, CONFIG, store=False)
    assert _numbers(after) == _numbers(before)
    # The same from a full in-memory load, at another horizon.
    config = dataclasses.replace(CONFIG, horizon="7d")
    seven = run_backtest(db, config, data=load_market_data(db), store=False)
    _scramble_after(db, _decision_times(seven), seed=2)
    assert _numbers(run_backtest(db, config, data=load_market_data(db), store=False)) == _numbers(seven)


def test_the_check_has_teeth(demo_db: Path, tmp_path: Path) -> None:
    """Moving a price at the decision time itself does change the result."""
    db = _copy(demo_db, tmp_path / "copy.sqlite")
    before = run_backtest(db, CONFIG, store=False)
    rows = before.rows[0]
    assert before.data is not None
    traded = int(np.flatnonzero(rows.traded)[0])
    market_id = before.data.ids[int(rows.market_index[traded])]
    token = db.execute(
        "SELECT json_extract(token_ids_json, '$[0]') FROM markets WHERE id = ?", [market_id]
    ).fetchone()[0]
    with write_tx(db):
        db.conn.execute(
            "UPDATE prices SET p = 1 - p WHERE token_id = ? AND t = ?", [token, int(rows.price_t[traded])]
        )
    assert _numbers(run_backtest(db, CONFIG, store=False)) != _numbers(before)
