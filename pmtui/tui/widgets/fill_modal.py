"""The fill a trader is about to approve, shown before anything is bought.

One dialog for every way of approving (`a`, the palette, `A` on marked rows): each signal's market
(the full question), side, shares, price and where it came from, fee, cost and which limit set the
size, the move since the price the trader saw, the estimate's verdict; refusals in red (those stay
pending); for several signals the total. A single signal that is not validated (pmtui sizes it at
zero) asks for a size in dollars instead: the answer is planned again and shown before it fills.

Keys: `y` approves what can be filled, `n` or `escape` approves nothing; in the size field `enter`
plans that size. Market text is shown literally.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from pmtui.money import MICROS, to_micros
from pmtui.signals.fill import FillPlan, cents
from pmtui.signals.pricing import source_name
from pmtui.tui import formatting as fmt


@dataclass(frozen=True)
class FillAnswer:
    confirmed: bool
    """Approve the plans that can fill."""
    stake_micros: int | None = None
    """A size the trader typed (plan again with it, then ask again)."""


def plan_lines(plan: FillPlan, tolerance: float, *, alone: bool = True) -> Text:
    """One signal's fill (or why it will not fill), several lines, untrusted text literal."""
    signal = plan.signal
    head = Text.assemble((f"#{signal.id} ", "bold"), fmt.literal(signal.strategy, style="dim"))
    if signal.source == "demo":
        head.append(" DEMO", style="bold black on yellow")
    lines = [head, fmt.literal(signal.question, style="bold")]
    if plan.price is not None:
        move = plan.move or 0.0
        seen = Text(
            f"price you saw {cents(plan.seen_price)}, now {cents(plan.price)} ({source_name(plan.price_source)})"
        )
        if abs(move) >= 0.0005:
            verdict = "within" if move <= tolerance + 1e-9 else "beyond"
            seen.append(f", {move * 100:+.1f}¢ {verdict} the {tolerance * 100:g}¢ tolerance")
        lines.append(seen)
    if plan.ok:
        lines.append(
            Text.assemble(
                "Buy ",
                fmt.literal(signal.outcome, style="bold"),
                f": {plan.shares_micros / MICROS:,.2f} shares @ {cents(plan.fill_price or 0.0)}",
                f" · fee ${plan.fee_micros / MICROS:,.2f}{plan.fee_note and f' ({plan.fee_note})'} · cost ",
                (f"${plan.cost_micros / MICROS:,.2f}", "bold"),
                f" · size set by {plan.limit_text}",
            )
        )
    if plan.estimate is not None:
        style = "green" if plan.estimate.validated else "yellow"
        lines.append(Text.assemble(("estimate: ", "dim"), (plan.estimate.reason, style)))
    if plan.needs_size and alone:
        lines.append(
            Text(
                "Not validated: pmtui sizes it at zero. Enter a size in dollars to buy anyway.",
                style="yellow",
            )
        )
    elif plan.needs_size:
        lines.append(
            Text("✗ not validated, sized at zero: approve it on its own to give a size", style="bold red")
        )
    elif not plan.ok:
        lines.append(Text(f"✗ {plan.refusal}", style="bold red"))
    return Text("\n").join(lines)


def total_line(plans: Sequence[FillPlan]) -> Text:
    ok = [p for p in plans if p.ok]
    refused = len(plans) - len(ok)
    cost = sum(p.cost_micros for p in ok)
    fees = sum(p.fee_micros for p in ok)
    text = Text.assemble(
        ("Total ", "bold"),
        f"{len(ok)} fill{'s' if len(ok) != 1 else ''}: ",
        (f"${cost / MICROS:,.2f}", "bold"),
        f" (fees ${fees / MICROS:,.2f})",
    )
    if refused:
        text.append(f" · {refused} refused, left pending", style="red")
    return text


def needs_size(plans: Sequence[FillPlan]) -> bool:
    """One signal that only a size of the trader's own can fill."""
    return len(plans) == 1 and plans[0].needs_size


class FillModal(ModalScreen[FillAnswer | None]):
    """Shows the fills of an approval and asks (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Approve"),
        Binding("n", "answer(False)", "Cancel"),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(self, plans: Sequence[FillPlan], *, tolerance: float, warning: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.plans = list(plans)
        self.tolerance = tolerance
        self.warning = warning

    @property
    def can_fill(self) -> bool:
        return any(p.ok for p in self.plans)

    def compose(self) -> ComposeResult:
        count = len(self.plans)
        title = f"Approve signal #{self.plans[0].signal.id}?" if count == 1 else f"Approve {count} signals?"
        with Vertical(classes="dialog dialog-wide fill-dialog"):
            yield Static(Text(title), classes="dialog-title")
            if self.warning:
                yield Static(Text(self.warning, style="yellow"), classes="dialog-detail")
            with VerticalScroll(classes="fill-lines"):
                for plan in self.plans:
                    yield Static(plan_lines(plan, self.tolerance, alone=count == 1), classes="fill-line")
            if count > 1:
                yield Static(total_line(self.plans), classes="fill-total")
            if needs_size(self.plans):
                yield Input(placeholder="size in dollars, e.g. 10", id="fill-size")
                yield Label(
                    Text("enter: show the fill for that size   escape: cancel"), classes="dialog-hint"
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Approve [y]"), variant="primary", id="yes", disabled=not self.can_fill)
                yield Button(Text("Cancel [n]"), id="no")

    def on_mount(self) -> None:
        if needs_size(self.plans):
            self.query_one("#fill-size", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip().lstrip("$")
        try:
            dollars = float(text)
        except ValueError:
            dollars = 0.0
        if not dollars > 0:
            self.notify(f"not a size in dollars: {event.value!r}", severity="warning", markup=False)
            return
        self.dismiss(FillAnswer(False, to_micros(dollars)))

    def action_answer(self, answer: bool) -> None:
        if answer and not self.can_fill:
            return
        self.dismiss(FillAnswer(answer))
