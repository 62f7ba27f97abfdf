"""fade_longshots: the favourite-longshot bias baseline, on any category.

Contracts priced at a few cents win less often than their price says (Becker on Kalshi; Della
Vedova on Polymarket trades; see docs/backtesting.md, "Favourite-longshot bias"). No volume or liquidity
filter by default: it is the reference the other strategies are compared with.
"""

from __future__ import annotations

from typing import ClassVar

from pmtui.strategies._common import FadeYesStrategy, binary_sides, fmt_price, side_label
from pmtui.strategies.base import DecisionContext, Params, Proposal


class FadeLongshots(FadeYesStrategy):
    name: ClassVar[str] = "fade_longshots"
    description: ClassVar[str] = "Any market with YES between min_price and max_price (0.01–0.10): buy NO."
    categories: ClassVar[tuple[str, ...]] = ()

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        sides = binary_sides(ctx)
        if sides is None:
            return None
        low, high = float(params["min_price"]), float(params["max_price"])
        if not low <= sides.yes_price <= high:
            return None
        yes = side_label(ctx.outcomes[sides.yes_index])
        why = f"{yes} {fmt_price(sides.yes_price)} is a longshot ({fmt_price(low)}–{fmt_price(high)})"
        return self.fade(ctx, sides, why)
