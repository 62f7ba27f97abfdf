"""What every tab has: the shared context, and `start()` once the store is ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.containers import Vertical
from textual.worker import Worker

from pmtui.tui.context import TuiContext


class TabView(Vertical):
    """Base of the tab bodies. (Not named `Tab`: Textual's own `Tab` CSS would style it as a label.)"""

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.ctx = ctx

    def start(self) -> None:
        """Called once the store is open and migrated: load the first data, start timers."""

    def run_in_thread(
        self, work: Callable[[], Any], *, group: str, description: str, exclusive: bool = False
    ) -> Worker[Any]:
        """Run `work` in a thread worker that reports failures to the app instead of crashing it."""
        return self.run_worker(
            work,
            thread=True,
            group=group,
            exclusive=exclusive,
            exit_on_error=False,
            description=description,
        )
