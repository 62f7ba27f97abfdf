"""Approving in the app: the fill is shown before anything is bought (key, palette, bulk), it is the
row the detail describes, a signal that is not validated asks for a size, a price that moved against
the trader is refused, and the toast states the fill. Offline: prices come from the store, and the
test moves them there (tests/signals/test_approve_at_the_fill.py moves them on the fake server)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.tabs.signals import SignalsTab
from pmtui.tui.widgets.fill_modal import FillModal
from pmtui.tui.widgets.modals import ConfirmModal
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import notified, rendered_text, settle
from tests.tui.store_fixture import NOW, add_validating_runs, build_store

AppFactory = Callable[..., PmtuiApp]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = build_store(tmp_path / "pmtui.sqlite")
    add_validating_runs(path)
    return path


def status(path: Path, signal_id: int) -> str:
    return str(connect(path)["signals"].get(signal_id)["status"])


def set_no_ask(path: Path, market_id: str, ask: float) -> None:
    """The NO token's book in the store, as a refresh would write it."""
    connect(path).execute(
        "INSERT OR REPLACE INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, ?, ?)",
        [f"{market_id}2", market_id, ask - 0.01, ask, ask - 0.005, NOW - 30],
    )


def static_text(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def modal_text(app: PmtuiApp) -> str:
    """Every line of the dialog as written (not as wrapped on screen)."""
    screen = app.screen
    assert isinstance(screen, FillModal)
    return "\n".join(static_text(w) for w in screen.query(Static))


def messages(app: PmtuiApp) -> list[str]:
    return [n.message for n in notified(app)]


async def open_signals(pilot: object) -> None:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("3")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_a_shows_the_fill_and_y_buys_it(make_app: AppFactory, store: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        await pilot.press("a")
        await settle(pilot)
        shown = modal_text(app)
        assert "Approve signal #1?" in shown
        assert "Will Bitcoin reach $200,000 by March 31?" in shown  # the market, in full
        assert (
            "Buy No: 15.24 shares @ 82.0¢ · fee $0.00 · cost $12.50 · size set by the stake the signal showed"
            in shown
        )
        assert "estimate: edge: return [" in shown
        await pilot.press("n")
        await settle(pilot)
        assert status(store, 1) == "pending"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 1) == "approved"
        assert "#1 filled: 15.24 No @ 82.0¢ for $12.50 incl. fee $0.00" in messages(app)[-1]


async def test_the_palette_shows_what_it_approves_and_asks(make_app: AppFactory, store: Path) -> None:
    """Issue 12.1: from another tab, "Signals: Approve" no longer buys what the cursor was on unseen."""
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        assert app.query_one("#tabs").active == "markets"  # type: ignore[attr-defined]
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Signals: Approve"].callback()
        await settle(pilot)
        assert app.query_one("#tabs").active == "signals"  # type: ignore[attr-defined]
        assert "Will Bitcoin reach $200,000 by March 31?" in modal_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert status(store, 1) == "pending" and connect(store)["paper_positions"].count == 0


async def test_detail_cursor_and_action_are_one_row(make_app: AppFactory, store: Path) -> None:
    """Issue 12.2: whatever reorders the queue, the detail, the highlighted row and what `a` acts on
    are the same signal, and that row is on screen."""
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        tab = app.query_one(SignalsTab)
        table = app.query_one("#signals-table", VimTable)
        await pilot.press("j")
        await settle(pilot)
        assert table.cursor_key == "2"
        connect(store).execute(
            "UPDATE signals SET score = 0.5, updated = updated + 1 WHERE id = 3"
        )  # #3 to the top
        tab.reload()
        await settle(pilot)
        assert [str(k.value) for k in table.rows] == ["3", "1", "2"]
        assert table.cursor_key == "2"
        top = int(table.scroll_y)
        assert top <= table.cursor_row < top + table.size.height - 1  # visible (below the header)
        assert "Highest temperature in NYC on January 16? 30-31°F" in rendered_text(
            app.query_one("#signal-detail")
        )
        await pilot.press("a")
        await settle(pilot)
        assert "Approve signal #2?" in modal_text(app)


async def test_a_signal_that_is_not_validated_asks_for_a_size(make_app: AppFactory, store: Path) -> None:
    """Issue 12.3: the row shows a $0.00 stake; approving asks how much, then shows that fill."""
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        app.query_one("#signals-table", VimTable).move_to_key("3")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        shown = modal_text(app)
        assert "Not validated: pmtui sizes it at zero. Enter a size in dollars to buy anyway." in shown
        assert isinstance(app.focused, Input)
        await pilot.press("y")  # typed into the size field: nothing is approved by a stray key
        await settle(pilot)
        assert status(store, 3) == "pending"
        app.focused.value = ""
        await pilot.press(*"20", "enter")
        await settle(pilot)
        shown = modal_text(app)
        assert (
            "Buy No [/]: 21.28 shares @ 94.0¢ · fee $0.00 · cost $20.00 · size set by the size you gave"
            in shown
        )
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 3) == "approved"
        cost = (
            connect(store)
            .execute("SELECT cost_micros FROM paper_positions WHERE signal_id = 3")
            .fetchone()[0]
        )
        assert 19_990_000 < cost <= 20_000_000
        assert "#3 filled: 21.28 No [/] @ 94.0¢ for $20.00 incl. fee $0.00" in messages(app)[-1]


async def test_a_price_that_moved_against_the_trader_is_refused(make_app: AppFactory, store: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        set_no_ask(store, "103", 0.85)  # 82¢ when the signal was made: 3¢ against the trader
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, FillModal)
        assert (
            "the price moved against you from 82.0¢ to 85.0¢ (+3.0¢, more than the 1¢ tolerance)"
            in messages(app)[-1]
        )
        assert status(store, 1) == "pending"
        # Within the tolerance it fills, at the new price; a move after the dialog is checked again.
        set_no_ask(store, "103", 0.825)
        await pilot.press("a")
        await settle(pilot)
        assert "price you saw 82.0¢, now 82.5¢" in modal_text(app)
        set_no_ask(store, "103", 0.845)  # moves 2¢ more while the dialog is open
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 1) == "pending"
        assert "moved against you from 82.5¢ to 84.5¢" in messages(app)[-1]
        set_no_ask(store, "103", 0.825)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 1) == "approved"
        price = connect(store).execute("SELECT price_micros FROM paper_fills").fetchone()[0]
        assert price == 825_000


async def test_bulk_dialogs_list_each_signal_and_the_total(make_app: AppFactory, store: Path) -> None:
    """Issue 12.5: not `#1, #2`, but each question, side, price and stake, and the total."""
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        await pilot.press("space", "space", "space")  # marks 1, 2 and 3
        await pilot.press("A")
        await settle(pilot)
        shown = modal_text(app)
        assert "Approve 3 signals?" in shown
        assert "Will Bitcoin reach $200,000 by March 31?" in shown
        assert "Highest temperature in NYC on January 16? 30-31°F" in shown
        assert "Will [bold]X[/] win? [link=x]" in shown  # literally
        assert "Total 2 fills: $18.50 (fees $0.00) · 1 refused, left pending" in shown
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        listing = "\n".join(static_text(w) for w in app.screen.query(Static))
        assert "#1 buy No @ 82.0¢, stake $12.50 · Will Bitcoin reach $200,000 by March 31?" in listing
        assert "Total stake $18.50" in listing
        await pilot.press("n")
        await settle(pilot)
        assert {status(store, i) for i in (1, 2, 3)} == {"pending"}


async def test_first_visit_after_the_queue_changed_unseen(make_app: AppFactory, store: Path) -> None:
    """Issue 12.2, as reported: signals arrive and reorder while the tab is hidden; on the first
    visit the highlighted row is on screen and it is the one the detail describes."""
    db = connect(store)
    rows = [dict(r) for r in db.query("SELECT * FROM signals WHERE id = 3")]
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        # The Signals tab is built when first shown (a first visit reads everything fresh): shown
        # once, then hidden, it is the tab that reloads unseen below.
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        tab = app.query_one(SignalsTab)
        for wave in range(3):  # the monitor adds signals while the trader looks at Markets
            for k in range(15):
                sid = 100 + wave * 15 + k
                row = {
                    **rows[0],
                    "id": sid,
                    "strategy": f"s{sid}",
                    "score": 0.2 - 0.01 * k - wave,
                    "validated": 1,
                }
                db["signals"].insert(row)
            tab.reload()
            await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#signals-table", VimTable)
        key = table.cursor_key
        assert key is not None
        top = int(table.scroll_y)
        assert top <= table.cursor_row < top + table.size.height - 1
        question = tab.signals[int(key)].question
        assert question in static_text(app.query_one("#signal-detail", Static))
