"""The pmtui terminal app: tabs over the store, a status bar, help, command palette and themes.

The app is a thin layer: tabs read the store in thread workers (each with its own connection) and
call the core for decisions; background jobs run the very same core code as the headless commands.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar, cast

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from pmtui.paths import STYLES_DIR
from pmtui.text import terminal_safe
from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.help import HelpScreen, Section, binding_rows, bindings_of
from pmtui.tui.jobs import COLLECTOR, MONITOR, BackgroundJobs
from pmtui.tui.live import BooksChanged, FeedStatusChanged, HistoryFetched, LiveFeed, PriceAlertsFired
from pmtui.tui.messages import (
    CatalogProgressed,
    FirstPageShown,
    JobFinished,
    JobsStarted,
    StoreChanged,
    StoreReady,
    StoreStatusRead,
)
from pmtui.tui.queries import open_reader, open_store
from pmtui.tui.queries.changes import API_CALLS
from pmtui.tui.queries.status import ApiUse, StoreStatus, read_api_use, read_status
from pmtui.tui.tabs.base import TabView
from pmtui.tui.tabs.markets import MarketsTab
from pmtui.tui.terminal_filter import TerminalControlFilter
from pmtui.tui.watch import StoreWatcher
from pmtui.tui.widgets.status import CatalogProgress, JobState, OfflineBanner, StatusBar

log = logging.getLogger("pmtui.tui")

LIGHT_DARK = {"textual-dark": "textual-light", "textual-light": "textual-dark"}


@dataclass(frozen=True)
class TabSpec:
    id: str
    title: str
    key: str
    module: str
    name: str
    """The tab's class, imported when the tab is first shown (or its keys are listed): the first
    screen imports and builds the Markets tab alone."""

    @property
    def widget(self) -> type[TabView]:
        return cast(type[TabView], getattr(importlib.import_module(self.module), self.name))

    @property
    def widget_id(self) -> str:
        return f"{self.id}-tab"


TABS = [
    TabSpec("markets", "Markets", "1", "pmtui.tui.tabs.markets", "MarketsTab"),
    TabSpec("clusters", "Clusters", "2", "pmtui.tui.tabs.clusters", "ClustersTab"),
    TabSpec("signals", "Signals", "3", "pmtui.tui.tabs.signals", "SignalsTab"),
    TabSpec("backtests", "Backtests", "4", "pmtui.tui.tabs.backtests", "BacktestsTab"),
    TabSpec("paper", "Paper", "5", "pmtui.tui.tabs.paper", "PaperTab"),
]
FIRST_TAB = TABS[0]


class MainScreen(Screen[None]):
    AUTO_FOCUS = "#markets-table"
    """Focus the table from the first frame (not the tab bar first, then the table: a second
    restyle of the footer's keys on the first screen). Dialogs keep the app's default."""


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
        self.job_offline_since: float | None = None
        """A job of this app failed because the API could not be reached (cleared when one reaches it)."""
        self.job_offline_reason: str | None = None
        self.catalog_progress: CatalogProgress | None = None
        """How far the running catalogue job is (None when it is not running)."""
        self.live = LiveFeed(ctx.settings, self.post_message, ctx.clock)
        """The live order books (pmtui/tui/live.py): the monitor and the book panels share its state."""
        self.background = BackgroundJobs(ctx.settings, self.post_message, books=self.live.state)
        """The collector (and monitor) threads; off with `ui.run_collector = false` / `--no-jobs`."""
        self.watcher = StoreWatcher(
            ctx.store_path, busy_timeout=ctx.busy_timeout, interval=ctx.watch_interval, post=self.post_message
        )
        """Notices writes to the store (any process) and posts `StoreChanged`."""
        self._dark_theme = ctx.settings.ui.theme
        self.store_ready = False
        """The store is migrated: tabs built from now on start reading at once."""
        self._migrating = False
        self._building: dict[str, asyncio.Future[TabView]] = {}
        """Tabs being built (`tab_view`), so two callers never build one twice."""
        self._migrate_timer: Timer | None = None
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

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield OfflineBanner(id="offline-banner")
        with TabbedContent(id="tabs", initial=FIRST_TAB.id):
            for tab in TABS:
                with TabPane(f"{tab.key} {tab.title}", id=tab.id):
                    # Only the first tab is built now; the others when first shown (`_build_tab`).
                    if tab is FIRST_TAB:
                        yield tab.widget(self.ctx, id=tab.widget_id)
        yield StatusBar(id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self.ctx.settings.ui.theme
        self.query_one(OfflineBanner).hide()
        if Path(self.ctx.store_path).is_file():
            # An existing store: the Markets tab reads its first page at once (its query needs
            # nothing newer than the first schema), and the migrations check runs once that page
            # is drawn (or a second later at most), so the first screen does not wait for it.
            self.query_one(f"#{FIRST_TAB.widget_id}", TabView).start()
            self._migrate_timer = self.set_timer(1.0, self._migrate)
        else:
            self._migrate()

    def _migrate(self) -> None:
        if self._migrating:
            return
        self._migrating = True
        if self._migrate_timer is not None:
            self._migrate_timer.stop()
        self.run_worker(
            self._open_store, thread=True, group="store", exit_on_error=False, description="Opening the store"
        )

    def _open_store(self) -> None:
        # Migrations run once, here, off the UI thread; every later connection skips them.
        from pmtui.store import connect  # sqlite-utils: not imported before the first screen

        db = connect(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout)
        db.conn.close()
        self.post_message(StoreReady())

    @on(FirstPageShown)
    def _first_page_shown(self) -> None:
        self.call_after_refresh(self._migrate)

    @on(StoreReady)
    def _store_ready(self) -> None:
        self.store_ready = True
        for view in self.built_tabs():
            view.start()
        self._focus_tab(self.query_one(TabbedContent).active)
        self._start_jobs()
        self.watcher.start()
        self.refresh_status()
        self.set_interval(float(self.ctx.settings.ui.refresh_interval), self.refresh_status)

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        for view in self.built_tabs():  # a tab not built yet reads everything when it is
            view.store_changed(message.topics)
        if message.topics & {"jobs", "markets", "quotes", API_CALLS}:
            self.refresh_status()  # a job started or ended, prices moved, a call failed or got through
        if message.topics & {"signals", "markets"}:
            self.refresh_interest()  # pending signals or watched markets changed: their books stream

    # --- tabs -------------------------------------------------------------------------------------

    def built_tabs(self) -> list[TabView]:
        return list(self.query(TabView))

    async def tab_view(self, tab_id: str) -> TabView:
        """The tab's widget, built (and started, once the store is ready) if it was not yet. Callers
        arriving while it is being built wait for that one build."""
        pane = self.query_one(f"#{tab_id}", TabPane)
        views = list(pane.query(TabView))
        if views:
            return views[0]
        building = self._building.get(tab_id)
        if building is None:
            building = self._building[tab_id] = asyncio.ensure_future(self._build_tab(pane, tab_id))
        return await building

    async def _build_tab(self, pane: TabPane, tab_id: str) -> TabView:
        spec = next(tab for tab in TABS if tab.id == tab_id)
        view = spec.widget(self.ctx, id=spec.widget_id)
        await pane.mount(view)
        if self.store_ready:
            view.start()
        return view

    async def _on_key(self, event: events.Key) -> None:
        # Runs before App._on_key (Textual calls each class's handler, most derived first), which
        # then checks the bindings unless this one took the key.
        if event.is_printable and event.character and self._type_ahead(event.character):
            event.prevent_default()

    def _type_ahead(self, text: str) -> bool:
        """A printable key that comes back to the app unhandled while a text box has focus, or while
        a dialog with one is opening, was typed in the same terminal read as the key that moved the
        focus (`/win`, `cweather`, `rbad fill`): the app routed it before the focus moved. It belongs
        to the box; without this it would be lost, or act on the table (`w` stars a market). A box
        that had the key itself keeps it (an Input stops the printable keys it takes)."""
        focused = self.focused
        if isinstance(focused, Input):
            focused.insert_text_at_cursor(text)
            return True
        type_ahead = getattr(self.screen, "type_ahead", None)
        if focused is None and callable(type_ahead):
            type_ahead(text)
            return True
        return False

    def action_show_tab(self, tab_id: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active != tab_id:
            tabs.active = tab_id  # `_tab_activated` builds and focuses it
        else:
            self._focus_tab(tab_id)

    @on(TabbedContent.TabActivated)
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab_id = event.pane.id
        if not tab_id:
            return
        if not event.pane.query(TabView):
            # Nothing to focus in the new tab until it is built: the focus must not stay in the
            # hidden one, or focusing it again would switch back to that tab.
            self.screen.set_focus(None)
        await self.tab_view(tab_id)
        if self.query_one(TabbedContent).active == tab_id:  # still the one shown
            self._focus_tab(tab_id)

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
        from pmtui.tui.market_screen import MarketDetailScreen

        self.query_one(MarketsTab).books_changed(message.tokens)
        if isinstance(self.screen, MarketDetailScreen):
            self.screen.books_changed(message)

    @on(FeedStatusChanged)
    def _feed_status(self, message: FeedStatusChanged) -> None:
        self._draw_status()

    @on(HistoryFetched)
    def _history_fetched(self, message: HistoryFetched) -> None:
        from pmtui.tui.market_screen import MarketDetailScreen

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
        from pmtui.tui.market_screen import MarketDetailScreen  # not on the first screen's path

        detail = self.query_one(MarketsTab).detail_of(market_id)
        self.push_screen(MarketDetailScreen(self.ctx, market_id, self.live, detail))

    @on(JobsStarted)
    def _jobs_started(self, message: JobsStarted) -> None:
        # Waiting for their slot (the store shows them running once they are): the catalogue first
        # on a new store, then each job its interval after its last run.
        for name in message.names:
            self.jobs.setdefault(name, JobState(name, "waiting", next_run=self._next_slot(name)))
        self._draw_status()

    def _next_slot(self, job: str) -> float | None:
        """When `job` should next run, from its last recorded run and its interval (None: unknown)."""
        recorded = self.store_status.jobs.get(job) if self.store_status else None
        if recorded is None or recorded.finished is None:
            return None
        settings = self.ctx.settings
        intervals = {
            "catalog": settings.collect.catalog_interval,
            "resolutions": settings.collect.resolutions_interval,
            "snapshots": settings.collect.snapshot_interval,
            "history": settings.collect.history_interval,
            MONITOR: settings.monitor.interval,
        }
        if recorded.status != "ok":
            return recorded.finished + float(settings.collect.failure_retry)
        return recorded.finished + float(intervals.get(job, 0))

    @on(CatalogProgressed)
    def _catalog_progressed(self, message: CatalogProgressed) -> None:
        self.catalog_progress = CatalogProgress(message.markets, message.pages)
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
        if message.job == "catalog":
            self.catalog_progress = None
        if message.unreachable:
            if self.job_offline_since is None:
                self.job_offline_since = now
            self.job_offline_reason = message.error
        elif message.reached_api:
            self.job_offline_since = None
            self.job_offline_reason = None
        if message.signals_new:
            self.notify(f"{fmt.plural(message.signals_new, 'new signal')} to review (3 Signals)", timeout=6)
        if message.job == MONITOR:
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
        self.watcher.stop()
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
        with open_reader(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
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

    @property
    def offline(self) -> tuple[float, str | None] | None:
        """(since, why) while the API cannot be reached, else None. From the first failed call of any
        job (the store's `api_calls`, any process) or a job of this app that failed for it; never
        with the jobs off (`--offline`): this app tries nothing, so old failures are not news."""
        if not self.background.enabled:
            return None
        seen = self.store_status.connectivity if self.store_status else None
        candidates: list[tuple[float, str | None]] = []
        if seen is not None and seen.offline_since is not None:
            candidates.append((seen.offline_since, seen.reason))
        if self.job_offline_since is not None:
            candidates.append((self.job_offline_since, self.job_offline_reason))
        return min(candidates, key=lambda c: c[0]) if candidates else None

    def _draw_status(self) -> None:
        try:
            bar, banner = self.query_one(StatusBar), self.query_one(OfflineBanner)
        except NoMatches:  # a job's message arriving while the app shuts down
            return
        now = self.ctx.now()
        offline = self.offline
        bar.show(
            now=now,
            jobs=list(self.jobs.values()),
            store=self.store_status,
            api=self.api_use,
            offline=offline is not None,
            catalog=self.catalog_progress,
            jobs_off=not self.background.enabled,
            feed=self.live.status if self.live.running else None,
        )
        if offline is not None:
            banner.show_offline(offline[0], now, offline[1])
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
            for binding in bindings_of(tab.widget.BINDINGS):
                yield SystemCommand(
                    f"{tab.title}: {binding.description}",
                    f"key {binding_rows([binding])[0][0]}",
                    partial(self._run_tab_action, tab.id, binding.action),
                )
        yield SystemCommand("Help: keys", "Show every key (?)", self.action_help)
        yield SystemCommand("Toggle light/dark theme", "Switch theme (t)", self.action_toggle_theme)

    def _run_tab_action(self, tab_id: str, action: str) -> None:
        """A tab's action from the palette: show the tab (built if need be), then run it there."""
        self.call_later(self._show_and_run, tab_id, action)

    async def _show_and_run(self, tab_id: str, action: str) -> None:
        self.action_show_tab(tab_id)
        widget = await self.tab_view(tab_id)
        await widget.wait_loaded()  # a tab built just now acts on the rows it shows, once they are
        await widget.run_action(action)
