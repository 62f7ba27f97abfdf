"""Decoding market JSON fast: msgspec into typed objects holding only the fields pmtui reads.

A real Gamma market is ~5 KB of JSON with ~80 keys, of which the parser reads ~40. `json.loads`
builds every key and value (~40 us a market); msgspec decoding into a Struct of the fields we read
skips the rest in C (~10-14 us), and the same dict-shaped record comes out for the parser
(`pmtui.polymarket.parsing`), so there is one parsing path whatever decoded the bytes.

Every field is `Any`: Gamma sends numbers as strings or numbers, lists as JSON-in-strings or lists,
and the parser already copes with each. `events` alone is typed (a list of objects, of which the
fields in EVENT_FIELDS are kept): a record where it is something else is decoded in full instead. A value that is not JSON at all, a number beyond a double
(`1e400`), a lone surrogate escape or nesting deeper than msgspec's limit raises `DecodeError`
with a short reason.
"""

from __future__ import annotations

from typing import Any

import msgspec

# The keys a market record may carry that something reads: Gamma markets (parse_gamma_market,
# is_placeholder, the collector's demo flag), pmtui's history format (polymarket.files), and the
# wrappers a file line may use ({"raw": market} from recorders, an event with "markets").
RECORD_FIELDS: tuple[str, ...] = (
    # Gamma market
    "id", "question", "outcomes", "clobTokenIds", "positionIds", "outcomePrices", "events", "closed",
    "umaResolutionStatus", "feeSchedule", "feesEnabled", "feeType", "volumeNum", "volume",
    "liquidityNum", "liquidity", "conditionId", "slug", "description", "groupItemTitle", "bestBid",
    "bestAsk", "lastTradePrice", "oneDayPriceChange", "volume24hr", "startDate", "startDateIso",
    "endDate", "endDateIso", "closedTime", "createdAt", "active", "acceptingOrders", "enableOrderBook",
    "negRisk", "negRiskOther", "negRiskMarketID", "orderPriceMinTickSize", "orderMinSize", "tags",
    "pmtuiGenerated", "resolutionSource",
    # pmtui's history format
    "end_date", "closed_time", "winner", "category", "price_history",
    # wrappers and events
    "raw", "markets", "data", "title", "seriesSlug", "series", "enableNegRisk",
)  # fmt: skip

# The keys of a market's parent event (its `events` list) that something reads: parse_gamma_market
# (id, slug, title, series), parse_gamma_event and the tags. An event nested in a Gamma market is
# ~2 KB of JSON, mostly its description and counters: typed, msgspec skips the rest in C (~2 us a
# market). Each comes back as a dict like a record does.
EVENT_FIELDS: tuple[str, ...] = (
    "id", "slug", "title", "seriesSlug", "series", "tags", "negRisk", "enableNegRisk", "startDate",
    "endDate", "closed",
)  # fmt: skip

DecodeError = msgspec.DecodeError


MISSING: Any = msgspec.UNSET
"""The value of `winner` in a decoded record without that key (null there means void)."""


_Event = msgspec.defstruct("Event", [(name, Any, None) for name in EVENT_FIELDS], gc=False)


def _record_type() -> type[msgspec.Struct]:
    # Built from RECORD_FIELDS so the list above is the one place naming them. A key the JSON did not
    # have reads None, as `dict.get` would, except `winner`, where null is a value (void).
    fields: list[tuple[str, Any, Any]] = [
        (name, Any, MISSING if name == "winner" else None) for name in RECORD_FIELDS if name != "events"
    ]
    fields.append(("events", list[_Event] | None, None))  # type: ignore[valid-type]
    return msgspec.defstruct("Record", fields, gc=False)


_Record = _record_type()
_record_decoder = msgspec.json.Decoder(_Record)
_any_decoder = msgspec.json.Decoder()


def _as_dict(record: Any) -> dict[str, Any]:
    fields = msgspec.structs.asdict(record)
    events = fields["events"]
    if events:
        fields["events"] = [msgspec.structs.asdict(event) for event in events]
    return fields


def decode_record(data: bytes | str) -> Any:
    """One JSON value: an object comes back as a dict of every key in RECORD_FIELDS (None where the
    JSON had none, `winner` MISSING), other keys dropped, its `events` as dicts of EVENT_FIELDS;
    anything else (an array, a string...) as decoded. Read it with `.get()`, never `in`. A value
    of another shape than the typed fields expect (`events` that are not objects) is decoded in
    full instead, for the parser to judge. Raises DecodeError."""
    try:
        record = _record_decoder.decode(data)
    except msgspec.ValidationError as exc:
        # Valid JSON of another shape (not an object, odd `events`), or a number beyond a double:
        # the generic decoder returns the one; the other keeps the typed decoder's message, which
        # names the field (`$.volume`, where the generic one says `$[...]`).
        try:
            return decode_any(data)
        except DecodeError:
            raise DecodeError(str(exc)) from None
    except RecursionError:
        raise DecodeError("nested too deeply") from None
    return _as_dict(record)


def _page_type() -> type[msgspec.Struct]:
    return msgspec.defstruct(
        "MarketsPage",
        [("markets", list[_Record] | None, None), ("next_cursor", Any, None), ("events", Any, None)],  # type: ignore[valid-type]
        gc=False,
    )


_page_decoder = msgspec.json.Decoder(_page_type())


def decode_markets_page(data: bytes) -> Any:
    """A `/markets/keyset` answer `{"markets": [...], "next_cursor": ...}` with each market decoded
    as `decode_record` does (the collector's hot path). A page whose markets are not all of that
    shape (a corrupted record: the parser reports it) is decoded in full instead. Raises DecodeError."""
    try:
        page: Any = _page_decoder.decode(data)
    except msgspec.ValidationError:
        return decode_any(data)
    except RecursionError:
        raise DecodeError("nested too deeply") from None
    markets = None if page.markets is None else [_as_dict(m) for m in page.markets]
    return {"markets": markets, "next_cursor": page.next_cursor, "events": page.events}


def decode_any(data: bytes | str) -> Any:
    """Any JSON document, as plain Python values. Raises DecodeError."""
    try:
        return _any_decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise DecodeError(str(exc)) from None
    except RecursionError:
        raise DecodeError("nested too deeply") from None
