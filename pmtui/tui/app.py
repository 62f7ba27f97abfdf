"""The pmtui terminal app: tabs over the store, a status bar, help, command palette and themes.

The app is a thin layer: tabs read the store in thread workers (each with its own connection) and
call the core for decisions; background jobs run the very same core code as the headless commands.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from pmtui.paths import STYLES_DIR
from pmtui.store import connect
from pmtui.text import terminal_safe
from pmtui.tui.context import TuiContext
from pmtui.tui.help import HelpScreen, Section, binding_rows, bindings_of
from pmtui.tui.jobs import COLLECTOR, MONITOR, BackgroundJobs
from pmtui.tui.live import BooksChanged, FeedStatusChanged, HistoryFetched, LiveFeed, PriceAlertsFired
from pmtui.tui.market_screen import MarketDetailScreen
from pmtui.tui.messages import JobFinished, JobsStarted, StoreReady, StoreStatusRead
from pmtui.tui.queries import open_store
from pmtui.tui.queries.status import ApiUse, StoreStatus, read_api_use, read_status
from pmtui.tui.tabs.backtests import BacktestsTab
from pmtui.tui.tabs.base import TabView
from pmtui.tui.tabs.clusters import ClustersTab
from pmtui.tui.tabs.markets import MarketsTab
from pmtui.tui.tabs.paper import PaperTab
from pmtui.tui.tabs.signals import SignalsTab
from pmtui.tui.terminal_filter import TerminalControlFilter
from pmtui.tui.widgets.status import JobState, OfflineBanner, StatusBar

log = logging.getLogger("pmtui.tui")

LIGHT_DARK = {"textual-dark": "textual-light", "textual-light": "textual-dark"}


@dataclass(frozen=True)
class TabSpec:
    id: str
    title: str
    key: str
    widget: type[TabView]


TABS = [
    TabSpec("markets", "Markets", "1", MarketsTab),
    TabSpec("clusters", "Clusters", "2", ClustersTab),
    TabSpec("signals", "Signals", "3", SignalsTab),
    TabSpec("backtests", "Backtests", "4", BacktestsTab),
    TabSpec("paper", "Paper", "5", PaperTab),
]


class PmtuiApp(App[None]):
    TITLE = "pmtui"
    # Textual types these two as instance variables, so they cannot be annotated ClassVar here.
    CSS_PATH = [  # noqa: RUF012
        STYLES_DIR / name
        for name in (
            "app.tcss",
            "markets.tcss",
            "clusters.tcss",
            "signals.tcss",
            "backtests.tcss",
            "paper.tcss",
        )
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        *[Binding(tab.key, f"show_tab('{tab.id}')", tab.title, show=False) for tab in TABS],
        Binding("question_mark", "help", "Help"),
        Binding("t", "toggle_theme", "Light/dark", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, ctx: TuiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.store_status: StoreStatus | None = None
        self.api_use: ApiUse | None = None
        self.jobs: dict[str, JobState] = {}
        self.offline_since: float | None = None
        self.offline_reason: str | None = None
        self.live = LiveFeed(ctx.settings, self.post_message, ctx.clock)
        """The live order books (pmtui/tui/live.py): the monitor and the book panels share its state."""
        self.background = BackgroundJobs(ctx.settings, self.post_message, books=self.live.state)
        """The collector (and monitor) threads; off with `ui.run_collector = false` / `--no-jobs`."""
        self._dark_theme = ctx.settings.ui.theme
        self._terminal_filter = TerminalControlFilter()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then ours: no line the app draws carries a terminal control sequence,
        whatever text a widget was given (see pmtui/tui/terminal_filter.py)."""
        return [*super().get_line_filters(), self._terminal_filter]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification's text is terminal-safe: messages quote questions and error text."""
        super().notify(
            terminal_safe(message, newlines=True),
            title=terminal_safe(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield OfflineBanner(id="offline-banner")
        with TabbedContent(id="tabs"):
            for tab in TABS:
                with TabPane(f"{tab.key} {tab.title}", id=tab.id):
                    yield tab.widget(self.ctx, id=f"{tab.id}-tab")
        yield StatusBar(id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self.ctx.settings.ui.theme
        self.query_one(OfflineBanner).hide()
        self.run_worker(
            self._open_store, thread=True, group="store", exit_on_error=False, description="Opening the store"
        )

    def _open_store(self) -> None:
        # Migrations run once, here, off the UI thread; every later connection skips them.
        db = connect(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout)
        db.conn.close()
        self.post_message(StoreReady())

    @on(StoreReady)
    def _store_ready(self) -> None:
        for tab in TABS:
            self.query_one(f"#{tab.id}-tab", TabView).start()
        self._focus_tab(self.query_one(TabbedContent).active)
        self._start_jobs()
        self.refresh_status()
        self.set_interval(float(self.ctx.settings.ui.refresh_interval), self.refresh_status)

    # --- tabs -------------------------------------------------------------------------------------

    def action_show_tab(self, tab_id: str) -> None:
        self.query_one(TabbedContent).active = tab_id
        self._focus_tab(tab_id)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._focus_tab(event.pane.id)

    def _focus_tab(self, tab_id: str) -> None:
        pane = self.query_one(f"#{tab_id}", TabPane)
        for widget in pane.query("VimTable, VimTree"):
            if widget.can_focus:
                widget.focus()
                return

    # --- background jobs --------------------------------------------------------------------------

    def _start_jobs(self) -> None:
        # After the store is migrated (the jobs' own connections then skip the migrations), and in a
        # worker: importing the collector and the monitor takes a while the first screen need not wait.
        if self.background.enabled:
            self.run_worker(
                self._start_background,
                thread=True,
                group="jobs",
                exit_on_error=False,
                description="Starting the background jobs",
            )
        if self.live.enabled:
            self.run_worker(
                self._start_live,
                thread=True,
                group="live",
                exit_on_error=False,
                description="Starting the live order books",
            )

    def _start_background(self) -> None:
        self.post_message(JobsStarted(self.background.start()))

    def _start_live(self) -> None:
        self.live.start()
        self.call_from_thread(self.refresh_interest)

    # --- live books -------------------------------------------------------------------------------

    def refresh_interest(self) -> None:
        """Re-read which markets are watched or have pending signals (their books stream)."""
        if self.live.running:
            self.run_worker(
                self._read_interest,
                thread=True,
                group="live-interest",
                exclusive=True,
                exit_on_error=False,
                description="Reading watched markets",
            )

    def _read_interest(self) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            watched = [
                str(r[0]) for r in db.execute("SELECT id FROM markets WHERE watched = 1 AND closed = 0")
            ]
            signals = [
                str(r[0])
                for r in db.execute("SELECT DISTINCT market_id FROM signals WHERE status = 'pending'")
            ]
        self.live.set_markets("watched", watched)
        self.live.set_markets("signals", signals)

    @on(BooksChanged)
    def _books_changed(self, message: BooksChanged) -> None:
        self.query_one(MarketsTab).books_changed(message.tokens)
        if isinstance(self.screen, MarketDetailScreen):
            self.screen.books_changed(message)

    @on(FeedStatusChanged)
    def _feed_status(self, message: FeedStatusChanged) -> None:
        self._draw_status()

    @on(HistoryFetched)
    def _history_fetched(self, message: HistoryFetched) -> None:
        self.query_one(MarketsTab).history_fetched(message)
        if isinstance(self.screen, MarketDetailScreen):
            self.screen.history_fetched(message)

    @on(PriceAlertsFired)
    def _price_alerts(self, message: PriceAlertsFired) -> None:
        alerts = message.alerts
        if len(alerts) <= 2:
            for alert in alerts:
                self.notify(alert.text, title="Price alert", severity="warning", timeout=12, markup=False)
            return
        # A burst (a market-wide move) is one toast, not a wall of them.
        lines = [alert.summary for alert in alerts[:3]]
        lines.append(f"…and {len(alerts) - 3} more" if len(alerts) > 3 else "")
        self.notify(
            "\n".join(line for line in lines if line),
            title=f"{len(alerts)} price alerts",
            severity="warning",
            timeout=12,
            markup=False,
        )

    def open_market(self, market_id: str) -> None:
        """The full-screen detail of a market (`enter` on a Markets row)."""
        detail = self.query_one(MarketsTab).detail_of(market_id)
        self.push_screen(MarketDetailScreen(self.ctx, market_id, self.live, detail))

    @on(JobsStarted)
    def _jobs_started(self, message: JobsStarted) -> None:
        for name in message.names:
            self.jobs.setdefault(name, JobState(name, "starting"))
        self._draw_status()

    @on(JobFinished)
    def _job_finished(self, message: JobFinished) -> None:
        now = self.ctx.now()
        if message.status == "ok":
            self.jobs[message.job] = JobState(message.job, "idle", last_run=now)
        elif message.status == "cancelled":  # stopped on the way out
            self.jobs[message.job] = JobState(message.job, "stopped", last_run=now)
        else:
            retry = now + float(self.ctx.settings.collect.failure_retry)
            self.jobs[message.job] = JobState(message.job, "failed", now, message.error, retry)
        if message.unreachable:
            if self.offline_since is None:
                self.offline_since = now
            self.offline_reason = message.error
        elif message.reached_api:
            self.offline_since = None
            self.offline_reason = None
        if message.markets_new:
            self.query_one(MarketsTab).markets_added()
        if message.signals_new:
            self.query_one(SignalsTab).reload()
            self.notify(f"{message.signals_new} new signal(s) to review (3 Signals)", timeout=6)
        if message.job == MONITOR:
            self.query_one(PaperTab).reload()  # new marks, maybe settlements
            self.refresh_interest()  # pending signals changed
        self._draw_status()

    def _check_jobs(self) -> None:
        down = self.background.check()
        now = self.ctx.now()
        for name, reason in down.items():
            self.jobs[name] = JobState(name, "failed", now, reason)
        if COLLECTOR in self.jobs and COLLECTOR not in down:
            del self.jobs[COLLECTOR]

    async def action_quit(self) -> None:
        """Stop the background jobs (each finishes its transaction), wait for them, then exit."""
        if self.background.running or self.live.running:
            self.notify("Stopping background jobs…", timeout=5)
            await asyncio.gather(asyncio.to_thread(self.background.stop), asyncio.to_thread(self.live.stop))
        self.exit()

    def on_unmount(self) -> None:
        # Any other way out (ctrl+c, an exception): the threads still stop before the process ends.
        self.live.stop(timeout=5)
        self.background.stop(timeout=10)

    # --- status bar -------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        self._check_jobs()
        self.run_worker(
            self._read_status,
            thread=True,
            group="status",
            exclusive=True,
            exit_on_error=False,
            description="Reading status",
        )

    def _read_status(self) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            status = read_status(db, self.ctx.now())
        try:
            api = read_api_use(self.ctx.settings.limits)
        except Exception:  # the limiter file is only a display here: never fail the status for it
            log.exception("reading the rate limiter's counts failed")
            api = None
        self.post_message(StoreStatusRead(status, api))

    @on(StoreStatusRead)
    def _status_read(self, message: StoreStatusRead) -> None:
        self.store_status = message.status
        self.api_use = message.api
        self._draw_status()

    def _draw_status(self) -> None:
        now = self.ctx.now()
        self.query_one(StatusBar).show(
            now=now,
            jobs=list(self.jobs.values()),
            store=self.store_status,
            api=self.api_use,
            offline=self.offline_since is not None,
            feed=self.live.status if self.live.running else None,
        )
        banner = self.query_one(OfflineBanner)
        if self.offline_since is not None:
            banner.show_offline(self.offline_since, now, self.offline_reason)
        else:
            banner.hide()

    # --- errors -----------------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported: a toast and the log, never a crash."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        what = worker.description or worker.name or "background task"
        log.error("%s failed: %r", what, worker.error, exc_info=worker.error)
        self.notify(f"{what} failed: {worker.error}", title="Error", severity="error", markup=False)

    # --- help, palette, theme ---------------------------------------------------------------------

    def help_sections(self) -> list[Section]:
        sections: list[Section] = [
            (
                "Everywhere",
                [
                    *[(tab.key, f"{tab.title} tab") for tab in TABS],
                    ("?", "this help"),
                    ("ctrl+p", "command palette: every action by name"),
                    ("t", "light / dark theme"),
                    ("q", "quit (background jobs stop, open transactions finish)"),
                ],
            ),
            ("Tables", [("j / k", "down / up"), ("g / G", "first / last row")]),
        ]
        for tab in TABS:
            sections.append((f"{tab.key} {tab.title}", binding_rows(tab.widget.BINDINGS)))
        return sections

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections()))

    def action_toggle_theme(self) -> None:
        current = self.theme
        if current in LIGHT_DARK:
            self.theme = LIGHT_DARK[current]
        elif current == self._dark_theme:
            self.theme = "textual-light"
        else:
            self.theme = self._dark_theme

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for tab in TABS:
            yield SystemCommand(
                f"Go to {tab.title}",
                f"Show the {tab.title} tab (key {tab.key})",
                partial(self.action_show_tab, tab.id),
            )
            widget = self.query_one(f"#{tab.id}-tab")
            for binding in bindings_of(tab.widget.BINDINGS):
                yield SystemCommand(
                    f"{tab.title}: {binding.description}",
                    f"key {binding_rows([binding])[0][0]}",
                    partial(self._run_tab_action, tab.id, widget, binding.action),
                )
        yield SystemCommand("Help: keys", "Show every key (?)", self.action_help)
        yield SystemCommand("Toggle light/dark theme", "Switch theme (t)", self.action_toggle_theme)

    def _run_tab_action(self, tab_id: str, widget: Widget, action: str) -> None:
        self.action_show_tab(tab_id)
        self.call_later(widget.run_action, action)
