"""LiveBooks: subscriptions from the store, the REST fallback while the socket is down, and quotes
written to SQLite coalesced. Real sockets and HTTP to the fake server, a real SQLite file."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.collect.live_books import LiveBooks, LiveQuote
from pmtui.config import Settings, load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from tests.polymarket.test_market_channel import FAST, until


def settings_for(store: Path, **live: Any) -> Settings:
    settings = load_settings()
    return dataclasses.replace(
        settings,
        database=dataclasses.replace(settings.database, path=store),
        live=dataclasses.replace(
            settings.live, **{**FAST, "poll_interval": 0.3, "quote_interval": 0.2, **live}
        ),
    )


def open_markets(server: FakePolymarket, n: int) -> list[str]:
    return [fm.id for fm in server.markets() if fm.has_book and len(fm.token_ids) == 2][:n]


@asynccontextmanager
async def running(live: LiveBooks) -> AsyncIterator[LiveBooks]:
    stop = asyncio.Event()
    task = asyncio.create_task(live.run(stop))
    try:
        yield live
    finally:
        stop.set()
        await task


def stored_quote(db_path: Path, token: str) -> tuple[float | None, float | None] | None:
    db = Database(str(db_path))
    try:
        row = db.execute("SELECT best_bid, best_ask FROM quotes WHERE token_id = ?", [token]).fetchone()
    finally:
        db.close()
    return None if row is None else (row[0], row[1])


async def test_markets_subscribe_their_tokens_and_quotes_reach_the_store(
    server: FakePolymarket, store: Path
) -> None:
    markets = open_markets(server, 3)
    tokens = [t for m in markets for t in server.market(m).token_ids]
    live = LiveBooks(settings_for(store))
    live.set_markets("screen", markets[:2])
    live.set_markets("watched", markets[2:])
    async with running(live):
        await until(lambda: live.status().mode == "ws" and live.channel.synced)
        assert server.channel.subscribed() == set(tokens)
        token = tokens[0]
        server.channel.change_level(token, "SELL", 0.99, 0)  # a far level goes
        server.channel.change_level(token, "BUY", 0.02, 40.0)
        bids, asks = server.channel.levels(token)  # type: ignore[misc]
        expected = (max(bids), min(asks))
        await until(lambda: stored_quote(store, token) == expected)
    db = Database(str(store))
    best_bid, best_ask, yes = db.execute(
        "SELECT best_bid, best_ask, yes_price FROM markets WHERE id = ?", [markets[0]]
    ).fetchone()
    assert (best_bid, best_ask) == expected
    assert yes == pytest.approx(sum(expected) / 2)


async def test_rest_books_fill_in_while_the_socket_is_down(server: FakePolymarket, store: Path) -> None:
    markets = open_markets(server, 2)
    tokens = [t for m in markets for t in server.market(m).token_ids]
    server.channel.set_behaviour(refuse=True)
    modes: list[str] = []
    live = LiveBooks(settings_for(store), on_status=lambda status: modes.append(status.mode))
    live.set_markets("screen", markets)
    async with running(live):
        await until(lambda: live.status().mode == "polling")
        await until(lambda: all(live.state.levels(t) == server.channel.levels(t) for t in tokens))
        assert {live.state.view(t).source for t in tokens} == {"rest"}  # type: ignore[union-attr]
        assert server.stats.requests["clob:/books"] >= 1
        # A change reaches the client by the next poll.
        server.channel.change_level(tokens[0], "BUY", 0.01, 555.0)
        await until(lambda: live.state.levels(tokens[0]) == server.channel.levels(tokens[0]))
        await until(lambda: stored_quote(store, tokens[0]) is not None)
        # The socket comes back: streaming again, books from the socket.
        server.channel.set_behaviour(refuse=False)
        await until(lambda: live.status().mode == "ws" and live.channel.synced)
        await until(lambda: {live.state.view(t).source for t in tokens} == {"ws"})  # type: ignore[union-attr]
        polls = live.status().rest_polls
        await asyncio.sleep(0.8)
        assert live.status().rest_polls == polls  # no polling while the socket streams
    assert "polling" in modes


async def test_rest_failing_too_says_offline(server: FakePolymarket, store: Path) -> None:
    markets = open_markets(server, 1)
    server.channel.set_behaviour(refuse=True)
    server.go_offline("503")
    live = LiveBooks(settings_for(store))
    live.set_markets("screen", markets)
    async with running(live):
        await until(lambda: live.status().mode == "offline", seconds=20)
        assert live.status().last_error


async def test_quotes_are_written_at_most_once_per_interval_per_token(
    server: FakePolymarket, store: Path
) -> None:
    markets = open_markets(server, 4)
    calls: list[list[LiveQuote]] = []

    def hook(db: Database, quotes: list[LiveQuote], now: int) -> None:
        calls.append(quotes)

    live = LiveBooks(settings_for(store, quote_interval=0.25), on_quotes=[hook])
    live.set_markets("screen", markets)
    async with running(live):
        await until(lambda: live.channel.synced)
        server.channel.start_ticker(300, batch=2)
        await asyncio.sleep(1.5)
        server.channel.stop_ticker()
    messages = live.channel.stats.events
    written = sum(len(quotes) for quotes in calls)
    assert messages > 100
    for quotes in calls:
        tokens = [q.token_id for q in quotes]
        assert len(tokens) == len(set(tokens))  # one row per token per flush
    # Every token changed with nearly every flush, yet rows are per flush, not per message.
    assert written < messages / 3
