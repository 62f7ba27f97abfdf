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
from textual.css.query import NoMatches
from textual.screen import ModalScreen, ScreenResultType
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


class TypeAheadModal(ModalScreen[ScreenResultType]):
    """A dialog with one text box that takes the keys typed right after the key that opened it.

    A terminal delivers `rbad fill` (or `cweather`) typed fast in one read. The app routes each key to
    whatever had focus when the key arrived, before the dialog existed; those keys come back to the
    app unhandled (`PmtuiApp._on_key`), which hands them here: into the box once it is mounted, kept
    until then."""

    TYPE_INTO: ClassVar[str] = ""
    """The selector of the text box."""

    def __init__(self, classes: str = "dialog-screen") -> None:
        super().__init__(classes=classes)
        self._typed_ahead = ""

    def type_ahead(self, text: str) -> None:
        try:
            box = self.query_one(self.TYPE_INTO, Input)
        except NoMatches:
            self._typed_ahead += text  # not composed yet
            return
        box.insert_text_at_cursor(text)
        self.set_focus(box)

    def _focus_box(self) -> None:
        box = self.query_one(self.TYPE_INTO, Input)
        if self._typed_ahead:
            box.insert_text_at_cursor(self._typed_ahead)
            self._typed_ahead = ""
        self.set_focus(box)


class NoteModal(TypeAheadModal[str | None]):
    """Asks for an optional one-line note. `enter` submits (empty is fine), `escape` cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    TYPE_INTO = "#note-input"

    def __init__(self, title: str, placeholder: str = "optional note, enter to confirm") -> None:
        super().__init__()
        self._title = title
        self._placeholder = placeholder

    def on_mount(self) -> None:
        self._focus_box()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(fmt.literal(self._title, newlines=True), classes="dialog-title")
            yield Input(placeholder=self._placeholder, id="note-input", select_on_focus=False)
            yield Label(Text("enter: confirm   escape: cancel"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickModal(TypeAheadModal[str | None]):
    """Pick one of `choices` ((value, label) pairs). Typing filters the list as k9s and lazygit do
    (every word typed must appear in the label, any case); up/down move, `enter` picks the
    highlighted entry, `escape` returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
    ]

    TYPE_INTO = "#pick-filter"

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)
        self._current = current
        self._shown: list[str] = [value for value, _ in self._choices]
        """The values the list shows now, in order (after the filter)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall"):
            yield Static(fmt.literal(self._title, newlines=True), classes="dialog-title")
            yield Input(
                placeholder="type to filter, enter picks",
                id="pick-filter",
                compact=True,
                select_on_focus=False,
            )
            yield OptionList(*self._options(self._choices), id="pick-options")

    @staticmethod
    def _options(choices: Sequence[tuple[str, str]]) -> list[Option]:
        return [Option(fmt.literal(label), id=value) for value, label in choices]

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.can_focus = False  # the filter keeps the focus: typing always filters
        if self._current in self._shown:
            options.highlighted = self._shown.index(self._current)
        self._focus_box()

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """The choices, once read (the dialog opens at once, so no key typed meanwhile is lost);
        what was typed so far filters them."""
        if self not in self.app.screen_stack:
            return  # closed before they came
        self._choices = list(choices)
        self._apply_filter(self.query_one("#pick-filter", Input).value)
        if self._current in self._shown and not self.query_one("#pick-filter", Input).value:
            self.query_one(OptionList).highlighted = self._shown.index(self._current)

    @on(Input.Changed, "#pick-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_filter(event.value)

    def _apply_filter(self, text: str) -> None:
        words = text.lower().split()
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
