"""TUI test helpers: a fixture store, settings with background jobs off, a fixed clock, settling."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.geometry import Region
from textual.notifications import Notification, Notifications
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

from pmtui.config import DatabaseSettings, LiveSettings, Settings, UiSettings
from pmtui.tui.app import PmtuiApp
from pmtui.tui.clock import fixed_clock
from pmtui.tui.context import TuiContext
from tests.tui.store_fixture import NOW, build_store


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_store(tmp_path / "pmtui.sqlite")


def quiet_settings(db_path: Path, **ui: object) -> Settings:
    """Background jobs and live books off, a refresh interval long enough never to fire in a test."""
    base = UiSettings(run_collector=False, run_monitor=False, refresh_interval=3600)  # type: ignore[arg-type]
    return Settings(
        database=DatabaseSettings(path=db_path),
        ui=dataclasses.replace(base, **ui),
        live=LiveSettings(enabled=False),
    )


@pytest.fixture
def make_app(store: Path) -> Callable[..., PmtuiApp]:
    def build(db_path: Path | None = None, watch: float = 0, **ui: object) -> PmtuiApp:
        """`watch`: seconds between the app's store-change checks; 0 (off) unless the test writes to
        the store behind the app's back and wants it to notice."""
        settings = quiet_settings(db_path or store, **ui)
        # Offline: approvals price from the store, never from the network.
        context = TuiContext(
            settings=settings, clock=fixed_clock(NOW), rest_delay=0, watch_interval=watch, offline=True
        )
        return record_notifications(PmtuiApp(context))

    return build


def record_notifications(app: PmtuiApp) -> PmtuiApp:
    """Keep every notification the app shows, in order, on `notified(app)`: a toast on screen
    expires after its timeout, which a test on a loaded machine can outlast before it looks."""
    shown: list[Notification] = []
    add = app._notifications.add

    def add_and_record(notification: Notification) -> Notifications:
        shown.append(notification)
        return add(notification)

    app._notifications.add = add_and_record  # type: ignore[method-assign]
    app._notifications.shown_in_test = shown  # type: ignore[attr-defined]
    return app


def notified(app: PmtuiApp) -> list[Notification]:
    """Every notification `app` showed since it was built; the app must come from
    `record_notifications` (as `make_app`'s do)."""
    assert hasattr(app._notifications, "shown_in_test"), "build the app with record_notifications()"
    return app._notifications.shown_in_test  # type: ignore[attr-defined,no-any-return]


async def settle(pilot: Pilot[None], rounds: int = 2) -> None:
    """Let timers fire and every worker finish, until the app is quiet."""
    app = pilot.app
    quiet = 0
    for _ in range(200):
        await pilot.pause(0.01)
        # Superseded (exclusive) or failed workers raise here; the app reports those itself.
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()
        # A worker not started yet (pending: its thread waits for a CPU on a loaded machine) is busy.
        busy = any(worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= rounds:
            return


def rendered_text(widget: Widget) -> str:
    """What a widget shows on screen, as plain text lines."""
    width, height = widget.outer_size
    strips = widget.render_lines(Region(0, 0, width, height))
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)
