"""crypto_favorite_fade: Bitcoin price targets priced as favourites; buy NO."""

from __future__ import annotations

from typing import ClassVar

from pmtui.strategies._common import FadeYesStrategy
from pmtui.strategies.altcoin_fade_high import fade_high_target
from pmtui.strategies.base import DecisionContext, Params, Proposal


class CryptoFavoriteFade(FadeYesStrategy):
    name: ClassVar[str] = "crypto_favorite_fade"
    description: ClassVar[str] = (
        "Crypto/BTC-Price targets (a `threshold` feature) with YES above min_yes_price (0.70): buy NO."
    )
    categories: ClassVar[tuple[str, ...]] = ("Crypto/BTC-Price",)

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        return fade_high_target(self, ctx, params)
