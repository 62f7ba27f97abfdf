"""Where the paper book gets its prices: the order book in `quotes` first, then the display price.

A buy fills at the best ask of the outcome's token when a fresh quote is known; otherwise at the last
price plus `paper.cost` (half-spread and slippage). A sale fills at the best bid and needs a fresh one.
An open position is marked at the best bid (what selling would fetch), else the display price, and
after resolution at 1 or 0 (0.50 when the market resolved 50-50). A quote older than `paper.quote_max_age` is not executable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from pmtui.paper.models import PaperError, PriceQuote
from pmtui.stats import VOID_PAYOUT


@dataclass(frozen=True, slots=True)
class MarketFacts:
    """What the book needs to know about a market to trade and settle it."""

    id: str
    question: str
    outcomes: list[str]
    token_ids: list[str]
    prices: list[float | None]
    yes_price: float | None
    resolution: str
    winner: int | None
    closed: bool
    fee_rate: float | None
    fee_exponent: float | None
    min_size: float | None
    category: str | None
    cluster_id: str | None
    event_id: str | None
    source: str

    def token_for(self, outcome_index: int) -> str | None:
        return self.token_ids[outcome_index] if 0 <= outcome_index < len(self.token_ids) else None

    def display_price(self, outcome_index: int) -> float | None:
        """The market's displayed price of an outcome (Gamma outcomePrices, else 1 − YES for NO)."""
        if 0 <= outcome_index < len(self.prices):
            value = self.prices[outcome_index]
            if value is not None and 0 <= value <= 1:
                return value
        if self.yes_price is not None and len(self.outcomes) == 2:
            return self.yes_price if outcome_index == 0 else 1 - self.yes_price
        return None


def _json_list(text: Any) -> list[Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return []
    return list(value) if isinstance(value, list) else []


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


_FACT_COLUMNS = (
    "id, question, outcomes_json, token_ids_json, prices_json, yes_price, resolution, winner, closed,"
    " fee_rate, fee_exponent, min_size, category, cluster_id, event_id, source"
)


def _facts(row: dict[str, Any]) -> MarketFacts:
    return MarketFacts(
        id=str(row["id"]),
        question=str(row["question"]),
        outcomes=[str(o) for o in _json_list(row["outcomes_json"])],
        token_ids=[str(t) for t in _json_list(row["token_ids_json"])],
        prices=[_float_or_none(p) for p in _json_list(row["prices_json"])],
        yes_price=row["yes_price"],
        resolution=str(row["resolution"]),
        winner=row["winner"],
        closed=bool(row["closed"]),
        fee_rate=row["fee_rate"],
        fee_exponent=row["fee_exponent"],
        min_size=row["min_size"],
        category=row["category"],
        cluster_id=row["cluster_id"],
        event_id=row["event_id"],
        source=str(row["source"]),
    )


def market_facts(db: Database, market_id: str) -> MarketFacts:
    row = next(db.query(f"SELECT {_FACT_COLUMNS} FROM markets WHERE id = ?", [market_id]), None)
    if row is None:
        raise PaperError(f"market {market_id} is not in the store")
    return _facts(row)


def markets_facts(db: Database, market_ids: Iterable[str]) -> dict[str, MarketFacts]:
    """Facts of many markets in a few queries (marking a whole book); missing ids are left out."""
    wanted = sorted(set(market_ids))
    found: dict[str, MarketFacts] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT {_FACT_COLUMNS} FROM markets WHERE id IN ({marks})", chunk):
            found[str(row["id"])] = _facts(row)
    return found


def _fresh_quote(
    db: Database, token_id: str | None, column: str, now: int, max_age: float
) -> PriceQuote | None:
    if not token_id:
        return None
    # `column` is one of two literals chosen below, never user input.
    row = db.execute(f"SELECT {column}, t FROM quotes WHERE token_id = ?", [token_id]).fetchone()
    if row is None or row[0] is None or not 0 < float(row[0]) < 1:
        return None
    if now - int(row[1]) > max_age:
        return None
    return PriceQuote(float(row[0]), "ask" if column == "best_ask" else "bid", int(row[1]))


def best_ask(db: Database, token_id: str | None, *, now: int, max_age: float) -> PriceQuote | None:
    return _fresh_quote(db, token_id, "best_ask", now, max_age)


def best_bid(db: Database, token_id: str | None, *, now: int, max_age: float) -> PriceQuote | None:
    return _fresh_quote(db, token_id, "best_bid", now, max_age)


def last_quote_age(db: Database, token_id: str | None, now: int) -> int | None:
    """Seconds since the token's last order-book quote, None when it never had one."""
    if not token_id:
        return None
    row = db.execute("SELECT t FROM quotes WHERE token_id = ?", [token_id]).fetchone()
    return None if row is None else now - int(row[0])


def buy_quote(
    db: Database,
    market: MarketFacts,
    outcome_index: int,
    *,
    token_id: str | None,
    now: int,
    max_age: float,
    slippage: float,
    fallback_price: float | None = None,
) -> PriceQuote:
    """The executable buy price: fresh best ask, else last price + slippage. Raises PaperError."""
    token = token_id or market.token_for(outcome_index)
    ask = best_ask(db, token, now=now, max_age=max_age)
    if ask is not None:
        return ask
    last = market.display_price(outcome_index)
    if last is None:
        last = fallback_price
    if last is None:
        raise PaperError(f"no price known for outcome {outcome_index} of market {market.id}")
    price = last + slippage
    if not 0 < price < 1:
        raise PaperError(
            f"last price {last:.4f} + cost {slippage:.4f} = {price:.4f} is not a buyable price "
            f"for market {market.id}"
        )
    return PriceQuote(price, "last+cost", None)


def mark_quote(
    db: Database, market: MarketFacts, outcome_index: int, *, token_id: str | None, now: int, max_age: float
) -> PriceQuote | None:
    """The price an open position is valued at; None when nothing is known (value it at cost)."""
    if market.resolution == "resolved" and market.winner is not None:
        return PriceQuote(1.0 if market.winner == outcome_index else 0.0, "resolution", None)
    if market.resolution == "void":
        return PriceQuote(VOID_PAYOUT, "resolution", None)  # 50-50: a share of either side pays $0.50
    bid = best_bid(db, token_id or market.token_for(outcome_index), now=now, max_age=max_age)
    if bid is not None:
        return bid
    display = market.display_price(outcome_index)
    return None if display is None else PriceQuote(display, "display", None)
