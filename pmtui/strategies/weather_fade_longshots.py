"""weather_fade_longshots: temperature buckets priced as longshots tend to lose; buy NO."""

from __future__ import annotations

from typing import ClassVar

from pmtui.strategies._common import FadeYesStrategy, binary_sides, fmt_price, side_label
from pmtui.strategies.base import DecisionContext, Params, Proposal


class WeatherFadeLongshots(FadeYesStrategy):
    name: ClassVar[str] = "weather_fade_longshots"
    description: ClassVar[str] = "Weather/Temperature markets with YES below max_yes_price (0.30): buy NO."
    categories: ClassVar[tuple[str, ...]] = ("Weather/Temperature",)

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        sides = binary_sides(ctx)
        if sides is None:
            return None
        limit = float(params["max_yes_price"])
        if not sides.yes_price < limit:
            return None
        yes = side_label(ctx.outcomes[sides.yes_index])
        why = f"temperature {yes} {fmt_price(sides.yes_price)} is below {fmt_price(limit)}"
        return self.fade(ctx, sides, why)
