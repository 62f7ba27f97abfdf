"""The CLOB market-channel WebSocket client: live books of a changing set of tokens.

    channel = MarketChannel(settings.live, state)      # state: the shared BookState
    channel.set_assets(tokens)                          # on the channel's event loop
    await channel.run(stop)                             # until `stop` is set

What it does (docs/polymarket-api.md, "Market WebSocket"; docs/book.md):
- each connection sends `{"assets_ids": [...], "type": "market"}` right after connecting and later
  `{"operation": "subscribe"|"unsubscribe", "assets_ids": [...]}` as the set changes; at most
  `live.max_assets_per_connection` tokens ride one connection, further tokens open further ones;
- a text `PING` every `live.ping_interval` (the server answers `PONG`, which is not JSON);
- frames are decoded by `book_events.decode_frame` (objects or arrays of objects); a frame or event
  that cannot be read is counted in `stats.malformed` and skipped;
- an inactivity watchdog: no frame at all for `live.inactivity_timeout`, snapshots still missing
  that long after subscribing, or subscribed tokens but no book data for `live.data_timeout`, closes
  the connection;
- a dropped connection marks its tokens unsynced in the state and reconnects after a capped
  exponential backoff with full jitter; the fresh subscription brings fresh `book` snapshots, which
  resync every book (the channel has no sequence numbers, so this is the only safe resync).

No Textual and no database here: the owner (`pmtui.collect.live_books.LiveBooks`) decides what is
subscribed, falls back to REST while `connected` is False, and writes quotes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from pmtui.config import LiveSettings
from pmtui.polymarket.book_events import BookEvent, BookSnapshot, PriceChanges, decode_frame
from pmtui.polymarket.book_state import BookState

log = logging.getLogger(__name__)

MAX_FRAME = 32 * 1024 * 1024
"""The initial dump of 500 books arrives as one array frame; allow it."""


@dataclass
class ChannelStats:
    frames: int = 0
    events: int = 0
    malformed: int = 0
    """Frames or events that could not be read (skipped)."""
    pongs: int = 0
    connects: int = 0
    reconnects: int = 0
    """Connections that dropped (or were closed by the watchdog) and were opened again."""
    watchdog_closes: int = 0
    subscribe_ops: int = 0
    unsubscribe_ops: int = 0
    last_frame: float = 0.0
    """Monotonic time of the last frame on any connection."""


class _Connection:
    """One socket carrying up to `max_assets` tokens, reconnecting until told to stop."""

    def __init__(self, channel: MarketChannel, number: int) -> None:
        self.channel = channel
        self.number = number
        self.assets: set[str] = set()
        self.ws: ClientConnection | None = None
        self.open = False
        """Connected and subscribed (the owner reads it for the WS / polling status)."""
        self.synced = False
        """Every book of this connection has had a snapshot since it (re)connected."""
        self._awaiting: set[str] = set()
        """Subscribed tokens whose snapshot has not come yet."""
        self._awaiting_since = 0.0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._attempt = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"market-channel-{self.number}")

    async def close(self) -> None:
        self._stop.set()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    # --- subscription changes (only sent while connected; otherwise the next connect sends all) ---

    async def subscribe(self, tokens: list[str]) -> None:
        self.assets.update(tokens)
        if self.open and tokens:
            if not self._awaiting:
                self._awaiting_since = time.monotonic()
            self._awaiting.update(tokens)
            self.synced = False
            await self._send({"operation": "subscribe", "assets_ids": tokens})
            self.channel.stats.subscribe_ops += 1

    async def unsubscribe(self, tokens: list[str]) -> None:
        self.assets.difference_update(tokens)
        self._awaiting.difference_update(tokens)
        if not self._awaiting:
            self.synced = self.open
        if self.open and tokens:
            await self._send({"operation": "unsubscribe", "assets_ids": tokens})
            self.channel.stats.unsubscribe_ops += 1

    async def _send(self, message: dict[str, object] | str) -> None:
        ws = self.ws
        if ws is None:
            return
        text = message if isinstance(message, str) else json.dumps(message)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(text)

    # --- the connection loop -----------------------------------------------------------------------

    async def _run(self) -> None:
        live = self.channel.live
        while not self._stop.is_set():
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as exc:
                log.info("market channel %d: %s: %s", self.number, type(exc).__name__, exc)
            except Exception:  # never let one bad session end the channel
                log.exception("market channel %d failed", self.number)
            finally:
                self._lost()
            if self._stop.is_set():
                return
            self.channel.stats.reconnects += 1
            delay = min(float(live.reconnect_max), float(live.reconnect_min) * 2**self._attempt)
            self._attempt = min(self._attempt + 1, 30)
            # Full jitter: many clients (or connections) dropped together do not come back together.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=random.uniform(0.1, 1.0) * delay)

    def _lost(self) -> None:
        was_open = self.open
        self.open = False
        self.synced = False
        self.ws = None
        if was_open:
            self.channel.state.mark_unsynced(self.assets)
            self.channel._status_changed()

    async def _session(self) -> None:
        channel = self.channel
        live = channel.live
        async with connect(
            channel.url,
            ping_interval=None,  # the channel wants its own text PING, not protocol pings
            open_timeout=float(live.inactivity_timeout),
            close_timeout=1,
            max_size=MAX_FRAME,
            proxy=None,
            user_agent_header=channel.user_agent,
        ) as ws:
            self.ws = ws
            channel.stats.connects += 1
            assets = sorted(self.assets)
            self._awaiting = set(assets)
            self._awaiting_since = time.monotonic()
            await ws.send(json.dumps({"assets_ids": assets, "type": "market"}))
            self.open = True
            self.synced = not assets
            channel._status_changed()
            last_frame = last_data = time.monotonic()
            pinger = asyncio.create_task(self._ping(ws), name=f"market-channel-{self.number}-ping")
            try:
                while not self._stop.is_set():
                    now = time.monotonic()
                    # Seconds until a watchdog would fire: no frame at all; snapshots still missing
                    # after subscribing (subscribe afresh); subscribed but no book data.
                    deadlines = [float(live.inactivity_timeout) - (now - last_frame)]
                    if self._awaiting:
                        deadlines.append(float(live.inactivity_timeout) - (now - self._awaiting_since))
                    if self.assets:
                        deadlines.append(float(live.data_timeout) - (now - last_data))
                    wait = min(deadlines)
                    if wait <= 0:
                        channel.stats.watchdog_closes += 1
                        log.info("market channel %d: silent, reconnecting", self.number)
                        return
                    try:
                        text = await asyncio.wait_for(ws.recv(), timeout=wait)
                    except TimeoutError:
                        continue
                    last_frame = time.monotonic()
                    if self._handle(text):
                        last_data = last_frame
            finally:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger

    async def _ping(self, ws: ClientConnection) -> None:
        interval = float(self.channel.live.ping_interval)
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(interval)
                await ws.send("PING")

    def _handle(self, text: str | bytes) -> bool:
        """Apply one frame; True when it carried book data."""
        channel = self.channel
        stats = channel.stats
        stats.frames += 1
        stats.last_frame = time.monotonic()
        frame = decode_frame(text)
        stats.malformed += frame.malformed
        if frame.pong:
            stats.pongs += 1
            return False
        if not frame.events:
            return False
        stats.events += len(frame.events)
        # Each token's changes are taken from the one connection that carries it: a price_change
        # covers both tokens of a market, which may ride two connections, and a lagging connection
        # must not replay a token's older changes over the other's newer ones (or over its fresh
        # snapshot after a reconnect). Events for tokens no longer subscribed are dropped too.
        wanted: list[BookEvent] = []
        for event in frame.events:
            if isinstance(event, PriceChanges):
                mine = [c for c in event.changes if c.token_id in self.assets]
                if mine:
                    wanted.append(PriceChanges(event.market, mine, event.t_ms))
            elif getattr(event, "token_id", None) in self.assets:
                wanted.append(event)
        channel.state.apply(wanted, "ws")
        if self._awaiting:
            self._awaiting.difference_update(e.token_id for e in wanted if isinstance(e, BookSnapshot))
            if not self._awaiting:
                self.synced = True
                self._attempt = 0  # a session that delivered every snapshot resets the backoff
                channel._status_changed()
        return True


class MarketChannel:
    """The set of connections carrying the subscribed tokens. Every method runs on one event loop."""

    def __init__(
        self,
        live: LiveSettings,
        state: BookState,
        *,
        url: str | None = None,
        user_agent: str = "pmtui",
        on_status: Callable[[], None] | None = None,
    ) -> None:
        self.live = live
        self.url = url or live.ws_url
        self.state = state
        self.user_agent = user_agent
        self.stats = ChannelStats()
        self._connections: list[_Connection] = []
        self._numbers = 0
        self._on_status = on_status
        self._running = False

    @property
    def assets(self) -> set[str]:
        return {token for conn in self._connections for token in conn.assets}

    @property
    def connections(self) -> int:
        return len(self._connections)

    @property
    def connected(self) -> bool:
        """Every connection is open (so every subscribed token streams)."""
        return bool(self._connections) and all(conn.open for conn in self._connections)

    @property
    def synced(self) -> bool:
        """Connected, and every subscribed book has had its snapshot."""
        return self.connected and all(conn.synced for conn in self._connections)

    def unsynced_assets(self) -> set[str]:
        """Tokens whose connection is down or still waits for their snapshot."""
        tokens: set[str] = set()
        for conn in self._connections:
            tokens |= conn.assets if not conn.open else conn._awaiting
        return tokens

    def _status_changed(self) -> None:
        if self._on_status is not None:
            self._on_status()

    async def set_assets(self, tokens: Iterable[str]) -> None:
        """Subscribe exactly `tokens`: unsubscribe what left, subscribe what is new (filling existing
        connections first, opening new ones for the rest), close connections left empty."""
        wanted = set(tokens)
        current = self.assets
        removed = current - wanted
        added = sorted(wanted - current)
        for conn in list(self._connections):
            leaving = sorted(conn.assets & removed)
            if leaving:
                await conn.unsubscribe(leaving)
            if not conn.assets:
                self._connections.remove(conn)
                await conn.close()
        self.state.forget(removed)
        limit = max(1, int(self.live.max_assets_per_connection))
        for conn in self._connections:
            room = limit - len(conn.assets)
            if room > 0 and added:
                await conn.subscribe(added[:room])
                added = added[room:]
        while added:
            self._numbers += 1
            conn = _Connection(self, self._numbers)
            conn.assets.update(added[:limit])
            added = added[limit:]
            self._connections.append(conn)
            if self._running:
                conn.start()
        self._status_changed()

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the connections going until `stop` is set, then close them."""
        self._running = True
        for conn in self._connections:
            if conn._task is None:
                conn.start()
        try:
            await stop.wait()
        finally:
            self._running = False
            connections, self._connections = self._connections, []
            await asyncio.gather(*(conn.close() for conn in connections), return_exceptions=True)
