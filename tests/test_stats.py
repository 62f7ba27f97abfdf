"""pmtui.stats: return intervals from the win rate, the zero-loss bound, Beta and normal quantiles,
against values computed by hand or in closed form."""

from __future__ import annotations

import math

import pytest

from pmtui.stats import (
    beta_cdf,
    beta_interval,
    beta_quantile,
    normal_quantile,
    payout_return,
    verdict,
    wilson_interval,
    zero_loss_bound,
)


def test_wilson_matches_reference_values() -> None:
    # 9 of 12: the Wilson interval published by standard calculators is 46.77%–91.11%.
    assert wilson_interval(9, 12) == pytest.approx((0.4677, 0.9111), abs=5e-5)
    # 0 of n has the closed form [0, z²/(n + z²)].
    assert wilson_interval(0, 10) == pytest.approx((0.0, 1.959964**2 / (10 + 1.959964**2)), abs=1e-7)
    assert wilson_interval(0, 0) is None


def test_78_wins_in_78_at_0978_is_no_evidence_of_edge() -> None:
    # The case of issue 10: a t interval on these returns said "+2.27% [+1.78, +2.77]".
    found = payout_return([1.0] * 78, [0.978] * 78)
    low_rate = 1 / (1 + 1.959963984540054**2 / 78)  # Wilson's lower bound at p = 1: 0.953062
    assert found.mean == pytest.approx(1 / 0.978 - 1)
    assert found.interval == pytest.approx((low_rate / 0.978 - 1, 1 / 0.978 - 1))
    assert found.interval is not None and found.interval[0] < 0 < found.interval[1]
    assert found.verdict == "no evidence of edge"
    assert found.zero_losses is not None
    assert found.zero_losses.loss_rate_upper == pytest.approx(0.037679, abs=1e-6)  # ≈ 3/78
    assert found.zero_losses.chance_without_edge == pytest.approx(0.978**78)  # 0.18
    assert "0 losses in 78" in found.zero_losses.text() and "3.8%" in found.zero_losses.text()


def test_equal_costs_map_the_wilson_interval_exactly() -> None:
    found = payout_return([1.0] * 70 + [0.0] * 30, [0.5] * 100)
    low, high = wilson_interval(70, 100) or (0, 0)
    assert found.interval == pytest.approx((low / 0.5 - 1, high / 0.5 - 1))
    assert found.verdict == "edge" and found.zero_losses is None


def test_unequal_costs_weight_by_one_over_cost() -> None:
    payouts, costs = [1.0, 0.0, 1.0], [0.25, 0.5, 0.8]
    found = payout_return(payouts, costs)
    assert found.mean == pytest.approx((4 + 0 + 1.25) / 3 - 1)
    weights = [4.0, 2.0, 1.25]
    total, squares = sum(weights), sum(w * w for w in weights)
    effective = total**2 / squares
    rate = (4 + 1.25) / total
    low, high = wilson_interval(rate * effective, effective) or (0, 0)
    assert found.interval == pytest.approx((low * total / 3 - 1, high * total / 3 - 1))
    assert found.interval[0] < found.mean < found.interval[1]  # type: ignore[index]


def test_only_voids_have_a_mean_and_no_interval() -> None:
    found = payout_return([0.5, 0.5], [0.4, 0.6])
    assert found.mean == pytest.approx((1.25 + 0.5 / 0.6) / 2 - 1)
    assert found.interval is None and found.verdict == "no evidence of edge"
    assert payout_return([], []).mean is None


def test_zero_loss_bound_is_the_rule_of_three() -> None:
    assert zero_loss_bound(1) == pytest.approx(0.95)
    for n in (30, 100, 1000):
        assert zero_loss_bound(n) == pytest.approx(3 / n, rel=0.05)


def test_verdict_needs_the_whole_interval_above_zero() -> None:
    assert verdict((0.001, 0.2)) == "edge"
    assert verdict((0.0, 0.2)) == verdict((-0.1, 0.2)) == verdict(None) == "no evidence of edge"


@pytest.mark.parametrize("q", [0.025, 0.3, 0.5, 0.975])
def test_beta_quantiles_in_closed_form(q: float) -> None:
    assert beta_quantile(q, 1, 1) == pytest.approx(q, abs=1e-10)
    assert beta_quantile(q, 3, 1) == pytest.approx(q ** (1 / 3), abs=1e-10)  # cdf x³
    assert beta_quantile(q, 1, 4) == pytest.approx(1 - (1 - q) ** (1 / 4), abs=1e-10)
    assert beta_quantile(q, 0.5, 0.5) == pytest.approx(math.sin(math.pi * q / 2) ** 2, abs=1e-9)


def test_beta_cdf_by_hand_and_for_large_counts() -> None:
    # I_0.3(2, 5) = 1 − Σ_{j<2} C(6, j) 0.3^j 0.7^(6−j) = 1 − 0.7^6 − 6·0.3·0.7^5
    assert beta_cdf(0.3, 2, 5) == pytest.approx(1 - 0.7**6 - 6 * 0.3 * 0.7**5, abs=1e-12)
    # A posterior after hundreds of trades: close to the normal approximation.
    a, b = 970.0, 30.0
    mean = a / (a + b)
    sd = math.sqrt(mean * (1 - mean) / (a + b + 1))
    low, high = beta_interval(a, b)
    assert low == pytest.approx(mean - 1.96 * sd, abs=2e-3)
    assert high == pytest.approx(mean + 1.96 * sd, abs=2e-3)
    assert low < mean < high < 1.0


def test_normal_quantile() -> None:
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-9)
    assert normal_quantile(0.5) == pytest.approx(0.0, abs=1e-12)
    assert normal_quantile(0.001) == pytest.approx(-3.090232306167813, abs=1e-8)


def test_a_chance_below_one_never_reads_100_percent() -> None:
    from pmtui.stats import chance_text

    assert chance_text(0.91) == "91.0%" and chance_text(0.9999) == "99.99%"
    assert chance_text(0.99996) == "99.996%" and chance_text(0.00004) == "0.004%"
    assert chance_text(1.0) == "100.0%" and chance_text(0.9999, 0) == "99.99%"
