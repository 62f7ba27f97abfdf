"""Building small stores by hand for backtest tests: markets with exact histories and outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlite_utils import Database

from pmtui.polymarket.models import Market
from pmtui.store.markets import MarketWrite, write_markets
from pmtui.strategies.base import DecisionContext, Params, Proposal, Strategy
from pmtui.taxonomy.categorize import store_categorizer

DAY = 86400
HOUR = 3600
T0 = 1_700_000_000


def market(
    market_id: str,
    history: Sequence[tuple[int, float]],
    *,
    end: int,
    closed: int | None = None,
    winner: int | None = 0,
    category: str | None = "Other",
    features: dict[str, Any] | None = None,
    outcomes: Sequence[str] = ("Yes", "No"),
    fee_rate: float | None = None,
    fee_exponent: float | None = None,
    fee_type: str | None = None,
    resolution: str | None = None,
    token: str | None = None,
    source: str = "import",
) -> MarketWrite:
    """One market; `winner=None` means void unless `resolution` says otherwise."""
    if resolution is None:
        resolution = "void" if winner is None else "resolved"
    return MarketWrite(
        market=Market(
            id=market_id,
            question=f"Question {market_id}?",
            outcomes=list(outcomes),
            token_ids=[token, f"{token}-no"] if token else [],
            prices=[],
            end_date=end,
            closed_time=closed,
            closed=resolution != "unresolved",
            resolution=resolution,  # type: ignore[arg-type]
            winner=winner if resolution == "resolved" else None,
            fee_rate=fee_rate,
            fee_exponent=fee_exponent,
            fee_type=fee_type,
            source=source,  # type: ignore[arg-type]
        ),
        history_t=[t for t, _ in history],
        history_p=[p for _, p in history],
        category=category,
        features=features,
    )


def store(db: Database, *items: MarketWrite) -> None:
    """Through the one market writer, as `pmtui import` stores them (categorized, file categories kept)."""
    write_markets(db, list(items), categorize=store_categorizer(), keep_missing=True)


class BuyYes(Strategy):
    """Buys outcome 0 on every market it sees (or outcome `side` from params)."""

    name: ClassVar[str] = "t_buy_yes"
    description: ClassVar[str] = "test: always buy"

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        return Proposal(int(params.get("side", 0)), "always")


class BuyNoBelow(Strategy):
    """Buys NO when YES is below `max_yes` (a fade-the-longshot rule)."""

    name: ClassVar[str] = "t_fade"
    description: ClassVar[str] = "test: fade longshots"

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        return Proposal(1, "fade") if ctx.yes_price < params["max_yes"] else None


class WeatherOnly(Strategy):
    name: ClassVar[str] = "t_weather"
    description: ClassVar[str] = "test: weather only"
    categories: ClassVar[tuple[str, ...]] = ("Weather",)

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        return Proposal(0, "weather")


class Recorder(Strategy):
    """Remembers every context it was shown and never trades."""

    name: ClassVar[str] = "t_recorder"
    description: ClassVar[str] = "test: records contexts"

    def __init__(self) -> None:
        self.seen: list[DecisionContext] = []

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        self.seen.append(ctx)
        return None


class Fails(Strategy):
    """Raises on market "bad", buys YES elsewhere."""

    name: ClassVar[str] = "t_fails"
    description: ClassVar[str] = "test: raises"

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        if ctx.market_id == "bad":
            raise ZeroDivisionError("boom")
        return Proposal(0, "ok")
