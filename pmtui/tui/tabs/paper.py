"""Paper tab: the paper book as `pmtui paper` shows it, live. Open positions on top; below, one of
the equity curve, closed trades, the forward test (live vs backtest) and P&L by strategy/category.

Everything is read through `pmtui.paper.summary.paper_summary` and closed through
`pmtui.paper.book.close_position`, in thread workers with their own connections.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from pmtui.money import MICROS, usd
from pmtui.paper.forward import BacktestSide, ForwardRow, LiveSide
from pmtui.paper.models import Position
from pmtui.paper.portfolio import MarkedPosition, PnlGroup
from pmtui.paper.summary import PaperSummary
from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.elide import fit_column
from pmtui.tui.messages import PaperLoaded, PositionClosed
from pmtui.tui.queries import open_store
from pmtui.tui.queries.paper import close_at_bid, load_paper
from pmtui.tui.tabs.base import TabView
from pmtui.tui.widgets.chart import Chart
from pmtui.tui.widgets.modals import ConfirmModal
from pmtui.tui.widgets.table import VimTable

WIDE = 110


VIEWS: dict[str, tuple[str, str]] = {
    # view id: (key, title)
    "equity": ("e", "Equity curve"),
    "closed": ("c", "Closed trades"),
    "forward": ("f", "Forward test"),
    "groups": ("b", "P&L breakdown"),
}
MARK_SOURCES = {"bid": "bid", "display": "last", "resolution": "final"}
"""How each mark source reads in the Mark column (`PriceQuote.source`)."""
VERDICT_STYLE = {
    "consistent": "green",
    "worse than backtest": "bold red",
    "better than backtest": "cyan",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    """0: takes the width left over (one such column per table)."""
    right: bool = False
    wide_only: bool = False
    narrow: int = 0
    """Width below the wide breakpoint, when different."""

    def width_at(self, wide: bool) -> int:
        return self.width if wide or not self.narrow else self.narrow


POSITION_COLUMNS = [
    Column("id", "#", 3, right=True),
    Column("market", "Market", 0),
    Column("outcome", "Outcome", 9),
    Column("strategy", "Strategy", 18, wide_only=True),
    Column("shares", "Shares", 7, right=True),
    Column("cost", "Cost", 8, right=True),
    Column("mark", "Mark", 11),
    Column("pnl", "Unrealized", 10, right=True),
]
CLOSED_COLUMNS = [
    Column("id", "#", 3, right=True),
    Column("market", "Market", 0),
    Column("outcome", "Outcome", 9),
    Column("strategy", "Strategy", 18, wide_only=True),
    Column("result", "Result", 6),
    Column("cost", "Cost", 9, right=True),
    Column("proceeds", "Proceeds", 9, right=True, wide_only=True),
    Column("pnl", "P&L", 9, right=True),
    Column("closed", "Closed", 16, wide_only=True),
]
FORWARD_COLUMNS = [
    Column("strategy", "Strategy", 0),
    Column("n", "n", 8, right=True),
    Column("win", "Win [95%]", 14, right=True),
    Column("ret", "Return [95%]", 17, right=True),
    Column("pnl", "P&L", 9, right=True, wide_only=True),
    Column("verdict", "Verdict", 20, narrow=14),
]
SHORT_VERDICTS = {
    "worse than backtest": "worse",
    "better than backtest": "better",
    "too few live trades": "too few trades",
    "no eligible backtest": "no eligible bt",
}
"""Verdicts as they fit a narrow terminal."""
GROUP_COLUMNS = [
    Column("by", "By", 8),
    Column("key", "Strategy / category", 0),
    Column("open", "Open", 5, right=True),
    Column("closed", "Closed", 6, right=True),
    Column("wlvs", "W/L/void/sold", 13, right=True, wide_only=True),
    Column("realized", "Realized", 10, right=True),
    Column("unrealized", "Unrealized", 10, right=True),
    Column("total", "Total", 10, right=True),
]


# --- cell text (pure) -------------------------------------------------------------------------------


def signed_dollars(micros: int | None) -> Text:
    """A P&L in dollars, green up / red down."""
    if micros is None:
        return Text(fmt.DASH, style="dim")
    if micros == 0:
        return Text("$0.00", style="dim")
    return Text(usd(micros, signed=True), style="green" if micros > 0 else "red")


def shares(micros: int) -> str:
    return f"{micros / MICROS:,.2f}"


def market_label(position: Position) -> tuple[str, str | None]:
    """The question (or the id when unknown) and the badge of generated (demo) markets."""
    return position.question or position.market_id, "DEMO" if position.market_source == "demo" else None


def market_text(position: Position) -> Text:
    """The question, literal; generated (demo) markets say so."""
    text = fmt.literal(position.question or position.market_id)
    if position.market_source == "demo":
        text = Text.assemble(("DEMO", "bold black on yellow"), " ", text)
    return text


def mark_text(marked: MarkedPosition) -> Text:
    if marked.mark is None:
        text = Text("at cost", style="dim")
    else:
        source = MARK_SOURCES.get(marked.mark.source, marked.mark.source)
        text = Text(f"{fmt.cents(marked.mark.price)} {source}")
    if marked.awaiting_settlement:
        text.append(" settle", style="bold yellow")
    return text


def interval_percent(value: float | None, interval: tuple[float, float] | None, digits: int = 0) -> str:
    """`91% [88–93]`: a rate with its 95% interval (the interval is left out when unknown)."""
    if value is None:
        return fmt.DASH
    text = fmt.percent(value, digits)
    if interval is not None:
        text += f" [{interval[0] * 100:.0f}–{interval[1] * 100:.0f}]"
    return text


def signed_percent(value: float | None, interval: tuple[float, float] | None) -> str:
    """`+3.2% [-2, +5]`: a mean return per $1 staked with its 95% interval."""
    if value is None:
        return fmt.DASH
    text = f"{value * 100:+.1f}%"
    if interval is not None:
        text += f" [{interval[0] * 100:+.0f},{interval[1] * 100:+.0f}]"
    return text


def live_n(live: LiveSide) -> str:
    text = str(live.n_settled)
    if live.voids:
        text += f" +{live.voids}v"
    return text


def backtest_n(bt: BacktestSide) -> Text:
    if bt.trades is None:
        return Text(fmt.DASH, style="dim")
    if bt.generated_data:
        return Text.assemble(str(bt.trades), " ", ("DEMO", "bold black on yellow"))
    return Text(str(bt.trades))


def verdict_text(verdict: str, *, short: bool = False) -> Text:
    shown = SHORT_VERDICTS.get(verdict, verdict) if short else verdict
    return Text(shown, style=VERDICT_STYLE.get(verdict, "dim"))


def step_series(points: Sequence[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """Equity only moves at closes and settlements: hold each level until the next event, so the
    chart draws steps rather than slopes that suggest gains in between."""
    ts: list[float] = []
    ys: list[float] = []
    for t, y in points:
        if ys:
            ts.append(t)
            ys.append(ys[-1])
        ts.append(t)
        ys.append(y)
    return ts, ys


def equity_range(values: Sequence[float]) -> tuple[float, float]:
    """The equity axis: the values' range, widened to at least 2% of the account around them, so
    seven cents on a $1,000 book draw as the flat line they are, not a cliff."""
    low, high = min(values), max(values)
    floor = 0.02 * max(abs(high), 1.0)
    if high - low < floor:
        middle = (high + low) / 2
        low, high = middle - floor / 2, middle + floor / 2
    return low, high


def dollar_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], list[str]]:
    """`count` evenly spaced ticks from `low` to `high`, in whole dollars when that tells them apart."""
    step = (high - low) / (count - 1)
    ticks = [low + i * step for i in range(count)]
    decimals = 0 if step >= 1 else 2
    return ticks, [f"${tick:,.{decimals}f}" for tick in ticks]


def distinct_ticks(positions: list[float], labels: list[str]) -> tuple[list[float], list[str]]:
    """Ticks without repeated labels (a book minutes old would read 11:07 11:07 11:07 11:07)."""
    kept: list[tuple[float, str]] = []
    for position, label in zip(positions, labels, strict=True):
        if not kept or kept[-1][1] != label:
            kept.append((position, label))
    return [p for p, _ in kept], [label for _, label in kept]


def summary_line(summary: PaperSummary) -> Text:
    """Cash, equity and P&L in one line, with what needs attention."""
    parts: list[Text | str] = [
        Text("Paper book", style="bold"),
        f" · equity {usd(summary.equity_micros)} · cash {usd(summary.cash_micros)}",
        " · realized ",
        signed_dollars(summary.realized_micros),
        " · unrealized ",
        signed_dollars(summary.unrealized_micros),
        f" · {len(summary.open)} open · {len(summary.closed)} closed",
    ]
    if not summary.started:
        parts.append(
            Text(f" · not started: {usd(summary.deposits_micros)} bankroll on first fill", style="dim")
        )
    if summary.awaiting_settlement:
        parts.append(Text(f" · {summary.awaiting_settlement} to settle (pmtui paper settle)", style="yellow"))
    demo = any(m.position.market_source == "demo" for m in summary.open) or any(
        p.market_source == "demo" for p in summary.closed
    )
    if demo:
        parts.append(Text.assemble(" ", ("DEMO DATA", "bold black on yellow")))
    if not summary.ledger.ok:
        parts.append(Text(" · LEDGER PROBLEMS: " + "; ".join(summary.ledger.problems), style="bold red"))
    return Text.assemble(*parts)


def position_cells(marked: MarkedPosition) -> dict[str, Text]:
    p = marked.position
    return {
        "id": Text(str(p.id), justify="right"),
        "market": market_text(p),
        "outcome": fmt.literal(p.outcome),
        "strategy": fmt.literal(p.strategy),
        "shares": Text(shares(p.shares_micros), justify="right"),
        "cost": Text(usd(p.cost_micros), justify="right"),
        "mark": mark_text(marked),
        "pnl": fmt.right(signed_dollars(marked.unrealized_micros)),
    }


def closed_cells(p: Position) -> dict[str, Text]:
    result_style = {"win": "green", "loss": "red", "void": "yellow"}.get(p.result or "", "")
    return {
        "id": Text(str(p.id), justify="right"),
        "market": market_text(p),
        "outcome": fmt.literal(p.outcome),
        "strategy": fmt.literal(p.strategy),
        "result": Text(p.result or fmt.DASH, style=result_style),
        "cost": Text(usd(p.cost_micros), justify="right"),
        "proceeds": Text(usd(p.proceeds_micros), justify="right"),
        "pnl": fmt.right(signed_dollars(p.realized_micros)),
        "closed": Text(fmt.utc_date(p.closed_t).removesuffix(" UTC"), style="dim"),
    }


def forward_cells(row: ForwardRow, *, short: bool = False) -> list[dict[str, Text]]:
    """Two rows per strategy: its live paper results, then its latest stored backtest."""
    live, bt = row.live, row.backtest
    live_row = {
        "strategy": fmt.literal(row.strategy, style="bold"),
        "n": Text(live_n(live), justify="right"),
        "win": Text(interval_percent(live.win_rate, live.win_rate_ci), justify="right"),
        "ret": Text(signed_percent(live.mean_return, live.mean_return_ci), justify="right"),
        "pnl": fmt.right(signed_dollars(live.realized_micros)),
        "verdict": verdict_text(row.verdict, short=short),
    }
    side = Text("  └ backtest", style="dim")
    if bt is None:
        bt_row = {key: Text("") for key in live_row}
        bt_row.update(strategy=side, win=Text("no stored run", style="dim", justify="right"))
        return [live_row, bt_row]
    bt_row = {
        "strategy": side,
        "n": fmt.right(backtest_n(bt)),
        "win": Text(interval_percent(bt.win_rate, bt.win_rate_ci), justify="right"),
        "ret": Text(signed_percent(bt.mean_return, bt.mean_return_ci), justify="right"),
        "pnl": Text(""),
        "verdict": fmt.literal(bt.run_id, style="dim"),
    }
    if bt.cannot_speak is not None:
        # Shown, never compared: say why this run cannot stand for the strategy as it runs live.
        bt_row["verdict"] = Text.assemble(fmt.literal(bt.run_id, style="dim"), (" cannot speak", "yellow"))
    return [live_row, bt_row]


def group_cells(by: str, group: PnlGroup) -> dict[str, Text]:
    return {
        "by": Text(by, style="dim"),
        "key": fmt.literal(group.key),
        "open": Text(str(group.n_open), justify="right"),
        "closed": Text(str(group.n_closed), justify="right"),
        "wlvs": Text(f"{group.wins}/{group.losses}/{group.voids}/{group.sold}", justify="right"),
        "realized": fmt.right(signed_dollars(group.realized_micros)),
        "unrealized": fmt.right(signed_dollars(group.unrealized_micros)),
        "total": fmt.right(signed_dollars(group.total_micros)),
    }


# --- the tab ---------------------------------------------------------------------------------------


class PaperTab(TabView):
    """Tab 5: open positions, P&L, equity curve, closed trades, forward test; `x` closes at the bid."""

    WATCHES = frozenset({"paper", "quotes", "backtests"})
    ACTS_ON_ROWS = True
    RELOAD_GAP = 2.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "close_position", "Close at bid"),
        *[Binding(key, f"view('{view}')", title) for view, (key, title) in VIEWS.items()],
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(ctx, id=id)
        self.summary: PaperSummary | None = None
        self.view = "equity"
        self._seq = 0
        self._width = 0
        self._wide = True
        self._shown: dict[str, tuple[object, ...]] = {}
        """What each table was last built from (row keys and widths): unchanged rows update in place."""

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="paper-summary")
        yield VimTable(id="paper-positions")
        yield Static("", id="paper-views")
        with ContentSwitcher(initial="paper-equity", id="paper-lower"):
            yield Chart(empty_text="no paper trades yet", id="paper-equity")
            with Vertical(id="paper-closed-view"):
                yield VimTable(id="paper-closed")
            with Vertical(id="paper-forward-view"):
                yield VimTable(id="paper-forward")
            with Vertical(id="paper-groups-view"):
                yield VimTable(id="paper-groups")

    @property
    def positions(self) -> VimTable:
        return self.query_one("#paper-positions", VimTable)

    def start(self) -> None:
        self._draw_views()
        self.reload()
        # Marks move with prices; reloaded every refresh interval.
        self.reload_every(float(self.ctx.settings.ui.refresh_interval))

    def reload_changed(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        # Also runs when the tab is first shown: a hidden tab has no width to lay columns out in.
        if self.size.width != self._width:
            self._width = self.size.width
            self._wide = self._width >= WIDE
            self._shown = {}
            self._show()

    # --- loading ----------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._seq += 1
        work = partial(self._read, self._seq)
        self.run_in_thread(work, group="paper-read", description="Reading the paper book", exclusive=True)

    def _read(self, seq: int) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            summary = load_paper(db, self.ctx.settings, self.ctx.now())
        self.post_message(PaperLoaded(seq, summary))

    @on(PaperLoaded)
    def _loaded(self, message: PaperLoaded) -> None:
        message.stop()
        if message.seq != self._seq:
            return
        self.summary = message.summary
        self._show()
        self.loaded()

    # --- drawing ----------------------------------------------------------------------------------

    def _show(self) -> None:
        summary = self.summary
        if summary is None or not self._width:
            return
        self.query_one("#paper-summary", Static).update(summary_line(summary))
        self._fill(
            self.positions,
            POSITION_COLUMNS,
            [(str(m.position.id), position_cells(m)) for m in summary.open],
            [market_label(m.position) for m in summary.open],
        )
        self._fill(
            self.query_one("#paper-closed", VimTable),
            CLOSED_COLUMNS,
            [(str(p.id), closed_cells(p)) for p in summary.closed],
            [market_label(p) for p in summary.closed],
        )
        forward_rows: list[tuple[str, dict[str, Text]]] = []
        for row in summary.forward:
            live, bt = forward_cells(row, short=not self._wide)
            forward_rows += [(f"{row.strategy}:live", live), (f"{row.strategy}:backtest", bt)]
        self._fill(self.query_one("#paper-forward", VimTable), FORWARD_COLUMNS, forward_rows)
        group_rows = [(f"s:{g.key}", group_cells("strategy", g)) for g in summary.by_strategy]
        group_rows += [(f"c:{g.key}", group_cells("category", g)) for g in summary.by_category]
        self._fill(self.query_one("#paper-groups", VimTable), GROUP_COLUMNS, group_rows)
        self._draw_equity(summary)
        self._draw_views()

    def _fill(
        self,
        table: VimTable,
        columns: Sequence[Column],
        rows: list[tuple[str, dict[str, Text]]],
        labels: list[tuple[str, str | None]] | None = None,
    ) -> None:
        """Show `rows` in `table`. The same rows as last time update in place (cursor and scroll
        stay); otherwise the table is rebuilt with the cursor kept on its row when it still exists.
        `labels` ((text, badge) per row) are fitted into the flexible column (`pmtui.tui.elide`)."""
        shown = [c for c in columns if self._wide or not c.wide_only]
        # Each fixed column as wide as its widest cell, up to its width; the flexible one gets the rest.
        widths = {
            c.key: min(
                c.width_at(self._wide), max([len(c.label), *(cells[c.key].cell_len for _, cells in rows)])
            )
            for c in shown
            if c.width
        }
        fixed = sum(width + 2 for width in widths.values())
        flex = max(12, (table.size.width or self._width) - fixed - 3)
        widths = {c.key: widths.get(c.key, flex) for c in shown}
        if labels is not None:
            key = next(c.key for c in shown if not c.width)
            fitted = fit_column([text for text, _ in labels], flex, [badge for _, badge in labels])
            for (_, cells), cell in zip(rows, fitted, strict=True):
                cells[key] = cell
        fingerprint = (tuple(key for key, _ in rows), tuple(widths.items()))
        clip = partial(self._clip, widths)
        table_id = table.id or ""
        if self._shown.get(table_id) == fingerprint:
            for key, cells in rows:
                for column in shown:
                    table.update_cell(key, column.key, clip(column.key, cells[column.key]))
            return
        self._shown[table_id] = fingerprint
        keep_key, keep_row = table.cursor_key, table.cursor_row
        table.clear(columns=True)
        for column in shown:
            table.add_column(
                Text(column.label, justify="right" if column.right else "left"),
                key=column.key,
                width=widths[column.key],
            )
        for key, cells in rows:
            table.add_row(*[clip(c.key, cells[c.key]) for c in shown], key=key)
        if (keep_key is None or not table.move_to_key(keep_key)) and table.row_count:
            table.move_cursor(row=min(keep_row, table.row_count - 1))

    @staticmethod
    def _clip(widths: dict[str, int], key: str, cell: Text) -> Text:
        return fmt.clip(cell, widths[key]) if cell.cell_len > widths[key] else cell

    def _draw_equity(self, summary: PaperSummary) -> None:
        chart = self.query_one("#paper-equity", Chart)
        title = "Equity ($): deposit, each close and settlement, marked now"
        points = summary.equity_curve
        if not points:
            chart.show_empty(title, "no paper trades yet: approve a signal (3 Signals, a) to open one")
            return
        ts, ys = step_series([(float(p.t), p.equity_micros / MICROS) for p in points])
        low, high = equity_range(ys)
        chart.show_lines(
            title,
            [("equity", ts, ys)],
            xlabels=distinct_ticks(*fmt.time_ticks(ts)),
            ylim=(low, high),
            ylabels=dollar_ticks(low, high),
        )

    def _draw_views(self) -> None:
        parts: list[Text | str] = []
        for view, (key, title) in VIEWS.items():
            if parts:
                parts.append(Text("  ", style="dim"))
            style = "bold reverse" if view == self.view else "dim"
            parts.append(Text(f" {key} {title} ", style=style))
        self.query_one("#paper-views", Static).update(Text.assemble(*parts))

    def action_view(self, view: str) -> None:
        if view in VIEWS:
            self.view = view
            self.query_one("#paper-lower", ContentSwitcher).current = f"paper-{view}" + (
                "" if view == "equity" else "-view"
            )
            self._draw_views()

    # --- closing ----------------------------------------------------------------------------------

    @property
    def current(self) -> MarkedPosition | None:
        key = self.positions.cursor_key
        if key is None or self.summary is None:
            return None
        return next((m for m in self.summary.open if str(m.position.id) == key), None)

    def action_close_position(self) -> None:
        marked = self.current
        if marked is None:
            self.app.notify("No open position to close.", timeout=3)
            return
        p = marked.position
        lines = [
            p.question or p.market_id,
            f"{p.outcome} · {shares(p.shares_micros)} shares · cost {usd(p.cost_micros)}",
        ]
        if marked.mark is not None and marked.mark.source == "bid":
            pnl = signed_dollars(marked.unrealized_micros).plain
            lines.append(
                f"Best bid {fmt.cents(marked.mark.price)}: about {usd(marked.value_micros)} "
                f"after the taker fee ({pnl})"
            )
        else:
            lines.append("No fresh bid known: the book refuses to close at a price nobody offers.")
        confirmed: Callable[[bool | None], None] = partial(self._close_confirmed, p.id)
        self.app.push_screen(
            ConfirmModal(f"Close position #{p.id} at the current bid?", "\n".join(lines)), confirmed
        )

    def _close_confirmed(self, position_id: int, yes: bool | None) -> None:
        if yes:
            work = partial(self._close, position_id)
            self.run_in_thread(work, group="paper-close", description=f"Closing position #{position_id}")

    def _close(self, position_id: int) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            outcome = close_at_bid(db, position_id, self.ctx.settings, self.ctx.now())
        self.post_message(PositionClosed(outcome))

    @on(PositionClosed)
    def _position_closed(self, message: PositionClosed) -> None:
        message.stop()
        outcome = message.outcome
        position = outcome.position
        if position is None:
            self.app.notify(
                outcome.refusal or "refused", title="Not closed", severity="warning", markup=False
            )
        else:
            price = fmt.cents(position.mark_price)
            pnl = signed_dollars(position.realized_micros).plain
            self.app.notify(
                f"Closed #{position.id} at {price}: proceeds {usd(position.proceeds_micros)}, P&L {pnl}",
                timeout=5,
                markup=False,
            )
        self.reload()
