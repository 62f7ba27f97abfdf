"""The msgspec decoders give the parser exactly what json.loads would, on every recorded market."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmtui.fakes.polymarket_data import load_recorded
from pmtui.polymarket.decoding import DecodeError, decode_markets_page, decode_record
from pmtui.polymarket.parsing import BadRecord, is_placeholder, parse_gamma_market


def parsed(raw: dict[str, object]) -> object:
    try:
        return parse_gamma_market(raw)
    except BadRecord as exc:
        return ("bad", str(exc))


def test_every_recorded_market_parses_the_same_from_either_decoder(recorded_data: Path) -> None:
    markets = load_recorded(recorded_data)
    for raw in markets:
        text = json.dumps(raw).encode()
        fast = decode_record(text)
        assert parsed(fast) == parsed(json.loads(text)), raw["id"]
        assert is_placeholder(fast) == is_placeholder(raw)
    page = json.dumps({"markets": markets[:100], "next_cursor": "abc"}).encode()
    decoded = decode_markets_page(page)
    assert decoded["next_cursor"] == "abc"
    assert [parsed(m) for m in decoded["markets"]] == [parsed(m) for m in markets[:100]]


def test_a_page_with_a_record_that_is_not_an_object_is_decoded_in_full(recorded_data: Path) -> None:
    raw = load_recorded(recorded_data)[0]
    decoded = decode_markets_page(json.dumps({"markets": [raw, "junk", 7]}).encode())
    assert decoded["markets"][1:] == ["junk", 7] and decoded["markets"][0]["id"] == raw["id"]


UNREADABLE = {
    "NaN": '{"id": NaN}',
    "1e400": '{"volume": 1e400}',
    "lone surrogate": '{"q": "\\ud800"}',
    "100,000-deep": "[" * 100_000 + "]" * 100_000,
    "truncated": "{",
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_what_json_cannot_hold_is_a_decode_error(name: str) -> None:
    text = UNREADABLE[name]
    with pytest.raises(DecodeError):
        decode_record(text.encode())
    page = text if text.startswith("[") else f'{{"markets": [{text}]}}'
    with pytest.raises(DecodeError):
        decode_markets_page(page.encode())
