"""The first screen does only what it shows (issue 14): the Markets tab alone is imported and built,
the other tabs when first shown, hidden tabs do no work, and the start path imports neither the
core packages the other tabs use nor sqlite-utils."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pmtui.store import connect, write_tx
from pmtui.tui.app import PmtuiApp
from pmtui.tui.tabs.base import TabView
from tests.tui.conftest import settle
from tests.tui.store_fixture import NOW

AppFactory = Callable[..., PmtuiApp]
ROOT = Path(__file__).resolve().parents[2]


def test_the_start_path_imports_only_what_the_first_screen_needs() -> None:
    script = (
        "import json, sys; import pmtui.tui.app, pmtui.tui.tabs.markets; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pmtui', 'sqlite_utils', 'plotext', "
        "'numpy')))))"
    )
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", script], cwd=ROOT, text=True)))
    for heavy in ("pmtui.paper", "pmtui.signals", "pmtui.taxonomy", "pmtui.backtest", "pmtui.strategies"):
        assert not any(m == heavy or m.startswith(heavy + ".") for m in loaded), (heavy, sorted(loaded))
    for other_tab in ("clusters", "signals", "backtests", "paper"):
        assert f"pmtui.tui.tabs.{other_tab}" not in loaded
    assert "sqlite_utils" not in loaded and "plotext" not in loaded and "numpy" not in loaded


async def test_tabs_are_built_when_first_shown(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert [view.id for view in app.query(TabView)] == ["markets-tab"]
        await pilot.press("3")
        await settle(pilot)
        assert {view.id for view in app.query(TabView)} == {"markets-tab", "signals-tab"}
        assert app.query_one("#signals-table").row_count == 3  # built, started and read
        assert app.focused is app.query_one("#signals-table")


async def test_a_hidden_tab_does_no_work_until_shown(make_app: AppFactory, store: Path) -> None:
    """The Signals tab's periodic re-read (which also expires due signals) waits while it is hidden,
    and catches up when shown."""
    app = make_app(refresh_interval=1)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        db = connect(store)
        with write_tx(db):
            db.execute("UPDATE signals SET expires = ? WHERE id = 1", [NOW - 10])
        db.conn.close()
        reads: list[str] = []
        app.query_one("#signals-tab", TabView).reload = lambda: reads.append("read")  # type: ignore[method-assign]
        await pilot.pause(2.5)
        assert reads == []  # two ticks passed while hidden
        await pilot.press("3")
        await pilot.pause(0.2)
        assert reads  # shown: it reads at once


async def test_every_tab_key_from_every_tab(make_app: AppFactory) -> None:
    """Keys move between tabs whatever was built before (switching away from a tab that focuses
    its table when shown used to bounce back to it)."""
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        for key, tab in [("4", "backtests"), ("5", "paper"), ("4", "backtests"), ("2", "clusters"), ("3", "signals"),
                         ("5", "paper"), ("1", "markets"), ("4", "backtests")]:  # fmt: skip
            await pilot.press(key)
            await settle(pilot)
            assert app.query_one("#tabs").active == tab  # type: ignore[attr-defined]
            focused = app.focused
            assert focused is not None and app.query_one(f"#{tab}") in focused.ancestors, (tab, focused)
