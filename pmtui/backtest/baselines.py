"""Baselines to compare strategies against: what the market itself earns after costs.

A strategy is only interesting if it beats simply buying the favourite (or the longshot) at the same
moments with the same costs. These are ordinary `Strategy` subclasses run by the same engine; they
live here, not in pmtui/strategies/, because they are yardsticks for backtests and never propose
live trades.
"""

from __future__ import annotations

from typing import ClassVar

from pmtui.strategies.base import DecisionContext, Params, Proposal, Strategy


class BuyFavourite(Strategy):
    name: ClassVar[str] = "baseline_favourite"
    description: ClassVar[str] = "Buy whichever outcome is priced above 50¢ (every market)."

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        if ctx.yes_price == 0.5:
            return None
        side = 0 if ctx.yes_price > 0.5 else 1
        return Proposal(
            side, f"{ctx.outcomes[side]} is the favourite at {max(ctx.yes_price, 1 - ctx.yes_price):.2f}"
        )


class BuyLongshot(Strategy):
    name: ClassVar[str] = "baseline_longshot"
    description: ClassVar[str] = "Buy whichever outcome is priced below 50¢ (every market)."

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        if ctx.yes_price == 0.5:
            return None
        side = 0 if ctx.yes_price < 0.5 else 1
        return Proposal(
            side, f"{ctx.outcomes[side]} is the longshot at {min(ctx.yes_price, 1 - ctx.yes_price):.2f}"
        )


class BuyYes(Strategy):
    name: ClassVar[str] = "baseline_yes"
    description: ClassVar[str] = "Buy outcome 0 (Yes, Up, the first team) on every market."

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        return Proposal(0, f"{ctx.outcomes[0]} at {ctx.yes_price:.2f}")


BASELINES: dict[str, Strategy] = {s.name: s for s in (BuyFavourite(), BuyLongshot(), BuyYes())}
