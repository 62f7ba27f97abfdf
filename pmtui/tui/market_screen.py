"""The full-screen market detail (`enter` on a Markets row): the whole question, the rules, the
resolution source, the URL, prices and spread, the live order book and the price history.

It subscribes its market's books (source "selected") and asks for the market's price history when
it opens; the book panel redraws in place as the book changes. `escape` goes back to the table with
its cursor where it was.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.live import BooksChanged, HistoryFetched, LiveFeed
from pmtui.tui.messages import MarketDetailLoaded
from pmtui.tui.queries import open_store
from pmtui.tui.queries.markets import MarketDetail, market_detail
from pmtui.tui.widgets.book import BookPanel
from pmtui.tui.widgets.chart import Chart
from pmtui.tui.widgets.history import draw_history


def rules_text(detail: MarketDetail) -> Text:
    """Rules, resolution source and URL, every piece literal (market text is untrusted)."""
    parts: list[Text] = [Text("Rules", style="bold")]
    parts.append(fmt.literal(detail.description or "no rules text stored", newlines=True))
    parts.append(Text())
    parts.append(
        Text.assemble(("Resolution source  ", "bold"), fmt.literal(detail.resolution_source or "not given"))
    )
    url = detail.url
    parts.append(
        Text.assemble(
            ("URL  ", "bold"),
            fmt.literal(url) if url else Text("none (not a Polymarket market)", style="dim"),
        )
    )
    return Text("\n").join(parts)


def spread_line(detail: MarketDetail, feed: LiveFeed) -> Text:
    """YES best bid / ask / spread from the live book when there is one, else the stored quote."""
    bid = ask = None
    source = "stored"
    token = detail.token_ids[0] if detail.token_ids else None
    view = feed.state.view(token, 1) if token else None
    if view is not None and (view.bids or view.asks):
        bid, ask, source = view.best_bid, view.best_ask, "live book"
    elif detail.outcomes:
        bid, ask = detail.outcomes[0].best_bid, detail.outcomes[0].best_ask
    name = detail.outcomes[0].name if detail.outcomes else "YES"
    spread = None if bid is None or ask is None else ask - bid
    return Text.assemble(
        (f"{'Spread':<10}", "dim"),
        fmt.literal(name),
        f" bid {fmt.cents(bid)} · ask {fmt.cents(ask)} · spread {fmt.cents(spread)}",
        (f"  ({source})", "dim"),
    )


class MarketDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("o", "other_outcome", "Other outcome"),
    ]
    DEFAULT_CSS = """
    MarketDetailScreen { layout: vertical; }
    #md-question { padding: 0 1; text-style: bold; height: auto; max-height: 4; }
    #md-body { height: 1fr; }
    #md-info { width: 1fr; padding: 0 1; }
    #md-side { width: 1fr; min-width: 40; }
    #md-book { height: 14; width: 1fr; }
    #md-chart { height: 1fr; min-height: 6; }
    #md-rules { margin-top: 1; }
    """

    def __init__(
        self, ctx: TuiContext, market_id: str, feed: LiveFeed, detail: MarketDetail | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.market_id = market_id
        self.feed = feed
        self.detail = detail

    def compose(self) -> ComposeResult:
        yield Static("", markup=False, id="md-question")
        with Horizontal(id="md-body"):
            with VerticalScroll(id="md-info"):
                yield Static("", id="md-facts")
                yield Static("", id="md-spread")
                yield Static("", id="md-outcomes")
                yield Static("", id="md-rules")
            with Vertical(id="md-side"):
                panel = BookPanel(self.feed.state, is_live=lambda: self.feed.running, id="md-book")
                panel.clock = self.ctx.now
                yield panel
                yield Chart(empty_text="no price history stored", id="md-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.feed.set_markets("detail", [self.market_id])
        if self.detail is not None:
            self._show(self.detail)
        self._load()
        self.feed.fetch_history(self.market_id)

    def _load(self) -> None:
        self.run_worker(
            self._read,
            thread=True,
            group="md-detail",
            exclusive=True,
            exit_on_error=False,
            description="Loading market details",
        )

    def _read(self) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            detail = market_detail(db, self.market_id)
        self.post_message(MarketDetailLoaded(self.market_id, detail))

    @on(MarketDetailLoaded)
    def _loaded(self, message: MarketDetailLoaded) -> None:
        message.stop()
        if message.market_id == self.market_id and message.detail is not None:
            self._show(message.detail)

    def _show(self, detail: MarketDetail) -> None:
        from pmtui.tui.tabs.markets import detail_facts, outcome_lines

        self.detail = detail
        now = self.ctx.now()
        self.query_one("#md-question", Static).update(fmt.literal(detail.question))
        self.query_one("#md-facts", Static).update(detail_facts(detail, now))
        self.query_one("#md-spread", Static).update(spread_line(detail, self.feed))
        self.query_one("#md-outcomes", Static).update(outcome_lines(detail))
        self.query_one("#md-rules", Static).update(rules_text(detail))
        note = (
            "closed: no order book"
            if detail.closed
            else ("" if self.feed.running else "live books are off (offline, or [live] enabled = false)")
        )
        names = [o.name for o in detail.outcomes]
        self.query_one(BookPanel).show_tokens(
            [] if detail.closed else detail.token_ids, names, note=note, tick_size=detail.tick_size
        )
        self._draw_chart()

    def _draw_chart(self) -> None:
        detail = self.detail
        if detail is None:
            return
        live = None
        if detail.token_ids and not detail.closed:
            view = self.feed.state.view(detail.token_ids[0], 1)
            if view is not None and view.mid is not None:
                live = (self.ctx.now(), view.mid)
        label = detail.outcomes[0].name if detail.outcomes else "outcome 0"
        draw_history(self.query_one("#md-chart", Chart), detail.history, label, live=live)

    def books_changed(self, message: BooksChanged) -> None:
        self.query_one(BookPanel).books_changed(message.tokens)
        if self.detail is not None and self.detail.token_ids and self.detail.token_ids[0] in message.tokens:
            self.query_one("#md-spread", Static).update(spread_line(self.detail, self.feed))

    def history_fetched(self, message: HistoryFetched) -> None:
        if message.market_id == self.market_id and message.points:
            self._load()

    def action_other_outcome(self) -> None:
        self.query_one(BookPanel).next_outcome()

    def on_unmount(self) -> None:
        self.feed.set_markets("detail", [])
