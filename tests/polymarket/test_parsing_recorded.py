"""Every quirk of Polymarket's JSON, checked on the recorded real responses (tests/data/polymarket)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pmtui.fakes.polymarket_data import generate_markets, load_recorded, read_json
from pmtui.polymarket.parsing import (
    BadRecord,
    is_placeholder,
    parse_book,
    parse_gamma_market,
    parse_history,
    parse_time,
)


@pytest.fixture
def recorded(recorded_data: Path) -> dict[str, dict[str, Any]]:
    """Every recorded market once (the newest capture of a market recorded twice), by id."""
    return {str(m["id"]): m for m in load_recorded(recorded_data)}


def test_every_recorded_market_parses(recorded: dict[str, dict[str, Any]]) -> None:
    markets = [parse_gamma_market(raw) for raw in recorded.values()]
    assert len(markets) == 1587
    for market in markets:
        assert len(market.outcomes) >= 2
        assert market.token_ids == [] or len(market.token_ids) == len(market.outcomes)
        assert all(isinstance(t, str) and t.isdigit() and len(t) >= 70 for t in market.token_ids)
        assert all(p is None or 0 <= p <= 1 for p in market.prices)


def test_json_arrays_inside_strings_and_token_ids_as_text(recorded: dict[str, dict[str, Any]]) -> None:
    raw = recorded["1237864"]
    assert isinstance(raw["outcomes"], str) and isinstance(raw["clobTokenIds"], str)
    market = parse_gamma_market(raw)
    assert market.outcomes == ["Acend", "Bebop"]  # not Yes/No
    assert (
        market.token_ids[0] == "13915383147598038388500755196666377480504116216295452377454618635607632089106"
    )
    assert market.prices == [1.0, 0.0]


def test_mixed_date_formats(recorded: dict[str, dict[str, Any]]) -> None:
    raw = recorded["1237864"]
    market = parse_gamma_market(raw)
    assert raw["closedTime"] == "2026-01-23 20:56:36+00"  # Postgres style, not ISO
    assert market.closed_time == int(datetime(2026, 1, 23, 20, 56, 36, tzinfo=UTC).timestamp())
    assert market.end_date == int(datetime(2026, 1, 23, 18, 30, tzinfo=UTC).timestamp())  # "...T18:30:00Z"
    assert market.start_date == parse_time("2026-01-22T00:01:27.770446Z")
    assert parse_time("2026-01-23") == int(datetime(2026, 1, 23, tzinfo=UTC).timestamp())
    assert parse_time("1767802212") == 1767802212 and parse_time(1767802212000) == 1767802212
    with_ms = [m for m in recorded.values() if len(m.get("endDate") or "") == 24]
    assert with_ms and all(parse_gamma_market(m).end_date is not None for m in with_ms)


def test_numbers_as_strings_numbers_or_missing(recorded: dict[str, dict[str, Any]]) -> None:
    raw = recorded["1237864"]
    assert isinstance(raw["volume"], str) and isinstance(raw["volumeNum"], float)
    assert parse_gamma_market(raw).volume == pytest.approx(9999.995006)
    without_num = next(m for m in recorded.values() if "volumeNum" not in m)
    assert parse_gamma_market(without_num).volume is None  # missing, not zero
    assert parse_gamma_market({k: v for k, v in raw.items() if k != "volumeNum"}).volume == pytest.approx(
        9999.995006
    )
    missing_24h = next(m for m in recorded.values() if "volume24hr" not in m)
    assert parse_gamma_market(missing_24h).volume_24h is None
    int_bid = next(m for m in recorded.values() if isinstance(m.get("bestBid"), int))
    assert parse_gamma_market(int_bid).best_bid == float(int_bid["bestBid"])
    as_strings = {**raw, "volumeNum": "9999.995006", "orderMinSize": "5", "bestBid": ""}
    market = parse_gamma_market(as_strings)
    assert market.volume == pytest.approx(9999.995006) and market.min_size == 5 and market.best_bid is None


@pytest.mark.parametrize(
    ("market_id", "resolution", "winner", "why"),
    [
        ("1237864", "resolved", 0, "closed, UMA resolved, outcome 0 priced 1"),
        ("681413", "void", None, "closed, UMA resolved, 0.5/0.5"),
        ("253898", "unresolved", None, "closed but UMA only proposed, although priced 0/1"),
        ("1328692", "unresolved", None, "UMA disputed"),
        ("19", "resolved", 1, "old AMM market: 0.000001 / 0.999998, no UMA status"),
        ("12", "unresolved", None, "closed AMM market priced 0/0: outcome unknown"),
        ("559651", "unresolved", None, "open"),
        ("31023", "resolved", 0, "AMM market with three outcomes (Bezos, Musk, Other)"),
    ],
)
def test_how_the_winner_is_decided(
    recorded: dict[str, dict[str, Any]], market_id: str, resolution: str, winner: int | None, why: str
) -> None:
    market = parse_gamma_market(recorded[market_id])
    assert (market.resolution, market.winner) == (resolution, winner), why


def test_winners_across_all_recorded_markets(recorded: dict[str, dict[str, Any]]) -> None:
    for raw in recorded.values():
        market = parse_gamma_market(raw)
        prices = json.loads(raw["outcomePrices"]) if raw.get("outcomePrices") else []
        if (
            raw.get("closed")
            and raw.get("umaResolutionStatus") == "resolved"
            and sorted(prices) == ["0", "1"]
        ):
            assert market.resolution == "resolved" and market.winner == prices.index("1"), raw["id"]
        if raw.get("umaResolutionStatus") in ("proposed", "disputed") or not raw.get("closed"):
            assert market.resolution == "unresolved" and market.winner is None, raw["id"]


def test_amm_event_market(recorded_data: Path) -> None:
    event = json.loads((recorded_data / "gamma_event_2890.json").read_text())
    market = parse_gamma_market(event["markets"][0], event=event)
    assert market.resolution == "resolved" and market.event_id == "2890"
    assert market.prices[market.winner or 0] > 0.99  # type: ignore[operator]


def test_neg_risk_placeholders_are_recognised() -> None:
    generated = generate_markets(200, seed=5, now=1_780_000_000)
    placeholders = [m for m in generated if is_placeholder(m)]
    assert placeholders and all("Person X" in m["question"] for m in placeholders)
    assert all(not m.get("outcomePrices") and not m.get("clobTokenIds") for m in placeholders)
    assert not any(is_placeholder(m) for m in generated if m not in placeholders)


def test_bad_records_raise_with_a_reason(recorded: dict[str, dict[str, Any]]) -> None:
    raw = recorded["1237864"]
    cases = {
        "missing_field": {k: v for k, v in raw.items() if k != "question"},
        "bad_json_string": {**raw, "outcomes": '["Acend", "Beb'},
        "shape_mismatch": {**raw, "clobTokenIds": '["1"]'},
        "bad_price": {**raw, "outcomePrices": '["1.5", "0"]'},
    }
    for reason, broken in cases.items():
        with pytest.raises(BadRecord) as raised:
            parse_gamma_market(broken)
        assert raised.value.reason == reason and raised.value.record_id == "1237864"


def test_recorded_history_and_book_shapes(recorded_data: Path) -> None:
    raw = read_json(recorded_data / "clob_prices_history_active_prices_1d.json.gz")
    points = parse_history("tok", raw)
    assert len(points) == len(raw["history"]) == 1440
    assert all(isinstance(p.t, int) and 0 <= p.p <= 1 for p in points)
    book = parse_book(
        {
            "asset_id": "7",
            "timestamp": "1791258810641",
            "bids": [{"price": "0.001", "size": "16069385.26"}, {"price": "0.024", "size": "7838.1"}],
            "asks": [{"price": "0.999", "size": "2178920.26"}, {"price": "0.025", "size": "3563.48"}],
        }
    )
    assert (book.best_bid, book.best_ask, book.t) == (0.024, 0.025, 1791258810)  # best = last entries
