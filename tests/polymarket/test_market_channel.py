"""The market-channel client against the fake server's channel: real sockets on 127.0.0.1.

Frames, absolute sizes, junk, the resync after reconnects, the watchdog and the subscription bound.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from pmtui.config import LiveSettings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.polymarket.book_events import BookSnapshot, LastTrade, PriceChanges, TickSizeChange, decode_frame
from pmtui.polymarket.book_state import BookState
from pmtui.polymarket.market_channel import MarketChannel

FAST = dict(
    ping_interval=0.2,
    inactivity_timeout=1.0,
    data_timeout=30.0,
    reconnect_min=0.05,
    reconnect_max=0.2,
)


def live(server: FakePolymarket, **changes: object) -> LiveSettings:
    return LiveSettings(ws_url=server.ws_url, **{**FAST, **changes})  # type: ignore[arg-type]


def book_tokens(server: FakePolymarket, markets: int) -> list[str]:
    return [t for fm in server.markets() if fm.has_book for t in fm.token_ids][: markets * 2]


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for `condition`; fail the test if it does not come within `seconds` (not a timing test:
    the bound only stops a broken client from hanging the suite)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running(channel: MarketChannel) -> AsyncIterator[MarketChannel]:
    stop = asyncio.Event()
    task = asyncio.create_task(channel.run(stop))
    try:
        yield channel
    finally:
        stop.set()
        await task


@pytest.fixture
def server(make_fake_polymarket: Callable[..., FakePolymarket]) -> FakePolymarket:
    return make_fake_polymarket(recorded=False, generated=80)


def same_books(state: BookState, server: FakePolymarket, tokens: list[str]) -> bool:
    return all(state.levels(t) == server.channel.levels(t) for t in tokens)


# --- frames ---------------------------------------------------------------------------------------


def test_the_documented_example_frames_decode(recorded_data: Path) -> None:
    lines = (recorded_data / "ws_market_examples.jsonl").read_text().splitlines()
    events = [e for line in lines for e in decode_frame(line).events]
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["BookSnapshot", "PriceChanges", "LastTrade", "TickSizeChange", "BestBidAsk"]
    book = events[0]
    assert isinstance(book, BookSnapshot)
    assert book.bids == [(0.48, 30.0), (0.49, 20.0), (0.5, 15.0)]
    assert book.asks == [(0.52, 25.0), (0.53, 60.0), (0.54, 10.0)]
    change = events[1]
    assert isinstance(change, PriceChanges)
    assert (change.changes[0].side, change.changes[0].price, change.changes[0].size) == ("bid", 0.5, 200.0)
    assert isinstance(events[2], LastTrade) and events[2].price == 0.456
    assert isinstance(events[3], TickSizeChange) and events[3].tick_size == 0.001


def test_price_change_sizes_are_absolute_and_zero_removes() -> None:
    state = BookState()
    token = "65818619657568813474341868652308942079804919287380422192892211131408793125422"
    snapshot = {
        "event_type": "book",
        "asset_id": token,
        "market": "0xbd",
        "bids": [{"price": "0.48", "size": "30"}, {"price": "0.50", "size": "15"}],
        "asks": [{"price": "0.52", "size": "25"}],
        "timestamp": "1757908892351",
    }
    state.apply(decode_frame(json.dumps(snapshot)).events)
    change = {
        "event_type": "price_change",
        "market": "0xbd",
        "price_changes": [
            {"asset_id": token, "price": "0.5", "size": "200", "side": "BUY"},
            {"asset_id": token, "price": "0.48", "size": "0", "side": "BUY"},
            {"asset_id": token, "price": "0.51", "size": "7.5", "side": "SELL"},
        ],
        "timestamp": "1757908892999",
    }
    state.apply(decode_frame(json.dumps([change])).events)  # an array frame
    view = state.view(token)
    assert view is not None
    assert view.bids == ((0.5, 200.0),)  # overwritten, not 215; 0.48 removed
    assert view.asks == ((0.51, 7.5), (0.52, 25.0))  # best first
    assert (view.best_bid, view.best_ask, view.spread) == (0.5, 0.51, 0.01)


def test_changes_before_a_snapshot_are_not_applied() -> None:
    state = BookState()
    change = {
        "event_type": "price_change",
        "market": "0x1",
        "price_changes": [{"asset_id": "1", "price": "0.4", "size": "10", "side": "BUY"}],
    }
    state.apply(decode_frame(json.dumps(change)).events)
    assert state.view("1") is None
    assert state.ignored_changes == 1


@pytest.mark.parametrize(
    "frame",
    [
        "not json at all",
        '{"event_type": "book", "bids": []}',  # no asset_id
        '{"event_type": "price_change", "price_changes": [{"asset_id": "1", "price": "abc", "size": "1", "side": "BUY"}]}',
        '{"event_type": "price_change", "price_changes": [{"asset_id": "1", "price": "1.7", "size": "1", "side": "BUY"}]}',
        '{"event_type": "book", "asset_id": "1", "bids": [{"price": "0.5", "size": "-3"}]}',
        '{"event_type": "tick_size_change", "asset_id": "1", "new_tick_size": "0"}',
        '{"no_event_type": 1}',
        "[1, 2, 3]",
        '{"event_type": "book", "asset_id": "1", "bids": "nope"}',
        b"\xff\xfe not utf-8",
        '{"a": ' * 5000,
    ],
)
def test_a_malformed_frame_is_counted_and_skipped(frame: str | bytes) -> None:
    decoded = decode_frame(frame)
    assert decoded.events == []
    assert decoded.malformed >= 1


def test_pong_empty_arrays_and_unknown_events_are_not_malformed() -> None:
    assert decode_frame("PONG").pong
    for frame in ("[]", '{"event_type": "new_market", "id": "1"}', '[{"event_type": "market_resolved"}]'):
        decoded = decode_frame(frame)
        assert (decoded.events, decoded.malformed) == ([], 0)


def test_one_bad_event_in_an_array_leaves_the_others() -> None:
    good = {"event_type": "last_trade_price", "asset_id": "7", "price": "0.3", "size": "1"}
    decoded = decode_frame(json.dumps([good, {"event_type": "book"}, good]))
    assert len(decoded.events) == 2
    assert decoded.malformed == 1


# --- the live stream ------------------------------------------------------------------------------


async def test_scripted_stream_with_reconnects_and_junk_ends_equal_to_the_server(
    server: FakePolymarket,
) -> None:
    """Random level changes (array frames), three dropped connections with changes made while the
    client is away, junk frames, a tick-size change and trades: after the stream the client's books
    equal the server's level for level (resynced from fresh snapshots after each reconnect)."""
    tokens = book_tokens(server, 6)
    state = BookState()
    channel = MarketChannel(live(server, max_assets_per_connection=5), state)
    await channel.set_assets(tokens)
    rng = random.Random(13)
    junk = ["{not json", '{"event_type": "price_change", "price_changes": 5}', "[{}]"]
    async with running(channel):
        await until(lambda: channel.synced)
        assert channel.connections == 3  # 12 tokens, at most 5 per connection
        for step in range(600):
            token = rng.choice(tokens)
            side = rng.choice(("BUY", "SELL"))
            price = round(rng.uniform(0.02, 0.98), 2)
            size = 0.0 if rng.random() < 0.3 else round(rng.uniform(1, 500), 2)
            server.channel.change_level(token, side, price, size)
            if step % 150 == 75:
                server.channel.drop_connections()
            if step % 100 == 30:
                server.channel.send_raw(junk[step % len(junk)])
            if step % 10 == 0:
                await asyncio.sleep(0.005)
        await until(lambda: channel.synced and same_books(state, server, tokens))
        server.channel.set_tick_size(tokens[0], 0.001)
        server.channel.trade(tokens[1], 0.42)
        await until(lambda: (v := state.view(tokens[1])) is not None and v.last_trade == 0.42)
    for token in tokens:
        assert state.levels(token) == server.channel.levels(token)
    assert channel.stats.reconnects >= 3
    assert channel.stats.malformed >= 1
    assert (view := state.view(tokens[0])) is not None and view.tick_size == 0.001


async def test_the_watchdog_reconnects_a_connection_that_went_silent(server: FakePolymarket) -> None:
    tokens = book_tokens(server, 2)
    state = BookState()
    channel = MarketChannel(live(server, ping_interval=0.1, inactivity_timeout=0.5), state)
    await channel.set_assets(tokens)
    async with running(channel):
        await until(lambda: channel.synced)
        server.channel.set_behaviour(silent=True, pong=False)  # open, but nothing comes back
        await until(lambda: channel.stats.watchdog_closes >= 1)
        server.channel.set_behaviour(silent=False, pong=True)
        server.channel.change_level(tokens[0], "BUY", 0.01, 123.0)
        await until(lambda: channel.synced and same_books(state, server, tokens))
    assert channel.stats.reconnects >= 1


async def test_the_watchdog_catches_pongs_without_data(server: FakePolymarket) -> None:
    """The known failure: the channel keeps answering PONG but delivers no book data."""
    tokens = book_tokens(server, 1)
    state = BookState()
    channel = MarketChannel(live(server, ping_interval=0.1, data_timeout=0.6), state)
    server.channel.set_behaviour(silent=True)
    await channel.set_assets(tokens)
    async with running(channel):
        await until(lambda: channel.stats.watchdog_closes >= 1 and channel.stats.pongs >= 1)
        assert not channel.synced
        server.channel.set_behaviour(silent=False)
        await until(lambda: channel.synced)
    assert same_books(state, server, tokens)


async def test_subscriptions_are_bounded_per_connection_and_follow_changes(server: FakePolymarket) -> None:
    tokens = book_tokens(server, 8)  # 16 tokens
    state = BookState()
    channel = MarketChannel(live(server, max_assets_per_connection=6), state)
    await channel.set_assets(tokens[:10])
    async with running(channel):
        await until(lambda: channel.synced)
        sets = server.channel.subscriptions()
        assert sorted(len(s) for s in sets) == [4, 6]
        assert set().union(*sets) == set(tokens[:10])
        # Scroll: 6 leave, 6 arrive. Operations on the open connections, no reconnect.
        await channel.set_assets(tokens[6:16])
        await until(lambda: server.channel.subscribed() == set(tokens[6:16]) and channel.synced)
        assert all(len(s) <= 6 for s in server.channel.subscriptions())
        ops = [m.get("operation") for m in server.channel.stats.received]
        assert "unsubscribe" in ops and "subscribe" in ops
        assert channel.stats.reconnects == 0
        assert set(state.tokens()) == set(tokens[6:16])  # books of unsubscribed tokens are dropped
        await until(lambda: same_books(state, server, tokens[6:16]))
        # Nothing left: every connection closes.
        await channel.set_assets([])
        await until(lambda: server.channel.subscriptions() == [])
        assert channel.connections == 0


async def test_rest_books_equal_the_channel_books(server: FakePolymarket) -> None:
    """The fake's `/books` and its channel serve one set of books, also after a change."""
    import httpx

    token = book_tokens(server, 1)[0]
    server.channel.change_level(token, "BUY", 0.03, 77.0)
    async with httpx.AsyncClient() as http:
        response = await http.post(server.clob_url + "/books", json=[{"token_id": token}])
    (book,) = response.json()
    assert book["bids"] == sorted(book["bids"], key=lambda level: float(level["price"]))  # best last
    bids = {round(float(level["price"]), 6): float(level["size"]) for level in book["bids"]}
    asks = {round(float(level["price"]), 6): float(level["size"]) for level in book["asks"]}
    assert (bids, asks) == server.channel.levels(token)
    assert bids[0.03] == 77.0


def test_a_connection_only_applies_changes_of_the_tokens_it_carries() -> None:
    """A price_change covers both tokens of a market; when they ride two connections, each token's
    changes come from its own connection only, so a lagging one cannot replay older changes over a
    newer state (or over the other connection's fresh snapshot)."""
    from pmtui.polymarket.market_channel import _Connection

    state = BookState()
    channel = MarketChannel(LiveSettings(ws_url="ws://127.0.0.1:9/ws"), state)
    book = {"event_type": "book", "market": "0xm", "bids": [{"price": "0.4", "size": "10"}], "asks": []}
    state.apply(decode_frame(json.dumps([{**book, "asset_id": "yes"}, {**book, "asset_id": "no"}])).events)
    carrying_yes = _Connection(channel, 1)
    carrying_yes.assets = {"yes"}
    change = {
        "event_type": "price_change",
        "market": "0xm",
        "price_changes": [
            {"asset_id": "yes", "price": "0.4", "size": "25", "side": "BUY"},
            {"asset_id": "no", "price": "0.4", "size": "1", "side": "BUY"},  # stale for this connection
        ],
    }
    assert carrying_yes._handle(json.dumps(change))
    assert state.levels("yes") == ({0.4: 25.0}, {})
    assert state.levels("no") == ({0.4: 10.0}, {})
