"""Reading the book: positions, marks, equity, P&L per strategy and category, the equity curve.

Read-only: nothing here writes to the store, so the TUI can call it from a worker thread at will.
An open position is worth what closing it would fetch: shares × best bid minus the taker fee (the
display price when no fresh bid is known; 1 or 0 once its market resolved, 0.50 when it resolved
50-50; its cost basis when nothing is known). Unrealized P&L = that value − cost basis.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.money import to_micros
from pmtui.paper.fees import notional_micros, price_to_micros, taker_fee_micros
from pmtui.paper.ledger import cash_or_bankroll, deposits_micros, has_deposit
from pmtui.paper.models import POSITION_SELECT, PaperError, Position, PriceQuote
from pmtui.paper.prices import MarketFacts, mark_quote, market_facts, markets_facts


def get_position(db: Database, position_id: int) -> Position:
    row = next(db.query(POSITION_SELECT + " WHERE p.id = ?", [position_id]), None)
    if row is None:
        raise PaperError(f"no paper position #{position_id}")
    return Position.from_row(row)


def open_positions(db: Database) -> list[Position]:
    return [
        Position.from_row(r)
        for r in db.query(POSITION_SELECT + " WHERE p.status = 'open' ORDER BY p.opened, p.id")
    ]


def closed_positions(db: Database, *, limit: int | None = None) -> list[Position]:
    """Settled and sold positions, most recent first."""
    sql = POSITION_SELECT + " WHERE p.status != 'open' ORDER BY p.closed_t DESC, p.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [Position.from_row(r) for r in db.query(sql)]


@dataclass(frozen=True, slots=True)
class MarkedPosition:
    position: Position
    mark: PriceQuote | None
    """None: no price known: valued at cost."""
    value_micros: int
    """What closing now would fetch, net of the taker fee."""
    awaiting_settlement: bool = False
    """The market resolved (or was voided) but `settle_resolved` has not run yet."""

    @property
    def unrealized_micros(self) -> int:
        return self.value_micros - self.position.cost_micros


def mark_position(
    db: Database, settings: Settings, position: Position, *, now: int, market: MarketFacts | None = None
) -> MarkedPosition:
    try:
        facts = market or market_facts(db, position.market_id)
    except PaperError:
        return MarkedPosition(position, None, position.cost_micros)
    resolved = facts.resolution != "unresolved"
    quote = mark_quote(
        db,
        facts,
        position.outcome_index,
        token_id=position.token_id,
        now=now,
        max_age=settings.paper.quote_max_age,
    )
    if quote is None:
        return MarkedPosition(position, None, position.cost_micros, resolved)
    price = price_to_micros(quote.price)
    value = notional_micros(position.shares_micros, price)
    if quote.source != "resolution":  # redemption at resolution is free; selling pays the taker fee
        value -= taker_fee_micros(position.shares_micros, price, facts.fee_rate, facts.fee_exponent)
    return MarkedPosition(position, quote, max(0, value), resolved)


def marked_open_positions(
    db: Database, settings: Settings, *, now: int | None = None
) -> list[MarkedPosition]:
    now = int(time.time()) if now is None else now
    positions = open_positions(db)
    facts = markets_facts(db, (p.market_id for p in positions))
    marked = []
    for p in positions:
        market = facts.get(p.market_id)
        marked.append(
            MarkedPosition(p, None, p.cost_micros)
            if market is None
            else mark_position(db, settings, p, now=now, market=market)
        )
    return marked


def equity_micros(db: Database, settings: Settings, *, now: int | None = None) -> int:
    """Cash plus the marked value of open positions (the configured bankroll before first use)."""
    if not has_deposit(db):
        return to_micros(settings.paper.bankroll)
    marked = marked_open_positions(db, settings, now=now)
    return cash_or_bankroll(db, settings.paper.bankroll) + sum(m.value_micros for m in marked)


@dataclass(frozen=True, slots=True)
class PnlGroup:
    """P&L of one strategy or category."""

    key: str
    n_open: int
    n_closed: int
    wins: int
    losses: int
    voids: int
    sold: int
    open_cost_micros: int
    realized_micros: int
    unrealized_micros: int

    @property
    def total_micros(self) -> int:
        return self.realized_micros + self.unrealized_micros


def pnl_by(field: str, marked: Iterable[MarkedPosition], closed: Iterable[Position]) -> list[PnlGroup]:
    """Group by `field` ('strategy' or 'category'); a missing category reads "(none)"."""
    acc: dict[str, list[int]] = {}

    def slot(position: Position) -> list[int]:
        key = getattr(position, field) or "(none)"
        return acc.setdefault(key, [0] * 9)

    for m in marked:
        s = slot(m.position)
        s[0] += 1
        s[6] += m.position.cost_micros
        s[8] += m.unrealized_micros
    for p in closed:
        s = slot(p)
        s[1] += 1
        s[{"win": 2, "loss": 3, "void": 4, "sold": 5}.get(p.result or "", 5)] += 1
        s[7] += p.realized_micros or 0
    return [PnlGroup(key, *values) for key, values in sorted(acc.items())]


@dataclass(frozen=True, slots=True)
class EquityPoint:
    t: int
    equity_micros: int
    event: str
    """'deposit', 'win', 'loss', 'void', 'sold', or 'now' (the marked equity at the last point)."""


def equity_curve(db: Database, settings: Settings, *, now: int | None = None) -> list[EquityPoint]:
    """Book equity (cash + open positions at cost) after each deposit, close and settlement,
    ending with today's marked equity. Fills do not move it (cash becomes cost basis)."""
    now = int(time.time()) if now is None else now
    if not has_deposit(db):
        return []
    points: list[EquityPoint] = []
    first = db.execute("SELECT MIN(t) FROM paper_ledger WHERE kind = 'deposit'").fetchone()[0]
    equity = deposits_micros(db)
    points.append(EquityPoint(int(first), equity, "deposit"))
    for t, proceeds, cost, result in db.execute(
        "SELECT closed_t, proceeds_micros, cost_micros, result FROM paper_positions"
        " WHERE status != 'open' ORDER BY closed_t, id"
    ):
        equity += int(proceeds) - int(cost)
        points.append(EquityPoint(int(t), equity, str(result)))
    points.append(EquityPoint(now, equity_micros(db, settings, now=now), "now"))
    return points
