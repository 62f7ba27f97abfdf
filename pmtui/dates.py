"""Times as pmtui stores them (integer unix seconds, UTC): the range it accepts and safe formatting.

Polymarket's dates all fall between 2000 and 2100; a record claiming `end_date: 1e20` is bad input,
rejected where it is parsed (`pmtui.polymarket.parsing`). Formatting never raises on what is stored
anyway (a store written before that check, a hand-edited file): a time Python's datetime cannot
represent formats as a placeholder instead of crashing the app or stopping an export half-way.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

MIN_TIME = 946_684_800
"""2000-01-01T00:00:00Z: the earliest date a market record may carry."""
MAX_TIME = 4_102_444_800
"""2100-01-01T00:00:00Z: the first date past the latest one a market record may carry."""
SANE_RANGE = "2000-01-01..2100-01-01"


def in_range(t: int) -> bool:
    return MIN_TIME <= t < MAX_TIME


def utc_datetime(t: float | None) -> datetime | None:
    """`t` (unix seconds) as an aware UTC datetime; None when missing or not representable (NaN,
    infinite, beyond year 9999 or before year 1)."""
    if t is None:
        return None
    try:
        seconds = float(t)
        if not math.isfinite(seconds):
            return None
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        return None


def format_utc(t: float | None, fmt: str, missing: str = "") -> str:
    """`t` formatted with strftime `fmt` in UTC, or `missing` when it is absent or not representable."""
    moment = utc_datetime(t)
    return missing if moment is None else moment.strftime(fmt)
