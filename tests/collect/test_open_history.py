"""Price history of open markets on demand: a fitting fidelity, cached in `prices`, not refetched
while current, and a few live points do not pass for a history. Fake server, real SQLite."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from pmtui.collect.live_books import LiveBooks
from pmtui.collect.open_history import fetch_history, fidelity_for, plan_history
from pmtui.config import load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.polymarket.client import PolymarketClient
from pmtui.polymarket.models import PricePoint
from pmtui.store import connect
from pmtui.store.prices import insert_price_points
from tests.collect.test_live_books import running, settings_for
from tests.polymarket.test_market_channel import until

DAY = 86400


def an_open_market(server: FakePolymarket) -> str:
    return next(fm.id for fm in server.markets() if fm.has_book)


def points_of(store: Path, token: str) -> list[tuple[int, float]]:
    db = connect(store, migrate=False)
    try:
        return [
            (int(t), float(p))
            for t, p in db.execute("SELECT t, p FROM prices WHERE token_id = ? ORDER BY t", [token])
        ]
    finally:
        db.close()


def test_fidelity_fits_the_span() -> None:
    assert fidelity_for(6 * 3600) == 5
    assert fidelity_for(5 * DAY) == 30
    assert fidelity_for(20 * DAY) == 60
    assert fidelity_for(200 * DAY) == 720
    # Every step keeps a history between ~250 and ~900 points.
    for span in (DAY, 3 * DAY, 7 * DAY, 30 * DAY, 90 * DAY):
        assert 250 <= span / (fidelity_for(span) * 60) <= 900


async def test_an_open_market_gets_its_history_once(server: FakePolymarket, store: Path) -> None:
    settings = load_settings()
    market_id = an_open_market(server)
    token = server.market(market_id).token_ids[0]
    now = int(time.time())
    db = connect(store)
    # A couple of live points (the quote writer's) are not a history: the plan still starts early.
    insert_price_points(db, [PricePoint(token, now - 120, 0.5), PricePoint(token, now - 60, 0.5)])
    plan = plan_history(db, settings, market_id, now)
    assert plan is not None and plan.token_id == token
    assert plan.end == now and now - plan.start > DAY
    assert plan.fidelity == fidelity_for(now - plan.start)
    async with PolymarketClient(settings) as client:
        points = await fetch_history(client, plan)
    assert len(points) > 50
    insert_price_points(db, points)
    # Now current: nothing to fetch until a step has passed.
    assert plan_history(db, settings, market_id, now + 60) is None
    later = plan_history(db, settings, market_id, now + plan.fidelity * 60 + 5)
    assert later is not None and later.start >= now - 60  # continues from the newest point
    db.close()


def test_closed_markets_are_left_to_the_history_job(server: FakePolymarket, store: Path) -> None:
    db = connect(store)
    closed = db.execute(
        "SELECT id FROM markets WHERE closed = 1 AND token_ids_json != '[]' LIMIT 1"
    ).fetchone()
    assert closed is not None
    assert plan_history(db, load_settings(), str(closed[0]), int(time.time())) is None
    db.close()


async def test_selecting_a_market_fetches_through_the_live_books_and_caches(
    server: FakePolymarket, store: Path
) -> None:
    market_id = an_open_market(server)
    token = json.loads(server.market(market_id).raw["clobTokenIds"])[0]
    live = LiveBooks(settings_for(store))
    done: list[tuple[int, str | None]] = []
    async with running(live):
        await asyncio.sleep(0.1)
        live.request_history(market_id, lambda points, error: done.append((points, error)))
        await until(lambda: len(done) == 1)
        calls = server.stats.requests["clob:/prices-history"]
        live.request_history(market_id, lambda points, error: done.append((points, error)))  # fresh: no call
        await asyncio.sleep(0.3)
    assert done[0][1] is None and done[0][0] > 50
    assert len(points_of(store, token)) >= done[0][0]
    assert server.stats.requests["clob:/prices-history"] == calls
    assert len(done) == 1


async def test_a_history_asked_for_before_the_live_books_run_is_fetched_when_they_start(
    server: FakePolymarket, store: Path
) -> None:
    """The app's first selected market loads before its live-books thread has started."""
    market_id = an_open_market(server)
    live = LiveBooks(settings_for(store))
    done: list[tuple[int, str | None]] = []
    live.request_history(market_id, lambda points, error: done.append((points, error)))
    assert done == []
    async with running(live):
        await until(lambda: len(done) == 1)
    assert done[0][1] is None and done[0][0] > 50
