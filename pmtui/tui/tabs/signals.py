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
from pmtui.signals.estimates import backtest_estimates
from pmtui.signals.fill import FillPlan, plan_fill, refresh_book
from pmtui.signals.pricing import source_name
from pmtui.signals.store import SignalRow, get_signal
from pmtui.stats import chance_text
from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.elide import badged, fit_column
from pmtui.tui.messages import DecisionsMade, FillsPlanned, SignalsLoaded
from pmtui.tui.queries import open_store
from pmtui.tui.tabs.base import TabView
from pmtui.tui.widgets.fill_modal import FillAnswer, FillModal, needs_size
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
    """The estimated chance of winning with the number of similar backtest trades behind it; ✓ when
    validated (the row is staked), ✗ when not (stake 0, the detail says why)."""
    estimate = signal.est_source
    p, n = signal.est_win_prob, estimate.get("n")
    if p is None:
        return Text("no bt" if short else "no backtest", style="yellow")
    size = f" n={n}" if n is not None else ""
    if signal.validated:
        return Text(f"{chance_text(p, 0 if short else 1)}{size} ✓", style="green")
    return Text(f"{chance_text(p, 0 if short else 1)}{size} ✗", style="yellow")


def estimate_lines(signal: SignalRow) -> list[Text]:
    """The estimate in words: p with its interval, the similar trades and run it rests on, and why
    it is (not) validated. Signals stored before estimates had these fields show what they have."""
    estimate = signal.est_source
    reason = str(estimate.get("reason") or "no backtest yet")
    if signal.est_win_prob is None:
        return [Text(f"No estimate: {reason}. Sized at zero.", style="yellow")]
    line = Text.assemble(("Estimate ", "dim"), f"win {chance_text(signal.est_win_prob)}")
    interval = estimate.get("p_interval")
    if isinstance(interval, list) and len(interval) == 2:
        line.append(f" [{chance_text(interval[0])}–{chance_text(interval[1])}]")
    line.append(f" from {estimate.get('n', '?')} similar trades")
    if estimate.get("run_id"):
        line.append(" of ")
        line.append(fmt.literal(str(estimate["run_id"])))
    matched = estimate.get("matched_on") or {}
    where: list[str] = []
    costs = matched.get("cost")
    if isinstance(costs, list) and len(costs) == 2:
        # As chances: a cost just below $1 must not read 100¢.
        where.append(f"costs {chance_text(costs[0])[:-1]}–{chance_text(costs[1])[:-1]}¢")
    if matched.get("horizon"):
        where.append(f"decided {matched['horizon']} before the end")
    if matched.get("hours_to_close") is not None:
        hours = float(matched["hours_to_close"])
        where.append(f"this market ends in {fmt.span(hours * 3600)}")
    if where:
        line.append(f" ({'; '.join(where)})")
    if estimate.get("generated_data"):
        line.append(" ")
        line.append("GENERATED DATA", style="bold black on yellow")
    verdict = Text(reason, style="green" if signal.validated else "yellow")
    if not signal.validated:
        verdict.append(": sized at zero")
    # The verdict first: on a short terminal it is what must stay on screen.
    return [Text.assemble(("Verdict ", "dim"), verdict), line]


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
    content = {key: max((row[key].cell_len for row in rows), default=0) for key, *_ in COLUMNS}
    columns: list[tuple[str, str, int]] = []
    for key, heading, wide_cap, narrow_cap in COLUMNS:
        cap = wide_cap if wide else narrow_cap
        if key == "status" and view != "pending":
            heading = "Status"
        if key == "market":
            columns.append((key, heading, 0))
        elif cap:
            columns.append((key, heading, min(cap, max(len(heading), content[key]))))
    # 2 cells of padding per column, 1 for the vertical scrollbar, 1 spare.
    used = sum(w + 2 for _, _, w in columns) + 2
    # A wide terminal may leave the market more room than its longest question needs: the columns
    # their cap cut ("DEMO weather_fade_lon…") get that room back first, up to their content.
    spare = width - used - max(MIN_MARKET, content["market"])
    for index, (key, heading, w) in enumerate(columns):
        grow = min(spare, content[key] - w) if w else 0
        if grow > 0:
            columns[index] = (key, heading, w + grow)
            spare -= grow
            used += grow
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
        f" at {fmt.cents(signal.price)} ({source_name(signal.price_source)})",
    )
    if signal.cost is not None:
        line.append(f" · all-in cost {fmt.cents(signal.cost)}")
    line.append(" · edge ")
    line.append(edge_text(signal.edge))
    line.append(f" · Kelly stake {usd(signal.stake_micros)}")
    parts.append(line)
    parts.extend(estimate_lines(signal))
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


def reject_listing(rows: Sequence[SignalRow]) -> str:
    """What a bulk rejection acts on: each signal's question, side, price and stake, then the total."""
    lines = [
        f"#{s.id} buy {s.outcome} @ {fmt.cents(s.price)}, stake {usd(s.stake_micros)} · {s.question}"
        for s in rows
    ]
    lines.append(f"Total stake {usd(sum(s.stake_micros for s in rows))}")
    return "\n".join(lines)


class SignalsTab(TabView):
    """Tab 3: pending signals best first; decide with one key."""

    WATCHES = frozenset({"signals"})
    ACTS_ON_ROWS = True

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
        # The countdowns move and due signals expire; reloaded every refresh interval.
        self.reload_every(float(self.ctx.settings.ui.refresh_interval))

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
        self.loaded()

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
                "pending": (
                    "No pending signals. The live monitor proposes new ones as prices move."
                    if self.ctx.settings.ui.run_monitor
                    # Offline (or the monitor turned off) nothing proposes signals here: say how to.
                    else "No pending signals, and the live monitor is off (offline mode). "
                    "`pmtui signals` in a shell runs the strategies on the stored prices; "
                    "what it proposes appears here."
                ),
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
        """Show the fill the highlighted signal would make now, and approve only on `y`."""
        signal = self.current
        if signal is not None:
            self._plan([signal.id])

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
        if action == "approve":
            self._plan(ids)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide(ids, action, None)

        rows = [self.signals[i] for i in ids if i in self.signals]
        self.app.push_screen(
            ConfirmModal(f"Reject {fmt.plural(len(ids), 'marked signal')}?", reject_listing(rows)), confirmed
        )

    # --- approving: plan the fill, show it, then approve ----------------------------------------------

    def _plan(self, ids: list[int], stake_micros: int | None = None) -> None:
        work = partial(self._read_plans, ids, stake_micros)
        self.run_in_thread(work, group="signals-plan", description="Pricing the fill", exclusive=True)

    def _read_plans(self, ids: list[int], stake_micros: int | None) -> None:
        """In a worker: the books again (unless offline), then each signal's fill as of now."""
        now = int(self.ctx.now())
        settings = self.ctx.settings
        warnings: list[str] = []
        plans: list[FillPlan] = []
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            lookup = backtest_estimates()
            markets = {s.market_id for i in ids if (s := get_signal(db, i)) is not None}
            if self.ctx.offline:
                warnings.append("offline: priced from the store, not refreshed")
            else:
                for market_id in sorted(markets):
                    problem = refresh_book(db, settings, market_id)
                    if problem is not None:
                        warnings.append(f"{problem}; priced from the store")
                        break
            for signal_id in ids:
                try:
                    plans.append(
                        plan_fill(db, signal_id, settings, lookup, now=now, stake_micros=stake_micros)
                    )
                except ValueError:
                    continue  # gone meanwhile: nothing to show for it
        self.post_message(FillsPlanned(plans, stake_micros, "; ".join(warnings) or None))

    @on(FillsPlanned)
    def _planned(self, message: FillsPlanned) -> None:
        message.stop()
        if not message.plans:
            self.app.notify("Nothing to approve.", timeout=3)
            return
        stake = message.stake_micros
        plans = message.plans
        if not any(p.ok for p in plans) and not needs_size(plans):
            # Nothing could fill: say why (the queue's own words), with nothing to confirm.
            for plan in plans:
                self.app.notify(plan.refusal or "", severity="warning", timeout=8, markup=False)
            return

        def answered(answer: FillAnswer | None) -> None:
            if answer is None:
                return
            if answer.stake_micros is not None:
                self._plan([p.signal.id for p in plans], answer.stake_micros)
            elif answer.confirmed:
                fills = [(p.signal.id, p.price, stake) for p in plans if p.ok]
                self.run_in_thread(
                    partial(self._approve, fills), group="signals-decide", description="Approve"
                )

        tolerance = float(self.ctx.settings.signals.approve_tolerance)
        self.app.push_screen(FillModal(plans, tolerance=tolerance, warning=message.warning), answered)

    def _approve(self, fills: list[tuple[int, float | None, int | None]]) -> None:
        """Approve what the trader confirmed: each at most the move tolerance from the price shown."""
        now = int(self.ctx.now())
        done: list[int] = []
        refused: list[str] = []
        filled: dict[int, str] = {}
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            for signal_id, seen, stake in fills:
                try:
                    review.approve(
                        db,
                        signal_id,
                        by=self.ctx.user,
                        now=now,
                        settings=self.ctx.settings,
                        stake_micros=stake,
                        seen_price=seen,
                    )
                    done.append(signal_id)
                    filled[signal_id] = review.fill_text(db, signal_id) or ""
                except review.QueueError as exc:
                    refused.append(str(exc))
        self.post_message(DecisionsMade("approve", done, refused, now, filled))

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
            hint = ""
            if message.action != "undo":
                hint = f" · u undoes within {float(self.ctx.settings.signals.undo_window):g} s"
            if message.fills:
                # The toast states each fill: what was bought, at what price, for how much.
                lines = [f"#{i} filled: {message.fills[i]}" for i in message.done if message.fills.get(i)]
                self.app.notify("\n".join(lines) + hint, timeout=6, markup=False)
            else:
                which = ", ".join(f"#{i}" for i in message.done)
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
