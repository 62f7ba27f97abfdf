"""Fractional Kelly for binary contracts, with exposure caps. Money is integer micro-dollars.

Buying an outcome at all-in cost c per share (price + slippage + taker fee) that wins with
probability p pays (1 - c) per share on a win and loses c on a loss, so the Kelly fraction of the
bankroll is f* = (p - c) / (1 - c). pmtui stakes `kelly_multiplier * f*` (a quarter by default),
then clips the stake so that open exposure stays under the per-market, per-cluster (correlated
outcomes of one event or ladder) and per-category caps. Zero when the edge is not positive or the
strategy is unvalidated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal


def kelly_fraction(p: float, cost: float) -> float:
    """Full-Kelly fraction of bankroll for buying at `cost` with win probability `p`; 0 if no edge."""
    if not 0 < cost < 1 or not 0 <= p <= 1:
        return 0.0
    edge = p - cost
    return edge / (1 - cost) if edge > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Caps:
    """Maximum open exposure as fractions of the bankroll."""

    per_market: float = 0.05
    per_cluster: float = 0.10
    per_category: float = 0.25


@dataclass(frozen=True, slots=True)
class Exposure:
    """Money already at risk in open positions (cost basis, micro-dollars)."""

    market: int = 0
    cluster: int = 0
    category: int = 0


@dataclass(frozen=True, slots=True)
class StakeDecision:
    stake_micros: int
    full_kelly: float
    limited_by: str | None
    """Which rule set the stake: None (Kelly itself), "market", "cluster", "category",
    "no_edge", "unvalidated", or "cash" (`proposed_stake`: cash on hand is less than the stake)."""


def size_stake(
    *,
    p: float | None,
    cost: float,
    bankroll_micros: int,
    kelly_multiplier: float,
    caps: Caps,
    exposure: Exposure = Exposure(),
    validated: bool = True,
) -> StakeDecision:
    if not validated or p is None:
        return StakeDecision(0, 0.0, "unvalidated")
    full = kelly_fraction(p, cost)
    if full <= 0 or bankroll_micros <= 0:
        return StakeDecision(0, full, "no_edge")
    # Decimal from the decimal strings of the inputs, so 0.6 - 0.5 is 0.1 and not 0.0999...
    exact = (Decimal(str(p)) - Decimal(str(cost))) / (1 - Decimal(str(cost)))
    stake = int((bankroll_micros * exact * Decimal(str(kelly_multiplier))).to_integral_value(ROUND_DOWN))
    room, binding = cap_room(bankroll_micros=bankroll_micros, caps=caps, exposure=exposure)
    if stake > room:
        return StakeDecision(room, full, binding)
    return StakeDecision(stake, full, None)


def cap_room(*, bankroll_micros: int, caps: Caps, exposure: Exposure) -> tuple[int, str]:
    """How much more may be staked before a cap binds, and which cap binds first.

    On ties the narrowest scope wins (market, then cluster, then category).
    """
    best: tuple[int, str] | None = None
    for name, cap, used in (
        ("market", caps.per_market, exposure.market),
        ("cluster", caps.per_cluster, exposure.cluster),
        ("category", caps.per_category, exposure.category),
    ):
        room = max(0, int(bankroll_micros * Decimal(str(cap))) - used)
        if best is None or room < best[0]:
            best = (room, name)
    assert best is not None
    return best
