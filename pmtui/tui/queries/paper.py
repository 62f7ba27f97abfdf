"""The Paper tab's reads and its one write, through the paper book core (the same calls as
`pmtui paper` and `pmtui paper close`). Called from thread workers with that thread's connection."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.paper.book import close_position
from pmtui.paper.models import PaperError, Position
from pmtui.paper.summary import PaperSummary, paper_summary


def load_paper(db: Database, settings: Settings, now: float) -> PaperSummary:
    """Cash, equity, marked open positions, closed trades, P&L groups, forward test, equity curve."""
    return paper_summary(db, settings, now=int(now))


@dataclass(frozen=True)
class CloseOutcome:
    position_id: int
    position: Position | None
    """The closed position, or None when the book refused."""
    refusal: str | None = None
    """The book's one-line reason (no fresh bid, already closed, market resolved...)."""


def close_at_bid(db: Database, position_id: int, settings: Settings, now: float) -> CloseOutcome:
    """Close an open position at the current best bid; a refusal comes back as text, not an error."""
    try:
        position = close_position(db, position_id, settings, now=int(now))
    except PaperError as exc:
        return CloseOutcome(position_id, None, str(exc))
    return CloseOutcome(position_id, position)
