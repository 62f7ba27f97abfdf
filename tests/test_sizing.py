from __future__ import annotations

import pytest

from pmtui.money import MICROS, to_micros
from pmtui.paper.sizing import Caps, Exposure, kelly_fraction, size_stake

BANK = 1000 * MICROS
WIDE = Caps(per_market=1, per_cluster=1, per_category=1)


def test_kelly_fraction_textbook_example() -> None:
    # p = 0.60, price 0.50: full Kelly 20% of bankroll, quarter Kelly 5%.
    assert kelly_fraction(0.60, 0.50) == pytest.approx(0.20)
    assert (
        size_stake(p=0.6, cost=0.5, bankroll_micros=BANK, kelly_multiplier=0.25, caps=WIDE).stake_micros
        == 50 * MICROS
    )


def test_no_edge_and_unvalidated_stake_zero() -> None:
    assert (
        size_stake(p=0.5, cost=0.5, bankroll_micros=BANK, kelly_multiplier=0.25, caps=WIDE).limited_by
        == "no_edge"
    )
    assert (
        size_stake(p=0.4, cost=0.5, bankroll_micros=BANK, kelly_multiplier=0.25, caps=WIDE).stake_micros == 0
    )
    unvalidated = size_stake(
        p=0.9, cost=0.5, bankroll_micros=BANK, kelly_multiplier=0.25, caps=WIDE, validated=False
    )
    assert (unvalidated.stake_micros, unvalidated.limited_by) == (0, "unvalidated")


@pytest.mark.parametrize(
    ("caps", "exposure", "stake", "limited_by"),
    [
        (Caps(per_market=0.03, per_cluster=1, per_category=1), Exposure(), 30 * MICROS, "market"),
        (
            Caps(per_market=1, per_cluster=0.10, per_category=1),
            Exposure(cluster=80 * MICROS),
            20 * MICROS,
            "cluster",
        ),
        (
            Caps(per_market=1, per_cluster=1, per_category=0.25),
            Exposure(category=240 * MICROS),
            10 * MICROS,
            "category",
        ),
        (
            Caps(per_market=1, per_cluster=1, per_category=0.25),
            Exposure(category=300 * MICROS),
            0,
            "category",
        ),
    ],
)
def test_each_cap_limits_the_stake(caps: Caps, exposure: Exposure, stake: int, limited_by: str) -> None:
    decision = size_stake(
        p=0.6, cost=0.5, bankroll_micros=BANK, kelly_multiplier=0.25, caps=caps, exposure=exposure
    )
    assert (decision.stake_micros, decision.limited_by) == (stake, limited_by)


def test_to_micros_rounds_toward_zero() -> None:
    assert to_micros("0.0000019") == 1
    assert to_micros(12.5) == 12_500_000
