"""The strategy interface shared by the live monitor and the backtest.

A strategy sees one `DecisionContext`: the market as it was known at decision time `t` (its question,
category and features, which never change; the price of outcome 0 at `t`; volume and liquidity only
when they were observed at `t`; for a strategy that asks, the other markets of its cluster with the
prices known at `t`). It returns a `Proposal` (which outcome to buy, and why) or None.
The live monitor builds the context from the latest prices; the backtest builds it from the last
price point at or before the decision time. Both call the very same `decide`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Sibling:
    """A market of the same cluster (one event, one ladder) and its outcome-0 price as known then."""

    market_id: str
    question: str
    yes_price: float
    t: int
    """When that price was observed (unix seconds)."""
    features: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DecisionContext:
    market_id: str
    question: str
    category: str
    """`Top` or `Top/Sub`, e.g. "Crypto/BTC-Price" (see pmtui.taxonomy)."""
    outcomes: tuple[str, ...]
    yes_price: float
    """Price of outcome 0 at `t` (the last known point at or before `t`)."""
    t: int
    """Decision time, unix seconds."""
    end_date: int | None = None
    """Scheduled end; known in advance, so usable for "minimum time to close" filters."""
    features: Mapping[str, Any] = field(default_factory=dict)
    """Numbers read from the question by pmtui.taxonomy (threshold, range_low/high, asset...)."""
    volume: float | None = None
    """Volume known at `t`; None when unknown (a backtest cannot use Gamma's lifetime volume)."""
    liquidity: float | None = None
    """Liquidity known at `t`; None when unknown."""
    cluster: tuple[Sibling, ...] = ()
    """The priced markets of this market's cluster (itself included), filled only for strategies
    that ask (`Strategy.uses_cluster`). Read `siblings`, which keeps to what was known at `t`."""

    @property
    def hours_to_close(self) -> float | None:
        return None if self.end_date is None else (self.end_date - self.t) / 3600

    @property
    def siblings(self) -> tuple[Sibling, ...]:
        """The other markets of the cluster, each with a price observed at or before `t`."""
        return tuple(s for s in self.cluster if s.market_id != self.market_id and s.t <= self.t)


@dataclass(frozen=True, slots=True)
class Proposal:
    outcome_index: int
    """Which outcome to buy (0 = the first, usually "Yes"/"Up"; 1 = "No"/"Down")."""
    rationale: str
    """One line a trader can read: what was seen and why this side."""


class Strategy(ABC):
    """One module per strategy under pmtui/strategies/, each defining one subclass."""

    name: ClassVar[str]
    description: ClassVar[str]
    categories: ClassVar[tuple[str, ...]] = ()
    """Category prefixes the strategy looks at ("Crypto/BTC-Price", "Weather"); () = every market."""
    uses_cluster: ClassVar[bool] = False
    """True when `decide` reads `ctx.siblings` (the live monitor and the backtest then fill it)."""

    def applies_to(self, category: str | None) -> bool:
        if not self.categories:
            return True
        if not category:
            return False
        return any(category == c or category.startswith(c + "/") for c in self.categories)

    @abstractmethod
    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        """A proposal, or None. Must use nothing but `ctx` and `params`."""
