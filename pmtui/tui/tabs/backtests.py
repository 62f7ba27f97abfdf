"""Backtests tab: a form to run a backtest, the stored runs to reopen, compare or re-run, the results.

A run goes through `pmtui.backtest.runner.run_backtest_at` (what `pmtui backtest` calls, on the
worker's own connection) in a thread worker; the core reports progress through a callback and checks
a `threading.Event` between chunks, so `escape` stops it with nothing stored. Results are always read
back from the store, so a fresh run and a reopened one look the same.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, ProgressBar, SelectionList, Static

from pmtui.backtest.config import BacktestConfig, available_strategy_names
from pmtui.strategies.registry import all_strategies
from pmtui.tui import formatting as fmt
from pmtui.tui.backtest_form import (
    FIELDS,
    GENERAL,
    STRATEGIES,
    Carried,
    FormValues,
    default_values,
    parse_form,
    values_from_stored,
)
from pmtui.tui.context import TuiContext
from pmtui.tui.queries import open_store
from pmtui.tui.queries.backtests import LoadedRun, read_run, read_runs
from pmtui.tui.tabs.base import TabView
from pmtui.tui.widgets.backtest_results import BacktestResults, Shown
from pmtui.tui.widgets.checklist import CheckList
from pmtui.tui.widgets.table import VimTable

if TYPE_CHECKING:
    from pmtui.backtest.runs import RunSummary  # numpy and the engine: not on the first screen's path

log = logging.getLogger("pmtui.tui.backtests")


def runs_summary(run: RunSummary) -> Text:
    if len(run.strategies) == 1:
        name = run.strategies[0]
        return Text(f"{name} ({run.trades.get(name, 0):,})")
    total = sum(run.trades.values())
    return Text(f"{len(run.strategies)} strategies ({total:,})")


class BacktestsTab(TabView):
    """Tab 4: run, reopen, compare and re-run backtests."""

    WATCHES = frozenset({"backtests"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run backtest"),
        Binding("escape,c", "cancel", "Cancel run"),
        Binding("o", "open", "Open run", show=False),
        Binding("space", "toggle_mark", "Mark"),
        Binding("v", "compare", "Compare marked"),
        Binding("r", "rerun", "Re-run (to form)"),
        Binding("f", "focus_form", "Form", show=False),
    ]

    @dataclass
    class RunsLoaded(Message):
        runs: list[RunSummary]
        select: str | None
        """Put the cursor on this run once shown (a run that just finished)."""

    @dataclass
    class RunsOpened(Message):
        seq: int
        shown: list[Shown]
        missing: list[str]

    @dataclass
    class FormLoaded(Message):
        run: LoadedRun | None
        run_id: str

    @dataclass
    class Progress(Message):
        fraction: float
        text: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, BacktestsTab.Progress)

    @dataclass
    class Finished(Message):
        run_id: str | None
        error: str | None = None
        cancelled: bool = False

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(ctx, id=id)
        self.runs: dict[str, RunSummary] = {}
        self.marked: list[str] = []
        self.open_ids: list[str] = []
        """What the results show: one run, or two compared."""
        self.carried: Carried | None = None
        self.running = False
        self._cancel: threading.Event | None = None
        self._seq = 0
        self._left_width = 0
        self._ready = self._shown = self._loaded = False
        self._built = False
        self._build_done = asyncio.Event()

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Empty until the tab is first shown (see `_ensure_built`): its ~50 widgets would otherwise
        # slow the app's first screen, which is the Markets tab.
        if not self._built:
            return
        registered = set(all_strategies())
        values = default_values(self.ctx.settings, tuple(registered))
        with Horizontal(id="bt-body"):
            with Vertical(id="bt-left"):
                with VerticalScroll(id="bt-form"):
                    yield Static(Text("New run · space picks"), classes="hint")
                    yield CheckList(
                        *[(Text(name), name, name in registered) for name in available_strategy_names()],
                        id="bt-strategies",
                        compact=True,
                    )
                    yield Static("", id="bt-strategies-error", classes="bt-error")
                    for name, label, placeholder in FIELDS:
                        with Horizontal(classes="bt-field"):
                            yield Label(label, classes="bt-label")
                            yield Input(
                                values.text(name), placeholder=placeholder, id=f"bt-{name}", compact=True
                            )
                        yield Static("", id=f"bt-{name}-error", classes="bt-error")
                    yield Static("", id=f"bt-{GENERAL}-error", classes="bt-error")
                    yield Static("", id="bt-carried", classes="hint")
                # Outside the scrolling form: the progress of a run is always in view.
                with Horizontal(id="bt-run-row"):
                    yield Button(Text("Run ^r"), id="bt-run", compact=True, variant="primary")
                    yield ProgressBar(total=100, show_eta=False, id="bt-progress")
                yield Static("", id="bt-status")
                yield Static(Text("Past runs  enter opens"), id="bt-runs-title")
                yield VimTable(id="bt-runs")
            yield BacktestResults(id="bt-results")

    async def _ensure_built(self) -> None:
        """Compose the tab's widgets once; every action awaits this (the palette can run one before
        the tab was ever shown)."""
        if self._built:
            await self._build_done.wait()
            return
        self._built = True
        await self.recompose()
        for error in self.query(".bt-error"):
            error.display = False
        self.query_one("#bt-carried").display = False
        self._build_done.set()
        self.runs_table.focus()
        self._first_load()

    @property
    def runs_table(self) -> VimTable:
        return self.query_one("#bt-runs", VimTable)

    @property
    def results(self) -> BacktestResults:
        return self.query_one(BacktestResults)

    def start(self) -> None:
        self._ready = True
        self._first_load()

    async def on_show(self) -> None:
        self._shown = True
        await self._ensure_built()
        if self._loaded:
            self.reload_runs()  # runs stored meanwhile (e.g. by `pmtui backtest`) appear
        else:
            self._first_load()

    def _first_load(self) -> None:
        # Nothing is read until the tab is first shown: the app's first screen does not wait for it.
        if self._ready and self._shown and self._build_done.is_set() and not self._loaded:
            self._loaded = True
            self.reload_runs()

    def on_unmount(self) -> None:
        # A running backtest stops at its next check when the app quits (nothing half-stored).
        if self._cancel is not None:
            self._cancel.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.running
        if action == "run":
            return None if self.running else True
        return True

    # --- past runs --------------------------------------------------------------------------------

    def reload_changed(self) -> None:
        if self._loaded:
            self.reload_runs()  # a run stored by `pmtui backtest` (or this tab) appears

    def reload_runs(self, select: str | None = None) -> None:
        self.run_in_thread(
            partial(self._read_runs, select),
            group="bt-runs",
            description="Reading backtest runs",
            exclusive=True,
        )

    def _read_runs(self, select: str | None) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            runs = read_runs(db)
        self.post_message(self.RunsLoaded(runs, select))

    @on(RunsLoaded)
    def _runs_loaded(self, message: RunsLoaded) -> None:
        message.stop()
        first_time = not self.runs and not self.open_ids
        self.runs = {r.run_id: r for r in message.runs}
        self.marked = [m for m in self.marked if m in self.runs]
        self._fill_runs(message.runs)
        table = self.runs_table
        if message.select is not None and table.move_to_key(message.select):
            self.open_runs([message.select])
        elif first_time and message.runs:
            self.open_runs([message.runs[0].run_id])
        elif not message.runs:
            self.results.query_one("#bt-header", Static).update(
                Text("No stored runs yet. Pick strategies on the left and press ctrl+r.")
            )

    def _fill_runs(self, runs: Sequence[RunSummary]) -> None:
        table = self.runs_table
        keep = table.cursor_key
        table.clear(columns=True)
        columns = self._run_columns()
        for key, label, width in columns:
            table.add_column(Text(label), key=key, width=width)
        widths = dict((key, width) for key, _, width in columns)
        for run in runs:
            cells = self._run_cells(run, widths["strategies"])
            table.add_row(*[cells[key] for key, _, _ in columns], key=run.run_id)
        if keep is not None:
            table.move_to_key(keep)

    def _run_columns(self) -> list[tuple[str, str, int]]:
        """(key, heading, width); the horizon column only when the left pane is wide enough."""
        columns = [("mark", " ", 1), ("created", "Created UTC", 11)]
        if self._wide:
            columns.append(("horizon", "Hor.", 4))
        columns += [("strategies", "Strategies", 10), ("data", "Data", 4)]
        # 2 cells of padding per column, 1 for the border and 1 for the scrollbar.
        used = sum(width + 2 for _, _, width in columns) + 2
        left = self.query_one("#bt-left").size.width or 44
        columns[-2] = ("strategies", "Strategies", max(8, 10 + left - used))
        return columns

    @property
    def _wide(self) -> bool:
        return (self.query_one("#bt-left").size.width or 44) >= 40

    def _run_cells(self, run: RunSummary, width: int) -> dict[str, Text]:
        import datetime as dt

        created = dt.datetime.fromtimestamp(run.created, tz=dt.UTC).strftime("%m-%d %H:%M")
        data = Text("demo", style="bold black on yellow") if run.generated_data else Text("real", style="dim")
        return {
            "mark": Text("✓" if run.run_id in self.marked else " ", style="bold green"),
            "created": Text(created),
            "horizon": fmt.literal(run.horizon or fmt.DASH),
            "strategies": fmt.clip(runs_summary(run), width),
            "data": data,
        }

    def on_resize(self) -> None:
        # Also runs when the tab is first shown: a hidden tab has no width to lay columns out in.
        if not self._build_done.is_set():
            return
        width = self.query_one("#bt-left").size.width
        if self.runs and width != self._left_width:
            self._left_width = width
            self._fill_runs(list(self.runs.values()))

    @on(DataTable.RowSelected, "#bt-runs")
    def _run_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_runs([str(event.row_key.value)])

    @on(DataTable.RowSelected, "#bt-metrics")
    def _metric_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()

    async def action_open(self) -> None:
        await self._ensure_built()
        key = self.runs_table.cursor_key
        if key is None:
            self.app.notify("No stored runs yet.", timeout=3)
            return
        self.open_runs([key])

    async def action_toggle_mark(self) -> None:
        await self._ensure_built()
        key = self.runs_table.cursor_key
        if key is None:
            return
        if key in self.marked:
            self.marked.remove(key)
        else:
            self.marked.append(key)
            if len(self.marked) > 2:  # comparing is pairwise: the oldest mark makes way
                self.marked.pop(0)
        for run_id in self.runs:
            mark = Text("✓" if run_id in self.marked else " ", style="bold green")
            self.runs_table.update_cell(run_id, "mark", mark)
        self.runs_table.action_cursor_down()

    async def action_compare(self) -> None:
        await self._ensure_built()
        pair = list(self.marked)
        cursor = self.runs_table.cursor_key
        if len(pair) == 1 and cursor is not None and cursor not in pair:
            pair.append(cursor)
        if len(pair) != 2:
            self.app.notify("Mark two runs with space, then press v to compare them.", timeout=4)
            return
        self.open_runs(pair)

    def open_runs(self, run_ids: list[str]) -> None:
        self._seq += 1
        work = partial(self._read_open, self._seq, run_ids)
        self.run_in_thread(work, group="bt-open", description="Reading a backtest run", exclusive=True)

    def _read_open(self, seq: int, run_ids: list[str]) -> None:
        prefixes = ["A", "B"] if len(run_ids) == 2 else [""]
        shown: list[Shown] = []
        missing: list[str] = []
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            for prefix, run_id in zip(prefixes, run_ids, strict=False):
                run = read_run(db, run_id)
                if run is None:
                    missing.append(run_id)
                else:
                    shown.append((prefix, run))
        self.post_message(self.RunsOpened(seq, shown, missing))

    @on(RunsOpened)
    def _opened(self, message: RunsOpened) -> None:
        message.stop()
        if message.seq != self._seq:
            return
        for run_id in message.missing:
            self.app.notify(f"Run {run_id} is no longer stored.", severity="warning", markup=False)
        if not message.shown:
            return
        self.open_ids = [run.run_id for _, run in message.shown]
        self.results.show(message.shown)

    # --- the form ---------------------------------------------------------------------------------

    def form_values(self) -> FormValues:
        strategies = tuple(self.query_one("#bt-strategies", SelectionList).selected)
        texts = {name: self.query_one(f"#bt-{name}", Input).value for name, _, _ in FIELDS}
        return FormValues(strategies=strategies, **texts)

    def set_form(self, values: FormValues) -> None:
        selection = self.query_one("#bt-strategies", SelectionList)
        selection.deselect_all()
        known = set(available_strategy_names())
        for name in values.strategies:
            if name in known:
                selection.select(name)
        for name, _, _ in FIELDS:
            self.query_one(f"#bt-{name}", Input).value = values.text(name)
        self.show_errors({})

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in [STRATEGIES, GENERAL, *(f for f, _, _ in FIELDS)]:
            label = self.query_one(f"#bt-{name}-error", Static)
            problem = errors.get(name)
            label.display = problem is not None
            label.update(Text(f"↑ {problem}" if problem else "", style="bold"))

    async def action_focus_form(self) -> None:
        await self._ensure_built()
        self.query_one("#bt-strategies").focus()

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id and event.input.id.startswith("bt-"):
            label = self.query_one(f"#{event.input.id}-error", Static)
            label.display = False

    @on(SelectionList.SelectedChanged, "#bt-strategies")
    def _strategies_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        self.query_one(f"#bt-{STRATEGIES}-error").display = False

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start_run()

    @on(Button.Pressed, "#bt-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.start_run()

    def _status(self, text: str | Text, style: str = "") -> None:
        line = text if isinstance(text, Text) else Text(text, style=style)
        self.query_one("#bt-status", Static).update(line)

    # --- running ----------------------------------------------------------------------------------

    async def action_run(self) -> None:
        await self._ensure_built()
        self.start_run()

    def start_run(self) -> None:
        """Validate the form and, when it is fine, start the run in a thread worker."""
        if self.running:
            self.app.notify("A backtest is already running (escape cancels it).", timeout=3)
            return
        config, errors = parse_form(self.form_values(), self.ctx.settings, self.carried)
        self.show_errors(errors)
        if config is None:
            self._status(f"Not run: fix the {fmt.plural(len(errors), 'field')} marked above.", "bold red")
            first = next((name for name in [STRATEGIES, *(f for f, _, _ in FIELDS)] if name in errors), None)
            if first is not None:
                self.query_one(f"#bt-{first}").focus()
            return
        self._cancel = threading.Event()
        self.running = True
        self.refresh_bindings()
        self.query_one("#bt-progress", ProgressBar).update(progress=0)
        self._status(
            Text(
                f"Running {len(config.strategies)} strateg{'y' if len(config.strategies) == 1 else 'ies'}… (esc cancels)"
            )
        )
        work = partial(self._run, config, self._cancel)
        self.run_in_thread(work, group="bt-run", description="Backtest")

    def _run(self, config: BacktestConfig, cancel: threading.Event) -> None:
        from pmtui.backtest.runner import BacktestCancelled, run_backtest_at

        def progress(fraction: float, text: str) -> None:
            self.post_message(self.Progress(fraction, text))

        try:
            result = run_backtest_at(self.ctx.store_path, config, progress=progress, cancelled=cancel.is_set)
        except BacktestCancelled:
            self.post_message(self.Finished(None, cancelled=True))
            return
        except Exception as exc:  # reported in the form; the app keeps running
            log.exception("backtest failed")
            self.post_message(self.Finished(None, error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Finished(result.run_id))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        message.stop()
        if not self.running:
            return
        self.query_one("#bt-progress", ProgressBar).update(progress=round(message.fraction * 100, 1))
        if not (self._cancel and self._cancel.is_set()):
            self._status(Text(f"{message.text}… (esc cancels)"))

    def action_cancel(self) -> None:
        """Ask the running backtest to stop at its next check (nothing is stored)."""
        if self._cancel is None or not self.running:
            return
        self._cancel.set()
        self._status("Cancelling…", "yellow")

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        message.stop()
        self.running = False
        self._cancel = None
        self.refresh_bindings()
        bar = self.query_one("#bt-progress", ProgressBar)
        if message.cancelled:
            bar.update(progress=0)
            self._status("Cancelled: nothing was stored.", "yellow")
            return
        if message.error is not None:
            bar.update(progress=0)
            self._status(fmt.literal(f"Failed: {message.error}", style="bold red"))
            return
        bar.update(progress=100)
        self._status(Text(f"Done: stored as {message.run_id}", style="green"))
        self.reload_runs(select=message.run_id)

    # --- re-run -----------------------------------------------------------------------------------

    async def action_rerun(self) -> None:
        await self._ensure_built()
        key = self.runs_table.cursor_key
        if key is None:
            self.app.notify("No stored runs to re-run.", timeout=3)
            return
        self.run_in_thread(partial(self._read_for_form, key), group="bt-form", description="Reading a run")

    def _read_for_form(self, run_id: str) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            run = read_run(db, run_id)
        self.post_message(self.FormLoaded(run, run_id))

    @on(FormLoaded)
    def _form_loaded(self, message: FormLoaded) -> None:
        message.stop()
        if message.run is None:
            self.app.notify(f"Run {message.run_id} is no longer stored.", severity="warning", markup=False)
            return
        values, carried, note = values_from_stored(message.run_id, message.run.config)
        self.set_form(values)
        self.carried = carried
        lines = [f"Loaded from {message.run_id}"]
        gone = [name for name in values.strategies if name not in available_strategy_names()]
        if gone:
            lines.append(f"no longer registered, left out: {', '.join(gone)}")
        if carried is not None:
            lines.append(f"kept: {carried.describe()}")
        if note:
            lines.append(note)
        carried_label = self.query_one("#bt-carried", Static)
        carried_label.display = True
        carried_label.update(Text("\n".join(lines)))
        self._status(Text("ctrl+r runs it again; edit any field first if you like."))
        self.query_one("#bt-run").focus()
