"""Markets tab: filter, sort, category, watch, paging, in-place refresh and literal questions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.queries.markets import MarketFilter, fts_query, load_page
from pmtui.tui.tabs.markets import MarketDetailPane, MarketsTab
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import plain, rendered_text, settle
from tests.tui.store_fixture import INJECTION, bulk_markets

AppFactory = Callable[..., PmtuiApp]


def table_ids(app: PmtuiApp) -> list[str]:
    table = app.query_one("#markets-table", VimTable)
    return [str(key.value) for key in table.rows]


def open_db(path: Path) -> Database:
    return connect(path)


async def test_first_page_lists_open_markets_by_volume(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        ids = table_ids(app)
        # 11 open markets; the resolved one (801) is hidden until `o`.
        assert len(ids) == 11
        assert "801" not in ids
        assert ids[:3] == ["601", "301", "101"]  # 24h volume 700K, 410K, 250K
        assert app.focused is app.query_one("#markets-table")


async def test_search_narrows_the_table(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"bitc")
        await settle(pilot)
        assert table_ids(app) == ["101", "102", "103"]
        summary = rendered_text(app.query_one("#markets-summary"))
        assert "3 of 3 markets" in summary
        await pilot.press("enter")
        assert app.focused is app.query_one("#markets-table")
        # escape in the search box clears the filter
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert len(table_ids(app)) == 11


async def test_hostile_search_text_is_just_text(make_app: AppFactory, store: Path) -> None:
    for text in ['"', "AND", "NEAR(", "x OR 1=1 --", "'; DROP TABLE markets; --", "*", "[bold]"]:
        assert fts_query(text) is None or fts_query(text).startswith('"')  # type: ignore[union-attr]
        page = load_page(open_db(store), MarketFilter(text=text))
        assert page.total >= 0
    # Brackets in the stored question do not stop a search for its words.
    page = load_page(open_db(store), MarketFilter(text="bold X win"))
    assert [row.id for row in page.rows] == ["401"]
    assert open_db(store).execute("SELECT count(*) FROM markets").fetchone()[0] == 12


def test_fts_query_quotes_every_word() -> None:
    assert fts_query("bitcoin 150") == '"bitcoin" "150"*'
    assert fts_query("bitcoin ") == '"bitcoin"'
    assert fts_query('say "hi"') == '"say" """hi"""*'
    assert fts_query("  ") is None
    assert fts_query("[ ]") is None


async def test_markup_in_a_question_is_shown_literally(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        cell = table.get_cell("401", "question")
        assert plain(cell) == INJECTION
        assert INJECTION in rendered_text(table)
        table.move_to_key("401")
        await settle(pilot)
        pane = app.query_one(MarketDetailPane)
        shown = rendered_text(pane.query_one("#detail-question"))
        assert INJECTION in shown
        outcomes = rendered_text(pane.query_one("#detail-outcomes"))
        assert "Yes [b]" in outcomes and "No [/]" in outcomes


async def test_sort_keys_reorder_the_table(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("s")  # next sort: liquidity, highest first
        await settle(pilot)
        assert table_ids(app)[:2] == ["601", "301"]
        await pilot.press("s")  # YES price, highest first
        await settle(pilot)
        assert table_ids(app)[0] == "501"
        await pilot.press("S")  # reversed: lowest YES first
        await settle(pilot)
        assert table_ids(app)[0] == "601"
        tab = app.query_one(MarketsTab)
        assert tab.filter.sort == "yes_price" and not tab.filter.descending


async def test_category_picker_filters(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        options = app.screen.query_one("OptionList")
        labels = [plain(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        index = next(i for i, label in enumerate(labels) if label.startswith("Weather ("))
        options.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(table_ids(app)) == ["201", "202", "203"]


async def test_watch_key_writes_the_store_and_marks_the_row(make_app: AppFactory, store: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        table.move_to_key("601")
        await pilot.press("w")
        await settle(pilot)
        assert open_db(store)["markets"].get("601")["watched"] == 1
        assert plain(table.get_cell("601", "watch")) == "★"
        await pilot.press("w")
        await settle(pilot)
        assert open_db(store)["markets"].get("601")["watched"] == 0
        await pilot.press("W")  # watched only: the fixture's one watched market
        await settle(pilot)
        assert table_ids(app) == ["102"]


async def test_closed_markets_one_key_away(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert "801" in table_ids(app)


async def test_pages_and_more_rows(make_app: AppFactory, store: Path) -> None:
    bulk_markets(open_db(store), 120)
    app = make_app(page_size=50)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert len(table_ids(app)) == 50
        assert "50 of 131 markets" in rendered_text(app.query_one("#markets-summary"))
        await pilot.press("m")
        await settle(pilot)
        assert len(table_ids(app)) == 100


async def test_price_refresh_changes_cells_in_place(make_app: AppFactory, store: Path) -> None:
    db = open_db(store)
    bulk_markets(db, 400)
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        table.move_cursor(row=59)
        await pilot.press("j")  # the last step by key, as a trader would
        await settle(pilot)
        cursor_before = table.cursor_row
        scroll_before = table.scroll_y
        key = table.cursor_key
        assert key is not None and cursor_before == 60 and scroll_before > 0
        visible = table_ids(app)[cursor_before - 5 : cursor_before + 5]
        with db.conn:
            db.execute(
                "UPDATE markets SET yes_price = 0.987, one_day_change = 0.123 WHERE id IN "
                f"({','.join('?' * len(visible))})",
                visible,
            )
        app.query_one(MarketsTab).refresh_visible()
        await settle(pilot)
        assert plain(table.get_cell(key, "yes")) == "98.7¢"
        assert plain(table.get_cell(key, "change")) == "+12.3¢"
        assert table.cursor_row == cursor_before
        assert table.cursor_key == key
        assert table.scroll_y == scroll_before
        # the detail pane follows the new price of the highlighted market
        assert "98.7¢" in rendered_text(app.query_one("#detail-outcomes"))


async def test_narrow_terminal_drops_wide_columns(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        keys = [str(k.value) for k in table.columns]
        assert "category" not in keys and "liquidity" not in keys
        assert {"question", "yes", "change", "volume", "closes", "watch"} <= set(keys)


async def test_detail_pane_shows_history_and_cluster(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        app.query_one("#markets-table", VimTable).move_to_key("101")
        await settle(pilot)
        facts = rendered_text(app.query_one("#detail-facts"))
        assert "crypto-btc-reach-2026-03-31 (3 markets)" in facts
        chart = rendered_text(app.query_one("#detail-chart").children[0])  # the plot, once drawn
        assert "no price history" not in chart
        assert "01-15" in chart
        await pilot.press("z")
        assert not app.query_one(MarketDetailPane).display


async def test_keys_typed_right_after_a_slash_go_to_the_search_box(make_app: AppFactory, store: Path) -> None:
    """A terminal delivers `/w…` typed fast (or pasted) in one read: every key after `/` belongs to
    the search box. A `w` that reached the table instead would star a market."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        starred_before = [r["id"] for r in open_db(store)["markets"].rows_where("watched = 1")]
        for key, char in (("slash", "/"), ("w", "w"), ("i", "i"), ("n", "n")):
            app.post_message(events.Key(key, char))  # no pause between keys, as in one read
        await settle(pilot)
        assert app.query_one("#markets-search").value == "win"  # type: ignore[attr-defined]
        assert [r["id"] for r in open_db(store)["markets"].rows_where("watched = 1")] == starred_before
        assert app.focused is not table
        # In the box a `/` is part of the search ("24/7"), not a request to search again.
        await pilot.press("slash", "7")
        assert app.query_one("#markets-search").value == "win/7"  # type: ignore[attr-defined]


async def test_keys_typed_right_after_c_filter_the_category_picker(make_app: AppFactory, store: Path) -> None:
    """`cwea` in one read: the picker opens at once and `wea` filters it; the `w` never reaches the
    table (it would star the market under the cursor)."""
    from textual import events

    from pmtui.tui.widgets.modals import PickModal

    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        starred_before = [r["id"] for r in open_db(store)["markets"].rows_where("watched = 1")]
        for char in "cwea":
            app.post_message(events.Key(char, char))
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        assert app.screen.query_one("#pick-filter").value == "wea"  # type: ignore[attr-defined]
        options = app.screen.query_one("OptionList")
        shown = [plain(options.get_option_at_index(i).prompt) for i in range(options.option_count)]  # type: ignore[attr-defined]
        assert shown and all("wea" in label.lower() for label in shown)
        assert [r["id"] for r in open_db(store)["markets"].rows_where("watched = 1")] == starred_before
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(table_ids(app)) == ["201", "202", "203"]
