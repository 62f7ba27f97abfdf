"""`?`: every key of the app, read from the bindings themselves so the list never goes stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "space": "space",
    "escape": "esc",
    "enter": "enter",
    "ctrl+p": "ctrl+p",
}


def key_label(key: str) -> str:
    return ", ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


def bindings_of(bindings: Iterable[BindingType]) -> list[Binding]:
    out: list[Binding] = []
    for binding in bindings:
        if isinstance(binding, Binding):
            out.append(binding)
        elif isinstance(binding, tuple):
            out.append(Binding(*binding))
    return out


Section = tuple[str, Sequence[tuple[str, str]]]
"""(title, [(keys, what they do)])."""


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    return [(key_label(b.key), b.description) for b in bindings_of(bindings) if b.description]


class HelpScreen(ModalScreen[None]):
    """Keys by where they work. `escape`, `?` or `q` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__(id="help-screen", classes="dialog-screen")
        self._sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog dialog-wide"):
            yield Static(Text("pmtui keys", style="bold"), id="help-title")
            for title, rows in self._sections:
                table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=False)
                table.add_column(style="bold cyan", no_wrap=True, min_width=14)
                table.add_column()
                for keys, what in rows:
                    table.add_row(Text(keys), Text(what))
                yield Static(Text(title, style="bold underline"), classes="help-section")
                yield Static(table)
            yield Static(
                Text(
                    "Every action is also in the command palette (ctrl+p). Esc, ? or q closes this screen.",
                    style="dim",
                ),
                classes="help-section",
            )

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_up()
