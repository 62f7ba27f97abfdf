"""The app's live books: `LiveBooks` in its own thread and event loop, and the typed messages it
posts to the UI thread.

The socket, the REST fallback and the quote writer never run on the UI thread. The shared
`BookState` announces changed tokens on the socket's thread; `LiveFeed` gathers them and posts one
`BooksChanged` at a time, at most every `REDRAW_INTERVAL` (a burst of 500 messages a second becomes
~10 redraws of what is on screen). Widgets read the books they show from `feed.state` on the UI
thread (a copy of 10 levels under the state's lock: microseconds).

What is subscribed (`set_markets`, by source): "screen" (the Markets rows in view, debounced as the
trader scrolls), "selected" (the market whose detail is open, at once), "watched" and "signals"
(markets with pending signals, re-read from the store when those change).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message

from pmtui.config import Settings
from pmtui.polymarket.book_state import BookState

if TYPE_CHECKING:
    from sqlite_utils import Database

    from pmtui.alerts.price import PriceAlert, PriceAlertEngine
    from pmtui.collect.live_books import BackgroundLiveBooks, FeedStatus, LiveQuote

log = logging.getLogger("pmtui.tui.live")

REDRAW_INTERVAL = 0.1
"""Seconds between two `BooksChanged` messages at most (10 redraws a second)."""


@dataclass
class BooksChanged(Message):
    """Books of these tokens changed since the last message."""

    tokens: set[str] = field(default_factory=set)


@dataclass
class FeedStatusChanged(Message):
    status: FeedStatus

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedStatusChanged)


@dataclass
class PriceAlertsFired(Message):
    alerts: list[PriceAlert]


@dataclass
class HistoryFetched(Message):
    market_id: str
    points: int
    error: str | None = None


class LiveFeed:
    """Owns the live-books thread for the app. `start`/`stop` block briefly (imports, joining the
    thread): the app calls them from workers. Everything else is safe on any thread."""

    def __init__(
        self, settings: Settings, post: Callable[[Message], object], clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self._post = post
        self.state = BookState(clock)
        """The one book state of the app (the book panels read it)."""
        self.thread: BackgroundLiveBooks | None = None
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._interest: dict[str, list[str]] = {}
        self.status: FeedStatus | None = None
        self._history_wanted: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.live.enabled)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.running

    def start(self) -> None:
        """Start streaming (blocking imports: call from a worker thread)."""
        if self.thread is not None or not self.enabled or self._stopped.is_set():
            return
        from pmtui.alerts.price import PriceAlertEngine
        from pmtui.collect.live_books import BackgroundLiveBooks

        engine = PriceAlertEngine(self.settings)
        self.thread = BackgroundLiveBooks(
            self.settings,
            state=self.state,
            on_status=self._status,
            on_quotes=[partial(self._alerts, engine)],
        )
        for source, ids in self._interest.items():
            self.thread.books.set_markets(source, ids)
        if self._history_wanted is not None:
            self.fetch_history(self._history_wanted)
        self.state.add_listener(self._changed)
        self._flusher = threading.Thread(target=self._flush_loop, name="pmtui-live-redraw", daemon=True)
        self._flusher.start()
        self.thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stopped.set()
        self._wake.set()
        self.state.remove_listener(self._changed)
        if self.thread is not None:
            self.thread.stop(timeout)
        if self._flusher is not None:
            self._flusher.join(timeout)

    # --- interest ----------------------------------------------------------------------------------

    def set_markets(self, source: str, market_ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(market_ids))
        if self._interest.get(source) == ids:
            return
        self._interest[source] = ids
        if self.thread is not None:
            self.thread.books.set_markets(source, ids)

    def subscribed(self, source: str) -> list[str]:
        return list(self._interest.get(source, []))

    def fetch_history(self, market_id: str) -> None:
        """Fetch the market's price history now if it is not fresh (posts `HistoryFetched`)."""
        if self.thread is None:
            if self.enabled and not self._stopped.is_set():
                self._history_wanted = market_id  # asked for before the feed started
            return
        self.thread.books.request_history(
            market_id, lambda points, error: self._post(HistoryFetched(market_id, points, error))
        )

    # --- from the live thread ----------------------------------------------------------------------

    def _changed(self, tokens: set[str]) -> None:
        with self._pending_lock:
            self._pending |= tokens
        self._wake.set()

    def _flush_loop(self) -> None:
        """Post the changed tokens, at most every REDRAW_INTERVAL (a thread: no UI-thread timers)."""
        while not self._stopped.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._pending_lock:
                tokens, self._pending = self._pending, set()
            if tokens:
                self._post(BooksChanged(tokens))
                time.sleep(REDRAW_INTERVAL)

    def _status(self, status: FeedStatus) -> None:
        self.status = status
        self._post(FeedStatusChanged(status))

    def _alerts(self, engine: PriceAlertEngine, db: Database, quotes: list[LiveQuote], now: int) -> None:
        from pmtui.alerts.price import PriceSample

        samples = [
            PriceSample(q.market_id, q.mid, int(q.t))
            for q in quotes
            if q.outcome_index == 0 and q.mid is not None
        ]
        fired = engine.check(db, samples, now)
        if fired:
            self._post(PriceAlertsFired(fired))
