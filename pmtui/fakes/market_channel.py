"""The fake Polymarket's market channel: a real WebSocket server on 127.0.0.1 (the `websockets`
library) serving the books that the fake's REST `/book(s)` serve too, so both agree level for level.

It behaves as docs/polymarket-api.md ("Market WebSocket") describes the real one: the client
subscribes with `{"assets_ids": [...], "type": "market"}` and changes its set with
`{"operation": "subscribe"|"unsubscribe", ...}`; every subscription is answered with a `book`
snapshot per token (one JSON array frame); text `PING` gets `PONG`; level changes are `price_change`
events with absolute sizes (0 removes the level), covering both tokens of a market as the real
channel does; frames are objects or arrays.

Test and tour hooks (thread-safe, callable from any thread): `change_level`, `trade`,
`set_tick_size`, `send_book`, `send_raw` (junk), `drop_connections`, `set_behaviour` (silent:
no data; no PONG; refuse new connections), `start_ticker(rate)` (random level changes at `rate`
messages per second to the subscribed tokens), and `subscriptions()` / `.stats`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

if TYPE_CHECKING:
    from pmtui.fakes.polymarket_data import FakeMarket

log = logging.getLogger(__name__)

Levels = dict[str, float]
"""price text → size: the fake keeps prices as the exchange writes them ("0.52")."""


@dataclass
class FakeBook:
    token_id: str
    market: str
    bids: Levels
    asks: Levels
    tick: float
    decimals: int
    last_trade: float | None = None

    def document(self, now_ms: int, *, event: bool) -> dict[str, Any]:
        """A `book` event (`event=True`) or a REST `/book` object; REST sides are ordered the real
        way (bids ascending, asks descending: best last)."""
        bids = sorted(self.bids.items(), key=lambda kv: float(kv[0]))
        asks = sorted(self.asks.items(), key=lambda kv: -float(kv[0]))
        doc: dict[str, Any] = {
            "market": self.market,
            "asset_id": self.token_id,
            "timestamp": str(now_ms),
            "hash": f"{hash((self.token_id, tuple(bids), tuple(asks))) & 0xFFFFFFFF:08x}",
            "bids": [{"price": p, "size": _size_text(s)} for p, s in bids],
            "asks": [{"price": p, "size": _size_text(s)} for p, s in asks],
        }
        if event:
            doc = {"event_type": "book", **doc}
        else:
            doc.update(
                min_order_size="5",
                tick_size=f"{self.tick:g}",
                neg_risk=False,
                last_trade_price=f"{self.last_trade:.{self.decimals}f}"
                if self.last_trade is not None
                else "",
            )
        return doc

    def best_bid(self) -> float | None:
        return max((float(p) for p in self.bids), default=None)

    def best_ask(self) -> float | None:
        return min((float(p) for p in self.asks), default=None)


def _size_text(size: float) -> str:
    return f"{size:.2f}".rstrip("0").rstrip(".")


@dataclass
class ChannelStats:
    connections: int = 0
    """Connections accepted since start."""
    open_connections: int = 0
    frames_sent: int = 0
    pings: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    """Every JSON message a client sent (subscriptions and operations), oldest first (capped)."""
    dropped: int = 0


class _Client:
    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.assets: set[str] = set()
        self.queue: asyncio.Queue[str] = asyncio.Queue()


class FakeMarketChannel:
    """The channel of one `FakePolymarket` (its markets and lock). Started and stopped with it."""

    def __init__(
        self, market_of: Callable[[str], tuple[FakeMarket, int] | None], lock: threading.RLock
    ) -> None:
        self._market_of = market_of
        self._lock = lock
        self._books: dict[str, FakeBook] = {}
        self._clients: list[_Client] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self.port = 0
        self.host = "127.0.0.1"
        self.stats = ChannelStats()
        self.silent = False
        """Accept subscriptions but send no book data (the known real failure)."""
        self.pong = True
        self.refuse = False
        """Close every new connection at once (the channel is down)."""
        self.array_frames = True
        """Send level changes wrapped in JSON arrays (as well as the snapshot dump)."""
        self._ticker: asyncio.Task[None] | None = None

    # --- books (shared with REST) ------------------------------------------------------------------

    def book(self, token_id: str) -> FakeBook | None:
        """The book of a token with an order book (created from the market's price on first use)."""
        with self._lock:
            book = self._books.get(token_id)
            if book is not None:
                return book
            found = self._market_of(token_id)
            if found is None or not found[0].has_book:
                return None
            book = self._books[token_id] = _initial_book(found[0], found[1])
            return book

    def reset_market(self, fm: FakeMarket) -> None:
        """The market's price moved (`set_price`) or it closed: rebuild its books, send snapshots."""
        with self._lock:
            for token in fm.token_ids:
                self._books.pop(token, None)
            for token in fm.token_ids:
                if self.book(token) is not None:
                    self.send_book(token)

    def rest_book(self, token_id: str, now_ms: int) -> dict[str, Any] | None:
        with self._lock:
            book = self.book(token_id)
            return None if book is None else book.document(now_ms, event=False)

    def levels(self, token_id: str) -> tuple[dict[float, float], dict[float, float]] | None:
        """The server's levels as price → size (to compare with a client's book)."""
        with self._lock:
            book = self.book(token_id)
            if book is None:
                return None
            return (
                {round(float(p), 6): s for p, s in book.bids.items()},
                {round(float(p), 6): s for p, s in book.asks.items()},
            )

    # --- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws/market"

    def start(self) -> None:
        if self._thread is not None:
            return
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="fake-market-channel", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake market channel did not start")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._handle, self.host, self.port or 0, max_size=2**22) as server:
            self._server = server
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()
            if self._ticker is not None:
                self._ticker.cancel()
            for client in list(self._clients):
                client.ws.transport.abort()

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self._loop = None

    def _call(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(fn)

    # --- connections -------------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        if self.refuse:
            await ws.close(1013, "try again later")
            return
        client = _Client(ws)
        with self._lock:
            self._clients.append(client)
            self.stats.connections += 1
            self.stats.open_connections += 1
        writer = asyncio.create_task(self._writer(client))
        try:
            async for message in ws:
                self._receive(client, message)
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            with self._lock:
                if client in self._clients:
                    self._clients.remove(client)
                self.stats.open_connections -= 1

    async def _writer(self, client: _Client) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                text = await client.queue.get()
                await client.ws.send(text)
                self.stats.frames_sent += 1

    def _receive(self, client: _Client, message: str | bytes) -> None:
        text = message.decode() if isinstance(message, bytes) else message
        if text == "PING":
            self.stats.pings += 1
            if self.pong:
                client.queue.put_nowait("PONG")
            return
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return
        if not isinstance(data, dict):
            return
        with self._lock:
            if len(self.stats.received) < 100_000:
                self.stats.received.append(data)
            tokens = [str(t) for t in data.get("assets_ids") or []]
            operation = data.get("operation")
            if operation == "unsubscribe":
                client.assets.difference_update(tokens)
                return
            if operation not in (None, "subscribe"):
                return
            if operation is None:  # the initial subscription replaces the set
                client.assets = set()
            new = [t for t in dict.fromkeys(tokens) if t not in client.assets]
            client.assets.update(new)
            # Snapshot and registration under one lock: every later change reaches this client
            # after its snapshot, in order.
            now_ms = int(time.time() * 1000)
            books = [b.document(now_ms, event=True) for t in new if (b := self.book(t)) is not None]
            if books and not self.silent:
                client.queue.put_nowait(json.dumps(books))

    def subscriptions(self) -> list[set[str]]:
        """The token set of each open connection."""
        with self._lock:
            return [set(client.assets) for client in self._clients]

    def subscribed(self) -> set[str]:
        return set().union(*self.subscriptions()) if self._clients else set()

    # --- pushing changes ---------------------------------------------------------------------------

    def _broadcast(self, tokens: set[str], events: list[dict[str, Any]]) -> None:
        """Queue `events` to every client subscribed to any of `tokens` (call under the lock)."""
        if self.silent or not events:
            return
        targets = [c for c in self._clients if c.assets & tokens]
        if not targets:
            return
        text = json.dumps(events if self.array_frames or len(events) > 1 else events[0])
        for client in targets:
            self._call(lambda client=client: client.queue.put_nowait(text))  # type: ignore[misc]

    def change_level(
        self, token_id: str, side: str, price: float, size: float, *, mirror: bool = True
    ) -> None:
        """Set the absolute size of one level (0 removes it) and send the `price_change`; with `mirror`,
        the other token of a two-outcome market gets the mirrored level (bid p ↔ ask 1 − p)."""
        with self._lock:
            changes = self._set_level(token_id, side, price, size)
            found = self._market_of(token_id)
            if mirror and found is not None and len(found[0].token_ids) == 2:
                other = found[0].token_ids[1 - found[1]]
                changes += self._set_level(other, "SELL" if side == "BUY" else "BUY", 1 - price, size)
            if not changes:
                return
            market = self._books[token_id].market if token_id in self._books else ""
            event = {
                "event_type": "price_change",
                "market": market,
                "price_changes": changes,
                "timestamp": str(int(time.time() * 1000)),
            }
            self._broadcast({c["asset_id"] for c in changes}, [event])

    def _set_level(self, token_id: str, side: str, price: float, size: float) -> list[dict[str, Any]]:
        book = self.book(token_id)
        if book is None:
            return []
        text = f"{price:.{book.decimals}f}"
        levels = book.bids if side == "BUY" else book.asks
        if size > 0:
            levels[text] = round(size, 2)
        else:
            levels.pop(text, None)
        best_bid, best_ask = book.best_bid(), book.best_ask()
        return [
            {
                "asset_id": token_id,
                "price": text,
                "size": _size_text(size) if size > 0 else "0",
                "side": side,
                "hash": f"{random.getrandbits(64):016x}",
                "best_bid": "" if best_bid is None else f"{best_bid:.{book.decimals}f}",
                "best_ask": "" if best_ask is None else f"{best_ask:.{book.decimals}f}",
            }
        ]

    def trade(self, token_id: str, price: float, size: float = 10.0) -> None:
        with self._lock:
            book = self.book(token_id)
            if book is None:
                return
            book.last_trade = price
            event = {
                "event_type": "last_trade_price",
                "asset_id": token_id,
                "market": book.market,
                "price": f"{price:.{book.decimals}f}",
                "size": _size_text(size),
                "side": "BUY",
                "fee_rate_bps": "0",
                "timestamp": str(int(time.time() * 1000)),
            }
            self._broadcast({token_id}, [event])

    def set_tick_size(self, token_id: str, tick: float) -> None:
        with self._lock:
            book = self.book(token_id)
            if book is None:
                return
            old, book.tick = book.tick, tick
            book.decimals = _decimals(tick)
            event = {
                "event_type": "tick_size_change",
                "asset_id": token_id,
                "market": book.market,
                "old_tick_size": f"{old:g}",
                "new_tick_size": f"{tick:g}",
                "timestamp": str(int(time.time() * 1000)),
            }
            self._broadcast({token_id}, [event])

    def send_book(self, token_id: str) -> None:
        """Send the token's whole book (as the real channel does after a trade)."""
        with self._lock:
            book = self.book(token_id)
            if book is not None:
                self._broadcast({token_id}, [book.document(int(time.time() * 1000), event=True)])

    def send_raw(self, text: str) -> None:
        """Send `text` as it is to every connection (junk, `[]`, half a JSON document...)."""
        with self._lock:
            for client in self._clients:
                self._call(lambda client=client: client.queue.put_nowait(text))  # type: ignore[misc]

    def drop_connections(self) -> None:
        """Cut every connection without a closing handshake (as a network failure would)."""
        with self._lock:
            clients = list(self._clients)
            self.stats.dropped += len(clients)
        for client in clients:
            self._call(client.ws.transport.abort)

    def set_behaviour(
        self, *, silent: bool | None = None, pong: bool | None = None, refuse: bool | None = None
    ) -> None:
        with self._lock:
            if silent is not None:
                self.silent = silent
            if pong is not None:
                self.pong = pong
            if refuse is not None:
                self.refuse = refuse

    # --- a random walk for the tour and the benchmark ----------------------------------------------

    def start_ticker(self, rate: float, *, seed: int = 7, batch: int = 1) -> None:
        """Send about `rate` price_change frames a second (each with `batch` level changes) to
        the subscribed tokens, moving levels near the top of their books."""

        def begin() -> None:
            if self._ticker is not None:
                self._ticker.cancel()
            self._ticker = asyncio.get_running_loop().create_task(
                self._tick(rate, random.Random(seed), batch)
            )

        self._call(begin)

    def stop_ticker(self) -> None:
        def end() -> None:
            if self._ticker is not None:
                self._ticker.cancel()
                self._ticker = None

        self._call(end)

    async def _tick(self, rate: float, rng: random.Random, batch: int) -> None:
        interval = 1.0 / rate
        next_at = time.monotonic()
        while True:
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1:  # fell behind (a loaded machine): do not burst to catch up
                next_at = time.monotonic()
            tokens = sorted(self.subscribed())
            for _ in range(batch if tokens else 0):
                try:
                    self._random_change(rng, self._first_token(rng.choice(tokens)))
                except Exception:  # one odd book must not stop the tour's ticker
                    log.exception("fake market channel: random change failed")

    def _first_token(self, token: str) -> str:
        """Changes are made on a market's outcome-0 book and mirrored to the other."""
        found = self._market_of(token)
        return found[0].token_ids[0] if found is not None and found[0].token_ids else token

    def _random_change(self, rng: random.Random, token: str) -> None:
        with self._lock:
            book = self.book(token)
            if book is None:
                return
            bid, ask = book.best_bid(), book.best_ask()
            side = rng.choice(("BUY", "SELL"))
            ticks = rng.randint(0, 4)
            if side == "BUY":
                top = bid if bid is not None else (ask - book.tick if ask is not None else 0.5)
                price = top - ticks * book.tick + (book.tick if ticks == 0 and rng.random() < 0.3 else 0)
                if ask is not None and price >= ask:
                    price = ask - book.tick
            else:
                top = ask if ask is not None else (bid + book.tick if bid is not None else 0.5)
                price = top + ticks * book.tick - (book.tick if ticks == 0 and rng.random() < 0.3 else 0)
                if bid is not None and price <= bid:
                    price = bid + book.tick
            if not book.tick <= price <= 1 - book.tick:
                return
            levels = book.bids if side == "BUY" else book.asks
            # Keep a few levels a side: remove one now and then, but never the last.
            size = 0.0 if rng.random() < 0.25 and len(levels) > 3 else round(rng.uniform(5, 2000), 2)
            trade = rng.random() < 0.1 and bid is not None
        self.change_level(token, side, round(price, book.decimals), size)
        if trade and bid is not None:
            self.trade(token, bid)


def _decimals(tick: float) -> int:
    text = f"{tick:.10f}".rstrip("0")
    return max(0, len(text.split(".", 1)[1]) if "." in text else 0)


def _initial_book(fm: FakeMarket, outcome: int) -> FakeBook:
    """Outcome 0's book from the market's price; in a two-outcome market the other book is its exact
    mirror (bid p ↔ ask 1 − p), as on the real exchange, so mirrored changes never cross a book."""
    from pmtui.fakes.polymarket_data import book_for

    tick = fm.tick
    decimals = _decimals(tick)
    doc = book_for(fm, 0, 0)
    bids = {level["price"]: float(level["size"]) for level in doc["bids"]}
    asks = {level["price"]: float(level["size"]) for level in doc["asks"]}
    last = float(doc["last_trade_price"]) if doc.get("last_trade_price") else None
    if outcome == 1 and len(fm.token_ids) == 2:
        bids, asks = (
            {f"{1 - float(p):.{decimals}f}": size for p, size in asks.items()},
            {f"{1 - float(p):.{decimals}f}": size for p, size in bids.items()},
        )
        last = None if last is None else round(1 - last, decimals)
    elif outcome != 0:
        doc = book_for(fm, outcome, 0)
        bids = {level["price"]: float(level["size"]) for level in doc["bids"]}
        asks = {level["price"]: float(level["size"]) for level in doc["asks"]}
    return FakeBook(
        token_id=fm.token_ids[outcome],
        market=str(doc.get("market") or ""),
        bids=bids,
        asks=asks,
        tick=tick,
        decimals=decimals,
        last_trade=last,
    )
