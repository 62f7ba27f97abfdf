"""The client against the fake server: pagination, batching, history windows and fallbacks, retries."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pmtui.config import Settings, load_settings
from pmtui.fakes.polymarket_server import FakePolymarket, FaultRule
from pmtui.polymarket.client import (
    HISTORY_WINDOW,
    ApiError,
    ApiUnavailable,
    PolymarketClient,
    _decode,
    _retry_after,
)
from pmtui.polymarket.parsing import BadRecord
from pmtui.store import connect
from pmtui.store.api_log import ApiCallLog


def settings_with(**api: object) -> Settings:
    settings = load_settings()
    return dataclasses.replace(settings, api=dataclasses.replace(settings.api, **api))


def api_rows(db_path: Path) -> list[tuple[str, int | None, str | None]]:
    db = connect(db_path)
    rows = [
        tuple(r) for r in db.execute("SELECT endpoint, status, error FROM api_calls ORDER BY id").fetchall()
    ]
    db.close()
    return rows  # type: ignore[return-value]


async def test_keyset_walk_never_sends_offset(fake_polymarket: FakePolymarket, tmp_path: Path) -> None:
    settings = load_settings()
    seen: list[str] = []
    cursors: list[str | None] = []
    async with PolymarketClient(settings, call_log=ApiCallLog(tmp_path / "db.sqlite")) as client:
        for closed in (False, True):
            async for page in client.iter_markets(closed=closed):
                seen += [str(m["id"]) for m in page.items]
                cursors.append(page.cursor)
        assert client.calls["gamma:/markets/keyset"] == 16  # ceil(498 / 100) + ceil(1089 / 100)
    assert sorted(seen) == sorted(fake_polymarket.market_ids())
    assert cursors.count(None) == 2  # each walk starts once from the beginning
    stats = fake_polymarket.stats
    assert stats.offset_requests == 0
    assert all("offset" not in q and q["limit"] == ["100"] for _, q in stats.queries)
    assert set(stats.user_agents) == {settings.api.user_agent}
    rows = api_rows(tmp_path / "db.sqlite")
    assert len(rows) == 16 and all(row == ("gamma:/markets/keyset", 200, None) for row in rows)


async def test_resume_from_a_cursor(fake_polymarket: FakePolymarket) -> None:
    async with PolymarketClient(load_settings()) as client:
        pages = [page async for page in client.iter_markets(closed=True)]
        resumed = [page async for page in client.iter_markets(closed=True, after_cursor=pages[2].next_cursor)]
    assert [p.items for p in resumed] == [p.items for p in pages[3:]]


async def test_batches(fake_polymarket: FakePolymarket) -> None:
    open_markets = [m for m in fake_polymarket.markets() if m.has_book]
    top100 = open_markets[:100]
    tokens = [t for m in top100 for t in m.token_ids]
    async with PolymarketClient(load_settings()) as client:
        tops = await client.get_books([*tokens, "1"])
        assert client.calls["clob:/books"] == 1  # the top 100 markets' 200 tokens: one call
        assert {t.token_id for t in tops} == set(tokens)
        two_sided = [t for t in tops if t.best_bid is not None and t.best_ask is not None]
        assert len(two_sided) > 150 and all(t.best_bid < t.best_ask for t in two_sided)  # type: ignore[operator]
        many = [t for m in open_markets for t in m.token_ids][:600]
        assert len(await client.get_books(many)) == 600
        assert client.calls["clob:/books"] == 3  # 500 + 100
        mids = await client.get_midpoints(tokens)
        assert set(mids) == {t.token_id for t in two_sided} and client.calls["clob:/midpoints"] == 1
        by_ids = await client.get_markets_by_ids([m.id for m in fake_polymarket.markets()[:150]], closed=True)
        assert {m["id"] for m in by_ids} == {m.id for m in fake_polymarket.markets()[:150] if m.closed}
        assert await client.get_market("559651") is not None and await client.get_market("1") is None
        book = await client.get_book(tokens[0])
        assert book is not None and book.token_id == tokens[0]
        tags = await client.get_tags()
        assert any(t.slug == "geopolitics" for t in tags)


def resolved_market(server: FakePolymarket, min_days: float) -> tuple[str, str, int, int]:
    now = int(time.time())
    for m in server.markets():
        start, end = m.life(now)
        if m.closed and m.token_ids and end - start >= min_days * 86400:
            return m.id, m.token_ids[0], start, end
    raise AssertionError("no such market")


async def test_history_windows_are_at_most_15_days_and_stitched(fake_polymarket: FakePolymarket) -> None:
    _market_id, token, _start, end = resolved_market(fake_polymarket, 40)
    async with PolymarketClient(load_settings()) as client:
        points = await client.get_price_history(token, end - 40 * 86400, end, fidelity=60)
    windows = [w for w in fake_polymarket.stats.history_windows if w[0] == token]
    assert len(windows) == 3 and all(e - s <= HISTORY_WINDOW for _, s, e in windows)
    assert windows[0][1] == end - 40 * 86400 and windows[-1][2] == end
    ts = [p.t for p in points]
    assert ts == sorted(set(ts)) and len(ts) == 40 * 24 + 1 - (1 if (end - 40 * 86400) % 3600 else 0)
    assert all(t2 - t1 == 3600 for t1, t2 in itertools.pairwise(ts))


async def test_history_fallbacks(fake_polymarket: FakePolymarket) -> None:
    market_id, token, _start, end = resolved_market(fake_polymarket, 20)
    async with PolymarketClient(load_settings()) as client:
        fake_polymarket.set_history_mode(market_id, "max_only")
        via_max = await client.get_price_history(token, end - 20 * 86400, end, fidelity=60)
        assert via_max and all(p.t % (720 * 60) == 0 for p in via_max)  # 12-hour points
        fake_polymarket.set_history_mode(market_id, "data_only")
        via_data = await client.get_price_history(token, end - 20 * 86400, end, fidelity=60)
        assert len(via_data) >= 20 * 24 - 1 and client.calls["data:/v2/prices-history"] == 2
        fake_polymarket.set_history_mode(market_id, "none")
        assert await client.get_price_history(token, end - 86400, end) == []


async def test_data_api_settlement_point_is_not_a_price(fake_polymarket: FakePolymarket) -> None:
    """Data API v2 ends a settled market's series with its payout (1, 0, or 0.5 for a void) one bucket
    past the last trade. That is the outcome, not a price anyone could trade at before it: a backtest
    reading it as the last price before its decision would see the future."""
    now = int(time.time())
    market = next(
        m
        for m in fake_polymarket.markets()
        if m.expected()[0] == "resolved" and m.token_ids and m.life(now)[1] < now
    )
    token, end = market.token_ids[0], market.life(now)[1]
    fake_polymarket.set_history_mode(market.id, "data_only")
    window = {"token_id": token, "start": end - 5 * 86400, "end": end + 5 * 86400, "bucket_seconds": 3600}
    raw = httpx.get(fake_polymarket.env()["PMTUI_DATA_URL"] + "/v2/prices-history", params=window).json()[
        "data"
    ]
    settlement = raw[-1]
    assert settlement["resolution_seconds"] == 0 and settlement["price"] in (0.0, 1.0)  # what the API sends
    async with PolymarketClient(load_settings()) as client:
        points = await client.get_price_history(token, window["start"], window["end"], fidelity=60)
    assert points and client.calls["data:/v2/prices-history"] >= 1
    assert [p.t for p in points] == [row["timestamp"] for row in raw[:-1]]  # every trade, not the payout


async def test_429_retry_after_is_honoured(fake_polymarket: FakePolymarket, tmp_path: Path) -> None:
    fake_polymarket.set_faults(FaultRule("429", "gamma:/markets/keyset", every=4, retry_after=1))
    async with PolymarketClient(load_settings(), call_log=ApiCallLog(tmp_path / "db.sqlite")) as client:
        started = time.monotonic()
        pages = [page async for page in client.iter_markets(closed=False)]
        elapsed = time.monotonic() - started
    assert len(pages) == 5
    assert elapsed >= 1.0  # a 429 with Retry-After: 1 (the configured backoff alone would be ~0.1 s)
    statuses = [status for _, status, _ in api_rows(tmp_path / "db.sqlite")]
    assert statuses.count(429) == 1 and statuses.count(200) == 5


async def test_server_limits_are_respected_by_the_client_budget(
    make_fake_polymarket: Callable[..., FakePolymarket],
) -> None:
    server = make_fake_polymarket(budgets={"gamma:/markets": 4, "gamma": 1000})
    server.set_budgets({"gamma:/markets": 4, "gamma": 1000}, window=0.5)
    settings = load_settings()
    # Our budget: 4 x 0.5 = 2 per 0.5 s, half what the server allows; 5 pages need 2 waits.
    settings = dataclasses.replace(
        settings, limits=dataclasses.replace(settings.limits, window=0.5, budgets={"gamma:/markets": 4})
    )
    async with PolymarketClient(settings) as client:
        pages = [page async for page in client.iter_markets(closed=False)]
    assert len(pages) == 5 and server.stats.total_violations == 0


async def test_5xx_and_truncated_json_are_retried(fake_polymarket: FakePolymarket, tmp_path: Path) -> None:
    fake_polymarket.set_faults(
        FaultRule("5xx", "gamma:/markets/keyset", every=2), FaultRule("truncated", "clob:/books", every=2)
    )
    tokens = next(m for m in fake_polymarket.markets() if m.has_book).token_ids
    async with PolymarketClient(load_settings(), call_log=ApiCallLog(tmp_path / "db.sqlite")) as client:
        pages = [page async for page in client.iter_markets(closed=False)]
        await client.get_books(tokens)
        books = await client.get_books(tokens)
    assert len(pages) == 5 and len(books) == 2
    rows = api_rows(tmp_path / "db.sqlite")
    errors = [row for row in rows if row[2] is not None]
    assert sum(1 for e in errors if e[0] == "gamma:/markets/keyset" and e[1] and e[1] >= 500) == 4
    assert any(e[0] == "clob:/books" and e[1] == 200 and "unreadable JSON" in (e[2] or "") for e in errors)


async def test_persistent_garbage_raises_a_clear_error(fake_polymarket: FakePolymarket) -> None:
    fake_polymarket.set_faults(FaultRule("truncated", "gamma:/markets/keyset", every=1))
    async with PolymarketClient(settings_with(max_retries=2)) as client:
        with pytest.raises(ApiError) as raised:
            await anext(client.iter_markets())
        assert client.calls["gamma:/markets/keyset"] == 3
    assert raised.value.kind == "bad_json" and "truncated" in str(raised.value)
    assert not isinstance(raised.value, ApiUnavailable)


async def test_4xx_is_not_retried(fake_polymarket: FakePolymarket) -> None:
    async with PolymarketClient(load_settings()) as client:
        with pytest.raises(ApiError) as raised:
            await client.request("gamma", "GET", "/markets/keyset", params={"offset": 0})
        assert client.calls["gamma:/markets/keyset"] == 1
    assert raised.value.status == 422 and "offset is not allowed" in str(raised.value)


async def test_offline_raises_api_unavailable_and_logs_null_status(
    fake_polymarket: FakePolymarket, tmp_path: Path
) -> None:
    async with PolymarketClient(
        settings_with(max_retries=1), call_log=ApiCallLog(tmp_path / "db.sqlite")
    ) as client:
        fake_polymarket.go_offline("refuse")
        with pytest.raises(ApiUnavailable) as refused:
            await client.get_tags()
        assert "connection failed" in str(refused.value)
        fake_polymarket.go_online()
        fake_polymarket.go_offline("503")
        with pytest.raises(ApiUnavailable) as unavailable:
            await client.get_tags()
        assert unavailable.value.status == 503
        fake_polymarket.go_online()
        assert await client.get_tags()
        assert client.last_ok is not None and client.last_failure is not None
    rows = api_rows(tmp_path / "db.sqlite")
    assert [(status is None) for _, status, _ in rows[:2]] == [True, True]
    assert [status for _, status, _ in rows[2:]] == [503, 503, 200]


async def test_timeouts_are_retried(fake_polymarket: FakePolymarket) -> None:
    fake_polymarket.set_faults(FaultRule("slow", "gamma:/tags", every=2, delay=0.6))
    async with PolymarketClient(settings_with(timeout=0.3)) as client:
        assert await client.get_tags()  # first call fine
        assert await client.get_tags()  # second times out once, then succeeds
        assert client.calls["gamma:/tags"] == 3 and client.failures["gamma:/tags"] == 1


async def test_bad_records_are_reported_not_raised(fake_polymarket: FakePolymarket) -> None:
    fake_polymarket.set_faults(FaultRule("missing_fields", "clob:/books", every=1))
    tokens = [t for m in fake_polymarket.markets() if m.has_book for t in m.token_ids][:10]
    bad: list[BadRecord] = []
    async with PolymarketClient(load_settings()) as client:
        tops = await client.get_books(tokens, on_bad=lambda exc, raw: bad.append(exc))
    assert len(tops) == 9 and len(bad) == 1 and bad[0].reason == "missing_field"


def test_body_and_header_helpers() -> None:
    with pytest.raises(ValueError, match="HTML page"):
        _decode(b"<!DOCTYPE html><title>Attention Required! | Cloudflare</title>")
    with pytest.raises(ValueError, match="truncated"):
        _decode(b'{"markets": [{"id": "1"')
    with pytest.raises(ValueError, match="empty"):
        _decode(b"")
    assert _retry_after(httpx.Response(429, headers={"Retry-After": "3"})) == 3
    assert _retry_after(httpx.Response(429, json={"error": "slow down", "retry_after_seconds": 5})) == 5
    assert _retry_after(httpx.Response(503, text="busy")) is None
