"""The live order book in the app: the Markets detail panel, the full-screen detail on `enter`,
subscriptions that follow the rows in view, and the status bar's WS state. Real sockets to the fake
server's channel, a real SQLite store."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.config import load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.polymarket.book_events import BookSnapshot
from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.context import TuiContext
from pmtui.tui.market_screen import MarketDetailScreen
from pmtui.tui.tabs.markets import MarketsTab
from pmtui.tui.widgets.book import BookPanel, level_cents
from pmtui.tui.widgets.status import StatusBar
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import notified, record_notifications, rendered_text, settle
from tests.tui.store_fixture import NOW

AppFactory = Callable[..., PmtuiApp]


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


@pytest.fixture
def server(make_fake_polymarket: Callable[..., FakePolymarket]) -> FakePolymarket:
    return make_fake_polymarket(recorded=False, generated=150)


def live_app(server: FakePolymarket) -> PmtuiApp:
    """The app on a store of the fake's markets: collector and monitor off, live books on."""
    settings = load_settings()
    db = connect(settings.database.path)
    store_batch(
        db,
        parse_markets([fm.raw for fm in server.markets()]),
        source="gamma:/markets/keyset",
        categorize=None,
    )
    db.close()
    settings = dataclasses.replace(
        settings,
        ui=dataclasses.replace(settings.ui, run_collector=False, run_monitor=False, refresh_interval=3600),  # type: ignore[arg-type]
        live=dataclasses.replace(settings.live, subscribe_debounce=0.05, reconnect_min=0.05),  # type: ignore[arg-type]
    )
    return record_notifications(PmtuiApp(TuiContext(settings=settings, rest_delay=0)))


def tokens_of(server: FakePolymarket, market_ids: list[str]) -> set[str]:
    return {t for m in market_ids for t in server.market(m).token_ids if server.market(m).has_book}


async def test_the_selected_market_shows_its_live_book_and_it_updates_in_place(
    server: FakePolymarket,
) -> None:
    app = live_app(server)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        await pilot.press("j", "j", "j")
        await settle(pilot)
        market_id = table.cursor_key
        assert market_id is not None
        token = server.market(market_id).token_ids[0]
        panel = app.query_one("#detail-book", BookPanel)
        await wait_until(pilot, lambda: panel.token == token and app.live.state.view(token) is not None)
        bids, asks = server.channel.levels(token)  # type: ignore[misc]
        await wait_until(pilot, lambda: level_cents(max(bids), 0.01) in rendered_text(panel))
        assert level_cents(min(asks), 0.01) in rendered_text(panel)
        cursor, scroll = table.cursor_coordinate, table.scroll_offset
        # The best bid's size changes over the socket and is drawn; nothing else moves.
        server.channel.change_level(token, "BUY", max(bids), 4321.0)
        await wait_until(pilot, lambda: "4,321" in rendered_text(panel))
        assert (table.cursor_coordinate, table.scroll_offset) == (cursor, scroll)
        assert "WS ●" in rendered_text(app.query_one(StatusBar))
        # The state the panel reads is the one the socket writes, level for level.
        assert app.live.state.levels(token) == server.channel.levels(token)


async def test_subscriptions_follow_the_rows_in_view(server: FakePolymarket) -> None:
    app = live_app(server)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        tab = app.query_one(MarketsTab)
        first_view = tab.visible_ids()
        assert len(first_view) > 5
        await wait_until(pilot, lambda: tokens_of(server, first_view) <= server.channel.subscribed())
        # Scroll a page down: the rows that left are unsubscribed, the new ones subscribed.
        await pilot.press("pagedown")
        await settle(pilot)
        second_view = tab.visible_ids()
        assert set(second_view).isdisjoint(first_view[:3])

        def follows() -> bool:
            wanted = tokens_of(server, second_view)
            gone = tokens_of(server, first_view[:3])
            subscribed = server.channel.subscribed()
            return wanted <= subscribed and not (gone & subscribed)

        await wait_until(pilot, follows)
        assert app.live.subscribed("screen") == [m for m in second_view if not server.market(m).closed]


async def test_enter_opens_the_market_detail_with_rules_source_url_and_book(server: FakePolymarket) -> None:
    market_id = next(fm.id for fm in server.markets() if fm.has_book and fm.raw.get("description"))
    raw = server.market(market_id).raw
    app = live_app(server)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        await pilot.press("slash", *raw["question"][:20], "enter")
        await settle(pilot)
        assert table.move_to_key(market_id)
        await settle(pilot)
        cursor = table.cursor_coordinate
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MarketDetailScreen)
        assert rendered_text(screen.query_one("#md-question")).split()[:3] == raw["question"].split()[:3]
        rules = rendered_text(screen.query_one("#md-rules"))
        assert "Rules" in rules and raw["description"].split()[0] in rules
        assert "Resolution source" in rules and "URL" in rules
        token = server.market(market_id).token_ids[0]
        panel = screen.query_one(BookPanel)
        await wait_until(
            pilot, lambda: app.live.state.view(token) is not None and "cum" in rendered_text(panel)
        )
        bids, _ = server.channel.levels(token)  # type: ignore[misc]
        assert level_cents(max(bids), 0.01) in rendered_text(panel)
        # Socket books carry no tick size until it changes: the market's stored one is shown.
        assert app.live.state.view(token).tick_size is None  # type: ignore[union-attr]
        assert f"tick {server.market(market_id).tick * 100:g}¢" in rendered_text(panel)
        assert "spread" in rendered_text(screen.query_one("#md-spread"))
        await pilot.press("o")  # the other outcome's book
        await settle(pilot)
        assert panel.token == server.market(market_id).token_ids[1]
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, MarketDetailScreen)
        assert table.cursor_coordinate == cursor
        assert app.live.subscribed("detail") == []


# --- offline: the panel from a hand-made book (snapshot) ---------------------------------------------


def seeded_book(app: PmtuiApp, market_id: str) -> None:
    """Books for the fixture market's two tokens, as a socket snapshot would deliver them."""
    yes = BookSnapshot(
        token_id=f"{market_id}1",
        market=f"0xcond{market_id}",
        bids=[(0.61, 1200.0), (0.60, 5400.5), (0.59, 220.0), (0.57, 18000.0), (0.55, 950.0)],
        asks=[(0.63, 800.0), (0.64, 2500.0), (0.66, 120.25), (0.70, 40000.0)],
        t_ms=int(NOW * 1000),
        tick_size=0.01,
        last_trade=0.62,
    )
    no = BookSnapshot(
        token_id=f"{market_id}2",
        market=f"0xcond{market_id}",
        bids=[(0.37, 800.0)],
        asks=[(0.39, 1200.0)],
        t_ms=int(NOW * 1000),
        tick_size=0.01,
    )
    app.live.state.apply([yes, no], "rest")


def detail_store(store: Path) -> None:
    db = connect(store)
    db.execute(
        "UPDATE markets SET description = ?, resolution_source = ?, event_slug = ? WHERE id = '101'",
        [
            "This market resolves to [bold]Yes[/] if Bitcoin trades above $150,000 on any major exchange "
            "before March 31, 2026. Otherwise it resolves to No.",
            "https://www.coinbase.com/price/bitcoin",
            "bitcoin-reach-2026",
        ],
    )
    db.conn.commit()
    db.close()


@pytest.mark.parametrize("size", [(120, 35), (80, 24)], ids=["120x35", "80x24"])
def test_book_panel_in_the_markets_detail(
    snap_compare: Any, make_app: AppFactory, store: Path, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, PmtuiApp)
        seeded_book(app, "101")
        await settle(pilot)
        app.query_one("#markets-table", VimTable).move_to_key("101")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_market_detail_screen(snap_compare: Any, make_app: AppFactory, store: Path) -> None:
    """`enter`: the whole question, rules (literal markup), source, URL, spread and the 10-level book."""
    detail_store(store)

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, PmtuiApp)
        seeded_book(app, "101")
        await settle(pilot)
        app.query_one("#markets-table", VimTable).move_to_key("101")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 35), run_before=run_before)


async def test_the_detail_screen_says_when_live_books_are_off(make_app: AppFactory, store: Path) -> None:
    detail_store(store)
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        app.query_one("#markets-table", VimTable).move_to_key("101")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MarketDetailScreen)
        assert "live books are off" in rendered_text(screen.query_one(BookPanel))
        rules = rendered_text(screen.query_one("#md-rules"))
        assert "[bold]Yes[/]" in rules  # market text is literal
        assert "https://polymarket.com/event/bitcoin-reach-2026/market-101" in rules


async def test_price_alerts_are_toasts_and_a_burst_is_one(make_app: AppFactory) -> None:
    from pmtui.alerts.price import PriceAlert
    from pmtui.tui.live import PriceAlertsFired

    one = PriceAlert("101", "Will [bold]Bitcoin[/] reach $120,000?", "above", 0.61, 0.60)
    burst = [PriceAlert(str(i), f"Market {i}", "move", 0.5 + i / 100, 0.4) for i in range(6)]
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        app.post_message(PriceAlertsFired([one]))
        await settle(pilot)
        texts = [n.message for n in notified(app)]
        assert texts == [one.text]
        assert "YES rose to 61.0¢ (above 60.0¢)" in texts[0] and "[bold]Bitcoin[/]" in texts[0]
        app.post_message(PriceAlertsFired(burst))
        await settle(pilot)
        toasts = list(notified(app))
        assert len(toasts) == 2
        assert toasts[1].title == "6 price alerts"
        assert "Market 0 · moved +10.0¢, now 50.0¢" in toasts[1].message
        assert "…and 3 more" in toasts[1].message
