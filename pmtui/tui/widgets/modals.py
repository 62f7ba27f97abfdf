"""Small dialogs: yes/no confirmation, an optional note, and a pick-one list.

Every dialog is keyboard-first (`y`/`n`/`escape`, `enter`) and shows untrusted text literally and terminal-safe (`formatting.literal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pmtui.tui import formatting as fmt


class ConfirmModal(ModalScreen[bool]):
    """Asks a yes/no question; `y` confirms, `n` or `escape` declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self._question = question
        self._detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(fmt.literal(self._question, newlines=True), classes="dialog-title")
            if self._detail:
                yield Static(fmt.literal(self._detail, newlines=True), classes="dialog-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Yes [y]"), variant="primary", id="yes")
                yield Button(Text("No [n]"), id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class NoteModal(ModalScreen[str | None]):
    """Asks for an optional one-line note. `enter` submits (empty is fine), `escape` cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "optional note, enter to confirm") -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(fmt.literal(self._title, newlines=True), classes="dialog-title")
            yield Input(placeholder=self._placeholder, id="note-input")
            yield Label(Text("enter: confirm   escape: cancel"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickModal(ModalScreen[str | None]):
    """Pick one of `choices` ((value, label) pairs). Typing filters the list as k9s and lazygit do
    (every word typed must appear in the label, any case); up/down move, `enter` picks the
    highlighted entry, `escape` returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._choices = list(choices)
        self._current = current
        self._shown: list[str] = [value for value, _ in self._choices]
        """The values the list shows now, in order (after the filter)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall"):
            yield Static(fmt.literal(self._title, newlines=True), classes="dialog-title")
            yield Input(placeholder="type to filter, enter picks", id="pick-filter", compact=True)
            yield OptionList(*self._options(self._choices), id="pick-options")

    @staticmethod
    def _options(choices: Sequence[tuple[str, str]]) -> list[Option]:
        return [Option(fmt.literal(label), id=value) for value, label in choices]

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.can_focus = False  # the filter keeps the focus: typing always filters
        if self._current in self._shown:
            options.highlighted = self._shown.index(self._current)
        self.query_one("#pick-filter", Input).focus()

    @on(Input.Changed, "#pick-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        words = event.value.lower().split()
        kept = [(value, label) for value, label in self._choices if all(w in label.lower() for w in words)]
        self._shown = [value for value, _ in kept]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(kept))
        if kept:
            options.highlighted = 0

    @on(Input.Submitted, "#pick-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.query_one(OptionList).highlighted
        if index is not None and index < len(self._shown):
            self.dismiss(self._shown[index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
