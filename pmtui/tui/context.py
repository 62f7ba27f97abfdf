"""What every tab needs from the app: settings, where the store is, and the injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pmtui.config import Settings
from pmtui.tui.clock import Clock, system_clock


@dataclass(frozen=True)
class TuiContext:
    settings: Settings
    clock: Clock = system_clock
    offline: bool = False
    """`pmtui --offline`: work on stored data only (approvals price from the store, no book refresh)."""
    user: str = "tui"
    """Recorded as `decided_by` on signal decisions made in the app."""
    rest_delay: float = 0.12
    """How long the cursor must rest on a row before its details load (holding `j` does not queue a
    load per row). Tests set 0."""
    watch_interval: float = 1.0
    """How often the app checks whether the store changed (`pmtui.tui.watch`); 0 turns it off (tests
    that do not write meanwhile, so nothing reloads under them)."""

    @property
    def store_path(self) -> Path:
        return self.settings.database.path

    @property
    def busy_timeout(self) -> float:
        return float(self.settings.database.busy_timeout)

    def now(self) -> float:
        return self.clock()
