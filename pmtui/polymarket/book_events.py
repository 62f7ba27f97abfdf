"""The market channel's messages (and the CLOB `/book` answer) as typed events.

The market-channel WebSocket (docs/polymarket-api.md, "Market WebSocket") sends text frames: the
literal `PONG` (not JSON) after our `PING`, an empty `[]` now and then, and JSON objects or JSON
arrays of objects with an `event_type`:

- `book`: a full snapshot of one token's book (on subscribe, and after trades);
- `price_change`: `price_changes: [{asset_id, price, size, side: BUY|SELL}]` where `size` is the new
  **absolute** size of that level (0 removes it): overwrite, never add;
- `tick_size_change`, `last_trade_price`, `best_bid_ask` (the last only with custom features on).

Every value is a string (prices, sizes, millisecond timestamps). `decode_frame` turns one frame into
events and counts the events it had to skip: a frame that is not JSON, an event without its token, a
price that is not a number in [0, 1]. Unknown event types (`new_market`, `market_resolved`) are
ignored, not counted. Nothing here raises on bad input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Side = Literal["bid", "ask"]
Level = tuple[float, float]
"""(price, size) of one level; sizes in shares."""


def price_key(value: Any) -> float | None:
    """A price as a level key: "0.50" and "0.5" are one level. None unless a number in [0, 1]."""
    number = _number(value)
    if number is None or not 0.0 <= number <= 1.0:
        return None
    return round(number, 6)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _size(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number >= 0 else None


def _millis(value: Any) -> int:
    number = _number(value)
    return int(number) if number is not None and number > 0 else 0


@dataclass(slots=True)
class BookSnapshot:
    """A whole book of one token (WS `book`, or one item of REST `/book(s)`)."""

    token_id: str
    market: str
    bids: list[Level]
    asks: list[Level]
    t_ms: int
    hash: str = ""
    tick_size: float | None = None
    last_trade: float | None = None
    min_order_size: float | None = None


@dataclass(slots=True)
class LevelChange:
    token_id: str
    side: Side
    price: float
    size: float
    """The new absolute size of the level; 0 removes it."""


@dataclass(slots=True)
class PriceChanges:
    market: str
    changes: list[LevelChange]
    t_ms: int


@dataclass(slots=True)
class TickSizeChange:
    token_id: str
    tick_size: float
    t_ms: int


@dataclass(slots=True)
class LastTrade:
    token_id: str
    price: float
    size: float | None
    t_ms: int


@dataclass(slots=True)
class BestBidAsk:
    token_id: str
    best_bid: float | None
    best_ask: float | None
    t_ms: int


BookEvent = BookSnapshot | PriceChanges | TickSizeChange | LastTrade | BestBidAsk


@dataclass(slots=True)
class DecodedFrame:
    events: list[BookEvent] = field(default_factory=list)
    malformed: int = 0
    """Events (or the whole frame) skipped because they could not be read."""
    pong: bool = False


class BadEvent(ValueError):
    """One event that cannot be used (the reason goes to the log and the malformed count)."""


def decode_frame(text: str | bytes) -> DecodedFrame:
    """The events of one text frame; never raises."""
    frame = DecodedFrame()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            frame.malformed = 1
            return frame
    stripped = text.strip()
    if stripped == "PONG":
        frame.pong = True
        return frame
    try:
        data = json.loads(stripped)
    except (json.JSONDecodeError, RecursionError):
        frame.malformed = 1
        return frame
    items = data if isinstance(data, list) else [data]
    for item in items:
        try:
            event = decode_event(item)
        except BadEvent:
            frame.malformed += 1
            continue
        if event is not None:
            frame.events.append(event)
    return frame


def decode_event(item: Any) -> BookEvent | None:
    """One event object; None for event types we do not use. Raises BadEvent."""
    if not isinstance(item, Mapping):
        raise BadEvent("not an object")
    kind = item.get("event_type")
    if kind == "book":
        return parse_book_snapshot(item)
    if kind == "price_change":
        return _price_changes(item)
    if kind == "tick_size_change":
        tick = _number(item.get("new_tick_size"))
        if tick is None or not 0 < tick < 1:
            raise BadEvent("tick_size_change without a usable new_tick_size")
        return TickSizeChange(_token(item), tick, _millis(item.get("timestamp")))
    if kind == "last_trade_price":
        price = price_key(item.get("price"))
        if price is None:
            raise BadEvent("last_trade_price without a usable price")
        return LastTrade(_token(item), price, _size(item.get("size")), _millis(item.get("timestamp")))
    if kind == "best_bid_ask":
        return BestBidAsk(
            _token(item),
            price_key(item.get("best_bid")),
            price_key(item.get("best_ask")),
            _millis(item.get("timestamp")),
        )
    if isinstance(kind, str):
        return None  # new_market, market_resolved, ...: not about book levels
    raise BadEvent("no event_type")


def _token(item: Mapping[str, Any]) -> str:
    token = item.get("asset_id")
    if isinstance(token, bool) or not isinstance(token, str | int) or not str(token):
        raise BadEvent("no asset_id")
    return str(token)


def _levels(raw: Any) -> list[Level]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadEvent("book side is not a list")
    levels: list[Level] = []
    for level in raw:
        if not isinstance(level, Mapping):
            raise BadEvent("book level is not an object")
        price = price_key(level.get("price"))
        size = _size(level.get("size"))
        if price is None or size is None:
            raise BadEvent("book level without a usable price or size")
        if size > 0:
            levels.append((price, size))
    return levels


def parse_book_snapshot(item: Mapping[str, Any]) -> BookSnapshot:
    """A `book` event or a REST `/book` object. Raises BadEvent."""
    if not isinstance(item, Mapping):
        raise BadEvent("book is not an object")
    tick = _number(item.get("tick_size"))
    market = item.get("market")
    return BookSnapshot(
        token_id=_token(item),
        market=market if isinstance(market, str) else "",
        bids=_levels(item.get("bids")),
        asks=_levels(item.get("asks")),
        t_ms=_millis(item.get("timestamp")),
        hash=str(item.get("hash") or ""),
        tick_size=tick if tick is not None and 0 < tick < 1 else None,
        last_trade=price_key(item.get("last_trade_price")),
        min_order_size=_size(item.get("min_order_size")),
    )


_SIDES: dict[Any, Side] = {"BUY": "bid", "SELL": "ask", "buy": "bid", "sell": "ask"}


def _price_changes(item: Mapping[str, Any]) -> PriceChanges:
    raw = item.get("price_changes")
    if not isinstance(raw, list):
        raise BadEvent("price_change without a price_changes list")
    changes: list[LevelChange] = []
    for change in raw:
        if not isinstance(change, Mapping):
            raise BadEvent("price change is not an object")
        side = _SIDES.get(change.get("side"))
        price = price_key(change.get("price"))
        size = _size(change.get("size"))
        if side is None or price is None or size is None:
            raise BadEvent("price change without a usable side, price or size")
        changes.append(LevelChange(_token(change), side, price, size))
    market = item.get("market")
    return PriceChanges(market if isinstance(market, str) else "", changes, _millis(item.get("timestamp")))
