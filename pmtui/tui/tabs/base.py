"""What every tab has: the shared context, `start()` once the store is ready, and reloading when the
store changes (only while shown: a hidden tab remembers it is stale and reloads when shown)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events, on
from textual.containers import Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker

from pmtui.tui.context import TuiContext


class TabView(Vertical):
    """Base of the tab bodies. (Not named `Tab`: Textual's own `Tab` CSS would style it as a label.)"""

    WATCHES: ClassVar[frozenset[str]] = frozenset()
    """The store topics (`pmtui.tui.queries.changes`) this tab shows: a change to one reloads it."""
    RELOAD_GAP: ClassVar[float] = 1.0
    """Seconds between reloads caused by store changes (a collector writes a page every moment)."""
    ACTS_ON_ROWS: ClassVar[bool] = False
    """Its actions act on what its rows show (approve, close): one run from the palette before the
    tab's first read is drawn waits for it (`wait_loaded`)."""

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.ctx = ctx
        self._stale = False
        self._last_change_reload = 0.0
        self._change_timer: Timer | None = None
        self._first_read = asyncio.Event()

    def loaded(self) -> None:
        """The tab drew what it read from the store (its first read, or any later one)."""
        self._first_read.set()

    async def wait_loaded(self, timeout: float = 10.0) -> None:
        """Until the tab's first read is drawn, for tabs whose actions act on their rows."""
        if self.ACTS_ON_ROWS:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._first_read.wait(), timeout)

    def start(self) -> None:
        """Called once the store is open and migrated: load the first data, start timers."""

    def reload_changed(self) -> None:
        """Re-read what the tab shows after the store changed (keeping cursor and scroll)."""

    @property
    def shown(self) -> bool:
        """The tab is the one on screen (its pane, and every ancestor, displayed)."""
        node: Widget | None = self
        while isinstance(node, Widget):
            if not node.display:
                return False
            parent = node.parent
            node = parent if isinstance(parent, Widget) else None
        return True

    def reload_every(self, seconds: float) -> None:
        """Reload every `seconds` even when the store did not change (countdowns, marks); a hidden tab
        only notes it is behind and reloads when next shown."""
        self.set_interval(seconds, self._periodic_reload)

    def _periodic_reload(self) -> None:
        if self.shown:
            self.reload_changed()
        else:
            self._stale = True

    def store_changed(self, topics: frozenset[str]) -> None:
        """The store changed: reload now if shown (at most once per `RELOAD_GAP`), else when shown."""
        if not topics & self.WATCHES:
            return
        if not self.shown:
            self._stale = True
            return
        self._reload_soon()

    @on(events.Show)
    def _reload_if_stale(self) -> None:
        if self._stale:
            self._reload_soon()

    def _reload_soon(self) -> None:
        self._stale = False
        if self._change_timer is not None:
            return  # one is due already
        wait = self._last_change_reload + self.RELOAD_GAP - time.monotonic()
        if wait > 0:
            self._change_timer = self.set_timer(wait, self._reload_now)
        else:
            self._reload_now()

    def _reload_now(self) -> None:
        self._change_timer = None
        self._last_change_reload = time.monotonic()
        self.reload_changed()

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
