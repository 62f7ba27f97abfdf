"""Snapshots of every tab at 120x35 and 80x24 (fixed clock, background jobs off, fixture store)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from pmtui.tui.app import PmtuiApp
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import settle
from tests.tui.paper_fixture import add_paper_book
from tests.tui.store_fixture import add_validating_runs

SIZES = [(120, 35), (80, 24)]
AppFactory = Callable[..., PmtuiApp]


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
def test_markets_tab(snap_compare: Any, make_app: AppFactory, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.query_one("#markets-table", VimTable).move_to_key("101")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
def test_markets_markup_injection_title(
    snap_compare: Any, make_app: AppFactory, size: tuple[int, int]
) -> None:
    """`Will [bold]X[/] win? [link=x]` appears character for character in the row and the detail."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.query_one("#markets-table", VimTable).move_to_key("401")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_help_screen(snap_compare: Any, make_app: AppFactory) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 35), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
def test_clusters_tab(snap_compare: Any, make_app: AppFactory, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("G", "l")  # Weather/Temperature, the last category
        await settle(pilot)
        await pilot.press("j", "l", "j")  # its cluster, opened, cursor on the first bucket
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
def test_signals_tab(snap_compare: Any, make_app: AppFactory, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("space")  # one marked signal, cursor on the second
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_signals_unvalidated_and_markup(snap_compare: Any, make_app: AppFactory) -> None:
    """The unvalidated strategy says so; its market's bracketed title and rationale are literal."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 35), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
def test_fill_confirmation(snap_compare: Any, make_app: AppFactory, size: tuple[int, int]) -> None:
    """`a`: the fill before anything is bought: market in full, side, shares, price, fee, cost, the
    limit that set the size, the estimate's verdict."""

    async def run_before(pilot: Pilot[None]) -> None:
        add_validating_runs(pilot.app.ctx.store_path)  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_bulk_fill_confirmation(snap_compare: Any, make_app: AppFactory) -> None:
    """`A` on three marked signals: each fill, the one that needs a size refused, the total."""

    async def run_before(pilot: Pilot[None]) -> None:
        add_validating_runs(pilot.app.ctx.store_path)  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("space", "space", "space", "A")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 35), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
def test_backtests_tab(snap_compare: Any, make_app: AppFactory, size: tuple[int, int]) -> None:
    """The latest stored run opens on its own: generated data, too few trades; the form and past runs."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_backtests_compare(snap_compare: Any, make_app: AppFactory) -> None:
    """Two runs marked and compared: A and B columns side by side, the demo one labelled."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("space", "space", "v")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 35), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x35", "80x24"])
@pytest.mark.parametrize("view", ["e", "f", "c"], ids=["equity", "forward", "closed"])
def test_paper_tab(
    snap_compare: Any, make_app: AppFactory, store: Path, size: tuple[int, int], view: str
) -> None:
    """Open positions (one on the markup-injection market, one on demo data) above the chosen view."""
    add_paper_book(store)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press(view)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_paper_close_confirmation(snap_compare: Any, make_app: AppFactory, store: Path) -> None:
    add_paper_book(store)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
