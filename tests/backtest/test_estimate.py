"""One live trade's estimate from stored backtest trades: similar trades, shrinkage towards break-even,
the interval, which runs may speak, the horizon, and the reason in words. Runs are stored rows written
here by hand, so every number can be checked by hand (the engine writing them is tested elsewhere)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.backtest.estimate import TradeRecords, prior_strength
from pmtui.stats import beta_interval
from pmtui.store import connect

STRATEGY = "t_fade"
PARAMS = {"max_yes": 0.1}
DAY = 86400.0


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return connect(tmp_path / "estimates.sqlite")


def add_run(
    db: Database,
    run_id: str,
    trades: Sequence[tuple[float, float | None]],
    *,
    created: int = 1_000,
    horizon: str = "7d",
    anchor: str = "end",
    generated: bool = False,
    params: dict[str, Any] | None = None,
    **config: Any,
) -> None:
    """A stored run of STRATEGY: `trades` are (all-in cost, won: 1, 0 or None for a 50-50)."""
    document = {
        "strategies": [{"name": STRATEGY, "params": PARAMS if params is None else params}],
        "horizon": horizon,
        "anchor": anchor,
        "category": None,
        "from": None,
        "to": None,
        **config,
    }
    db.execute(
        "INSERT INTO backtest_runs (run_id, created, config_json, results_json, generated_data) "
        "VALUES (?, ?, ?, '{}', ?)",
        [run_id, created, json.dumps(document), int(generated)],
    )
    for i, (cost, won) in enumerate(trades):
        db.execute(
            "INSERT INTO backtest_trades (run_id, strategy, market_id, cost, won) VALUES (?, ?, ?, ?, ?)",
            [run_id, STRATEGY, f"{run_id}-m{i}", cost, won],
        )
    db.execute(
        "INSERT INTO backtest_trades (run_id, strategy, market_id, skip_reason) VALUES (?, ?, 'skipped', 'no_signal')",
        [run_id, STRATEGY],
    )


def estimate(db: Database, cost: float, hours: float | None = 7 * 24, **kwargs: Any) -> Any:
    params = kwargs.pop("params", PARAMS)
    return TradeRecords(db).estimate(STRATEGY, params, cost=cost, hours_to_close=hours, **kwargs)


def wins_losses(cost: float, wins: int, losses: int) -> list[tuple[float, float | None]]:
    return [(cost, 1.0)] * wins + [(cost, 0.0)] * losses


def test_the_issue_case_21_of_23_at_0972_has_no_edge(db: Database) -> None:
    # pmtui's own NO trades near the 0.955 signal won 21 of 23 at cost 0.972 (issue 10).
    add_run(db, "bt-1", wins_losses(0.972, 21, 2))
    found = estimate(db, 0.955, min_trades=20)
    strength = 1 / 0.045  # 22.2 prior trades: one loss at break-even odds
    assert prior_strength(0.955) == pytest.approx(strength) and found.prior_trades == 22.22
    a, b = strength * 0.955 + 21, strength * 0.045 + 2
    assert found.p == pytest.approx(a / (a + b))  # 42.2 / 45.2 = 0.934: shrunk towards 0.955
    assert found.p_interval == pytest.approx(beta_interval(a, b))
    assert (found.n, found.wins, found.losses, found.run_id) == (23, 21, 2, "bt-1")
    assert found.edge == pytest.approx(a / (a + b) - 0.955) and found.edge < 0
    assert not found.validated
    low, high = found.return_interval
    assert found.reason == f"no edge: return [{low * 100:+.1f}%, {high * 100:+.1f}%] on 23 similar trades"
    assert found.matched_on["horizon"] == "7d" and found.matched_on["hours_to_close"] == 168.0


def test_few_trades_move_the_estimate_little_and_it_never_reaches_one(db: Database) -> None:
    add_run(db, "bt-5", wins_losses(0.95, 5, 0))
    few = estimate(db, 0.95)
    assert few.p == pytest.approx((19 + 5) / 25)  # a prior of 20 trades: five wins move it 1 point
    db.execute("DELETE FROM backtest_trades")
    db.execute("DELETE FROM backtest_runs")
    # 78 wins in 78 at 0.978 (issue 10): probability 0.18 with no edge at all.
    add_run(db, "bt-78", wins_losses(0.978, 78, 0))
    found = estimate(db, 0.978, min_trades=30)
    strength = 1 / 0.022
    a = strength * 0.978 + 78
    assert found.p == pytest.approx(a / (a + 1)) and found.p < 1 and found.p_interval[1] < 1
    # Beta(a, 1) has the closed-form quantile q^(1/a): the 2.5% point 0.970 is below the cost.
    assert found.p_interval[0] == pytest.approx(0.025 ** (1 / a), abs=1e-9)
    assert found.p_interval[0] < 0.978
    assert not found.validated and found.reason.startswith("no edge: return [")


def test_a_real_edge_with_enough_trades_is_validated(db: Database) -> None:
    add_run(db, "bt-1", wins_losses(0.80, 270, 30))
    found = estimate(db, 0.80)
    a, b = 10 * 0.8 + 270, 10 * 0.2 + 30
    assert found.p == pytest.approx(a / (a + b))
    assert found.p_interval[0] > 0.80 and found.validated
    low, high = found.return_interval
    assert found.reason == f"edge: return [{low * 100:+.1f}%, {high * 100:+.1f}%] on 300 similar trades"
    # ... unless fewer similar trades than the minimum back it
    assert not estimate(db, 0.80, min_trades=301).validated
    assert estimate(db, 0.80, min_trades=301).reason.startswith("too few similar trades (300 < 301)")


def test_only_trades_at_a_similar_cost_count(db: Database) -> None:
    # Longshots lose the favourite's edge: cheap trades lost, dear ones won.
    add_run(db, "bt-1", wins_losses(0.50, 10, 90) + wins_losses(0.955, 40, 0) + wins_losses(0.965, 20, 0))
    found = estimate(db, 0.955)
    assert (found.n, found.wins) == (60, 60)  # 0.955 and 0.965 are within 0.4 in log-odds; 0.50 is not
    low, high = found.matched_on["cost"]
    assert low == pytest.approx(0.9343, abs=1e-4) and high == pytest.approx(0.9693, abs=1e-4)
    cheap = estimate(db, 0.50)
    assert (cheap.n, cheap.wins, cheap.losses) == (100, 10, 90)


def test_the_window_widens_once_when_too_few_are_similar(db: Database) -> None:
    add_run(db, "bt-1", wins_losses(0.90, 30, 0))
    near = estimate(db, 0.93)  # logit distance 0.39: inside the first window
    assert near.n == 30
    wide = estimate(db, 0.95)  # distance 0.75: only inside the widened one (0.8)
    assert wide.n == 30 and wide.matched_on["cost"][0] < 0.90
    assert estimate(db, 0.97).n == 0  # distance 1.28: nothing similar
    assert estimate(db, 0.97).reason == "no similar trades in bt-1 (it traded at costs 90.0–90.0¢)"


def test_a_50_50_resolution_counts_as_half_a_win(db: Database) -> None:
    add_run(db, "bt-1", wins_losses(0.60, 20, 10) + [(0.60, None)] * 2)
    found = estimate(db, 0.60)
    assert (found.n, found.wins, found.losses, found.voids) == (32, 20, 10, 2)
    assert found.p == pytest.approx((6 + 21) / (10 + 32))  # 20 wins + 2 halves; a 10-trade prior


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"anchor": "close"}, "it used --anchor close"),
        ({"generated": True}, "it ran on generated demo data"),
        ({"category": "Weather"}, "it was narrowed to category Weather"),
        ({"from": "2025-01-01"}, "it was narrowed to decisions 2025-01-01 to …"),
        ({"params": {"max_yes": 0.2}}, "other parameters: max_yes 0.2 ≠ live 0.1"),
        ({"horizon": "open"}, "horizon open: no fixed time before the end to match"),
    ],
)
def test_runs_that_may_not_speak_are_named_and_never_validate(
    db: Database, config: dict[str, Any], why: str
) -> None:
    add_run(db, "bt-x", wins_losses(0.80, 290, 10), **config)
    found = estimate(db, 0.80)
    assert found.run_id == "bt-x" and found.p is not None and found.p_interval[0] > 0.80
    assert not found.validated
    assert found.reason.startswith(f"not validated: bt-x cannot validate: {why}; return [")


def test_a_demo_market_may_be_spoken_for_by_a_demo_run(db: Database) -> None:
    add_run(db, "bt-demo", wins_losses(0.80, 290, 10), generated=True)
    found = estimate(db, 0.80, generated_market=True)
    assert found.validated and found.generated_data


def test_an_allowed_run_wins_over_newer_ones_that_may_not_speak(db: Database) -> None:
    add_run(db, "bt-old", wins_losses(0.80, 150, 50), created=1)  # no edge
    add_run(db, "bt-close", wins_losses(0.80, 300, 0), created=2, anchor="close")
    add_run(db, "bt-demo", wins_losses(0.80, 300, 0), created=3, generated=True)
    found = estimate(db, 0.80)
    assert found.run_id == "bt-old" and not found.validated and found.reason.startswith("no edge")


def test_the_run_nearest_the_markets_horizon_speaks(db: Database) -> None:
    add_run(db, "bt-7d", wins_losses(0.80, 150, 50), horizon="7d", created=1)
    add_run(db, "bt-24h", wins_losses(0.80, 290, 10), horizon="24h", created=2)
    assert estimate(db, 0.80, hours=20).run_id == "bt-24h"
    assert estimate(db, 0.80, hours=20).validated
    assert estimate(db, 0.80, hours=5 * 24).run_id == "bt-7d"
    far = estimate(db, 0.80, hours=40 * 24)  # 40 days: more than twice the nearest horizon
    assert far.run_id == "bt-7d" and not far.validated
    assert far.reason.startswith(
        "not validated: no run decided near this horizon: bt-7d decided 7d before the end, "
        "this market ends in 40d 0h; return ["
    )
    assert not estimate(db, 0.80, hours=None).validated


def test_without_a_backtest_there_is_no_estimate(db: Database) -> None:
    found = estimate(db, 0.80)
    assert (found.p, found.p_interval, found.validated, found.reason) == (
        None,
        None,
        False,
        "no backtest yet",
    )
    assert found.to_json()["reason"] == "no backtest yet"


def test_a_run_that_cannot_speak_and_has_no_similar_trade_quotes_no_interval(db: Database) -> None:
    """With no similar trade the interval is the prior's alone: the reason gives only why."""
    add_run(db, "bt-7d", wins_losses(0.80, 150, 50), horizon="7d", created=1)
    far = estimate(db, 0.30, hours=40 * 24 + 5)
    assert not far.validated and far.n == 0
    assert far.reason == (
        "not validated: no run decided near this horizon: bt-7d decided 7d before the end, "
        "this market ends in 40d 5h"
    )
