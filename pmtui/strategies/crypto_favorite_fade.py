"""crypto_favorite_fade: on Bitcoin price-target ladders, buy NO on the upside rungs far above where
the ladder says Bitcoin is heading.

What the seed used it for: its example signals were "BTC $150K-$200K by Dec 31, 2026: bet NO", upside
rungs of a "What price will Bitcoin hit in 2026?" ladder far above where Bitcoin traded, not "any
BTC market with YES above 0.70".

The rule, on a market of category Crypto/BTC-Price whose features (read from its question by
pmtui.taxonomy when it was stored) give a `threshold` and direction "above" or "reach" (a rung), and
the other rungs of its ladder (same cluster, same deadline, same direction) with the prices known at
the decision time:

1. The ladder's implied median m is where its YES price crosses 50%: between the last rung at or
   above 50% and the first below it (thresholds ascending), interpolated on log(threshold), linear in
   price. If every rung is below 50%, m lies below the lowest rung, so the lowest rung's level is an
   upper bound for m and stands in for it (a rung far enough above the bound is far enough above m).
   If every rung is at or above 50%, m lies above the highest rung: no rung is known to be far above
   it, and nothing is proposed. A market with no other rung known at the decision time is no ladder.
2. A rung whose target is at least `min_distance` (default 0.25: 25%) above m: buy NO.

The "BTC reference price" of the issue would serve where m cannot be read, but pmtui stores no BTC
spot price, so the ladder's own median (or its bound) is the reference. The strategy reads nothing
but the context: the backtest gives it the prices its siblings had at or before the decision time,
the live monitor the prices known now, through the same `decide`.
"""

from __future__ import annotations

import itertools
import math
from typing import ClassVar

from pmtui.strategies._common import FadeYesStrategy, binary_sides, feature_float, fmt_price, side_label
from pmtui.strategies.base import DecisionContext, Params, Proposal

UP_DIRECTIONS = ("above", "reach")
"""Upside rungs: "Will Bitcoin be above $X on …?", "Will Bitcoin reach $X by …?" (pmtui.taxonomy)."""

HALF = 0.5


def implied_median(rungs: list[tuple[float, float]]) -> tuple[float, bool] | None:
    """(m, exact) from (threshold, YES price) rungs of one upside ladder: where YES crosses 50%
    (exact), or the lowest threshold when every rung is below 50% (an upper bound of m, not exact).
    None when every rung is at or above 50%."""
    ordered = sorted(rungs)
    if all(price < HALF for _, price in ordered):
        return ordered[0][0], False
    for (low, p_low), (high, p_high) in itertools.pairwise(ordered):
        if p_low >= HALF > p_high:
            share = (p_low - HALF) / (p_low - p_high)
            return math.exp(math.log(low) + share * (math.log(high) - math.log(low))), True
    return None


def _money(value: float) -> str:
    return f"${value:,.0f}"


class CryptoFavoriteFade(FadeYesStrategy):
    name: ClassVar[str] = "crypto_favorite_fade"
    description: ClassVar[str] = (
        "BTC price-target ladders: NO on upside rungs at least min_distance (25%) above the ladder's "
        "implied median (where its YES crosses 50%)."
    )
    categories: ClassVar[tuple[str, ...]] = ("Crypto/BTC-Price",)
    uses_cluster: ClassVar[bool] = True

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        threshold = feature_float(ctx, "threshold")
        direction = ctx.features.get("direction")
        deadline = ctx.features.get("deadline")
        sides = binary_sides(ctx)
        if threshold is None or threshold <= 0 or direction not in UP_DIRECTIONS or sides is None:
            return None
        rungs = [(threshold, sides.yes_price)]
        for sibling in ctx.siblings:
            level = sibling.features.get("threshold")
            if (
                isinstance(level, int | float)
                and not isinstance(level, bool)
                and level > 0
                and sibling.features.get("direction") == direction
                and sibling.features.get("deadline") == deadline
                and 0.0 < sibling.yes_price < 1.0
            ):
                rungs.append((float(level), sibling.yes_price))
        if len(rungs) < 2:
            return None
        found = implied_median(rungs)
        if found is None:
            return None
        median, exact = found
        distance = float(params["min_distance"])
        if threshold < median * (1.0 + distance):
            return None
        where = "implied median" if exact else "lowest rung (every rung is below 50%, so the median is lower)"
        yes = side_label(ctx.outcomes[sides.yes_index])
        why = (
            f"BTC {_money(threshold)} ({direction}) is {threshold / median - 1:.0%} above the ladder's {where} "
            f"{_money(median)}, {len(rungs)} rungs; {yes} {fmt_price(sides.yes_price)}"
        )
        return self.fade(ctx, sides, why)
