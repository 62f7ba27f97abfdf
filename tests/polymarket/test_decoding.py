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


@pytest.mark.parametrize("events", [[None, "x"], "not a list", [{"id": 7, "title": "E", "series": 3}, 5], {}])
def test_a_market_whose_events_are_not_objects_parses_as_json_reads_it(
    recorded_data: Path, events: object
) -> None:
    raw = dict(load_recorded(recorded_data)[0], events=events)
    text = json.dumps(raw).encode()
    assert parsed(decode_record(text)) == parsed(json.loads(text))
    page = decode_markets_page(json.dumps({"markets": [raw]}).encode())
    assert parsed(page["markets"][0]) == parsed(json.loads(text))


def test_only_the_event_fields_read_are_kept(recorded_data: Path) -> None:
    raw = next(m for m in load_recorded(recorded_data) if m.get("events"))
    event = decode_record(json.dumps(raw).encode())["events"][0]
    assert event["id"] == raw["events"][0]["id"] and event["title"] == raw["events"][0]["title"]
    assert "description" not in event and raw["events"][0].get("description")


UNREADABLE = {
    "NaN": '{"id": NaN}',
    "1e400": '{"volume": 1e400}',
    "lone surrogate": '{"q": "\\ud800"}',
    "100,000-deep": "[" * 100_000 + "]" * 100_000,
    "truncated": "{",
}


def test_a_number_beyond_a_double_is_reported_with_its_field() -> None:
    with pytest.raises(DecodeError, match=r"\$\.volume"):
        decode_record(b'{"id": "1", "volume": 1e400}')


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_what_json_cannot_hold_is_a_decode_error(name: str) -> None:
    text = UNREADABLE[name]
    with pytest.raises(DecodeError):
        decode_record(text.encode())
    page = text if text.startswith("[") else f'{{"markets": [{text}]}}'
    with pytest.raises(DecodeError):
        decode_markets_page(page.encode())
