"""The app's notion of "now", injected so snapshots and tests never drift ("3s ago" stays 3s)."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Returns unix seconds (UTC)."""


def system_clock() -> float:
    return time.time()


def fixed_clock(at: float) -> Clock:
    """A clock stopped at `at`, for tests and screenshots."""

    def now() -> float:
        return at

    return now
