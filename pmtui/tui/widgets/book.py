"""The order-book panel: a depth ladder of one outcome's live book, redrawn in place.

    spread 1.0¢ · last 52.0¢ · tick 1¢ · live 0s
       cum    size    bid │ ask      size     cum
        15      15  50.0¢ │ 52.0¢      25      25
        35      20  49.0¢ │ 53.0¢      60      85

Bids best first (highest) on the left, asks best first (lowest) on the right, each with its size and
the cumulative size from the top of the book, in cents like every price in the app. Up to `depth`
levels (10), fewer when the panel is short. It reads the shared `BookState` on the UI thread (a copy
of the levels shown) whenever the app says the shown token changed; nothing else moves on screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from pmtui.polymarket.book_state import BookState, BookView
from pmtui.tui import formatting as fmt

DEPTH = 10
HEADER_LINES = 2


def level_cents(price: float | None, tick: float | None) -> str:
    """A price in cents with the precision its tick needs (0.001 → one decimal, 0.0001 → two)."""
    if price is None:
        return fmt.DASH
    digits = 2 if tick is not None and tick < 0.001 else 1
    return f"{price * 100:.{digits}f}¢"


def shares(size: float) -> str:
    """A share count in at most 7 characters: 950, 12,345, 123k, 1.2M."""
    if size >= 999_500:
        return f"{size / 1_000_000:.1f}M"
    if size >= 100_000:
        return f"{size / 1000:.0f}k"
    if size >= 100:
        return f"{size:,.0f}"
    return f"{size:.2f}".rstrip("0").rstrip(".") or "0"


def ladder(view: BookView, depth: int, *, width: int, now: float, tick_hint: float | None = None) -> Text:
    """The panel's text for one book (header line, column titles, `depth` rows). `tick_hint` is the
    stored tick size, used until the book itself says (socket books carry it only when it changes)."""
    tick = view.tick_size if view.tick_size is not None else tick_hint
    state = "live" if view.source == "ws" else "polled"
    if not view.synced:
        state = "resyncing"
    age = max(0.0, now - view.updated)
    facts = [
        f"spread {level_cents(view.spread, tick)}",
        f"last {level_cents(view.last_trade, tick)}",
        f"{state} {fmt.short_span(age)}",
    ]
    if tick is not None:
        facts.append(f"tick {tick * 100:g}¢")
    # Facts in order of importance, as many as fit on one line.
    shown: list[str] = []
    for fact in facts:
        if len(" · ".join([*shown, fact])) <= width or not shown:
            shown.append(fact)
    header = Text(" · ".join(shown), style="dim" if view.synced else "yellow")
    with_cum = width >= 48
    size_w, cum_w, price_w = 7, 8, 7
    titles = Text(style="bold")
    if with_cum:
        titles.append(f"{'cum':>{cum_w}}")
    titles.append(f"{'size':>{size_w + 1}} {'bid':>{price_w}} │ {'ask':<{price_w}} {'size':>{size_w}}")
    if with_cum:
        titles.append(f"{'cum':>{cum_w}}")
    rows = [header, titles]
    bid_cum = ask_cum = 0.0
    for index in range(depth):
        line = Text()
        bid = view.bids[index] if index < len(view.bids) else None
        ask = view.asks[index] if index < len(view.asks) else None
        if bid is not None:
            bid_cum += bid[1]
            if with_cum:
                line.append(f"{shares(bid_cum):>{cum_w}}", style="dim")
            line.append(f"{shares(bid[1]):>{size_w + 1}} ")
            line.append(
                f"{level_cents(bid[0], tick):>{price_w}}", style="bold green" if index == 0 else "green"
            )
        else:
            line.append(" " * ((cum_w if with_cum else 0) + size_w + 2 + price_w))
        line.append(" │ ", style="dim")
        if ask is not None:
            ask_cum += ask[1]
            line.append(f"{level_cents(ask[0], tick):<{price_w}}", style="bold red" if index == 0 else "red")
            line.append(f" {shares(ask[1]):>{size_w}}")
            if with_cum:
                line.append(f"{shares(ask_cum):>{cum_w}}", style="dim")
        rows.append(line)
    if not view.bids and not view.asks:
        rows.append(Text("the book is empty", style="dim"))
    return Text("\n").join(rows)


class BookPanel(Static):
    """One outcome's live book. `show_tokens` picks the market; `redraw` after `BooksChanged`."""

    DEFAULT_CSS = """
    BookPanel { width: auto; min-width: 36; height: 1fr; padding: 0 1; }
    """

    def __init__(
        self,
        state: BookState,
        *,
        depth: int = DEPTH,
        other_key: str = "o",
        is_live: Callable[[], bool] = lambda: True,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.state = state
        self.depth = depth
        self.other_key = other_key
        self.is_live = is_live
        """Whether the live books run (else an empty panel says they are off, not "waiting")."""
        self.tokens: list[str] = []
        self.outcomes: list[str] = []
        self.outcome = 0
        self.note = ""
        """What to say while there is no book (why)."""
        self.tick_hint: float | None = None
        """The market's stored tick size (shown until the book reports its own)."""
        self.clock = _wall_clock
        self.drawn_token: str | None = None
        self.drawn_at = 0.0
        """The token whose levels were last drawn, and when (perf_counter; the benchmark reads it)."""

    @property
    def token(self) -> str | None:
        return self.tokens[self.outcome] if self.outcome < len(self.tokens) else None

    def show_tokens(
        self, tokens: list[str], outcomes: list[str], *, note: str = "", tick_size: float | None = None
    ) -> None:
        if tokens != self.tokens:
            self.outcome = 0
        self.tokens = list(tokens)
        self.outcomes = list(outcomes)
        self.note = note
        self.tick_hint = tick_size
        self.redraw()

    def next_outcome(self) -> None:
        if self.tokens:
            self.outcome = (self.outcome + 1) % len(self.tokens)
            self.redraw()

    def books_changed(self, tokens: set[str]) -> None:
        if self.token is not None and self.token in tokens:
            self.redraw()

    def redraw(self) -> None:
        token = self.token
        name = self.outcomes[self.outcome] if self.outcome < len(self.outcomes) else f"outcome {self.outcome}"
        title = Text.assemble(fmt.literal(name, style="bold"), (" book", "bold"))
        if len(self.tokens) > 1:
            title.append(f"  ({self.other_key}: other outcome)", style="dim")
        if token is None:
            self.update(Text.assemble(title, "\n", (self.note or "no order book", "dim")))
            return
        depth = max(1, min(self.depth, (self.size.height or self.depth + 3) - HEADER_LINES - 1))
        view = self.state.view(token, depth)
        if view is None:
            waiting = "waiting for the book…" if self.is_live() else "live books are off (offline)"
            self.update(Text.assemble(title, "\n", (self.note or waiting, "dim")))
            return
        width = self.size.width or 60
        self.update(
            Text.assemble(
                title, "\n", ladder(view, depth, width=width, now=self.clock(), tick_hint=self.tick_hint)
            )
        )
        self.drawn_token, self.drawn_at = token, time.perf_counter()

    def on_resize(self) -> None:
        self.redraw()


def _wall_clock() -> float:
    return time.time()
