"""Markets tab: the live table over the store, a search box, and the selected market's details.

The table holds one page of the current sort and filter (200 rows by default; `m` loads more) and
says how many markets match, so 20,000 stored markets draw as fast as 500. Every query runs in a
thread worker with its own connection. A full page is drawn before its matches are counted: the
count runs after it in its own worker, and a newer keystroke interrupts it (at 500,000 markets,
counting a one-letter search's matches takes longer than finding its page). Periodic refreshes re-read only the rows on screen and change
the cells that differ with `update_cell` on the market id, so neither the cursor nor the scroll moves.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.elide import badged, fit_column
from pmtui.tui.live import HistoryFetched, LiveFeed
from pmtui.tui.messages import (
    FirstPageShown,
    MarketDetailLoaded,
    MarketRowsRefreshed,
    MarketsCounted,
    MarketsPageLoaded,
    WatchChanged,
)
from pmtui.tui.queries import open_reader, open_store, stop_when
from pmtui.tui.queries.markets import (
    SORT_COLUMNS,
    SORT_ORDER,
    MarketDetail,
    MarketFilter,
    MarketPage,
    MarketRow,
    category_counts,
    count_key,
    count_matches,
    load_page,
    market_detail,
    refresh_rows,
)
from pmtui.tui.tabs.base import TabView
from pmtui.tui.widgets.book import BookPanel
from pmtui.tui.widgets.chart import Chart
from pmtui.tui.widgets.history import draw_history
from pmtui.tui.widgets.modals import PickModal
from pmtui.tui.widgets.search import SearchInput
from pmtui.tui.widgets.table import VimTable

ALL_CATEGORIES = "*"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    """0 = takes the width left over (the question)."""
    sort: str | None = None
    wide_only: bool = False
    """Dropped below `WIDE` columns of terminal, where the question needs the room."""
    right: bool = False


COLUMNS = [
    Column("watch", "★", 1),
    Column("question", "Question", 0, "question"),
    Column("category", "Category", 16, "category", wide_only=True),
    Column("yes", "YES", 6, "yes_price", right=True),
    Column("change", "24h Δ", 6, "change", right=True),
    Column("volume", "24h vol", 7, "volume_24h", right=True),
    Column("liquidity", "Liquidity", 9, "liquidity", wide_only=True, right=True),
    Column("closes", "Closes in", 9, "end_date", right=True),
]
WIDE = 110
MIN_QUESTION = 20
CATEGORY = next(c for c in COLUMNS if c.key == "category")
CATEGORY_WIDE = 24
"""The category column when the terminal is very wide: the longest category name whole."""
ROOMY_QUESTION = 100
"""Question width past which the category column widens to `CATEGORY_WIDE`."""


DEMO_BADGE = "DEMO"


def question_cell(row: MarketRow) -> Text:
    """The question as literal Text, after a DEMO badge for generated data."""
    return badged(row.question, DEMO_BADGE if row.demo else None)


def fit_questions(rows: Sequence[MarketRow], width: int) -> dict[str, Text]:
    """Each row's question cell in `width` cells: whole, cut at the end, or elided in the middle where
    rows of one family would otherwise read the same (`pmtui.tui.elide`)."""
    badges = [DEMO_BADGE if row.demo else None for row in rows]
    cells = fit_column([row.question for row in rows], width, badges)
    return {row.id: cell for row, cell in zip(rows, cells, strict=True)}


def row_cells(row: MarketRow, now: float) -> dict[str, Text]:
    """The cells of one market, by column key. Questions are literal Text (never markup)."""
    return {
        "watch": Text("★", style="bold yellow") if row.watched else Text(" "),
        "question": question_cell(row),
        "category": fmt.literal(row.category or "Other", style="dim"),
        "yes": Text(fmt.cents(row.yes_price), justify="right"),
        "change": fmt.right(fmt.signed_cents(row.change_24h)),
        "volume": Text(fmt.money(row.volume_24h), justify="right"),
        "liquidity": Text(fmt.money(row.liquidity), justify="right"),
        "closes": fmt.right(fmt.time_to_close(row.end_date, now, closed=row.closed)),
    }


class MarketDetailPane(Horizontal):
    """Facts, outcomes with prices, the cluster, the live order book and the price history of the
    selected market."""

    def __init__(self, feed: LiveFeed, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.feed = feed
        self.detail: MarketDetail | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-info"):
            yield Static("", markup=False, id="detail-question")
            yield Static("", id="detail-outcomes")
            yield Static("", id="detail-facts")
        yield BookPanel(self.feed.state, other_key="b", is_live=lambda: self.feed.running, id="detail-book")
        yield Chart(empty_text="no price history stored", id="detail-chart")

    @property
    def book(self) -> BookPanel:
        return self.query_one("#detail-book", BookPanel)

    def show(self, detail: MarketDetail | None, now: float) -> None:
        self.detail = detail
        question = self.query_one("#detail-question", Static)
        facts = self.query_one("#detail-facts", Static)
        outcomes = self.query_one("#detail-outcomes", Static)
        chart = self.query_one("#detail-chart", Chart)
        if detail is None:
            question.update("No market selected")
            facts.update("")
            outcomes.update("")
            self.book.show_tokens([], [], note="")
            chart.show_empty("price history")
            return
        question.update(fmt.literal(detail.question))
        facts.update(detail_facts(detail, now))
        outcomes.update(outcome_lines(detail))
        if detail.closed or not detail.token_ids:
            note = "closed: no order book" if detail.closed else "no order book (no CLOB tokens)"
            self.book.show_tokens([], [], note=note)
        else:
            self.book.show_tokens(
                detail.token_ids, [o.name for o in detail.outcomes], tick_size=detail.tick_size
            )
        live = None
        if detail.token_ids and not detail.closed:
            view = self.feed.state.view(detail.token_ids[0], 1)
            if view is not None and view.mid is not None:
                live = (now, view.mid)
        label = detail.outcomes[0].name if detail.outcomes else "outcome 0"
        draw_history(chart, detail.history, label, live=live)


def detail_facts(detail: MarketDetail, now: float) -> Text:
    lines: list[Text] = []

    def fact(label: str, value: Text | str) -> None:
        lines.append(Text.assemble((f"{label:<10}", "dim"), value))

    if detail.demo:
        lines.append(Text("GENERATED DEMO DATA (not a real market)", style="bold black on yellow"))
    fact("Category", fmt.literal(detail.category or "uncategorized"))
    if detail.cluster_id:
        size = fmt.plural(detail.cluster_size, "market")
        fact("Cluster", Text.assemble(fmt.literal(detail.cluster_id), f" ({size})"))
    if detail.event_title and detail.event_title != detail.question:
        fact("Event", fmt.literal(detail.event_title))
    status = "open"
    if detail.resolution == "resolved" and detail.winner is not None and detail.winner < len(detail.outcomes):
        status = f"resolved: {detail.outcomes[detail.winner].name} won"
    elif detail.resolution == "void":
        status = "resolved 50-50 (each share pays $0.50)"
    elif detail.closed:
        status = "closed, awaiting resolution"
    fact("Status", fmt.literal(status))
    closes = fmt.utc_date(detail.end_date)
    if detail.end_date and not detail.closed:
        left = detail.end_date - now
        closes += f" (in {fmt.span(left)})" if left > 0 else f" (ended {fmt.span(-left)} ago, not closed yet)"
    fact("Closes", closes)
    fact("Volume", f"{fmt.money(detail.volume)} total, {fmt.money(detail.volume_24h)} 24h")
    fact("Liquidity", fmt.money(detail.liquidity))
    if detail.features:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(detail.features.items()))
        fact("Features", fmt.literal(shown))
    fact("Watched", "yes ★" if detail.watched else "no (w to watch)")
    fact("Updated", fmt.age(detail.updated_at, now))
    return Text("\n").join(lines)


def outcome_lines(detail: MarketDetail) -> Text:
    rows = [Text(f"{'Outcome':<12} {'Price':>6} {'Bid':>6} {'Ask':>6}", style="bold")]
    for quote in detail.outcomes:
        name = fmt.clip(fmt.literal(quote.name), 12)
        name.pad_right(12 - name.cell_len)
        prices = f" {fmt.cents(quote.price):>6} {fmt.cents(quote.best_bid):>6} {fmt.cents(quote.best_ask):>6}"
        rows.append(Text.assemble(name, prices))
    return Text("\n").join(rows)


def category_choices(counts: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """The category picker's entries: all categories, then each top level and its subcategories."""
    total = sum(n for category, n in counts if "/" not in category)
    choices = [(ALL_CATEGORIES, f"All categories ({total:,})")]
    for category, n in counts:
        indent = "    " if "/" in category else ""
        choices.append((category, f"{indent}{category} ({n:,})"))
    return choices


class MarketsTab(TabView):
    """Tab 1: every stored market, searchable and sortable, with live prices."""

    WATCHES = frozenset({"markets"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search"),
        Binding("c", "pick_category", "Category"),
        Binding("s", "next_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False),
        Binding("w", "toggle_watch", "Watch"),
        Binding("W", "toggle_watched_only", "Watched only", show=False),
        Binding("o", "toggle_closed", "Open/all", show=False),
        Binding("m", "more_rows", "More rows", show=False),
        Binding("z", "toggle_detail", "Detail", show=False),
        Binding("b", "other_outcome", "Book: other outcome", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(ctx, id=id)
        self.page_size = ctx.settings.ui.page_size
        self.filter = MarketFilter(limit=self.page_size)
        self._seq = 0
        self._page: MarketPage | None = None
        self._rows: dict[str, MarketRow] = {}
        self._cells: dict[str, dict[str, Text]] = {}
        """What each visible row shows now, by column key: refreshes compare against it."""
        self._layout: tuple[object, ...] = ()
        """The columns, question width and sort the table was built with."""
        self._question_width = MIN_QUESTION
        self._category_width = CATEGORY.width
        self._wide = True
        self._in_flight = False
        """A page query is running; newer requests wait for it (at most one query at a time)."""
        self._detail_timer: Timer | None = None
        self._detail_id: str | None = None
        self._started = False
        self._first_shown = False
        self._subscribe_timer: Timer | None = None

    @property
    def feed(self) -> LiveFeed:
        """The app's live books (pmtui/tui/live.py)."""
        feed: LiveFeed = self.app.live  # type: ignore[attr-defined]
        return feed

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="markets-bar"):
            yield SearchInput(placeholder="/ search questions", id="markets-search")
            yield Static("loading…", id="markets-summary")
        yield VimTable(id="markets-table")
        yield MarketDetailPane(self.feed, id="market-detail")

    @property
    def table(self) -> VimTable:
        return self.query_one("#markets-table", VimTable)

    def start(self) -> None:
        """First page, then periodic refresh of visible rows. Called at once for an existing store
        (the app migrates it after the first page) and again when the store is ready: a first
        read that found no table yet (a store being created) is made again then."""
        if self._started:
            if self._page is None and not self._in_flight:
                self._request_page()
            return
        self._started = True
        self._request_page()
        self.set_interval(float(self.ctx.settings.ui.refresh_interval), self.refresh_visible)
        self.query_one(MarketDetailPane).book.clock = self.ctx.now
        self.watch(self.table, "scroll_y", self._scrolled, init=False)

    def on_resize(self) -> None:
        if self._page is not None and self._layout_changed():
            self._render_page(self._page)

    def _layout_changed(self) -> bool:
        width = self.table.size.width or self.size.width
        wide = width >= WIDE
        fixed = sum(c.width + 2 for c in COLUMNS if c.width and (wide or not c.wide_only))
        question = max(MIN_QUESTION, width - fixed - 2 - 2)
        # A very wide terminal has room for whole category names ("Politics/US-Government") and
        # still more for the question than most questions need.
        category = (
            CATEGORY_WIDE if question - (CATEGORY_WIDE - CATEGORY.width) >= ROOMY_QUESTION else CATEGORY.width
        )
        question -= category - CATEGORY.width
        changed = (question, wide, category) != (self._question_width, self._wide, self._category_width)
        self._question_width, self._wide, self._category_width = question, wide, category
        return changed

    def _column_width(self, column: Column) -> int:
        if column.key == "question":
            return self._question_width
        return self._category_width if column.key == "category" else column.width

    def _columns(self) -> list[Column]:
        return [c for c in COLUMNS if self._wide or not c.wide_only]

    # --- loading ----------------------------------------------------------------------------------

    def _request_page(self) -> None:
        """Ask for the page of the current filter. A keystroke queries at once when no query is
        running; while one is, keystrokes only bump the request number and the newest filter is
        queried as soon as it returns (its stale page is dropped). No timer adds latency, and typing
        fast never queues a query per key."""
        self._seq += 1
        self.workers.cancel_group(self, "markets-count")  # its page is about to be replaced
        if not self._in_flight:
            self._start_query()

    def _start_query(self) -> None:
        self._in_flight = True
        self.run_in_thread(
            partial(self._load_page, self._seq, self.filter),
            group="markets-page",
            description="Loading markets",
        )

    def _load_page(self, seq: int, flt: MarketFilter) -> None:
        try:
            with open_reader(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
                page = load_page(db, flt)
        except sqlite3.OperationalError:
            if self.app_store_ready():
                raise
            # Read before the app opened (and migrated) the store: it may be new or unusable; the
            # app opens it now and reports what is wrong, and `start()` reads again once it is ready.
            self.post_message(MarketsPageLoaded(seq, None))
            return
        self.post_message(MarketsPageLoaded(seq, page))

    def app_store_ready(self) -> bool:
        return bool(getattr(self.app, "store_ready", True))

    @on(MarketsPageLoaded)
    def _page_loaded(self, message: MarketsPageLoaded) -> None:
        message.stop()
        self._in_flight = False
        if message.seq != self._seq:
            self._start_query()  # the user typed on: query what the box says now
            return
        page = message.page
        if page is None:
            self.post_message(FirstPageShown())  # none to show: the app opens the store at once
            return
        if page.total is None:
            shown = self._page
            if (
                shown is not None
                and shown.total is not None
                and count_key(shown.filter) == count_key(page.filter)
            ):
                # Same matches (a reload after the store changed, another sort, more rows): keep
                # saying the last count until the new one is in, rather than flashing "counting"
                # every time the collector writes.
                page = dataclasses.replace(page, total=shown.total, more=shown.more)
            # After the frame showing the page: the count must not take the CPU the page needs.
            self.call_after_refresh(self._start_count, page.filter)
        self._layout_changed()
        self._render_page(page)

    def _start_count(self, flt: MarketFilter) -> None:
        if self._page is None or self._page.filter != flt:
            return  # the user typed on before the page was drawn: that page's count is not wanted
        self.run_in_thread(
            partial(self._count_matches, flt),
            group="markets-count",
            exclusive=True,  # cancels the count of an older page
            description="Counting matching markets",
        )

    def _count_matches(self, flt: MarketFilter) -> None:
        worker = get_current_worker()
        with open_reader(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            # A cancelled count (the user typed on) stops within a few thousand SQLite steps instead
            # of holding a core for up to a few hundred ms on a 500,000-market store.
            stop_when(db, lambda: worker.is_cancelled)
            try:
                total, more = count_matches(db, flt)
            except sqlite3.OperationalError:
                if worker.is_cancelled:
                    return
                raise
        if not worker.is_cancelled:
            self.post_message(MarketsCounted(flt, total, more))

    @on(MarketsCounted)
    def _counted(self, message: MarketsCounted) -> None:
        message.stop()
        page = self._page
        if page is not None and count_key(page.filter) == count_key(message.filter):
            self._page = dataclasses.replace(page, total=message.total, more=message.more)
            self._update_summary()

    @on(Worker.StateChanged)
    def _page_worker_ended(self, event: Worker.StateChanged) -> None:
        # A failed page query is reported by the app; here it only must not block the next one.
        if event.worker.group == "markets-page" and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._in_flight = False

    def _render_page(self, page: MarketPage) -> None:
        """Show `page`. When it holds the same rows in the same order under the same columns (a reload
        after the store changed), only the cells that differ change: cursor and scroll stay put."""
        table = self.table
        columns = self._columns()
        layout = (
            tuple(c.key for c in columns),
            self._question_width,
            page.filter.sort,
            page.filter.descending,
        )
        same = layout == self._layout and [row.id for row in page.rows] == list(self._rows)
        previous = self._rows.get(table.cursor_key or "")
        self._page = page
        self._rows = {row.id: row for row in page.rows}
        shown = self._shown_cells(page, [c.key for c in columns])
        if same:
            for market_id, cells in shown.items():
                for key, cell in cells.items():
                    if cell != self._cells[market_id][key]:
                        table.update_cell(market_id, key, cell)
            self._cells = shown
            self._update_summary()
            if self._rows.get(table.cursor_key or "") != previous:
                self._schedule_detail(immediate=True)
            return
        self._layout = layout
        self._cells = shown
        keep = table.cursor_key
        table.clear(columns=True)
        for column in columns:
            table.add_column(self._header(column), width=self._column_width(column), key=column.key)
        for market_id, cells in shown.items():
            table.add_row(*cells.values(), key=market_id)
        if keep is None or not table.move_to_key(keep):
            table.move_cursor(row=0)
        self._update_summary()
        # Debounced, not immediate: while the user types, pages follow each other quickly and the
        # chart should redraw once, for the page they stop on.
        self._schedule_detail()
        self._schedule_subscribe()
        if not self._first_shown:
            self._first_shown = True
            self.post_message(FirstPageShown())

    def _shown_cells(self, page: MarketPage, keys: list[str]) -> dict[str, dict[str, Text]]:
        """The cells of each row as the table shows them (question fitted, category cut), in column order."""
        now = self.ctx.now()
        questions = fit_questions(page.rows, self._question_width)
        shown: dict[str, dict[str, Text]] = {}
        for row in page.rows:
            cells = row_cells(row, now)
            cells["question"] = questions[row.id]
            cells["category"] = fmt.clip(cells["category"], self._category_width)
            shown[row.id] = {key: cells[key] for key in keys}
        return shown

    def _header(self, column: Column) -> Text:
        label = column.label
        if column.sort and column.sort == self.filter.sort:
            label += " ▼" if self.filter.descending else " ▲"
        return Text(label, justify="right" if column.right else "left")

    def _update_summary(self) -> None:
        page = self._page
        if page is None:
            return
        flt = page.filter
        parts: list[Text | str] = []
        shown = len(page.rows)
        if page.total is None:
            parts.append(Text(f"{shown:,} of … markets", style="bold"))
            parts.append(Text(" (counting…; m: more)", style="dim"))
        else:
            total = f"{page.total:,}+ markets" if page.more else fmt.plural(page.total, "market")
            parts.append(Text(f"{shown:,} of {total}", style="bold"))
            if shown < page.total:
                parts.append(Text(" (m: more)", style="dim"))
        parts.append(f" · {'open + closed' if flt.include_closed else 'open'}")
        if flt.category:
            parts.append(Text.assemble(" · ", fmt.literal(flt.category)))
        if flt.watched_only:
            parts.append(" · watched only")
        arrow = "▼" if flt.descending else "▲"
        parts.append(f" · by {SORT_COLUMNS[flt.sort][0]} {arrow}")
        if any(row.demo for row in page.rows):
            parts.append(Text.assemble(" ", ("DEMO DATA", "bold black on yellow")))
        self.query_one("#markets-summary", Static).update(Text.assemble(*parts))

    def _set_filter(self, **changes: object) -> None:
        self.filter = dataclasses.replace(self.filter, **changes)  # type: ignore[arg-type]
        self._request_page()

    # --- live refresh (cells in place) ------------------------------------------------------------

    def refresh_visible(self) -> None:
        """Re-read the rows on screen; changed cells are updated in place (cursor and scroll stay).
        Nothing while the tab is hidden (a store change marks it stale instead)."""
        if not self._rows or not self.shown:
            return
        ids = list(self._rows)
        self.run_in_thread(
            partial(self._refresh_rows, ids),
            group="markets-refresh",
            exclusive=True,
            description="Refreshing prices",
        )

    def _refresh_rows(self, ids: list[str]) -> None:
        with open_reader(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            rows = refresh_rows(db, ids)
        self.post_message(MarketRowsRefreshed(rows))

    @on(MarketRowsRefreshed)
    def _rows_refreshed(self, message: MarketRowsRefreshed) -> None:
        message.stop()
        table = self.table
        now = self.ctx.now()
        keys = {c.key for c in self._columns()} - {"question", "category"}
        # Question and category text is clipped to the column and rarely changes; a reload shows it.
        current = table.cursor_key
        detail_stale = False
        for row in message.rows:
            shown = self._cells.get(row.id)
            if shown is None:
                continue  # scrolled out of the page by a reload meanwhile
            cells = row_cells(row, now)
            for key in keys:
                if cells[key] != shown[key]:
                    table.update_cell(row.id, key, cells[key])
                    shown[key] = cells[key]
            if row != self._rows.get(row.id):
                self._rows[row.id] = row
                detail_stale = detail_stale or row.id == current
        if detail_stale:
            self._schedule_detail(immediate=True)

    # --- detail pane ------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#markets-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._schedule_detail()

    @on(DataTable.RowSelected, "#markets-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """`enter`: the full-screen detail of the market (question, rules, source, URL, book)."""
        event.stop()
        if event.row_key.value is not None:
            self.app.open_market(str(event.row_key.value))  # type: ignore[attr-defined]

    # --- live books of the rows in view -----------------------------------------------------------

    def _scrolled(self, _old: float, _new: float) -> None:
        self._schedule_subscribe()

    def _schedule_subscribe(self) -> None:
        """Subscribe the rows in view once the trader stops scrolling (`live.subscribe_debounce`)."""
        if self._subscribe_timer is not None:
            self._subscribe_timer.stop()
        self._subscribe_timer = self.set_timer(
            float(self.ctx.settings.live.subscribe_debounce), self._subscribe_visible
        )

    def visible_ids(self) -> list[str]:
        """Market ids of the table rows on screen now."""
        table = self.table
        if table.row_count == 0:
            return []
        first = int(table.scroll_y)
        height = max(1, table.size.height - (table.header_height if table.show_header else 0))
        ids: list[str] = []
        for index in range(first, min(table.row_count, first + height)):
            key = table.coordinate_to_cell_key((index, 0)).row_key.value  # type: ignore[arg-type]
            if key is not None:
                ids.append(str(key))
        return ids

    def _subscribe_visible(self) -> None:
        self.feed.set_markets("screen", [i for i in self.visible_ids() if not self._market_closed(i)])

    def _market_closed(self, market_id: str) -> bool:
        row = self._rows.get(market_id)
        return row is not None and row.closed

    def books_changed(self, tokens: set[str]) -> None:
        """Live books changed (posted at most ~10 times a second): redraw the panel if it shows one."""
        self.query_one(MarketDetailPane).book.books_changed(tokens)

    def history_fetched(self, message: HistoryFetched) -> None:
        if message.market_id == self._detail_id and message.points:
            self._schedule_detail(immediate=True)

    def detail_of(self, market_id: str) -> MarketDetail | None:
        """The loaded detail of `market_id` (for the full-screen view to start from), if it is."""
        detail = self.query_one(MarketDetailPane).detail
        return detail if detail is not None and detail.id == market_id else None

    def action_other_outcome(self) -> None:
        self.query_one(MarketDetailPane).book.next_outcome()

    def _schedule_detail(self, immediate: bool = False) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        if immediate or self.ctx.rest_delay <= 0:
            self._load_detail()
        else:
            self._detail_timer = self.set_timer(self.ctx.rest_delay, self._load_detail)

    def _load_detail(self) -> None:
        market_id = self.table.cursor_key
        self._detail_id = market_id
        # The market under the cursor streams at once (not after the scroll debounce).
        self.feed.set_markets(
            "selected", [market_id] if market_id and not self._market_closed(market_id) else []
        )
        if market_id is None:
            self.query_one(MarketDetailPane).show(None, self.ctx.now())
            return
        self.run_in_thread(
            partial(self._read_detail, market_id),
            group="market-detail",
            exclusive=True,
            description="Loading market details",
        )

    def _read_detail(self, market_id: str) -> None:
        with open_reader(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            detail = market_detail(db, market_id)
        self.post_message(MarketDetailLoaded(market_id, detail))

    @on(MarketDetailLoaded)
    def _detail_loaded(self, message: MarketDetailLoaded) -> None:
        message.stop()
        if message.market_id == self._detail_id:
            pane = self.query_one(MarketDetailPane)
            first = pane.detail is None or pane.detail.id != message.market_id
            pane.show(message.detail, self.ctx.now())
            if first and message.detail is not None and not message.detail.closed and self.feed.enabled:
                self.feed.fetch_history(message.market_id)  # open markets: their path, on demand

    # --- search -----------------------------------------------------------------------------------

    def action_search(self) -> None:
        # Now, not at the next idle as `focus()` does: the keys typed after `/` in the same terminal
        # read come back to the app next, and go to whatever has focus then (PmtuiApp._type_ahead).
        self.screen.set_focus(self.query_one("#markets-search", Input))

    @on(Input.Changed, "#markets-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != self.filter.text:
            self._set_filter(text=event.value, limit=self.page_size)

    @on(Input.Submitted, "#markets-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    @on(SearchInput.Leave)
    def _search_left(self, message: SearchInput.Leave) -> None:
        message.stop()
        self.table.focus()

    # --- actions ----------------------------------------------------------------------------------

    def action_next_sort(self) -> None:
        index = (SORT_ORDER.index(self.filter.sort) + 1) % len(SORT_ORDER)
        key = SORT_ORDER[index]
        self._set_filter(sort=key, descending=SORT_COLUMNS[key][2])

    def action_reverse_sort(self) -> None:
        self._set_filter(descending=not self.filter.descending)

    @on(DataTable.HeaderSelected, "#markets-table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = next((c for c in COLUMNS if c.key == event.column_key.value), None)
        if column is None or column.sort is None:
            return
        if column.sort == self.filter.sort:
            self.action_reverse_sort()
        else:
            self._set_filter(sort=column.sort, descending=SORT_COLUMNS[column.sort][2])

    def action_toggle_closed(self) -> None:
        self._set_filter(include_closed=not self.filter.include_closed, limit=self.page_size)

    def action_toggle_watched_only(self) -> None:
        self._set_filter(watched_only=not self.filter.watched_only, limit=self.page_size)

    def action_more_rows(self) -> None:
        page = self._page
        if page is not None and (page.total is None or len(page.rows) < page.total):
            self._set_filter(limit=self.filter.limit + self.page_size)
        else:
            self.app.notify("All matching markets are shown.", timeout=3)

    def action_reload(self) -> None:
        self._request_page()

    def reload_changed(self) -> None:
        """The store changed (markets stored or updated, by any process): the page is read again;
        unchanged rows stay as they are, so a catalogue filling an empty store shows page by page."""
        if self._started:
            self._request_page()

    def action_toggle_detail(self) -> None:
        pane = self.query_one(MarketDetailPane)
        pane.display = not pane.display

    def action_pick_category(self) -> None:
        # The picker opens now and gets its choices when they are read, so what is typed right after
        # `c` filters them instead of acting on the table.
        def chosen(value: str | None) -> None:
            if value is None:
                return
            self._set_filter(category=None if value == ALL_CATEGORIES else value, limit=self.page_size)

        picker = PickModal("Show category", [], self.filter.category or ALL_CATEGORIES)
        self.app.push_screen(picker, chosen)
        self.run_in_thread(
            partial(self._read_categories, picker),
            group="markets-categories",
            exclusive=True,
            description="Reading categories",
        )

    def _read_categories(self, picker: PickModal) -> None:
        with open_reader(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            counts = category_counts(db, include_closed=self.filter.include_closed)
        self.app.call_from_thread(picker.set_choices, category_choices(counts))

    def action_toggle_watch(self) -> None:
        market_id = self.table.cursor_key
        if market_id is None or market_id not in self._rows:
            return
        watched = not self._rows[market_id].watched
        self.run_in_thread(
            partial(self._write_watch, market_id, watched),
            group="markets-watch",
            description="Saving watch mark",
        )

    def _write_watch(self, market_id: str, watched: bool) -> None:
        from pmtui.store.markets import set_watched

        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            if set_watched(db, [market_id], watched):
                self.post_message(WatchChanged(market_id, watched))

    @on(WatchChanged)
    def _watch_changed(self, message: WatchChanged) -> None:
        message.stop()
        old = self._rows.get(message.market_id)
        if old is None:
            return
        row = dataclasses.replace(old, watched=message.watched)
        self._rows[row.id] = row
        cell = row_cells(row, self.ctx.now())["watch"]
        self._cells[row.id]["watch"] = cell
        self.table.update_cell(row.id, "watch", cell)
        if row.id == self.table.cursor_key:
            self._schedule_detail(immediate=True)
        self.app.refresh_interest()  # type: ignore[attr-defined]  # watched markets stream
