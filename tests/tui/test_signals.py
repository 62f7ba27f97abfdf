"""Signals tab: the review queue decided from the keyboard, through pmtui.signals.queue."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.context import TuiContext
from pmtui.tui.tabs.signals import SignalsTab
from pmtui.tui.widgets.fill_modal import FillModal
from pmtui.tui.widgets.modals import NoteModal
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import notified, plain, quiet_settings, record_notifications, rendered_text, settle
from tests.tui.store_fixture import NOW, add_validating_runs, build_store

AppFactory = Callable[..., PmtuiApp]


class SteppingClock:
    """A clock the test moves forward by hand."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def db_of(path: Path) -> Database:
    return connect(path)


def status(path: Path, signal_id: int) -> str:
    return str(db_of(path)["signals"].get(signal_id)["status"])


def shown_ids(app: PmtuiApp) -> list[str]:
    return [str(key.value) for key in app.query_one("#signals-table", VimTable).rows]


async def open_signals(pilot: object) -> None:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("3")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_pending_best_first_with_estimates(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        assert app.focused is app.query_one("#signals-table")
        assert shown_ids(app) == ["1", "2", "3"]  # scores 0.08, 0.04, then the unvalidated one
        table = app.query_one("#signals-table", VimTable)
        # The estimate with the similar trades behind it: ✓ staked, ✗ not (the detail says why).
        assert plain(table.get_cell("1", "win")) == "91.0% n=412 ✓"
        assert plain(table.get_cell("3", "win")) == "92.0% n=12 ✗"
        assert plain(table.get_cell("1", "stake")) == "$12.50"
        assert plain(table.get_cell("1", "edge")) == "+8.0¢"
        detail = rendered_text(app.query_one("#signal-detail"))
        assert "Estimate win 91.0% [88.0%–93.0%] from 412 similar trades of run-a" in detail
        assert "Verdict edge: return [+6.0%, +12.0%] on 412 similar trades" in detail
        await pilot.press("j", "j")
        await settle(pilot)
        detail = rendered_text(app.query_one("#signal-detail"))
        assert (
            "too few similar trades (12 < 30): return [-31.6%, +4.2%] on 12 similar trades: sized at zero"
            in detail
        )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """The fixture store with backtests that may speak for signals #1 and #2 (they re-validate)."""
    path = build_store(tmp_path / "pmtui.sqlite")
    add_validating_runs(path)
    return path


async def test_a_approves_in_the_store_and_u_undoes(make_app: AppFactory, store: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FillModal)  # the fill is shown first
        assert status(store, 1) == "pending"
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 1) == "approved"
        decision = next(db_of(store).query("SELECT * FROM signal_decisions WHERE signal_id = 1"))
        assert decision["action"] == "approve" and decision["decided_by"] == "tui"
        assert shown_ids(app) == ["2", "3"]
        assert app.query_one("#signals-table", VimTable).cursor_key == "2"
        await pilot.press("u")
        await settle(pilot)
        assert status(store, 1) == "pending"
        assert shown_ids(app) == ["1", "2", "3"]


async def test_undo_is_refused_after_the_window(store: Path) -> None:
    clock = SteppingClock(NOW)
    app = record_notifications(
        PmtuiApp(TuiContext(settings=quiet_settings(store), clock=clock, rest_delay=0, offline=True))
    )
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 1) == "approved"
        clock.at += app.ctx.settings.signals.undo_window + 1
        await pilot.press("u")
        await settle(pilot)
        assert status(store, 1) == "approved"
        assert any("too late to undo" in n.message for n in notified(app))


async def test_r_rejects_with_a_note(make_app: AppFactory, store: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        await pilot.press("j", "r")
        await settle(pilot)
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*"thin book", "enter")
        await settle(pilot)
        row = db_of(store)["signals"].get(2)
        assert row["status"] == "rejected" and row["note"] == "thin book"
        # escape in the note dialog decides nothing
        await pilot.press("r", "escape")
        await settle(pilot)
        assert status(store, 1) == "pending"


async def test_a_note_typed_right_after_r_is_the_note(make_app: AppFactory, store: Path) -> None:
    """`rthin book` in one read: every key after `r` is the note. Before, they reached the table:
    `a` asked to approve the very signal being rejected."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        await pilot.press("j")
        await settle(pilot)
        for char in "rthin a":
            key = "space" if char == " " else char
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert isinstance(app.screen, NoteModal)
        assert app.screen.query_one("#note-input").value == "thin a"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        row = db_of(store)["signals"].get(2)
        assert row["status"] == "rejected" and row["note"] == "thin a"
        assert status(store, 1) == "pending"


async def test_marked_signals_are_decided_after_confirmation(make_app: AppFactory, store: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        await pilot.press("space", "space")  # marks 1 and 2, cursor moves down each time
        await settle(pilot)
        assert app.query_one(SignalsTab).marked == {1, 2}
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, FillModal)
        await pilot.press("n")
        await settle(pilot)
        assert status(store, 1) == status(store, 2) == "pending"
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert status(store, 1) == status(store, 2) == "approved"
        assert status(store, 3) == "pending"
        assert shown_ids(app) == ["3"]


async def test_decided_and_expired_one_key_away(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await open_signals(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert shown_ids(app) == ["4"]
        assert "note: small size" in rendered_text(app.query_one("#signal-detail"))
        # approving an already decided signal is refused by the queue, with its reason
        await pilot.press("a")
        await settle(pilot)
        assert any("already approved" in n.message for n in notified(app))
        await pilot.press("e")
        await settle(pilot)
        assert shown_ids(app) == ["5"]
        assert "YES rose to 48¢" in rendered_text(app.query_one("#signal-detail"))
        await pilot.press("p")
        await settle(pilot)
        assert shown_ids(app) == ["1", "2", "3"]


async def test_strategy_filter(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        await pilot.press("f")
        await settle(pilot)
        options = app.screen.query_one("OptionList")
        index = next(
            i
            for i in range(options.option_count)
            if options.get_option_at_index(i).id == "weather_fade_longshots"
        )
        options.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        assert shown_ids(app) == ["2"]


async def test_due_signals_expire_when_the_tab_reads_the_queue(store: Path) -> None:
    app = PmtuiApp(
        TuiContext(
            settings=quiet_settings(store), clock=SteppingClock(NOW + 4 * 3600), rest_delay=0, offline=True
        )
    )
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        assert shown_ids(app) == []
        assert status(store, 1) == "expired"
        shown = rendered_text(app.query_one("#signal-detail"))
        # Offline nothing proposes signals in the app: the empty queue says how to get some.
        assert "No pending signals, and the live monitor is off" in shown
        assert "`pmtui signals` in a shell" in shown


async def test_untrusted_text_in_signals_is_literal(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_signals(pilot)
        app.query_one("#signals-table", VimTable).move_to_key("3")
        await settle(pilot)
        detail = rendered_text(app.query_one("#signal-detail"))
        assert "Will [bold]X[/] win? [link=x]" in detail
        assert "[bold]longshot[/] fade" in detail
        assert "Buy No [/]" in detail


def test_settings_are_not_mutated() -> None:
    # quiet_settings builds a fresh frozen Settings each time (tests above rely on it)
    assert dataclasses.is_dataclass(quiet_settings(Path("x")))
