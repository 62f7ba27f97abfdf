"""The monitor shares the app's live book state: markets whose books stream need no `/books` call,
and their quotes (written by the live books) feed the signals; price alerts run on what a cycle
refreshes. Fake server, real SQLite."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator

import pytest
from sqlite_utils import Database

from pmtui.alerts.price import PriceAlertEngine
from pmtui.collect.live_books import LiveBooks
from pmtui.config import load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.polymarket.book_state import BookState
from pmtui.polymarket.client import PolymarketClient
from pmtui.signals.monitor import run_cycle, streaming_ids
from pmtui.store import connect
from pmtui.store.api_log import ApiCallLog
from pmtui.store.markets import set_watched
from tests.polymarket.test_market_channel import until
from tests.signals.test_monitor import collect_catalog


@pytest.fixture
def db(fake_polymarket: FakePolymarket) -> Iterator[Database]:
    settings = load_settings()
    collect_catalog(settings)
    database = connect(settings.database.path)
    yield database
    database.close()


def open_ids(db: Database, n: int) -> list[str]:
    rows = db.execute(
        "SELECT id FROM markets WHERE closed = 0 AND enable_order_book = 1 AND json_array_length(token_ids_json) = 2"
        " AND yes_price BETWEEN 0.2 AND 0.8 ORDER BY volume_24h DESC LIMIT ?",
        [n],
    ).fetchall()
    return [str(r[0]) for r in rows]


async def test_streaming_markets_are_not_asked_for_again(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    settings = load_settings()
    watched = open_ids(db, 3)
    set_watched(db, watched, True)
    live = LiveBooks(settings)
    live.set_markets("watched", watched)
    stop = asyncio.Event()
    task = asyncio.create_task(live.run(stop))
    try:
        await until(lambda: live.channel.synced and len(live.state) == 6)
        assert streaming_ids(db, live.state, watched) == set(watched)
        tokens = {t for m in watched for t in fake_polymarket.market(m).token_ids}
        async with PolymarketClient(settings, call_log=ApiCallLog(settings.database.path)) as client:
            report = await run_cycle(db, client, settings, books=live.state)
            alone = await run_cycle(db, client, settings)  # the same cycle without the live books
        assert report.books_live == 3 and alone.books_live == 0
        assert report.candidates == alone.candidates > 3
        # Every candidate but the streaming ones went to /books (with a book, or found without one).
        assert report.quotes_refreshed + report.books_missing == report.candidates - 3
        assert alone.quotes_refreshed + alone.books_missing == alone.candidates
        # ...yet their quotes are fresh in the store (written by the live books), for the signals.
        await until(lambda: _quote_count(db, tokens) == len(tokens))
    finally:
        stop.set()
        await task


def _quote_count(db: Database, tokens: set[str]) -> int:
    marks = ",".join("?" * len(tokens))
    return int(
        db.execute(f"SELECT count(*) FROM quotes WHERE token_id IN ({marks})", list(tokens)).fetchone()[0]
    )


def test_without_live_books_nothing_streams(db: Database) -> None:
    ids = open_ids(db, 2)
    assert streaming_ids(db, None, ids) == set()
    assert streaming_ids(db, BookState(), ids) == set()


async def test_a_cycle_raises_price_alerts_on_what_it_refreshed(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    market_id = open_ids(db, 1)[0]
    set_watched(db, [market_id], True)
    settings = load_settings()
    settings = dataclasses.replace(
        settings,
        price_alerts=dataclasses.replace(
            settings.price_alerts, move_cents=0, markets={market_id: {"above": 90}}
        ),
    )
    engine = PriceAlertEngine(settings)
    async with PolymarketClient(settings) as client:
        first = await run_cycle(db, client, settings, price_alerts=engine)
        fake_polymarket.set_price(market_id, 0.95)
        second = await run_cycle(db, client, settings, price_alerts=engine)
        third = await run_cycle(db, client, settings, price_alerts=engine)
    assert (first.price_alerts, second.price_alerts, third.price_alerts) == (0, 1, 0)
    state = db.execute(
        "SELECT armed, episode FROM price_alert_state WHERE market_id = ?", [market_id]
    ).fetchone()
    assert tuple(state) == (0, 1)
    assert json.loads(json.dumps(second.to_dict()))["price_alerts"] == 1
