"""What every collector job receives."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.polymarket.client import PolymarketClient
from pmtui.store.markets import Categorize

Progress = Callable[[str, int, int | None], None]
"""progress(job, done, total or None when unknown)."""


def _no_progress(job: str, done: int, total: int | None) -> None:
    return None


@dataclass
class JobContext:
    client: PolymarketClient
    db: Database
    """This thread's connection. Jobs never hold a transaction across an `await`."""
    settings: Settings
    categorize: Categorize | None
    """The market writer's categorizer (rules loaded once per process); see `store_batch`."""
    progress: Progress = field(default=_no_progress)
    clock: Callable[[], float] = time.time

    def now(self) -> int:
        return int(self.clock())
