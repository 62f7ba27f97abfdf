"""One market as the signals layer sees it: its row in the store plus the order-book tops of its tokens.

Loaded in one query per batch (markets by id, quotes by market id), never one query per market.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

_MARKET_COLUMNS = (
    "id, condition_id, question, event_id, event_title, group_item_title, outcomes_json, "
    "token_ids_json, prices_json, yes_price, best_bid, best_ask, volume, volume_24h, liquidity, "
    "end_date, closed, resolution, fee_rate, fee_exponent, category, cluster_id, features_json, source, "
    "updated_at"
)


@dataclass(frozen=True, slots=True)
class Quote:
    """Best bid/ask of one token from the CLOB book, observed at `t`."""

    token_id: str
    best_bid: float | None
    best_ask: float | None
    t: int


@dataclass(frozen=True, slots=True)
class MarketState:
    id: str
    condition_id: str | None
    question: str
    event_id: str | None
    event_title: str | None
    outcomes: tuple[str, ...]
    token_ids: tuple[str, ...]
    prices: tuple[float | None, ...]
    """Display prices (Gamma `outcomePrices`) as of `updated_at`."""
    yes_price: float | None
    gamma_bid: float | None
    """Gamma's best bid/ask of outcome 0's token, as of `updated_at`."""
    gamma_ask: float | None
    volume: float | None
    volume_24h: float | None
    liquidity: float | None
    end_date: int | None
    closed: bool
    resolution: str
    fee_rate: float | None
    fee_exponent: float | None
    category: str | None
    cluster_id: str | None
    features: Mapping[str, Any]
    source: str
    updated_at: int
    quotes: Mapping[str, Quote] = field(default_factory=dict)
    """Token id → book top."""

    def token_for(self, outcome_index: int) -> str | None:
        return self.token_ids[outcome_index] if outcome_index < len(self.token_ids) else None

    def quote_for(self, outcome_index: int) -> Quote | None:
        token = self.token_for(outcome_index)
        return self.quotes.get(token) if token else None


def _floats(text: str | None) -> tuple[float | None, ...]:
    try:
        values = json.loads(text or "[]")
    except ValueError:
        return ()
    out: list[float | None] = []
    for value in values if isinstance(values, list) else []:
        try:
            out.append(float(value) if value is not None else None)
        except (TypeError, ValueError):
            out.append(None)
    return tuple(out)


def _strings(text: str | None) -> tuple[str, ...]:
    try:
        values = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(v) for v in values) if isinstance(values, list) else ()


def _features(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    # SQLite caps bound parameters per statement (32,766 by default; far less on old builds).
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_states(db: Database, market_ids: Sequence[str]) -> dict[str, MarketState]:
    """Id → state for the ids that exist in the store (missing ids are simply absent)."""
    rows: dict[str, tuple[Any, ...]] = {}
    quotes: dict[str, dict[str, Quote]] = {}
    for chunk in _chunks(list(dict.fromkeys(market_ids))):
        marks = ",".join("?" * len(chunk))
        for row in db.execute(f"SELECT {_MARKET_COLUMNS} FROM markets WHERE id IN ({marks})", list(chunk)):
            rows[row[0]] = tuple(row)
        for q in db.execute(
            f"SELECT market_id, token_id, best_bid, best_ask, t FROM quotes WHERE market_id IN ({marks})",
            list(chunk),
        ):
            quotes.setdefault(q[0], {})[q[1]] = Quote(q[1], q[2], q[3], int(q[4]))
    return {market_id: _state(row, quotes.get(market_id, {})) for market_id, row in rows.items()}


def _state(row: tuple[Any, ...], quotes: Mapping[str, Quote]) -> MarketState:
    (
        market_id,
        condition_id,
        question,
        event_id,
        event_title,
        _group_item_title,
        outcomes_json,
        token_ids_json,
        prices_json,
        yes_price,
        best_bid,
        best_ask,
        volume,
        volume_24h,
        liquidity,
        end_date,
        closed,
        resolution,
        fee_rate,
        fee_exponent,
        category,
        cluster_id,
        features_json,
        source,
        updated_at,
    ) = row
    return MarketState(
        id=market_id,
        condition_id=condition_id,
        question=question,
        event_id=event_id,
        event_title=event_title,
        outcomes=_strings(outcomes_json),
        token_ids=_strings(token_ids_json),
        prices=_floats(prices_json),
        yes_price=yes_price,
        gamma_bid=best_bid,
        gamma_ask=best_ask,
        volume=volume,
        volume_24h=volume_24h,
        liquidity=liquidity,
        end_date=end_date,
        closed=bool(closed),
        resolution=resolution,
        fee_rate=fee_rate,
        fee_exponent=fee_exponent,
        category=category,
        cluster_id=cluster_id,
        features=_features(features_json),
        source=source,
        updated_at=int(updated_at),
        quotes=dict(quotes),
    )
