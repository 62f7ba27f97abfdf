"""Every reported number against values computed by hand or published tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pmtui.backtest.metrics import (
    brier,
    calibration,
    kelly_stakes,
    max_drawdown,
    return_estimate,
    wilson_interval,
)
from pmtui.paper.sizing import kelly_fraction


@pytest.mark.parametrize(
    ("wins", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # By hand: p=0.7, z²/n=0.38415: (0.892073 ± 0.342875) / 1.38415.
        (7, 10, 0.3968, 0.8922),
    ],
)
def test_wilson_interval(wins: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(wins, n)
    assert got[0] == pytest.approx(low, abs=1e-4)
    assert got[1] == pytest.approx(high, abs=1e-4)


def test_wilson_interval_of_nothing_is_undefined() -> None:
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_return_estimate_counts_a_void_as_half_a_share() -> None:
    # Three trades at cost 0.5: a win returns +1, a loss −1, a 50-50 resolution 0.5/0.5 − 1 = 0.
    found = return_estimate(np.array([1.0, 0.0, np.nan]), np.array([0.5, 0.5, 0.5]))
    assert (found.n, found.wins, found.losses, found.voids) == (3, 1, 1, 1)
    assert found.mean == pytest.approx(0.0)
    # Wilson(1 of 2) = [0.0945312, 0.9054688], times Σ 1/cost of the win and the loss (4); the void
    # adds its 0.5/0.5 = 1 to both ends; over 3 trades.
    assert found.interval == pytest.approx(
        ((0.0945312 * 4 + 1) / 3 - 1, (0.9054688 * 4 + 1) / 3 - 1), abs=1e-6
    )


def test_max_drawdown_by_hand() -> None:
    # equity 0, 1, -1, -0.5, -1.5, 1.5: the deepest fall below a peak is 1 -> -1.5.
    assert max_drawdown(np.array([1.0, -2.0, 0.5, -1.0, 3.0])) == pytest.approx(2.5)
    assert max_drawdown(np.array([-1.0])) == pytest.approx(1.0)  # the peak starts at 0
    assert max_drawdown(np.array([0.5, 0.5])) == 0.0
    assert max_drawdown(np.array([])) == 0.0


def test_calibration_and_brier_by_hand() -> None:
    prices = np.array([0.05, 0.08, 0.15, 0.95, 1.0])
    yes = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    table = {row["bucket"]: row for row in calibration(prices, yes)}
    assert len(table) == 10
    assert table["0.0-0.1"]["n"] == 2
    assert table["0.0-0.1"]["mean_price"] == pytest.approx(0.065)
    assert table["0.0-0.1"]["share_yes"] == pytest.approx(0.5)
    assert table["0.1-0.2"]["n"] == 1 and table["0.1-0.2"]["share_yes"] == 0.0
    assert table["0.9-1.0"]["n"] == 2  # a price of exactly 1 lands in the top bucket
    assert table["0.9-1.0"]["mean_price"] == pytest.approx(0.975)
    assert table["0.5-0.6"]["n"] == 0 and table["0.5-0.6"]["share_yes"] is None
    # (0.05² + 0.92² + 0.15² + 0.05² + 0²) / 5
    assert brier(prices, yes) == pytest.approx(0.8739 / 5)


def test_kelly_stakes_use_only_outcomes_known_before_each_decision() -> None:
    decision = np.array([0.0, 5.0, 15.0, 25.0, 35.0])
    resolve = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    cost = np.array([0.5, 0.6, 0.5, 0.4, 0.2])
    won = np.array([1.0, 0.0, 1.0, np.nan, 0.0])  # the fourth is a void
    stakes = kelly_stakes(decision, resolve, cost, won, fraction=0.25, bankroll=100.0, min_history=1)
    # A, B: nothing resolved before them. C: A known, edge 0.5 -> f* = 0.5/0.5 = 1 -> 25.
    # D: A, B known, edge (0.5 - 0.6)/2 < 0 -> 0. E: A, B, C known, edge 0.4/3 -> f* = 0.1333/0.8.
    assert stakes.tolist() == pytest.approx([0.0, 0.0, 25.0, 0.0, 100 * 0.25 * (0.4 / 3) / 0.8])
    assert stakes[4] / 25.0 == pytest.approx(kelly_fraction(0.2 + 0.4 / 3, 0.2))
    late = kelly_stakes(decision, resolve, cost, won, fraction=0.25, bankroll=100.0, min_history=3)
    assert late.tolist() == pytest.approx([0.0, 0.0, 0.0, 0.0, stakes[4]])


def test_kelly_stakes_ignore_a_later_outcome() -> None:
    decision = np.array([0.0, 100.0])
    resolve = np.array([50.0, 200.0])
    cost = np.array([0.5, 0.5])
    before = kelly_stakes(
        decision, resolve, cost, np.array([1.0, 1.0]), fraction=1, bankroll=1, min_history=1
    )
    after = kelly_stakes(decision, resolve, cost, np.array([1.0, 0.0]), fraction=1, bankroll=1, min_history=1)
    assert before.tolist() == after.tolist()  # the second trade's own outcome never sizes it
