"""musk_fade_extremes: Elon Musk tweet-count buckets far from the usual range; buy NO."""

from __future__ import annotations

import math
from typing import ClassVar

from pmtui.strategies._common import FadeYesStrategy, binary_sides, feature_float
from pmtui.strategies.base import DecisionContext, Params, Proposal


class MuskFadeExtremes(FadeYesStrategy):
    name: ClassVar[str] = "musk_fade_extremes"
    description: ClassVar[str] = (
        "Tech/Musk-Tweets buckets whose low bound is below bucket_low_below (40) or whose high bound "
        "is above bucket_high_above (200): buy NO."
    )
    categories: ClassVar[tuple[str, ...]] = ("Tech/Musk-Tweets",)

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        sides = binary_sides(ctx)
        low = feature_float(ctx, "range_low")
        high = feature_float(ctx, "range_high")
        if sides is None or (low is None and high is None):
            return None  # not a bucket market
        # An open-ended bucket ("less than 20", "500 or more") reaches 0 or infinity on its open side.
        bucket_low = 0.0 if low is None else low
        bucket_high = math.inf if high is None else high
        low_limit = float(params["bucket_low_below"])
        high_limit = float(params["bucket_high_above"])
        if bucket_low < low_limit:
            why = f"Musk tweet bucket {_bucket(low, high)} is extreme (low < {low_limit:g})"
        elif bucket_high > high_limit:
            why = f"Musk tweet bucket {_bucket(low, high)} is extreme (high > {high_limit:g})"
        else:
            return None
        return self.fade(ctx, sides, why)


def _bucket(low: float | None, high: float | None) -> str:
    if low is None:
        return f"≤{high:g}"
    if high is None:
        return f"≥{low:g}"
    return f"{low:g}–{high:g}"
