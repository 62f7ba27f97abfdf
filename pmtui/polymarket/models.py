"""Plain records the client produces and the store, taxonomy, strategies and backtest consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Resolution = Literal["unresolved", "resolved", "void"]
Source = Literal["api", "import", "demo"]


@dataclass(slots=True)
class Market:
    """One binary (two-outcome) Polymarket market, parsed from Gamma or the import format.

    `prices[k]` is the display price of `outcomes[k]` (Gamma `outcomePrices`), `token_ids[k]` its
    CLOB token id (TEXT, ~77 digits). `yes_price` is the price of outcome 0 ("Yes", "Up", the first
    team...). Times are unix seconds, UTC.
    """

    id: str
    question: str
    outcomes: list[str]
    token_ids: list[str]
    prices: list[float | None] = field(default_factory=list)
    condition_id: str | None = None
    slug: str | None = None
    description: str | None = None
    resolution_source: str | None = None
    """Gamma `resolutionSource`: where the outcome is read (often a URL; often empty)."""
    event_id: str | None = None
    event_slug: str | None = None
    event_title: str | None = None
    series_slug: str | None = None
    group_item_title: str | None = None
    best_bid: float | None = None
    best_ask: float | None = None
    last_trade: float | None = None
    one_day_change: float | None = None
    volume: float | None = None
    volume_24h: float | None = None
    liquidity: float | None = None
    start_date: int | None = None
    end_date: int | None = None
    closed_time: int | None = None
    created_at: int | None = None
    active: bool = True
    closed: bool = False
    accepting_orders: bool = False
    enable_order_book: bool = False
    neg_risk: bool = False
    neg_risk_market_id: str | None = None
    uma_status: str | None = None
    resolution: Resolution = "unresolved"
    winner: int | None = None
    fee_rate: float | None = None
    fee_exponent: float | None = None
    fee_type: str | None = None
    tick_size: float | None = None
    min_size: float | None = None
    tags: list[str] = field(default_factory=list)
    """Tag slugs (lower-case), from the market and its events."""
    source: Source = "api"

    @property
    def yes_price(self) -> float | None:
        return self.prices[0] if self.prices else None

    @property
    def price_token(self) -> str:
        """The key of this market's outcome-0 price series in the `prices` table: the CLOB token id,
        or `pmtui:<market id>:0` for markets without CLOB tokens (AMM era, imported history)."""
        return self.token_ids[0] if self.token_ids else f"pmtui:{self.id}:0"

    @property
    def anchor_time(self) -> int | None:
        """min(end date, closed time): a market that resolved early ("... by Dec 31" hit in June)
        is anchored on when it closed, so "N days before" never looks past the outcome."""
        known = [t for t in (self.end_date, self.closed_time) if t is not None]
        return min(known) if known else None

    @property
    def resolve_time(self) -> int | None:
        """When the outcome became known: the closed time when Gamma gives it, else the end date."""
        return self.closed_time if self.closed_time is not None else self.end_date


@dataclass(slots=True)
class Event:
    id: str
    slug: str | None = None
    title: str | None = None
    series_slug: str | None = None
    neg_risk: bool = False
    tags: list[str] = field(default_factory=list)
    start_date: int | None = None
    end_date: int | None = None
    closed: bool = False


@dataclass(slots=True, frozen=True)
class Tag:
    id: str
    label: str | None
    slug: str | None


@dataclass(slots=True, frozen=True)
class BookTop:
    """Best bid/ask of one token from a CLOB order book (`POST /books`)."""

    token_id: str
    best_bid: float | None
    best_ask: float | None
    t: int
    min_order_size: float | None = None
    tick_size: float | None = None

    @property
    def mid(self) -> float | None:
        if self.best_bid is not None and self.best_ask is not None:
            return (self.best_bid + self.best_ask) / 2
        return None


@dataclass(slots=True, frozen=True)
class PricePoint:
    token_id: str
    t: int
    p: float


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request as the client saw it, for the `api_calls` accounting log."""

    t: float
    api: str
    endpoint: str
    status: int | None
    """None when no response arrived (connection refused, timeout)."""
    ms: float
    error: str | None
