"""Live order books for the markets someone is looking at: the market channel, its REST fallback,
and the coalesced quote writer, around the one shared `BookState`.

    live = LiveBooks(settings)                      # or BackgroundLiveBooks(settings) for the app
    live.set_markets("screen", ["559651", ...])     # any thread; each source replaces its own set
    await live.run(stop)                            # until `stop` is set

- **What is subscribed**: the union of every source's markets (the app: "screen", "watched",
  "signals", "selected"), both tokens of each open market, resolved from the store on the loop.
- **Socket down**: tokens whose connection is down (or that wait for their snapshot longer than
  `FALLBACK_GRACE`) get whole books from batched `POST /books` every `live.poll_interval`, under the
  shared rate limiter; `status().mode` says `ws`, `polling` or `offline` (the status bar shows it).
- **Quotes**: every `live.quote_interval` the best bid/ask of each changed token go to `quotes`, and
  outcome 0's to its market row, in one transaction (so at most one write per token per interval,
  whatever the message rate); a token's mid goes to `prices` at most every
  `live.price_point_interval`. The monitor, the signals, the paper book, `pmtui` headless commands
  and other processes read those.
- `on_quotes` hooks get what was just written (the price alerts run there, on this loop's thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlite_utils import Database

from pmtui.collect.open_history import HistoryCache, fetch_history, plan_history
from pmtui.collect.scheduler import BackgroundLoop, _wait_for
from pmtui.config import Settings
from pmtui.polymarket.book_state import BookState
from pmtui.polymarket.client import ApiError, PolymarketClient
from pmtui.polymarket.market_channel import MarketChannel
from pmtui.polymarket.models import PricePoint
from pmtui.store.api_log import ApiCallLog
from pmtui.store.db import connect, write_tx
from pmtui.store.markets import set_book_prices
from pmtui.store.prices import Quote, insert_price_points, upsert_quotes

log = logging.getLogger(__name__)

HEARTBEAT = 30.0
"""Seconds between two writes of every synced book's quote, changed or not (keeps `quotes.t` fresh)."""
FALLBACK_GRACE = 2.0
"""Seconds a token may wait for its socket snapshot before the REST fallback fetches it."""

T = TypeVar("T")
Mode = Literal["idle", "connecting", "ws", "polling", "offline"]


@dataclass(frozen=True, slots=True)
class TokenRef:
    """Which market and outcome a token prices."""

    market_id: str
    outcome_index: int
    outcome: str = ""


@dataclass(frozen=True, slots=True)
class FeedStatus:
    mode: Mode
    """idle (nothing subscribed), connecting, ws (streaming), polling (socket down, REST books),
    offline (socket down and REST failing)."""
    tokens: int = 0
    connections: int = 0
    malformed: int = 0
    reconnects: int = 0
    rest_polls: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class LiveQuote:
    """A top of book as written to `quotes`."""

    token_id: str
    market_id: str
    outcome_index: int
    best_bid: float | None
    best_ask: float | None
    t: float

    @property
    def mid(self) -> float | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2


QuotesHook = Callable[[Database, list[LiveQuote], int], Any]
"""on_quotes(db, quotes just written, now): runs on the live loop's thread with its connection."""


def market_tokens(db: Database, market_ids: Sequence[str]) -> dict[str, TokenRef]:
    """The tokens of the open order-book markets among `market_ids` (closed ones have no book)."""
    refs: dict[str, TokenRef] = {}
    ids = list(dict.fromkeys(market_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for market_id, tokens_json, outcomes_json in db.execute(
            f"SELECT id, token_ids_json, outcomes_json FROM markets WHERE id IN ({marks}) AND closed = 0",
            chunk,
        ):
            try:
                tokens = json.loads(tokens_json or "[]")
                outcomes = json.loads(outcomes_json or "[]")
            except ValueError:
                continue
            for index, token in enumerate(tokens if isinstance(tokens, list) else []):
                name = outcomes[index] if isinstance(outcomes, list) and index < len(outcomes) else ""
                refs[str(token)] = TokenRef(str(market_id), index, str(name))
    return refs


@dataclass
class _Interest:
    markets: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, dict[str, TokenRef]] = field(default_factory=dict)


class LiveBooks:
    """The live books of a changing set of markets (see the module doc)."""

    def __init__(
        self,
        settings: Settings,
        *,
        state: BookState | None = None,
        db_path: Path | str | None = None,
        write_quotes: bool = True,
        on_status: Callable[[FeedStatus], Any] | None = None,
        on_quotes: Iterable[QuotesHook] = (),
        client: PolymarketClient | None = None,
    ) -> None:
        self.settings = settings
        self.live = settings.live
        self.state = state if state is not None else BookState()
        self.db_path = Path(db_path) if db_path is not None else settings.database.path
        self.write_quotes = write_quotes
        self.on_status = on_status
        self.on_quotes = list(on_quotes)
        self._client = client
        self.channel = MarketChannel(
            self.live, self.state, user_agent=settings.api.user_agent, on_status=self._status_maybe_changed
        )
        self.refs: dict[str, TokenRef] = {}
        """Subscribed token → its market and outcome."""
        self._interest = _Interest()
        self._interest_lock = threading.Lock()
        self._interest_changed = threading.Event()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsynced_since: dict[str, float] = {}
        self._rest_ok: bool | None = None
        self._rest_polls = 0
        self._last_error: str | None = None
        self._last_status: FeedStatus | None = None
        self._last_point: dict[str, float] = {}
        self._last_heartbeat = 0.0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pmtui-live-db")
        self._db: Database | None = None
        """The store connection, only ever used on `_executor`'s thread."""
        self._active_client: PolymarketClient | None = None
        self._history_cache = HistoryCache()
        self._history_in_flight: set[str] = set()
        self._history_tasks: set[asyncio.Task[None]] = set()
        self._history_waiting: list[tuple[str, Callable[[int, str | None], Any]]] = []

    # --- interest (any thread) ---------------------------------------------------------------------

    def set_markets(self, source: str, market_ids: Iterable[str]) -> None:
        """`source` ("screen", "watched", "signals", ...) now wants exactly these markets."""
        with self._interest_lock:
            self._interest.markets[source] = list(dict.fromkeys(str(m) for m in market_ids))
        self._poke()

    def set_tokens(self, source: str, refs: Mapping[str, TokenRef]) -> None:
        """Like `set_markets`, with the tokens given directly (no store needed)."""
        with self._interest_lock:
            self._interest.tokens[source] = dict(refs)
        self._poke()

    def _poke(self) -> None:
        self._interest_changed.set()
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    # --- status ------------------------------------------------------------------------------------

    def status(self) -> FeedStatus:
        channel = self.channel
        tokens = len(channel.assets)
        if not tokens:
            mode: Mode = "idle"
        elif channel.connected:
            mode = "ws"
        elif self._rest_ok is True:
            mode = "polling"
        elif self._rest_ok is False:
            mode = "offline"
        else:
            mode = "connecting"
        stats = channel.stats
        return FeedStatus(
            mode=mode,
            tokens=tokens,
            connections=channel.connections,
            malformed=stats.malformed,
            reconnects=stats.reconnects,
            rest_polls=self._rest_polls,
            last_error=self._last_error,
        )

    def _status_maybe_changed(self) -> None:
        status = self.status()
        previous = self._last_status
        self._last_status = status
        if self.on_status is None:
            return
        if previous is None or (status.mode, status.tokens, status.connections) != (
            previous.mode,
            previous.tokens,
            previous.connections,
        ):
            try:
                self.on_status(status)
            except Exception:
                log.exception("live books status hook failed")

    # --- the loop ----------------------------------------------------------------------------------

    async def run(self, stop: threading.Event | asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._interest_changed.set()
        channel_stop = asyncio.Event()
        own_client = self._client is None
        client = self._client or PolymarketClient(
            self.settings, call_log=ApiCallLog(self.db_path) if self.write_quotes else None
        )
        if own_client:
            await client.__aenter__()
        self._active_client = client
        waiting, self._history_waiting = self._history_waiting, []
        for market_id, done in waiting:
            self.request_history(market_id, done)
        channel_task = asyncio.create_task(self.channel.run(channel_stop), name="live-books:channel")
        tasks = [
            asyncio.create_task(self._follow_interest(), name="live-books:interest"),
            asyncio.create_task(self._fallback(client), name="live-books:fallback"),
            asyncio.create_task(self._write_quotes(), name="live-books:quotes"),
        ]
        try:
            await _wait_for(stop, None)
        finally:
            tasks += list(self._history_tasks)  # fetches in flight end before their client closes
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            channel_stop.set()
            await asyncio.gather(channel_task, return_exceptions=True)
            if own_client:
                await client.aclose()
            with contextlib.suppress(Exception):
                await self._in_db(self._last_flush)
            self._executor.shutdown(wait=True)

    # --- price history of open markets, on demand ---------------------------------------------------

    def request_history(self, market_id: str, done: Callable[[int, str | None], Any]) -> None:
        """Fetch the market's history if it is not current (any thread); `done(points stored, error)`
        is called on the live thread when finished."""
        loop = self._loop
        if loop is None:
            self._history_waiting.append((market_id, done))  # asked before the loop started
            return
        if loop.is_closed():
            done(0, "the live books are not running")
            return

        def start() -> None:
            task = asyncio.create_task(self._history(market_id, done), name=f"live-books:history:{market_id}")
            self._history_tasks.add(task)
            task.add_done_callback(self._history_tasks.discard)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(start)

    async def _history(self, market_id: str, done: Callable[[int, str | None], Any]) -> None:
        client = self._active_client
        if client is None or market_id in self._history_in_flight or self._history_cache.fresh(market_id):
            return
        self._history_in_flight.add(market_id)
        try:
            now = int(time.time())
            plan = await self._in_db(lambda db: plan_history(db, self.settings, market_id, now))
            stored = 0
            if plan is not None:
                points = await fetch_history(client, plan)
                stored = await self._in_db(lambda db: _store_points(db, points))
            self._history_cache.mark(market_id)
            done(stored, None)
        except ApiError as exc:
            log.info("price history of %s: %s", market_id, exc)
            done(0, str(exc))
        except Exception as exc:
            log.exception("price history of %s failed", market_id)
            done(0, f"{type(exc).__name__}: {exc}")
        finally:
            self._history_in_flight.discard(market_id)

    async def _in_db(self, work: Callable[[Database], T]) -> T:
        """Run `work` on the one thread that owns this object's store connection (the socket's loop
        never waits for SQLite)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(self._database()))

    def _database(self) -> Database:
        if self._db is None:
            self._db = connect(self.db_path, busy_timeout=float(self.settings.database.busy_timeout))
        return self._db

    def _last_flush(self, db: Database) -> None:
        try:
            if self.write_quotes:
                self._flush(db)
        finally:
            db.close()
            self._db = None

    async def _follow_interest(self) -> None:
        assert self._wake is not None
        while True:
            if self._interest_changed.is_set():
                self._interest_changed.clear()
                try:
                    await self._apply_interest()
                except Exception:  # e.g. the store is locked for a moment: try again shortly
                    log.exception("updating the live subscriptions failed")
                    self._interest_changed.set()
                    await asyncio.sleep(1)
                    continue
            self._wake.clear()
            if not self._interest_changed.is_set():
                await self._wake.wait()

    async def _apply_interest(self) -> None:
        with self._interest_lock:
            market_ids = [m for ids in self._interest.markets.values() for m in ids]
            refs: dict[str, TokenRef] = {}
            for given in self._interest.tokens.values():
                refs.update(given)
        if market_ids:
            refs = {**await self._in_db(lambda db: market_tokens(db, market_ids)), **refs}
        self.refs = refs
        await self.channel.set_assets(refs)
        for token in list(self._unsynced_since):
            if token not in refs:
                del self._unsynced_since[token]
        self._status_maybe_changed()

    async def _fallback(self, client: PolymarketClient) -> None:
        """REST books for the tokens the socket does not deliver right now (down, or no snapshot
        within `FALLBACK_GRACE`), at most every `live.poll_interval`."""
        last_poll = float("-inf")
        while True:
            now = time.monotonic()
            unsynced = self.channel.unsynced_assets()
            for token in unsynced:
                self._unsynced_since.setdefault(token, now)
            for token in list(self._unsynced_since):
                if token not in unsynced:
                    del self._unsynced_since[token]
            due = [t for t, since in self._unsynced_since.items() if now - since >= FALLBACK_GRACE]
            if due and now - last_poll >= float(self.live.poll_interval):
                last_poll = now
                await self._poll_rest(client, due)
            elif not unsynced:
                self._rest_ok = None
            self._status_maybe_changed()
            await asyncio.sleep(0.5)

    async def _poll_rest(self, client: PolymarketClient, tokens: list[str]) -> None:
        try:
            books = await client.get_order_books(tokens)
        except ApiError as exc:
            self._rest_ok = False
            self._last_error = str(exc)
            log.info("live books: REST fallback failed: %s", exc)
            return
        self._rest_polls += 1
        self._rest_ok = True
        self._last_error = None
        # A socket that came back meanwhile has sent its own snapshot: keep that one.
        still_down = self.channel.unsynced_assets()
        self.state.apply([b for b in books if b.token_id in still_down], "rest")

    async def _write_quotes(self) -> None:
        interval = float(self.live.quote_interval)
        while True:
            await asyncio.sleep(interval)
            if not self.write_quotes:
                self.state.take_dirty()
                continue
            try:
                await self._in_db(self._flush)
            except Exception:  # a locked store for longer than the busy timeout: next time
                log.exception("writing live quotes failed")

    def _flush(self, db: Database) -> list[LiveQuote]:
        """Write the tops of the tokens changed since the last flush; returns what was written."""
        dirty = self.state.take_dirty()
        refs = self.refs
        now = time.time()
        if now - self._last_heartbeat >= HEARTBEAT:
            # A quiet book sends nothing for minutes, yet a synced socket says it is current: its
            # quote's time moves on, so signals and the paper book do not take it for stale.
            self._last_heartbeat = now
            dirty |= set(refs)
        tops = self.state.tops(t for t in dirty if t in refs)
        if not tops:
            return []
        written: list[LiveQuote] = []
        quotes: list[Quote] = []
        points: list[PricePoint] = []
        market_rows: list[tuple[str, float | None, float | None, float | None]] = []
        point_every = float(self.live.price_point_interval)
        for token, top in tops.items():
            ref = refs[token]
            if not top.synced and top.source == "ws":
                continue  # levels of a dropped connection: not a price anyone should trade on
            quote = LiveQuote(
                token, ref.market_id, ref.outcome_index, top.best_bid, top.best_ask, top.updated
            )
            written.append(quote)
            mid = quote.mid
            # A streaming book is current now; a polled one as of its poll.
            seen = now if top.source == "ws" else top.updated
            quotes.append(Quote(token, ref.market_id, top.best_bid, top.best_ask, mid, int(seen)))
            if mid is not None and now - self._last_point.get(token, 0.0) >= point_every:
                self._last_point[token] = now
                points.append(PricePoint(token, int(now), round(mid, 6)))
            if ref.outcome_index == 0:
                market_rows.append((ref.market_id, top.best_bid, top.best_ask, mid))
        if not written:
            return []
        with write_tx(db):
            upsert_quotes(db, quotes)
            insert_price_points(db, points)
            set_book_prices(db, market_rows)
        for hook in self.on_quotes:
            try:
                hook(db, written, int(now))
            except Exception:
                log.exception("live quotes hook %r failed", hook)
        return written


def _store_points(db: Database, points: list[PricePoint]) -> int:
    with write_tx(db):
        return insert_price_points(db, points)


class BackgroundLiveBooks(BackgroundLoop):
    """`LiveBooks` in a daemon thread with its own event loop (for the app)."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self.books = LiveBooks(settings, **options)
        super().__init__("pmtui-live-books", self.books.run)
