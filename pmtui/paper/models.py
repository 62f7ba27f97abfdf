"""Typed records of the paper book, as returned to the CLI, the TUI and the signals queue.

Money is integer micro-dollars (`*_micros`), share counts integer micro-shares; `dollars()` turns a
micro amount into a Decimal for display. Question and outcome texts come from strangers: render them
literally (no markup interpretation).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class PaperError(Exception):
    """An operation the paper book refuses; `str()` is one line a trader can act on."""


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """A price with where it came from and when it was observed (unix seconds, None if unknown)."""

    price: float
    source: str
    """'ask' / 'bid' (order book in `quotes`), 'last+cost' (last price plus paper.cost),
    'display' (the market's displayed price), 'resolution' (1 or 0 after resolution), 'cost'
    (nothing known: valued at cost)."""
    t: int | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """One row of `paper_positions` with the market's question for display."""

    id: int
    signal_id: int | None
    market_id: str
    token_id: str | None
    outcome_index: int
    outcome: str
    strategy: str
    category: str | None
    cluster_id: str | None
    event_id: str | None
    shares_micros: int
    cost_micros: int
    """Cost basis: everything paid, notional plus fee."""
    fee_micros: int
    """The part of the cost basis (plus any exit fee once closed) that went to fees."""
    opened: int
    status: str
    """'open', 'settled' (market resolved or void) or 'closed' (sold at the bid)."""
    closed_t: int | None
    proceeds_micros: int | None
    """Cash received at settlement or sale (net of the sell fee); None while open."""
    result: str | None
    """'win', 'loss', 'void' or 'sold'; None while open."""
    mark_price: float | None
    """The exit price once closed/settled (1 or 0 at resolution); None while open."""
    marked_t: int | None
    question: str
    market_source: str
    """'api', 'import' or 'demo' (generated data, labelled as such everywhere)."""

    @property
    def entry_price(self) -> Decimal:
        """Average price paid per share, fee included."""
        return Decimal(self.cost_micros) / Decimal(self.shares_micros) if self.shares_micros else Decimal(0)

    @property
    def realized_micros(self) -> int | None:
        return None if self.proceeds_micros is None else self.proceeds_micros - self.cost_micros

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Position:
        return cls(
            id=int(row["id"]),
            signal_id=row["signal_id"],
            market_id=str(row["market_id"]),
            token_id=row["token_id"],
            outcome_index=int(row["outcome_index"]),
            outcome=str(row["outcome"]),
            strategy=str(row["strategy"]),
            category=row["category"],
            cluster_id=row["cluster_id"],
            event_id=row["event_id"],
            shares_micros=int(row["shares_micros"]),
            cost_micros=int(row["cost_micros"]),
            fee_micros=int(row["fee_micros"]),
            opened=int(row["opened"]),
            status=str(row["status"]),
            closed_t=row["closed_t"],
            proceeds_micros=row["proceeds_micros"],
            result=row["result"],
            mark_price=row["mark_price"],
            marked_t=row["marked_t"],
            question=str(row.get("question") or ""),
            market_source=str(row.get("market_source") or "api"),
        )


POSITION_SELECT = """
    SELECT p.*, COALESCE(m.question, '') AS question, COALESCE(m.source, 'api') AS market_source
    FROM paper_positions p LEFT JOIN markets m ON m.id = p.market_id
"""
"""Positions joined with their market's question and source; append WHERE/ORDER clauses."""
