"""Turning Polymarket's JSON into `Market`/`Event` records, quirks included.

The quirks (docs/polymarket-api.md, "Quirks"): `outcomes`, `outcomePrices`, `clobTokenIds`
are JSON arrays inside strings; token ids are 77-digit decimals kept as TEXT; numbers arrive as
strings, numbers or not at all; dates come as ISO 8601 (with or without fraction and `Z`), date-only,
or Postgres style ("2025-12-30 09:09:31+00"); outcomes are not always Yes/No; neg-risk events carry
placeholder markets with no prices or tokens; and no field says who won.

A record that cannot be parsed raises `BadRecord`; the caller writes it to the errors table and goes
on. Placeholders are not errors: `is_placeholder()` says to skip them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from pmtui.dates import SANE_RANGE, in_range
from pmtui.polymarket.models import BookTop, Event, Market, PricePoint, Resolution, Source, Tag

# An outcome priced at or above this on a closed market is the winner. Exact 1/0 on CLOB-era
# markets; old AMM (FPMM) markets freeze at values like 0.9999995 / 0.0000004.
WIN_THRESHOLD = 0.99
LOSE_THRESHOLD = 0.01
# UMA states in which a closed market is not final yet.
PENDING_UMA = frozenset({"proposed", "disputed"})


class BadRecord(ValueError):
    """A record that cannot be used. `reason` is short and stable (it goes to the errors table)."""

    def __init__(self, reason: str, record_id: str | None = None, detail: str = "") -> None:
        self.reason = reason
        self.record_id = record_id
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


# `type(x) is dict or isinstance(x, Mapping)` below: JSON objects are dicts, and the exact-type test
# skips the ABC machinery of isinstance(x, Mapping) on the per-market hot path.

# --- scalar helpers --------------------------------------------------------------------------------


def parse_float(value: object) -> float | None:
    """A finite float from a number or numeric string; None for missing, empty or junk."""
    # Exact-type checks first: this runs ~12 times per market and isinstance() against a union is
    # several times slower than `type(x) is`. Subclasses still take the general path below.
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None  # type: ignore[arg-type,return-value]
    if kind is str:
        try:
            result = float(value)  # type: ignore[arg-type]  # float() ignores surrounding whitespace
        except ValueError:
            return None
        return result if math.isfinite(result) else None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def parse_bool(value: object, default: bool = False) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no", ""):
            return False
    if isinstance(value, int | float):
        return bool(value)
    return default


def parse_time(value: object) -> int | None:
    """Unix seconds (UTC) from any date format Polymarket uses, or from epoch seconds/milliseconds.
    None for missing, unreadable, NaN or infinite values (no range check: see `parse_date`)."""
    if type(value) is not str:  # strings are the usual case: test for them once, first
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:  # an int beyond any float
                return None
            if not math.isfinite(number):
                return None
            return int(number / 1000) if number > 1e11 else int(number)
        if not isinstance(value, str):
            return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return parse_time(int(text))
    try:
        # Python 3.11's fromisoformat reads every form Polymarket sends: ISO 8601 with `T` or a
        # space, `Z` or `+00`, date-only (docs/polymarket-api.md, "Quirks").
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return int(parsed.timestamp())
    except (OverflowError, OSError, ValueError):
        return None


def parse_date(value: object, field: str, record_id: str | None = None) -> int | None:
    """A record's date field: None when absent (None or ""), else unix seconds between 2000 and 2100.
    Raises BadRecord("bad_date") for a value that is there but unreadable, NaN, infinite or out of
    that range (`end_date: 1e20` would otherwise be stored and crash whatever formats it)."""
    if value is None or value == "":
        return None
    t = parse_time(value)
    if t is None:
        raise BadRecord("bad_date", record_id, f"{field}: unreadable date {_short(value)}")
    if not in_range(t):
        raise BadRecord("bad_date", record_id, f"{field}: {_short(value)} is outside {SANE_RANGE}")
    return t


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_raw_decode = json.JSONDecoder().raw_decode
_decode_array = msgspec.json.Decoder(list).decode


def parse_json_list(value: object) -> list[Any] | None:
    """A list from a real JSON array or from a JSON array encoded in a string. None if absent."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            # msgspec reads the usual short array in a third of json's time. Whatever it refuses
            # (not an array, NaN, a lone surrogate, junk) takes json's path below, which decides.
            return _decode_array(text)
        except (msgspec.DecodeError, UnicodeEncodeError, RecursionError):
            pass  # UnicodeEncodeError: a lone surrogate in the text itself, which json keeps
        try:
            # raw_decode skips json.loads' argument handling and whitespace regexes (the text is
            # stripped already); trailing junk is still refused, as json.loads would.
            decoded, end = _raw_decode(text)
            if end != len(text):
                raise json.JSONDecodeError("Extra data", text, end)
        except json.JSONDecodeError:
            raise BadRecord("bad_json_string", detail=f"not a JSON array: {text[:60]!r}") from None
        if isinstance(decoded, list):
            return decoded
        raise BadRecord("bad_json_string", detail=f"expected a JSON array, got {type(decoded).__name__}")
    raise BadRecord("bad_json_string", detail=f"expected a JSON array, got {type(value).__name__}")


def opt_str(value: object) -> str | None:
    if type(value) is str:  # the usual case, without the str() call
        return value or None
    if value is None:
        return None
    text = str(value)
    return text if text else None


# --- markets ---------------------------------------------------------------------------------------


def is_placeholder(raw: Mapping[str, Any]) -> bool:
    """Neg-risk placeholder ("Person X", an unopened "Other"): no tokens or no prices, not live."""
    if (raw.get("clobTokenIds") or raw.get("positionIds")) and raw.get("outcomePrices"):
        return False  # tokens and prices: a real market (nearly every record; decided without the flags)
    negrisk = parse_bool(raw.get("negRisk")) or parse_bool(raw.get("negRiskOther"))
    inactive = raw.get("active") is False
    return negrisk or inactive


def decide_resolution(
    closed: bool, uma_status: str | None, prices: Sequence[float | None]
) -> tuple[Resolution, int | None]:
    """(resolution, winner index) from what Gamma shows.

    - Open, or closed while UMA says proposed/disputed: unresolved.
    - One outcome >= 0.99 and every other <= 0.01: that outcome won (AMM markets included).
    - All outcomes priced equally and above zero (0.5/0.5): void, a 50-50 resolution (every share
      of either outcome redeems for $0.50).
    - Anything else (e.g. closed AMM markets at ["0", "0"] or 0.58/0.42): unresolved, since the
      outcome cannot be read from the data and guessing would poison a backtest.
    """
    if not closed:
        return "unresolved", None
    if uma_status in PENDING_UMA:
        return "unresolved", None
    if len(prices) < 2 or any(p is None for p in prices):
        return "unresolved", None
    values = [float(p) for p in prices if p is not None]
    winners = [i for i, p in enumerate(values) if p >= WIN_THRESHOLD]
    if len(winners) == 1 and all(p <= LOSE_THRESHOLD for i, p in enumerate(values) if i != winners[0]):
        return "resolved", winners[0]
    if values[0] > 0 and all(abs(p - values[0]) < 1e-9 for p in values):
        return "void", None
    return "unresolved", None


def _fee_schedule(raw: Mapping[str, Any]) -> tuple[float | None, float | None]:
    schedule = raw.get("feeSchedule")
    if isinstance(schedule, Mapping):
        rate = parse_float(schedule.get("rate"))
        exponent = parse_float(schedule.get("exponent"))
        return rate, (exponent if exponent is not None else 1.0)
    if raw.get("feesEnabled") is False or raw.get("feeType") == "zero_fees":
        return 0.0, 1.0
    return None, None


def tag_slugs(raw: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> list[str]:
    slugs: list[str] = []
    for source in [raw, *events]:
        for tag in source.get("tags") or []:
            if type(tag) is dict or isinstance(tag, Mapping):
                slug = tag.get("slug") or tag.get("label")
                if slug and str(slug).lower() not in slugs:
                    slugs.append(str(slug).lower())
            elif isinstance(tag, str) and tag.lower() not in slugs:
                slugs.append(tag.lower())
    return slugs


def parse_gamma_market(
    raw: Mapping[str, Any], *, source: Source = "api", event: Mapping[str, Any] | None = None
) -> Market:
    """A `Market` from one Gamma market object (from /markets, /markets/keyset or an event's list).

    `event` is the parent when the market came nested in an event (Gamma omits `events` there).
    Raises BadRecord when the object is unusable.
    """
    if not (type(raw) is dict or isinstance(raw, Mapping)):
        raise BadRecord("not_an_object", detail=f"expected a JSON object, got {type(raw).__name__}")
    market_id = opt_str(raw.get("id"))
    if market_id is None:
        raise BadRecord("missing_field", detail="id")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        raise BadRecord("missing_field", market_id, "question")
    try:
        outcomes = parse_json_list(raw.get("outcomes"))
        token_ids = parse_json_list(raw.get("clobTokenIds"))
        if token_ids is None:
            token_ids = parse_json_list(raw.get("positionIds"))  # Protocol V2 markets
        price_list = parse_json_list(raw.get("outcomePrices"))
    except BadRecord as exc:
        raise BadRecord(exc.reason, market_id, exc.detail) from None
    if not outcomes:
        raise BadRecord("missing_field", market_id, "outcomes")
    # Old AMM-era markets have no CLOB tokens: keep them (outcome and resolution are still known),
    # they simply have no order book or price history.
    token_ids = token_ids or []
    if token_ids and len(token_ids) != len(outcomes):
        raise BadRecord(
            "shape_mismatch", market_id, f"{len(outcomes)} outcomes but {len(token_ids)} token ids"
        )
    prices: list[float | None] = [parse_float(p) for p in price_list] if price_list else []
    if prices and len(prices) != len(outcomes):
        raise BadRecord("shape_mismatch", market_id, f"{len(outcomes)} outcomes but {len(prices)} prices")
    if any(p is not None and not 0 <= p <= 1 for p in prices):
        raise BadRecord("bad_price", market_id, f"outcome price outside [0, 1]: {price_list}")

    events = [e for e in (raw.get("events") or []) if (type(e) is dict or isinstance(e, Mapping))]
    parent = event or (events[0] if events else None)
    closed = parse_bool(raw.get("closed"))
    uma_status = opt_str(raw.get("umaResolutionStatus"))
    resolution, winner = decide_resolution(closed, uma_status, prices)
    fee_rate, fee_exponent = _fee_schedule(raw)
    series = (parent or {}).get("series") or []
    series_slug = opt_str((parent or {}).get("seriesSlug")) or (
        opt_str(series[0].get("slug"))
        if isinstance(series, list) and series and isinstance(series[0], Mapping)
        else None
    )
    volume = _amount(raw, "volumeNum", "volume", market_id)
    liquidity = _amount(raw, "liquidityNum", "liquidity", market_id)
    market = Market(
        id=market_id,
        question=question.strip(),
        outcomes=check_outcomes(outcomes, market_id),
        token_ids=[str(t) for t in token_ids],
        prices=prices,
        condition_id=opt_str(raw.get("conditionId")),
        slug=opt_str(raw.get("slug")),
        description=opt_str(raw.get("description")),
        resolution_source=opt_str(raw.get("resolutionSource")),
        event_id=opt_str((parent or {}).get("id")),
        event_slug=opt_str((parent or {}).get("slug")),
        event_title=opt_str((parent or {}).get("title")),
        series_slug=series_slug,
        group_item_title=opt_str(raw.get("groupItemTitle")),
        best_bid=parse_float(raw.get("bestBid")),
        best_ask=parse_float(raw.get("bestAsk")),
        last_trade=parse_float(raw.get("lastTradePrice")),
        one_day_change=parse_float(raw.get("oneDayPriceChange")),
        volume=volume,
        volume_24h=parse_float(raw.get("volume24hr")),
        liquidity=liquidity,
        start_date=parse_date(raw.get("startDate") or raw.get("startDateIso"), "startDate", market_id),
        end_date=parse_date(raw.get("endDate") or raw.get("endDateIso"), "endDate", market_id),
        closed_time=parse_date(raw.get("closedTime"), "closedTime", market_id),
        created_at=parse_date(raw.get("createdAt"), "createdAt", market_id),
        active=parse_bool(raw.get("active"), default=True),
        closed=closed,
        accepting_orders=parse_bool(raw.get("acceptingOrders")),
        enable_order_book=parse_bool(raw.get("enableOrderBook")),
        neg_risk=parse_bool(raw.get("negRisk")),
        neg_risk_market_id=opt_str(raw.get("negRiskMarketID")),
        uma_status=uma_status,
        resolution=resolution,
        winner=winner,
        fee_rate=fee_rate,
        fee_exponent=fee_exponent,
        fee_type=opt_str(raw.get("feeType")),
        tick_size=parse_float(raw.get("orderPriceMinTickSize")),
        min_size=parse_float(raw.get("orderMinSize")),
        tags=tag_slugs(raw, [parent] if parent else []),
        source=source,
    )
    check_text(market)
    return market


def _amount(raw: Mapping[str, Any], key: str, fallback: str, record_id: str) -> float | None:
    """A volume or liquidity: the first of the two keys that holds a number. Negative, NaN or infinite
    numbers are bad input (BadRecord), not a missing value."""
    for name in (key, fallback):
        value = raw.get(name)
        parsed = parse_float(value)
        if parsed is None:
            if isinstance(value, float) or (isinstance(value, str) and value.strip().lower() in _NON_FINITE):
                raise BadRecord("bad_number", record_id, f"{name}: {_short(value)} is not a finite number")
            continue
        if parsed < 0:
            raise BadRecord("bad_number", record_id, f"{name}: {_short(value)} is negative")
        return parsed
    return None


_NON_FINITE = frozenset({"nan", "-nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})


def check_outcomes(outcomes: Sequence[Any], record_id: str | None) -> list[str]:
    """Outcome names: non-empty strings (numbers are read as their text), all different
    (`["Yes", "Yes"]` cannot say which side won)."""
    if all(type(o) is str for o in outcomes):  # the usual case, without the per-item type tests below
        names = list(outcomes)
    else:
        names = [o if isinstance(o, str) else str(o) for o in outcomes]
        if any(isinstance(o, Mapping | list) for o in outcomes):
            names = [""]  # refused below, with the same message as an empty name
    if not all(n.strip() for n in names):
        raise BadRecord("bad_outcomes", record_id, f"outcomes must be non-empty names: {_short(outcomes)}")
    if len(set(names)) != len(names):
        raise BadRecord("bad_outcomes", record_id, f"outcomes repeat a name: {_short(outcomes)}")
    return names


def check_text(market: Market) -> None:
    """Every string of `market` must be valid Unicode: a lone surrogate (`"\\ud800"` in JSON decodes
    to one) cannot be stored as UTF-8, and would fail the whole batch it is written with."""
    texts = [
        market.id, market.question, market.condition_id, market.slug, market.description, market.event_id,
        market.event_slug, market.event_title, market.series_slug, market.group_item_title,
        market.neg_risk_market_id, market.uma_status, market.fee_type, market.resolution_source,
        *market.outcomes, *market.token_ids, *market.tags,
    ]  # fmt: skip
    for text in texts:
        if text and not text.isascii():  # ASCII (most of them) is valid; isascii() copies nothing
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadRecord("bad_text", market.id, f"not valid Unicode ({exc.reason})") from None


def parse_gamma_event(raw: Mapping[str, Any]) -> Event:
    if not (type(raw) is dict or isinstance(raw, Mapping)) or opt_str(raw.get("id")) is None:
        raise BadRecord("missing_field", detail="event id")
    series = raw.get("series") or []
    series_slug = opt_str(raw.get("seriesSlug")) or (
        opt_str(series[0].get("slug"))
        if isinstance(series, list) and series and isinstance(series[0], Mapping)
        else None
    )
    event_id = str(raw["id"])
    return Event(
        id=event_id,
        slug=opt_str(raw.get("slug")),
        title=opt_str(raw.get("title")),
        series_slug=series_slug,
        neg_risk=parse_bool(raw.get("negRisk")) or parse_bool(raw.get("enableNegRisk")),
        tags=tag_slugs(raw, []),
        start_date=parse_date(raw.get("startDate"), "startDate", event_id),
        end_date=parse_date(raw.get("endDate"), "endDate", event_id),
        closed=parse_bool(raw.get("closed")),
    )


def parse_tag(raw: Mapping[str, Any]) -> Tag:
    if not (type(raw) is dict or isinstance(raw, Mapping)) or opt_str(raw.get("id")) is None:
        raise BadRecord("missing_field", detail="tag id")
    return Tag(id=str(raw["id"]), label=opt_str(raw.get("label")), slug=opt_str(raw.get("slug")))


# --- CLOB ------------------------------------------------------------------------------------------


def parse_book(raw: Mapping[str, Any]) -> BookTop:
    """Best bid/ask of one CLOB book. Sides are not reliably sorted, so take max bid / min ask."""
    if not (type(raw) is dict or isinstance(raw, Mapping)):
        raise BadRecord("not_an_object", detail="book")
    token_id = opt_str(raw.get("asset_id"))
    if token_id is None:
        raise BadRecord("missing_field", detail="book asset_id")
    bids = [parse_float(level.get("price")) for level in raw.get("bids") or [] if isinstance(level, Mapping)]
    asks = [parse_float(level.get("price")) for level in raw.get("asks") or [] if isinstance(level, Mapping)]
    bid_values = [b for b in bids if b is not None]
    ask_values = [a for a in asks if a is not None]
    t = parse_time(raw.get("timestamp")) or int(datetime.now(UTC).timestamp())
    return BookTop(
        token_id=token_id,
        best_bid=max(bid_values) if bid_values else None,
        best_ask=min(ask_values) if ask_values else None,
        t=t,
        min_order_size=parse_float(raw.get("min_order_size")),
        tick_size=parse_float(raw.get("tick_size")),
    )


def parse_history(token_id: str, raw: Mapping[str, Any]) -> list[PricePoint]:
    """Points of a `/prices-history` response `{"history": [{"t", "p"}]}`; junk points are dropped."""
    if not (type(raw) is dict or isinstance(raw, Mapping)):
        raise BadRecord("not_an_object", token_id, "prices-history response")
    history = raw.get("history")
    if history is None:
        raise BadRecord("missing_field", token_id, "history")
    if not isinstance(history, list):
        raise BadRecord("bad_type", token_id, "history is not a list")
    points: list[PricePoint] = []
    for item in history:
        if not isinstance(item, Mapping):
            continue
        t = parse_time(item.get("t"))
        p = parse_float(item.get("p"))
        if t is not None and p is not None and 0 <= p <= 1 and in_range(t):
            points.append(PricePoint(token_id, t, p))
    return points
