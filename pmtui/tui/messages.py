"""Typed messages that thread workers post back to the UI thread (`post_message` is thread-safe).

Widgets are only ever touched by the handlers of these messages, on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    # For annotations only: the paper book, the signals queue and the taxonomy are imported by the
    # tabs that use them, when first shown, not on the first screen's path.
    from pmtui.paper.summary import PaperSummary
    from pmtui.signals.fill import FillPlan
    from pmtui.signals.store import SignalRow
    from pmtui.taxonomy.ladder import Flag
    from pmtui.tui.queries.clusters import CategoryCount, ClusterMarket, ClusterPage
    from pmtui.tui.queries.markets import MarketDetail, MarketFilter, MarketPage, MarketRow
    from pmtui.tui.queries.paper import CloseOutcome
    from pmtui.tui.queries.status import ApiUse, StoreStatus


@dataclass
class StoreReady(Message):
    """The store is open and migrated; tabs may start reading."""


@dataclass
class FirstPageShown(Message):
    """The Markets tab drew its first page (or found none to read yet): the app opens and migrates
    the store now, then starts what can wait (jobs, status, watcher)."""


@dataclass
class MarketsPageLoaded(Message):
    seq: int
    """Request number: a page older than the latest request is dropped (the user typed on)."""
    page: MarketPage | None
    """None: the store has no tables yet (read while it was being created)."""


@dataclass
class MarketsCounted(Message):
    filter: MarketFilter
    """The filter counted: a count for any other than the shown page's is dropped."""
    total: int
    more: bool
    """More than `total` (the count's cap) match."""


@dataclass
class MarketRowsRefreshed(Message):
    rows: list[MarketRow]

    def can_replace(self, message: Message) -> bool:
        # A burst of refreshes collapses into the newest one.
        return isinstance(message, MarketRowsRefreshed)


@dataclass
class MarketDetailLoaded(Message):
    market_id: str
    detail: MarketDetail | None


@dataclass
class WatchChanged(Message):
    market_id: str
    watched: bool


@dataclass
class StoreStatusRead(Message):
    status: StoreStatus
    api: ApiUse | None = None
    """The shared rate limiter's count (None when its file could not be read)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreStatusRead)


@dataclass
class ClusterTreeLoaded(Message):
    counts: list[CategoryCount]


@dataclass
class ClusterPageLoaded(Message):
    node_id: int
    """The category node the clusters go under."""
    page: ClusterPage


@dataclass
class ClusterMembersLoaded(Message):
    cluster_id: str
    node_id: int | None
    """The cluster node to fill, or None when the markets are for the side pane."""
    markets: list[ClusterMarket]
    """In ladder order (pmtui.taxonomy.ladder)."""
    flags: list[Flag] = field(default_factory=list)
    """Prices of the cluster that contradict each other (for the pane only)."""
    levels: dict[str, str] = field(default_factory=dict)
    """Market id → its level on the ladder ("$150,000", "30–31°F"), for the pane only."""


@dataclass
class SignalsLoaded(Message):
    seq: int
    signals: list[SignalRow]


@dataclass
class DecisionsMade(Message):
    action: str
    """approve | reject | undo"""
    done: list[int]
    refused: list[str]
    """One line per refused signal, from the queue."""
    t: int
    fills: dict[int, str] = field(default_factory=dict)
    """Signal id → the paper fill its approval made, in words."""


@dataclass
class FillsPlanned(Message):
    """What approving would fill now (pmtui.signals.fill), to show before anything is bought."""

    plans: list[FillPlan]
    stake_micros: int | None
    """The size the trader typed, if any."""
    warning: str | None
    """The order book could not be refreshed, or the app is offline."""


@dataclass
class PaperLoaded(Message):
    seq: int
    summary: PaperSummary

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PaperLoaded)


@dataclass
class PositionClosed(Message):
    outcome: CloseOutcome


@dataclass
class JobFinished(Message):
    """A background job (collector job or monitor cycle) ended one run; posted from its thread."""

    job: str
    status: str
    """ok | error | cancelled"""
    error: str | None = None
    unreachable: bool = False
    """It failed because the API could not be reached (the offline banner shows)."""
    reached_api: bool = False
    """It got answers from the API (the offline banner hides)."""
    markets_new: int = 0
    signals_new: int = 0
    """New pending signals (monitor cycles)."""
    positions_settled: int = 0


@dataclass
class StoreChanged(Message):
    """Something was written to the store (by any process): the topics whose counters moved
    (`pmtui.tui.queries.changes`); posted by `pmtui.tui.watch.StoreWatcher`."""

    topics: frozenset[str]


@dataclass
class CatalogProgressed(Message):
    """The in-app catalogue job stored another page (posted from the collector's thread)."""

    markets: int
    pages: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CatalogProgressed)


@dataclass
class JobsStarted(Message):
    """The background job threads are running (started in a worker)."""

    names: list[str]
