"""One in-memory order book per token, shared by everyone in the process who wants live prices.

`BookState` is the single copy: the market-channel client and the REST fallback write it, the TUI's
book panel, the quote writer (which puts the tops into SQLite for the monitor, the signals, the
paper book and other processes), the price alerts and `pmtui book` read it. It is thread-safe (one
lock; the channel runs in its own thread and event loop, readers on theirs) and cheap to read:
`view()` copies one token's levels, `top()` only its best bid and ask.

Rules (docs/polymarket-api.md, "Market WebSocket"): a `book` replaces a token's book wholesale; a
`price_change` sets the absolute size of one level (0 removes it), and only applies to a book that
is in sync, i.e. has had a snapshot since the last disconnect (there are no sequence numbers, so a
gap cannot be detected, only avoided by resyncing from a fresh `book`). `mark_unsynced` is called
when a connection drops; the book keeps its levels for display (marked stale) until the next
snapshot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from pmtui.polymarket.book_events import (
    BestBidAsk,
    BookEvent,
    BookSnapshot,
    LastTrade,
    Level,
    PriceChanges,
    TickSizeChange,
)

Source = Literal["ws", "rest"]
Listener = Callable[[set[str]], None]
"""Called (on the writer's thread, outside the lock) with the tokens an update changed."""


class OrderBook:
    """One token's levels: price → absolute size, per side."""

    __slots__ = (
        "asks",
        "bids",
        "hash",
        "last_trade",
        "last_trade_t_ms",
        "market",
        "source",
        "synced",
        "t_ms",
        "tick_size",
        "token_id",
        "updated",
    )

    def __init__(self, token_id: str) -> None:
        self.token_id = token_id
        self.market = ""
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.tick_size: float | None = None
        self.last_trade: float | None = None
        self.last_trade_t_ms = 0
        self.t_ms = 0
        """The exchange's timestamp of the last change (milliseconds)."""
        self.hash = ""
        self.source: Source = "ws"
        self.synced = False
        self.updated = 0.0
        """Our wall-clock time of the last change (seconds)."""

    def best_bid(self) -> float | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> float | None:
        return min(self.asks) if self.asks else None


@dataclass(frozen=True, slots=True)
class BookView:
    """A copy of one token's book for display and export: bids best first (descending), asks best
    first (ascending)."""

    token_id: str
    market: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    tick_size: float | None
    last_trade: float | None
    t_ms: int
    updated: float
    source: Source
    synced: bool

    @property
    def best_bid(self) -> float | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> float | None:
        return self.asks[0][0] if self.asks else None

    @property
    def spread(self) -> float | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return round(self.best_ask - self.best_bid, 6)

    @property
    def mid(self) -> float | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2


@dataclass(frozen=True, slots=True)
class Top:
    """Best bid/ask of a token and when it last changed (wall-clock seconds)."""

    token_id: str
    best_bid: float | None
    best_ask: float | None
    updated: float
    source: Source
    synced: bool

    @property
    def mid(self) -> float | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2


class BookState:
    """Every live book of this process, keyed by token id."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._books: dict[str, OrderBook] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._listeners: list[Listener] = []
        self._dirty: set[str] = set()
        self.ignored_changes = 0
        """Level changes for a token without a synced book (dropped; the next snapshot has them)."""

    # --- listening ---------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, tokens: set[str]) -> None:
        if not tokens:
            return
        for listener in list(self._listeners):
            listener(tokens)

    def take_dirty(self) -> set[str]:
        """The tokens changed since the last call (for the coalescing quote writer)."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        return dirty

    # --- writing -----------------------------------------------------------------------------------

    def apply(self, events: Iterable[BookEvent], source: Source = "ws") -> set[str]:
        """Apply events in order; returns (and announces) the tokens whose book changed."""
        changed: set[str] = set()
        now = self._clock()
        with self._lock:
            for event in events:
                if isinstance(event, BookSnapshot):
                    self._snapshot(event, source, now)
                    changed.add(event.token_id)
                elif isinstance(event, PriceChanges):
                    for change in event.changes:
                        book = self._books.get(change.token_id)
                        # Level changes only build on a snapshot of the same stream: a socket change
                        # on a REST book (fetched at another moment) could land on the wrong levels.
                        if book is None or not book.synced or book.source != source:
                            self.ignored_changes += 1
                            continue
                        side = book.bids if change.side == "bid" else book.asks
                        if change.size > 0:
                            side[change.price] = change.size
                        else:
                            side.pop(change.price, None)
                        book.t_ms = max(book.t_ms, event.t_ms)
                        book.updated = now
                        changed.add(change.token_id)
                elif isinstance(event, TickSizeChange):
                    book = self._book(event.token_id)
                    book.tick_size = event.tick_size
                    book.updated = now
                    changed.add(event.token_id)
                elif isinstance(event, LastTrade):
                    book = self._book(event.token_id)
                    book.last_trade = event.price
                    book.last_trade_t_ms = event.t_ms
                    book.updated = now
                    changed.add(event.token_id)
                elif isinstance(event, BestBidAsk):
                    continue  # derived from the levels we hold; nothing to store
            self._dirty |= changed
        self._notify(changed)
        return changed

    def _book(self, token_id: str) -> OrderBook:
        book = self._books.get(token_id)
        if book is None:
            book = self._books[token_id] = OrderBook(token_id)
        return book

    def _snapshot(self, snap: BookSnapshot, source: Source, now: float) -> None:
        book = self._book(snap.token_id)
        book.market = snap.market or book.market
        book.bids = dict(snap.bids)
        book.asks = dict(snap.asks)
        book.hash = snap.hash
        book.t_ms = snap.t_ms
        if snap.tick_size is not None:
            book.tick_size = snap.tick_size
        if snap.last_trade is not None and source == "rest":
            # REST books carry the last trade price; the socket sends it as its own event.
            book.last_trade = snap.last_trade
        book.source = source
        book.synced = True
        book.updated = now

    def mark_unsynced(self, tokens: Iterable[str]) -> None:
        """A connection carrying these tokens dropped: their next level changes wait for a snapshot."""
        changed: set[str] = set()
        with self._lock:
            for token in tokens:
                book = self._books.get(token)
                if book is not None and book.synced:
                    book.synced = False
                    changed.add(token)
        self._notify(changed)

    def forget(self, tokens: Iterable[str]) -> None:
        """Drop books nobody subscribes to any more (their levels would only go stale)."""
        with self._lock:
            for token in tokens:
                self._books.pop(token, None)
                self._dirty.discard(token)

    # --- reading -----------------------------------------------------------------------------------

    def view(self, token_id: str, depth: int | None = None) -> BookView | None:
        """A copy of one book, `depth` levels a side (all by default); None if we have none."""
        with self._lock:
            book = self._books.get(token_id)
            if book is None:
                return None
            bids = sorted(book.bids.items(), reverse=True)
            asks = sorted(book.asks.items())
            return BookView(
                token_id=token_id,
                market=book.market,
                bids=tuple(bids[:depth] if depth is not None else bids),
                asks=tuple(asks[:depth] if depth is not None else asks),
                tick_size=book.tick_size,
                last_trade=book.last_trade,
                t_ms=book.t_ms,
                updated=book.updated,
                source=book.source,
                synced=book.synced,
            )

    def top(self, token_id: str) -> Top | None:
        with self._lock:
            book = self._books.get(token_id)
            if book is None:
                return None
            return Top(token_id, book.best_bid(), book.best_ask(), book.updated, book.source, book.synced)

    def tops(self, token_ids: Iterable[str]) -> dict[str, Top]:
        found: dict[str, Top] = {}
        with self._lock:
            for token in token_ids:
                book = self._books.get(token)
                if book is not None:
                    found[token] = Top(
                        token, book.best_bid(), book.best_ask(), book.updated, book.source, book.synced
                    )
        return found

    def levels(self, token_id: str) -> tuple[dict[float, float], dict[float, float]] | None:
        """Copies of (bids, asks) as price → size (for comparing books in tests and benchmarks)."""
        with self._lock:
            book = self._books.get(token_id)
            return None if book is None else (dict(book.bids), dict(book.asks))

    def tokens(self) -> list[str]:
        with self._lock:
            return list(self._books)

    def __len__(self) -> int:
        with self._lock:
            return len(self._books)
