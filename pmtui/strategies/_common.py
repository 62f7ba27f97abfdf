"""What the six strategies share: the common filters, side lookup and price formatting.

Every strategy has three common parameters (defaults in data/strategies.toml):
- `min_hours_to_close`: skip markets whose scheduled end is closer than this (or already past);
  applied only when the end date is known.
- `min_volume` / `min_liquidity`: skip markets below these; applied only when the context carries the
  value. The live monitor passes the volume and liquidity it just read from the store; a backtest
  passes None, because Gamma's volume/liquidity are lifetime/current values that were not known at
  an earlier decision time (using them would leak the future).

This module starts with an underscore so the registry does not take it for a strategy.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

from pmtui.strategies.base import DecisionContext, Params, Proposal, Strategy


def common_filter_failure(ctx: DecisionContext, params: Params) -> str | None:
    """Why the common filters reject `ctx` (one short line), or None when it passes."""
    hours = ctx.hours_to_close
    min_hours = float(params.get("min_hours_to_close", 0.0))
    if hours is not None and hours < min_hours:
        if hours < 0:
            return "past its scheduled end"
        return f"closes in {hours:.1f} h (< {min_hours:g} h)"
    min_volume = float(params.get("min_volume", 0.0))
    if ctx.volume is not None and ctx.volume < min_volume:
        return f"volume {ctx.volume:,.0f} < {min_volume:,.0f}"
    min_liquidity = float(params.get("min_liquidity", 0.0))
    if ctx.liquidity is not None and ctx.liquidity < min_liquidity:
        return f"liquidity {ctx.liquidity:,.0f} < {min_liquidity:,.0f}"
    return None


def fmt_price(p: float) -> str:
    """A price in cents, as the app shows every price: 0.07 → "7¢", 0.0125 → "1.25¢", 0.2999 →
    "29.99¢", 0.5 → "50¢"; decimals only when they matter."""
    text = f"{p * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}¢"


def side_label(outcome: str) -> str:
    """How a rationale names an outcome: YES/NO in capitals, other names (Up, a team) as they are."""
    return outcome.upper() if outcome.strip().lower() in ("yes", "no") else outcome


def outcome_index(outcomes: tuple[str, ...], name: str) -> int | None:
    """Index of the outcome called `name` (case and spaces ignored), or None. Never by position."""
    wanted = name.strip().lower()
    for index, outcome in enumerate(outcomes):
        if outcome.strip().lower() == wanted:
            return index
    return None


def feature_float(ctx: DecisionContext, key: str) -> float | None:
    value = ctx.features.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class FilteredStrategy(Strategy):
    """A strategy whose `decide` applies the category check and the common filters, then `propose`."""

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        if not self.applies_to(ctx.category):
            return None
        if not 0.0 < ctx.yes_price < 1.0:
            # A price of 0 or 1 is a settled (or unpriced) market: nothing left to trade.
            return None
        if common_filter_failure(ctx, params) is not None:
            return None
        return self.propose(ctx, params)

    @abstractmethod
    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        """The strategy's own condition, on a context that passed the common filters."""


@dataclass(frozen=True, slots=True)
class BinarySides:
    """The YES side and the NO side of a two-outcome market, found by name when they are Yes/No.

    Markets with other names (teams, Over/Under) treat outcome 0 as the YES side, as Polymarket's
    `yes_price` does.
    """

    yes_index: int
    no_index: int
    yes_price: float
    """Price of the YES side at decision time."""


def binary_sides(ctx: DecisionContext) -> BinarySides | None:
    if len(ctx.outcomes) != 2:
        return None
    yes = outcome_index(ctx.outcomes, "Yes")
    no = outcome_index(ctx.outcomes, "No")
    if yes is None or no is None:
        yes, no = 0, 1
    price = ctx.yes_price if yes == 0 else 1.0 - ctx.yes_price
    return BinarySides(yes_index=yes, no_index=no, yes_price=price)


class FadeYesStrategy(FilteredStrategy):
    """Buy the NO side of a binary market: the shape of five of the six strategies."""

    def fade(self, ctx: DecisionContext, sides: BinarySides, why: str) -> Proposal:
        # The price paid is the signal's business (best ask + costs, known only to the batch); the
        # rationale names what the strategy saw, so the two can never disagree on screen.
        rationale = f"{why}: fade it, buy {side_label(ctx.outcomes[sides.no_index])}"
        return Proposal(outcome_index=sides.no_index, rationale=rationale)
