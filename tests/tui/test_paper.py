"""Paper tab: the book as `pmtui paper` reads it, `x` closes at the bid after a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher

from pmtui.paper.portfolio import get_position
from pmtui.paper.summary import paper_summary
from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.tabs.paper import PaperTab
from pmtui.tui.widgets.modals import ConfirmModal
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import notified, plain, rendered_text, settle
from tests.tui.paper_fixture import add_paper_book, paper_settings
from tests.tui.store_fixture import INJECTION, NOW

AppFactory = Callable[..., PmtuiApp]


@pytest.fixture
def paper_store(store: Path) -> Path:
    return add_paper_book(store)


def row_keys(table: VimTable) -> list[str]:
    return [str(key.value) for key in table.rows]


def column(table: VimTable, key: str) -> list[str]:
    return [plain(cell) for cell in table.get_column(key)]


async def open_paper(pilot) -> PaperTab:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    return pilot.app.query_one(PaperTab)


async def test_shows_the_same_book_as_the_core(make_app: AppFactory, paper_store: Path) -> None:
    db = connect(paper_store, migrate=False)
    expected = paper_summary(db, paper_settings(paper_store), now=NOW)
    db.conn.close()
    app = make_app(paper_store)
    async with app.run_test(size=(120, 35)) as pilot:
        tab = await open_paper(pilot)
        positions = tab.query_one("#paper-positions", VimTable)
        assert row_keys(positions) == [str(m.position.id) for m in expected.open]
        # markup in the question and outcome is shown literally
        assert column(positions, "market")[1].startswith(INJECTION[:15])
        assert "No [/]" in column(positions, "outcome")
        assert column(positions, "mark")[0] == "84.0¢ bid"
        summary = rendered_text(tab.query_one("#paper-summary"))
        assert f"equity ${expected.equity_micros / 1e6:,.2f}" in summary
        assert "DEMO DATA" in summary
        closed = tab.query_one("#paper-closed", VimTable)
        assert row_keys(closed) == [str(p.id) for p in expected.closed]
        assert column(closed, "result") == ["sold", "loss", "win"]
        await pilot.press("f")
        await settle(pilot)
        assert tab.query_one("#paper-lower", ContentSwitcher).current == "paper-forward-view"
        forward = tab.query_one("#paper-forward", VimTable)
        strategies = [row.strategy for row in expected.forward]
        assert row_keys(forward) == [f"{s}:{side}" for s in strategies for side in ("live", "backtest")]
        # every win rate comes with its interval and its n
        fade = [plain(c) for c in forward.get_row("fade_longshots:backtest")]
        assert fade[1:4] == ["412", "96% [94–98]", "+3.2% [+1,+5]"]
        live = [plain(c) for c in forward.get_row("crypto_favorite_fade:live")]
        assert live[1:3] == ["1", "100% [21–100]"] and live[-1] == "no backtest"


async def test_x_and_confirm_closes_the_position_in_the_store(
    make_app: AppFactory, paper_store: Path
) -> None:
    app = make_app(paper_store)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        tab = await open_paper(pilot)
        positions = tab.query_one("#paper-positions", VimTable)
        assert positions.move_to_key("4")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert "4" not in row_keys(positions)
        assert "4" in row_keys(tab.query_one("#paper-closed", VimTable))
    db = connect(paper_store, migrate=False)
    position = get_position(db, 4)
    db.conn.close()
    assert position.status == "closed" and position.result == "sold"
    assert position.mark_price == pytest.approx(0.84)
    assert any("Closed #4 at 84.0¢" in n.message for n in notified(app))


async def test_declining_or_no_bid_leaves_the_position_open(make_app: AppFactory, paper_store: Path) -> None:
    app = make_app(paper_store)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        tab = await open_paper(pilot)
        positions = tab.query_one("#paper-positions", VimTable)
        positions.move_to_key("4")
        await pilot.press("x", "n")
        await settle(pilot)
        positions.move_to_key("5")  # the markup-injection market: never quoted
        await pilot.press("x", "y")
        await settle(pilot)
        assert row_keys(positions) == ["4", "5", "6"]
    db = connect(paper_store, migrate=False)
    assert get_position(db, 4).status == "open" and get_position(db, 5).status == "open"
    db.conn.close()
    refusals = [n.message for n in notified(app) if n.severity == "warning"]
    assert any("no fresh bid for position #5" in m for m in refusals), refusals


async def test_an_empty_book_says_how_to_start(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tab = await open_paper(pilot)
        assert tab.query_one("#paper-positions", VimTable).row_count == 0
        summary = rendered_text(tab.query_one("#paper-summary"))
        assert "not started" in summary and "$1,000.00" in summary


def test_a_few_cents_on_a_book_draw_flat_and_the_axis_reads_in_dollars() -> None:
    """$999.93 after a $1,000 deposit: the axis spans 2% of the book ($20), not 7 cents, and says
    $990 … $1,010 instead of 999.934 … 1000.000."""
    from pmtui.tui.tabs.paper import dollar_ticks, equity_range

    low, high = equity_range([1000.0, 999.93])
    assert high - low == pytest.approx(20.0)
    assert low < 999.93 and high > 1000.0
    ticks, labels = dollar_ticks(low, high)
    assert labels == ["$990", "$995", "$1,000", "$1,005", "$1,010"]
    assert ticks[0] == pytest.approx(low) and ticks[-1] == pytest.approx(high)
    # A real move keeps its own range; small steps get cents.
    assert equity_range([1000.0, 700.0]) == (700.0, 1000.0)
    assert dollar_ticks(10.0, 12.0)[1] == ["$10.00", "$10.50", "$11.00", "$11.50", "$12.00"]
