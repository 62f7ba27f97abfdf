"""A one-line search box that hands focus back to its table on `escape` (clearing) or `down`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class SearchInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_and_leave", "Clear search"),
        Binding("down", "leave", "To table", show=False),
    ]

    @dataclass
    class Leave(Message):
        """Focus should go back to the table."""

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:  # noqa: A002
        # No select-all on focus: keys typed right after `/` may land before the focus event, and a
        # selection would let the next key replace them.
        super().__init__(placeholder=placeholder, id=id, compact=True, select_on_focus=False)

    def action_clear_and_leave(self) -> None:
        self.value = ""
        self.post_message(self.Leave())

    def action_leave(self) -> None:
        self.post_message(self.Leave())
