"""Which market a row is, at every width (issue 12.4): the question gets the width that is left and
rows of one family stay distinguishable; the full question is in the detail."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pmtui.tui.app import PmtuiApp
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import plain, rendered_text, settle

AppFactory = Callable[..., PmtuiApp]
BUCKETS = {"201": "30-31°F", "202": "32-33°F", "203": "34°F or higher"}


@pytest.mark.parametrize("size", [(80, 24), (120, 35), (250, 60)], ids=["80", "120", "250"])
async def test_markets_family_rows_read_differently(make_app: AppFactory, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        questions = {key: plain(table.get_cell(key, "question")) for key in BUCKETS}
        for key, bucket in BUCKETS.items():
            assert questions[key].startswith("Highest temperature")
            assert questions[key].endswith(bucket), questions
        widths = {str(key.value): column.get_render_width(table) for key, column in table.columns.items()}
        others = sum(widths.values()) - widths["question"]
        # The question has what the other columns leave (less the scrollbar), no more, no less.
        assert table.size.width - 2 <= others + widths["question"] <= table.size.width


async def test_signals_show_the_market_at_80_columns(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#signals-table", VimTable)
        assert "market" in [str(key.value) for key in table.columns]
        cells = [plain(table.get_cell(row, "market")) for row in table.rows]
        assert any(cell.startswith("Highest temperature") for cell in cells)
        assert table.virtual_size.width <= table.size.width  # no sideways scroll needed
        detail = rendered_text(app.query_one("#signal-detail"))
        assert "Will Bitcoin reach $200,000 by March 31?" in detail  # the cursor's row, in full below


async def test_signals_at_120_columns_give_the_market_the_room(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#signals-table", VimTable)
        widths = {str(key.value): column.get_render_width(table) for key, column in table.columns.items()}
        # It was 22, with the other columns padded far past their text; now it has what they leave.
        assert widths["market"] >= 30
        assert table.size.width - 2 <= sum(widths.values()) <= table.size.width


async def test_cluster_pane_lays_out_again_after_a_resize(make_app: AppFactory) -> None:
    """Widening the terminal redraws the pane's columns in full (cells drawn before the columns were
    measured used to stay cut at the heading's width: `Highes`, `22.`)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("G", "l")  # Weather/Temperature
        await settle(pilot)
        await pilot.press("j", "l", "j")
        await settle(pilot)
        await pilot.resize_terminal(120, 35)
        await settle(pilot)
        shown = rendered_text(app.query_one("#cluster-table"))
        assert "22.0¢" in shown and "48.0¢" in shown
        lines = [line for line in shown.splitlines() if "22.0¢" in line]
        assert lines and "30-31°F" in lines[0]


def test_a_wide_terminal_gives_capped_columns_their_text_before_the_market_gets_spare_room() -> None:
    """At 250 columns the queue cut `DEMO weather_fade_longshots` to 22 cells while the market column
    stood mostly empty: spare room goes to the capped columns first, up to their text."""
    from rich.text import Text

    from pmtui.tui.tabs.signals import MIN_MARKET, signal_columns

    def row(market: str, strategy: str) -> dict[str, Text]:
        cells = {key: Text("x") for key in ("mark", "buy", "price", "win", "edge", "stake", "status")}
        return {**cells, "market": Text(market), "strategy": Text(strategy)}

    rows = [row("Will it rain in Seattle on December 7?", "DEMO weather_fade_longshots")]
    wide = dict((key, width) for key, _, width in signal_columns("pending", True, 250, rows))
    assert wide["strategy"] == len("DEMO weather_fade_longshots")
    assert wide["market"] >= len("Will it rain in Seattle on December 7?")
    narrow = dict(
        (key, width) for key, _, width in signal_columns("pending", True, 120, [row("Q" * 90, "s" * 27)])
    )
    assert narrow["strategy"] == 22 and narrow["market"] >= MIN_MARKET  # no spare: the cap holds


async def test_a_very_wide_terminal_shows_whole_category_names(make_app: AppFactory) -> None:
    """At 250 columns `Politics/US-Government` fits whole; at 120 the category keeps 16 cells and the
    question the rest."""
    from pmtui.tui.tabs.markets import CATEGORY, CATEGORY_WIDE

    for size, expected in (((250, 60), CATEGORY_WIDE), ((120, 35), CATEGORY.width)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            table = app.query_one("#markets-table", VimTable)
            widths = {str(key.value): column.get_render_width(table) for key, column in table.columns.items()}
            assert widths["category"] == expected + 2, size  # + the cell padding
            assert table.size.width - 2 <= sum(widths.values()) <= table.size.width
            assert (
                all(not plain(cell).endswith("…") for cell in table.get_column("category")) or size[0] < 250
            )
