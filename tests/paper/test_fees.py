"""Taker fees per Polymarket's published examples, and the share arithmetic of a fill."""

from __future__ import annotations

import pytest

from pmtui.paper.fees import (
    all_in_cost,
    fee_per_share,
    notional_micros,
    price_to_micros,
    shares_for_stake,
    taker_fee_micros,
)

SHARES_100 = 100_000_000


@pytest.mark.parametrize(
    ("price", "rate", "exponent", "fee_micros"),
    [
        # docs fee table: 100 shares at 0.50 cost $1.00 in politics (0.04) and $1.75 in crypto (0.07)
        (0.50, 0.04, 1, 1_000_000),
        (0.50, 0.07, 1, 1_750_000),
        # 15-minute crypto (rate 0.25, exponent 2): docs quote $0.20, $1.56 and $0.0025 (display-rounded);
        # 100 × 0.25 × (q(1−q))² is 0.2025, 1.5625 and 0.00245025 → 0.00245 at 5 decimals.
        (0.10, 0.25, 2, 202_500),
        (0.50, 0.25, 2, 1_562_500),
        (0.99, 0.25, 2, 2_450),
        # a fee-free market: a zero rate
        (0.50, 0.0, 1, 0),
        # fees on, schedule unknown: the highest published rate (0.07), never free
        (0.50, None, None, 1_750_000),
    ],
)
def test_taker_fee_matches_published_examples(
    price: float, rate: float | None, exponent: float | None, fee_micros: int
) -> None:
    assert taker_fee_micros(SHARES_100, price_to_micros(price), rate, exponent) == fee_micros


def test_fee_rounds_to_five_decimals_half_up_and_tiny_fees_vanish() -> None:
    # 1 share at 0.99, rate 0.04: 0.04 × 0.0099 = 0.000396 → 0.00040
    assert taker_fee_micros(1_000_000, price_to_micros(0.99), 0.04, 1) == 400
    # 1.25 shares at 0.5, rate 0.04: 0.0125 exactly, stays 0.01250
    assert taker_fee_micros(1_250_000, 500_000, 0.04, 1) == 12_500
    # 0.01 share at 0.999: 3.996e-7 dollars rounds to zero (the smallest fee is 0.00001)
    assert taker_fee_micros(10_000, 999_000, 0.04, 1) == 0
    # 0.000005 exactly rounds half up to 0.00001: 0.5 share at 0.5, rate 0.00004
    assert taker_fee_micros(500_000, 500_000, 0.00004, 1) == 10


def test_notional_rounds_once_half_up() -> None:
    assert notional_micros(3, 500_000) == 2  # 1.5 micro-dollars → 2
    assert notional_micros(119_047_619, 420_000) == 50_000_000  # 49,999,999.98 → 50,000,000


def test_all_in_cost_adds_slippage_and_the_fee_at_the_paid_price() -> None:
    # price 0.49 + slippage 0.01 = 0.50 paid; fee/share 0.04 × 0.25 = 0.01 → 0.51
    assert all_in_cost(0.49, fee_rate=0.04, fee_exponent=1, slippage=0.01) == pytest.approx(0.51)
    assert all_in_cost(0.30, fee_rate=0.0, fee_exponent=1) == pytest.approx(0.30)
    # An unknown schedule is charged the highest published rate, 0.07 x 0.3 x 0.7.
    assert all_in_cost(0.30, fee_rate=None, fee_exponent=None) == pytest.approx(0.30 + 0.0147)
    assert fee_per_share(0.5, 0.25, 2) == pytest.approx(0.015625)


def test_shares_for_stake_spends_the_stake_fee_included() -> None:
    stake = 50_000_000
    price = price_to_micros(0.40)
    shares = shares_for_stake(stake, price, 0.04, 1)
    # per share 0.40 + 0.04 × 0.24 = 0.4096 → 122.0703125 shares, rounded down to the micro-share
    assert shares == 122_070_312
    total = notional_micros(shares, price) + taker_fee_micros(shares, price, 0.04, 1)
    assert stake - 10 <= total <= stake + 5  # within the fee's 5-decimal rounding
    assert shares_for_stake(0, price, 0.04, 1) == 0
