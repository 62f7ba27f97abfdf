"""Backtests tab: a run from the form (same numbers as `pmtui backtest`), validation, cancel, reopening,
comparing and re-running stored runs. Real SQLite stores: the TUI fixture store plus demo markets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import Input, SelectionList, Static

from pmtui.cli import main
from pmtui.demo.generate import DemoOptions, write_demo
from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.tabs.backtests import BacktestsTab
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import notified, plain, rendered_text, settle
from tests.tui.store_fixture import INJECTION, NOW, build_store

AppFactory = Callable[..., PmtuiApp]
STRATEGIES = ("fade_longshots", "musk_fade_extremes", "baseline_favourite")


@pytest.fixture
def bt_store(tmp_path: Path) -> Path:
    """The TUI fixture store (two hand-made runs) plus 300 generated markets to backtest."""
    path = build_store(tmp_path / "bt.sqlite")
    db = connect(path)
    try:
        write_demo(db, DemoOptions(markets=300, seed=3, now=NOW))
    finally:
        db.conn.close()
    return path


def tab_of(app: PmtuiApp) -> BacktestsTab:
    return app.query_one(BacktestsTab)


def run_ids(path: Path) -> list[str]:
    db = connect(path)
    try:
        return [r[0] for r in db.execute("SELECT run_id FROM backtest_runs ORDER BY created, run_id")]
    finally:
        db.conn.close()


def stored_document(path: Path, run_id: str) -> dict[str, Any]:
    db = connect(path)
    try:
        row = db.execute("SELECT results_json FROM backtest_runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        db.conn.close()
    return dict(json.loads(row[0]))


def metric(app: PmtuiApp, row: str, column: int = 0) -> str:
    """A metric of strategy column `column`, in whichever of the metrics tables it is."""
    table = next(t for t in app.query(".bt-metrics").results(VimTable) if f"c{column}" in t.columns)
    return plain(table.get_cell(row, f"c{column}"))


def headings(app: PmtuiApp) -> list[str]:
    """The strategy columns, across the metrics tables (as many as the width needs), in order."""
    tables = app.query(".bt-metrics").results(VimTable)
    return [plain(c.label) for t in tables for key, c in t.columns.items() if key.value != "metric"]


def text_of(app: PmtuiApp, selector: str) -> str:
    widget = app.query_one(selector, Static)
    return rendered_text(widget) if widget.display else ""


async def open_tab(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)


def pick(app: PmtuiApp, names: tuple[str, ...]) -> None:
    selection = app.query_one("#bt-strategies", SelectionList)
    selection.deselect_all()
    for name in names:
        selection.select(name)


async def type_into(pilot: Pilot[None], field: str, text: str) -> None:
    """Focus a field, clear it and type `text` key by key."""
    field_input = pilot.app.query_one(f"#bt-{field}", Input)
    field_input.focus()
    field_input.value = ""
    await pilot.press(*list(text) if text else [])


def fill(app: PmtuiApp, **fields: str) -> None:
    """Set fields directly (typing is proven once above; this keeps the other tests quick)."""
    for name, text in fields.items():
        app.query_one(f"#bt-{name}", Input).value = text


async def test_a_run_from_the_form_completes_stores_and_shows_cli_numbers(
    make_app: AppFactory, bt_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db_path=bt_store)
    before = run_ids(bt_store)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        pick(app, STRATEGIES)
        await type_into(pilot, "horizon", "24h")
        await type_into(pilot, "cost", "2")  # cents, like every price in the app
        await pilot.press("ctrl+r")
        await settle(pilot)
        new = [r for r in run_ids(bt_store) if r not in before]
        assert len(new) == 1
        run_id = new[0]
        tab = tab_of(app)
        assert not tab.running
        assert tab.open_ids == [run_id]
        assert app.query_one("#bt-runs", VimTable).cursor_key == run_id
        assert f"Done: stored as {run_id}" in text_of(app, "#bt-status")
        header = text_of(app, "#bt-header")
        assert run_id in header and "24h before end" in header and "cost 2¢/share" in header
        assert headings(app) == list(STRATEGIES)
        document = stored_document(bt_store, run_id)
        for column, result in enumerate(document["results"]):
            assert metric(app, "trades", column) == f"{result['trades']:,}"
            n = result["wins"] + result["losses"]
            if n:
                low, high = result["win_rate_ci"]
                expected = f"{result['win_rate'] * 100:.1f}% [{low * 100:.1f}–{high * 100:.1f}] n={n:,}"
                assert metric(app, "win_rate", column) == expected
            assert metric(app, "total_pnl", column) == f"{result['total_pnl']:+.2f}"
        # Demo markets: labelled above the results and in the runs list.
        assert "GENERATED DEMO DATA" in text_of(app, "#bt-demo-banner")
        assert plain(app.query_one("#bt-runs", VimTable).get_cell(run_id, "data")) == "demo"

    # The CLI, given the same options, reports the same numbers.
    monkeypatch.setenv("PMTUI_DB", str(bt_store))
    args = ["backtest", "--horizon", "24h", "--cost", "0.02", "--json", "--no-store"]
    for name in STRATEGIES:
        args += ["--strategy", name]
    cli = json.loads(CliRunner().invoke(main, args, catch_exceptions=False).output)
    assert cli["results"] == document["results"]
    assert cli["config"] == document["config"]
    assert cli["calibration"] == document["calibration"]


async def test_bad_fields_are_shown_inline_and_nothing_runs(make_app: AppFactory, bt_store: Path) -> None:
    app = make_app(db_path=bt_store)
    before = run_ids(bt_store)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        pick(app, ())
        fill(app, horizon="soon", cost="150", max_staleness="3x", date_from="2025-06-01")
        fill(app, date_to="2025-01-01")
        await type_into(pilot, "split", "someday")
        await pilot.press("enter")  # enter in a field runs too
        await settle(pilot)
        assert app.is_running and not tab_of(app).running
        assert run_ids(bt_store) == before
        assert "pick at least one strategy" in text_of(app, "#bt-strategies-error")
        assert '"open"' in text_of(app, "#bt-horizon-error")
        assert "below 100¢" in text_of(app, "#bt-cost-error")
        assert "expected a duration" in text_of(app, "#bt-max_staleness-error")
        assert "not be before From" in text_of(app, "#bt-date_to-error")
        assert "expected a date" in text_of(app, "#bt-split-error")
        assert text_of(app, "#bt-date_from-error") == ""
        assert "fix the 6 fields" in text_of(app, "#bt-status")
        assert app.focused is app.query_one("#bt-strategies")
        # Fixing a field clears its message; the typed text is never lost.
        await type_into(pilot, "cost", "0")
        assert text_of(app, "#bt-cost-error") == ""
        assert app.query_one("#bt-horizon", Input).value == "soon"


async def test_cancel_stops_the_run_and_stores_nothing(make_app: AppFactory, bt_store: Path) -> None:
    app = make_app(db_path=bt_store)
    before = run_ids(bt_store)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        tab = tab_of(app)
        bindings = {b.binding.action for b in app.active_bindings.values() if b.enabled}
        assert "cancel" not in bindings and "run" in bindings
        # Run and cancel in the same tick: the worker thread sees the cancel at its first check.
        tab.start_run()
        assert tab.running
        active = {key: b.binding.action for key, b in app.active_bindings.items() if b.enabled}
        assert active.get("escape") == "cancel" and active.get("c") == "cancel"
        tab.action_cancel()
        await settle(pilot)
        assert not tab.running
        assert "Cancelled: nothing was stored." in text_of(app, "#bt-status")
        assert run_ids(bt_store) == before
        # The next run works.
        pick(app, ("baseline_favourite",))
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(run_ids(bt_store)) == len(before) + 1


async def test_the_latest_run_opens_and_enter_reopens_another(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        runs = app.query_one("#bt-runs", VimTable)
        assert [k.value for k in runs.rows] == ["run-b", "run-a"]  # most recent first
        assert app.focused is runs
        # run-b opened on its own: generated data, 14 trades, too few to trust.
        assert tab_of(app).open_ids == ["run-b"]
        assert "GENERATED DEMO DATA" in text_of(app, "#bt-demo-banner")
        assert "too few trades" in text_of(app, "#bt-warning") and "musk_fade_extremes (13)" in text_of(
            app, "#bt-warning"
        )
        assert metric(app, "warning") == "⚠ too few trades"
        # 13 wins in 13 at cost 0.80 (and a 50-50): no loss seen, yet a loss rate up to 20.6% fits.
        assert metric(app, "verdict") == "no evidence"
        assert metric(app, "zero_losses") == "loss ≤20.6%"
        await pilot.press("j", "enter")
        await settle(pilot)
        assert tab_of(app).open_ids == ["run-a"]
        assert text_of(app, "#bt-demo-banner") == ""
        assert text_of(app, "#bt-warning") == ""
        assert headings(app) == ["fade_longshots"]
        # 395 wins of 412 trades, one void: n = 411 trades with an outcome.
        assert metric(app, "trades") == "412"
        assert metric(app, "win_rate") == "96.1% [93.8–97.6] n=411"
        assert metric(app, "wlv") == "395 / 16 / 1"
        assert metric(app, "skip:no_price") == "412" and metric(app, "skip:stale") == "206"
        # Σ returns: 395 × (1/0.93 − 1) − 16 + (0.5/0.93 − 1) = +13.27; the 95% return interval
        # [+0.007, +0.048] lies above 0: the one verdict of "edge".
        assert metric(app, "total_pnl") == "+13.27"
        assert metric(app, "kelly_pnl") == "+5.31"
        assert metric(app, "mean_return") == "+0.032 [+0.007,+0.048]"
        assert metric(app, "verdict") == "edge" and metric(app, "zero_losses") == ""
        assert metric(app, "warning") == ""
        assert "longshots 7d" in text_of(app, "#bt-header")


async def test_two_marked_runs_compare_side_by_side(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        await pilot.press("v")  # nothing marked: a hint, nothing changes
        await settle(pilot)
        assert tab_of(app).open_ids == ["run-b"]
        await pilot.press("space", "space", "v")  # marks run-b, then run-a (the cursor moved down)
        await settle(pilot)
        assert tab_of(app).marked == ["run-b", "run-a"]
        assert tab_of(app).open_ids == ["run-b", "run-a"]
        assert headings(app) == ["A musk_fade_extremes", "B fade_longshots"]
        assert metric(app, "trades", 0) == "14" and metric(app, "trades", 1) == "412"
        assert metric(app, "warning", 0) == "⚠ too few trades" and metric(app, "warning", 1) == ""
        header = text_of(app, "#bt-header")
        assert header.index("A run-b") < header.index("B run-a")
        assert text_of(app, "#bt-demo-banner").startswith(" A: GENERATED DEMO DATA")


async def test_rerun_loads_the_config_into_the_form_and_runs_it_again(
    make_app: AppFactory, bt_store: Path
) -> None:
    app = make_app(db_path=bt_store)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        pick(app, ("fade_longshots", "baseline_longshot"))
        fill(app, horizon="2d", category="Crypto", split="2026-01-01")
        await pilot.press("ctrl+r")
        await settle(pilot)
        first = tab_of(app).open_ids[0]
        assert any("<2026-01-01" in h for h in headings(app))  # the split's before/after columns
        # Reset the form, then load the run back into it with `r` on its row.
        pick(app, ("baseline_yes",))
        fill(app, horizon="open", category="", split="")
        app.query_one("#bt-runs", VimTable).focus()
        assert app.query_one("#bt-runs", VimTable).cursor_key == first
        await pilot.press("r")
        await settle(pilot)
        form = tab_of(app).form_values()
        assert form.strategies == ("fade_longshots", "baseline_longshot")
        assert (form.horizon, form.cost, form.max_staleness) == ("2d", "1", "3d")
        assert (form.category, form.split, form.date_from) == ("Crypto", "2026-01-01", "")
        assert f"Loaded from {first}" in text_of(app, "#bt-carried")
        assert app.focused is app.query_one("#bt-run")
        await pilot.press("enter")  # the Run button
        await settle(pilot)
        second = tab_of(app).open_ids[0]
        assert second != first
    one, two = stored_document(bt_store, first), stored_document(bt_store, second)
    assert one["config"] == two["config"]
    assert one["results"] == two["results"]


async def test_rerun_of_an_old_style_config_says_what_it_lacks(make_app: AppFactory) -> None:
    """run-a was stored with strategy names only and no staleness: the form takes what is there."""
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        await pilot.press("j", "r")
        await settle(pilot)
        form = tab_of(app).form_values()
        assert form.strategies == ("fade_longshots",)
        assert (form.horizon, form.cost, form.max_staleness) == ("7d", "1", "")
        note = " ".join(text_of(app, "#bt-carried").split())
        assert "Staleness: not in the stored run (empty = your default)" in note


async def test_help_and_palette_list_the_backtests_keys(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        text = "\n".join(rendered_text(w) for w in app.screen.query("Static"))
        assert "4 Backtests" in text and "Run backtest" in text and "Compare marked" in text
        await pilot.press("escape")
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Go to Backtests" in commands and "Backtests: Re-run (to form)" in commands
        # From another tab, before the Backtests tab was ever shown (its widgets are built on demand).
        assert not app.query("#bt-strategies")
        commands["Backtests: Compare marked"].callback()
        await settle(pilot)
        assert app.query_one("#tabs").active == "backtests"  # type: ignore[attr-defined]
        assert tab_of(app).open_ids == ["run-b"]
        assert any("Mark two runs" in n.message for n in notified(app))  # the action ran


async def test_stored_names_and_labels_are_shown_literally(make_app: AppFactory, store: Path) -> None:
    """A label or strategy name full of Rich markup shows character for character; a strategy that
    is no longer registered is named when its run is loaded into the form."""
    db = connect(store)
    try:
        result = {
            "strategy": "[red]gone[/]",
            "trades": 40,
            "wins": 30,
            "losses": 10,
            "voids": 0,
            "win_rate": 0.75,
        }
        db["backtest_runs"].insert(
            {
                "run_id": "run-c",
                "created": NOW,
                "config_json": json.dumps({"strategies": [{"name": "[red]gone[/]"}], "horizon": "7d"}),
                "results_json": json.dumps({"results": [result], "calibration": []}),
                "generated_data": 0,
                "label": INJECTION,
            }
        )
    finally:
        db.conn.close()
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        assert tab_of(app).open_ids == ["run-c"]
        assert INJECTION in text_of(app, "#bt-header")
        assert headings(app) == ["[red]gone[/]"]
        assert metric(app, "win_rate") == "75.0% n=40"
        await pilot.press("r")
        await settle(pilot)
        note = " ".join(text_of(app, "#bt-carried").split())
        assert "no longer registered, left out: [red]gone[/]" in note
        assert tab_of(app).form_values().strategies == ()


@pytest.mark.parametrize("size", [(80, 24), (120, 35)], ids=["80x24", "120x35"])
async def test_compare_fits_the_width_without_sideways_scrolling(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    """Issue 12.13: the compare view needed horizontal scroll; columns that do not fit now go to
    another table below, and every metric is still there."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_tab(pilot)
        await pilot.press("space", "space", "v")
        await settle(pilot)
        assert headings(app) == ["A musk_fade_extremes", "B fade_longshots"]
        tables = list(app.query(".bt-metrics").results(VimTable))
        for table in tables:
            assert table.virtual_size.width <= table.size.width, (table.id, table.virtual_size, table.size)
            assert table.size.height > 1  # shown, with its rows
        assert metric(app, "trades", 1) == "412" and metric(app, "trades", 0) == "14"
