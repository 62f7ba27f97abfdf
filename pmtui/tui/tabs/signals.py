"""Signals tab: the review queue. One key approves or rejects; several can be marked and decided.

Decisions go through `pmtui.signals.queue` (the same code as `pmtui queue approve`), in a thread
worker with its own connection. The queue refuses what it must (expired, already decided, too late to
undo) with one line, which the app shows as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from pmtui.money import usd
from pmtui.signals import queue as review
from pmtui.signals.store import SignalRow
from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.elide import badged, fit_column
from pmtui.tui.messages import DecisionsMade, SignalsLoaded
from pmtui.tui.queries import open_store
from pmtui.tui.tabs.base import TabView
from pmtui.tui.widgets.modals import ConfirmModal, NoteModal, PickModal
from pmtui.tui.widgets.table import VimTable

VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    # view key: (title, statuses shown)
    "pending": ("Pending", ("pending",)),
    "decided": ("Decided", ("approved", "rejected")),
    "expired": ("Expired", ("expired",)),
}
ALL_STRATEGIES = "*"
WIDE = 110


@dataclass(frozen=True)
class Decision:
    """One decision the trader made in this session (what `u` can take back)."""

    signal_id: int
    action: str
    """approve | reject"""
    t: float


def win_estimate(signal: SignalRow, *, short: bool = False) -> Text:
    """Estimated win probability with its sample size; unvalidated strategies say so."""
    n = signal.est_source.get("n")
    size = f" n={n}" if n is not None else ""
    if not signal.validated or signal.est_win_prob is None:
        return Text(f"{'unval.' if short else 'unvalidated'}{size}", style="yellow")
    return Text(f"{fmt.percent(signal.est_win_prob, 0)}{size}")


def edge_text(edge: float | None) -> Text:
    if edge is None:
        return Text(fmt.DASH, style="dim")
    return fmt.signed_cents(edge)


def strategy_text(signal: SignalRow) -> Text:
    """The strategy name; signals on generated data say DEMO first."""
    return badged(signal.strategy, "DEMO" if signal.source == "demo" else None)


def signal_cells(signal: SignalRow, now: float, *, marked: bool, short: bool = False) -> dict[str, Text]:
    """One queue row by column key, unfitted (the market and strategy are fitted per table);
    `short` words for a narrow terminal."""
    return {
        "mark": Text("✓" if marked else " ", style="bold green"),
        "market": fmt.literal(signal.question),
        "strategy": strategy_text(signal),
        "buy": fmt.literal(signal.outcome),
        "price": Text(fmt.cents(signal.price), justify="right"),
        "win": win_estimate(signal, short=short),
        "edge": fmt.right(edge_text(signal.edge)),
        "stake": Text(usd(signal.stake_micros), justify="right"),
        "status": status_text(signal, now, short=True),
    }


COLUMNS: list[tuple[str, str, int, int]] = [
    # (key, heading, widest in a wide terminal, widest in a narrow one): each column is as wide as
    # its widest cell up to that cap; the market question takes what is left (0).
    # Below `WIDE` the edge and the expiry are left to the detail pane, for the market's sake.
    ("mark", " ", 1, 1),
    ("market", "Market", 0, 0),
    ("strategy", "Strategy", 22, 10),
    ("buy", "Buy", 10, 6),
    ("price", "Price", 6, 6),
    ("win", "Win est.", 18, 11),
    ("edge", "Edge", 7, 0),
    ("stake", "Stake", 10, 10),
    ("status", "Expires", 14, 0),
]
MIN_MARKET = 16
"""The market column is never narrower (the table scrolls sideways instead)."""


def signal_columns(
    view: str, wide: bool, width: int, rows: Sequence[dict[str, Text]]
) -> list[tuple[str, str, int]]:
    """(key, heading, width) of the queue's columns at this terminal width. Columns fit their
    content (capped); the market question gets the width that is left. A cap of 0 drops the column."""
    columns: list[tuple[str, str, int]] = []
    for key, heading, wide_cap, narrow_cap in COLUMNS:
        cap = wide_cap if wide else narrow_cap
        if key == "status" and view != "pending":
            heading = "Status"
        if key == "market":
            columns.append((key, heading, 0))
        elif cap:
            content = max((row[key].cell_len for row in rows), default=0)
            columns.append((key, heading, min(cap, max(len(heading), content))))
    # 2 cells of padding per column, 1 for the vertical scrollbar, 1 spare.
    used = sum(w + 2 for _, _, w in columns) + 2
    return [(k, h, w or max(MIN_MARKET, width - used)) for k, h, w in columns]


def status_text(signal: SignalRow, now: float, *, short: bool = False) -> Text:
    if signal.status == "pending":
        left = signal.expires - now
        if left <= 0:
            return Text("expiring", style="yellow")
        return Text(fmt.span(left) if short else f"expires in {fmt.span(left)}", style="dim")
    style = {"approved": "green", "rejected": "red", "expired": "yellow"}.get(signal.status, "")
    if short:
        return Text(f"{signal.status} {fmt.short_span(now - signal.status_time)}", style=style)
    return Text(f"{signal.status} {fmt.age(signal.status_time, now)}", style=style)


def signal_detail(signal: SignalRow, now: float) -> Text:
    """Everything about one signal, untrusted strings literal."""
    parts: list[Text] = [fmt.literal(signal.question, style="bold")]
    line = Text.assemble(
        "Buy ",
        fmt.literal(signal.outcome, style="bold"),
        f" at {fmt.cents(signal.price)} ({signal.price_source})",
    )
    if signal.cost is not None:
        line.append(f" · all-in cost {fmt.cents(signal.cost)}")
    line.append(" · ")
    source = signal.est_source
    if signal.validated and signal.est_win_prob is not None:
        line.append(f"est. win {fmt.percent(signal.est_win_prob)}")
        if "ci_low" in source and "ci_high" in source:
            line.append(f" [{fmt.percent(source['ci_low'])}–{fmt.percent(source['ci_high'])}]")
        line.append(f" n={source.get('n', '?')}")
    else:
        reason = source.get("reason", "no backtest yet")
        line.append(Text(f"unvalidated ({reason}): sized at zero", style="yellow"))
    line.append(" · edge ")
    line.append(edge_text(signal.edge))
    line.append(f" · Kelly stake {usd(signal.stake_micros)}")
    parts.append(line)
    parts.append(
        Text.assemble(("Why ", "dim"), fmt.literal(signal.strategy), ": ", fmt.literal(signal.rationale))
    )
    status = Text.assemble(("Status ", "dim"), status_text(signal, now))
    if signal.status_reason and signal.status != "pending":
        status.append(" · ")
        status.append(fmt.literal(signal.status_reason))
    if signal.note:
        status.append(" · note: ")
        status.append(fmt.literal(signal.note))
    if signal.source == "demo":
        status.append(" · ")
        status.append("GENERATED DEMO DATA", style="bold black on yellow")
    parts.append(status)
    return Text("\n").join(parts)


class SignalsTab(TabView):
    """Tab 3: pending signals best first; decide with one key."""

    WATCHES = frozenset({"signals"})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("u", "undo", "Undo"),
        Binding("space", "toggle_mark", "Mark"),
        Binding("A", "approve_marked", "Approve marked"),
        Binding("R", "reject_marked", "Reject marked"),
        Binding("p", "view('pending')", "Pending", show=False),
        Binding("d", "view('decided')", "Decided", show=False),
        Binding("e", "view('expired')", "Expired", show=False),
        Binding("f", "pick_strategy", "Strategy", show=False),
    ]

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(ctx, id=id)
        self.view = "pending"
        self.strategy: str | None = None
        self.signals: dict[int, SignalRow] = {}
        self.marked: set[int] = set()
        self.last_decisions: list[Decision] = []
        self._seq = 0
        self._shown: tuple[tuple[int, str, int], ...] = ()
        self._wide = True
        self._width = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="signals-summary")
        yield VimTable(id="signals-table")
        yield Static("", id="signal-detail")

    @property
    def table(self) -> VimTable:
        return self.query_one("#signals-table", VimTable)

    def start(self) -> None:
        self.reload()
        # The countdowns move and due signals expire; a hidden tab only notes it is behind.
        self.set_interval(float(self.ctx.settings.ui.refresh_interval), self._tick)

    def _tick(self) -> None:
        if self.shown:
            self.reload()
        else:
            self._stale = True

    def reload_changed(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        # Also runs when the tab is first shown: a hidden tab has no width to lay columns out in.
        if self.size.width != self._width:
            self._width = self.size.width
            self._wide = self._width >= WIDE
            self._shown = ()
            self._show_signals(list(self.signals.values()))

    # --- loading ----------------------------------------------------------------------------------

    def reload(self) -> None:
        self._seq += 1
        work = partial(self._read, self._seq, self.view, self.strategy)
        self.run_in_thread(work, group="signals-read", description="Reading signals", exclusive=True)

    def _read(self, seq: int, view: str, strategy: str | None) -> None:
        now = int(self.ctx.now())
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            # Like `pmtui queue list`: what is due expires first, so the queue never shows a dead signal.
            review.expire_due(db, now)
            rows: list[SignalRow] = []
            for status in VIEWS[view][1]:
                rows.extend(review.list_signals(db, status=status, strategy=strategy))
        if view != "pending":
            rows.sort(key=lambda s: (-s.status_time, s.id))
        self.post_message(SignalsLoaded(seq, rows))

    @on(SignalsLoaded)
    def _loaded(self, message: SignalsLoaded) -> None:
        message.stop()
        if message.seq != self._seq:
            return
        self._show_signals(message.signals)

    def _show_signals(self, signals: Sequence[SignalRow]) -> None:
        shown = tuple((s.id, s.status, s.updated) for s in signals)
        self.signals = {s.id: s for s in signals}
        self.marked &= set(self.signals)
        self._update_summary()
        if shown == self._shown:
            self._update_detail()
            return  # nothing changed: keep the table (and cursor) as it is
        self._shown = shown
        table = self.table
        keep_key, keep_row = table.cursor_key, table.cursor_row
        table.clear(columns=True)
        now = self.ctx.now()
        rows = {
            signal.id: signal_cells(signal, now, marked=signal.id in self.marked, short=not self._wide)
            for signal in signals
        }
        columns = signal_columns(self.view, self._wide, self.size.width, list(rows.values()))
        widths = {key: width for key, _, width in columns}
        questions = fit_column([s.question for s in signals], widths["market"])
        demo = ["DEMO" if s.source == "demo" else None for s in signals]
        strategies = fit_column([s.strategy for s in signals], widths["strategy"], demo)
        for key, label, width in columns:
            table.add_column(Text(label), key=key, width=width)
        for signal, question, strategy in zip(signals, questions, strategies, strict=True):
            cells = rows[signal.id]
            cells["market"] = question
            cells["strategy"] = strategy
            cells["buy"] = fmt.clip(cells["buy"], widths["buy"])
            table.add_row(*[cells[key] for key, _, _ in columns], key=str(signal.id))
        # A decided signal leaves the pending view: the cursor stays where it was, on the next one.
        if (keep_key is None or not table.move_to_key(keep_key)) and table.row_count:
            table.move_cursor(row=min(keep_row, table.row_count - 1))
        self._update_detail()

    def _update_summary(self) -> None:
        title = VIEWS[self.view][0]
        parts: list[Text | str] = [Text(title, style="bold"), f" · {fmt.plural(len(self.signals), 'signal')}"]
        parts.append(" · ")
        parts.append(fmt.literal(self.strategy) if self.strategy else Text("all strategies"))
        if self.marked:
            parts.append(Text(f" · {len(self.marked)} marked", style="bold green"))
        parts.append(Text("   p pending · d decided · e expired · f strategy", style="dim"))
        self.query_one("#signals-summary", Static).update(Text.assemble(*parts))

    @on(DataTable.RowHighlighted, "#signals-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._update_detail()

    def _update_detail(self) -> None:
        signal = self.current
        detail = self.query_one("#signal-detail", Static)
        if signal is None:
            empty = {
                "pending": "No pending signals. The live monitor proposes new ones as prices move.",
                "decided": "No decided signals yet.",
                "expired": "No expired signals.",
            }[self.view]
            detail.update(Text(empty, style="dim"))
            return
        detail.update(signal_detail(signal, self.ctx.now()))

    @property
    def current(self) -> SignalRow | None:
        key = self.table.cursor_key
        return self.signals.get(int(key)) if key is not None else None

    # --- deciding ---------------------------------------------------------------------------------

    def action_approve(self) -> None:
        signal = self.current
        if signal is not None:
            self._decide([signal.id], "approve", None)

    def action_reject(self) -> None:
        signal = self.current
        if signal is None:
            return

        def with_note(note: str | None) -> None:
            if note is not None:
                self._decide([signal.id], "reject", note or None)

        title = f"Reject #{signal.id} ({signal.strategy}, buy {signal.outcome})? Optional note:"
        self.app.push_screen(NoteModal(title), with_note)

    def action_toggle_mark(self) -> None:
        signal = self.current
        if signal is None:
            return
        if signal.id in self.marked:
            self.marked.discard(signal.id)
        else:
            self.marked.add(signal.id)
        mark = Text("✓" if signal.id in self.marked else " ", style="bold green")
        self.table.update_cell(str(signal.id), "mark", mark)
        self._update_summary()
        self.table.action_cursor_down()

    def action_approve_marked(self) -> None:
        self._decide_marked("approve")

    def action_reject_marked(self) -> None:
        self._decide_marked("reject")

    def _decide_marked(self, action: str) -> None:
        ids = sorted(self.marked)
        if not ids:
            self.app.notify("Mark signals with space first.", timeout=3)
            return
        verb = "Approve" if action == "approve" else "Reject"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide(ids, action, None)

        listing = ", ".join(f"#{i}" for i in ids)
        self.app.push_screen(
            ConfirmModal(f"{verb} {fmt.plural(len(ids), 'marked signal')}?", listing), confirmed
        )

    def _decide(self, ids: list[int], action: str, note: str | None) -> None:
        work = partial(self._write_decisions, ids, action, note)
        self.run_in_thread(work, group="signals-decide", description=f"Signal {action}")

    def _write_decisions(self, ids: list[int], action: str, note: str | None) -> None:
        now = int(self.ctx.now())
        done: list[int] = []
        refused: list[str] = []
        decide = review.approve if action == "approve" else review.reject
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            for signal_id in ids:
                try:
                    decide(db, signal_id, by=self.ctx.user, note=note, now=now)
                    done.append(signal_id)
                except review.QueueError as exc:
                    refused.append(str(exc))
        self.post_message(DecisionsMade(action, done, refused, now))

    def action_undo(self) -> None:
        if not self.last_decisions:
            self.app.notify("Nothing to undo.", timeout=3)
            return
        ids = [d.signal_id for d in self.last_decisions]
        self.last_decisions = []
        self.run_in_thread(partial(self._write_undo, ids), group="signals-decide", description="Undo")

    def _write_undo(self, ids: list[int]) -> None:
        now = int(self.ctx.now())
        window = float(self.ctx.settings.signals.undo_window)
        done: list[int] = []
        refused: list[str] = []
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            for signal_id in ids:
                try:
                    review.undo(db, signal_id, by=self.ctx.user, now=now, window=window)
                    done.append(signal_id)
                except review.QueueError as exc:
                    refused.append(str(exc))
        self.post_message(DecisionsMade("undo", done, refused, now))

    @on(DecisionsMade)
    def _decided(self, message: DecisionsMade) -> None:
        message.stop()
        if message.action != "undo":
            self.last_decisions = [Decision(i, message.action, message.t) for i in message.done]
        self.marked -= set(message.done)
        past = {"approve": "approved", "reject": "rejected", "undo": "back to pending"}[message.action]
        if message.done:
            which = ", ".join(f"#{i}" for i in message.done)
            hint = ""
            if message.action != "undo":
                hint = f" · u undoes within {float(self.ctx.settings.signals.undo_window):g} s"
            self.app.notify(f"{which} {past}{hint}", timeout=4, markup=False)
        for line in message.refused:
            self.app.notify(line, severity="warning", timeout=6, markup=False)
        self.reload()

    # --- filters ----------------------------------------------------------------------------------

    def action_view(self, view: str) -> None:
        if view in VIEWS and view != self.view:
            self.view = view
            self.marked.clear()
            self.reload()

    def action_pick_strategy(self) -> None:
        from pmtui.strategies.registry import all_strategies

        names = sorted(set(all_strategies()) | {s.strategy for s in self.signals.values()})
        choices = [(ALL_STRATEGIES, "All strategies"), *[(n, n) for n in names]]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.strategy = None if value == ALL_STRATEGIES else value
                self.reload()

        self.app.push_screen(PickModal("Show strategy", choices, self.strategy or ALL_STRATEGIES), chosen)
