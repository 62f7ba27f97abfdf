"""altcoin_fade_high: altcoin price targets priced as favourites; buy NO."""

from __future__ import annotations

from typing import ClassVar

from pmtui.strategies._common import FadeYesStrategy, binary_sides, feature_float, fmt_price, side_label
from pmtui.strategies.base import DecisionContext, Params, Proposal


class AltcoinFadeHigh(FadeYesStrategy):
    name: ClassVar[str] = "altcoin_fade_high"
    description: ClassVar[str] = (
        "Crypto/Altcoins price targets (a `threshold` feature) with YES above min_yes_price (0.70): buy NO."
    )
    categories: ClassVar[tuple[str, ...]] = ("Crypto/Altcoins",)

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        return fade_high_target(self, ctx, params)


def fade_high_target(strategy: FadeYesStrategy, ctx: DecisionContext, params: Params) -> Proposal | None:
    """NO on a price-target market (one with a threshold) whose YES is above `min_yes_price`.

    Up/down and range-bucket markets carry no threshold, so they are not price targets.
    """
    threshold = feature_float(ctx, "threshold")
    sides = binary_sides(ctx)
    if threshold is None or sides is None:
        return None
    limit = float(params["min_yes_price"])
    if not sides.yes_price > limit:
        return None
    asset = ctx.features.get("asset")
    target = f"{asset} {threshold:,.10g}" if isinstance(asset, str) and asset else f"{threshold:,.10g}"
    yes = side_label(ctx.outcomes[sides.yes_index])
    why = f"price target {target}: {yes} {fmt_price(sides.yes_price)} is above {fmt_price(limit)}"
    return strategy.fade(ctx, sides, why)
