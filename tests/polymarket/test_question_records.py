"""The fast reader behind `pmtui categorize --input` gives, for every layout, what the full market-file
reader gives for the fields the taxonomy reads, with bad lines reported at the same line numbers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from pmtui.fakes.polymarket_data import read_json
from pmtui.polymarket.files import BadLine, FileRecord, SkippedPlaceholder, read_market_file
from pmtui.polymarket.question_records import QuestionRecord, read_question_records

MIXED = "gamma_markets_600_mixed_2026-02.json.gz"


def full(path: Path) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for item in read_market_file(path):
        if isinstance(item, FileRecord):
            m = item.market
            out.append(
                (
                    "market",
                    m.id,
                    m.question,
                    list(m.tags),
                    m.event_id,
                    m.event_slug,
                    m.series_slug,
                    m.end_date,
                    item.category,
                )
            )
        elif isinstance(item, BadLine):
            out.append(("bad", item.line, item.reason))
        elif isinstance(item, SkippedPlaceholder):
            out.append(("placeholder", item.line, item.record_id))
    return out


def fast(path: Path, chunk_size: int = 1 << 22) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for item in read_question_records(path, chunk_size=chunk_size):
        if isinstance(item, QuestionRecord):
            out.append(
                (
                    "market", item.id, item.question, item.tags, item.event_id, item.event_slug,
                    item.series_slug, item.end_date, item.category,
                )
            )  # fmt: skip
        elif isinstance(item, BadLine):
            out.append(("bad", item.line, item.reason))
        else:
            out.append(("placeholder", item.line, item.record_id))
    return out


@pytest.mark.parametrize(
    "name",
    [
        MIXED,  # a JSON array
        "gamma_markets_200_active_snapshot.json.gz",  # a keyset page
        "gamma_markets_500_closed_2018-2021.json.gz",
        "gamma_market_559651.json",  # one market
        "gamma_event_2890.json",  # one event with its markets
        "BTC-5m-markets-2026-07-24.jsonl.gz",  # JSONL wrapped as {"raw": ...}
    ],
)
def test_every_recorded_file_reads_as_the_full_reader_reads_it(recorded_data: Path, name: str) -> None:
    path = recorded_data / name
    expected = full(path)
    assert any(row[0] == "market" for row in expected)
    assert fast(path) == expected


def test_jsonl_across_chunk_boundaries_with_bad_blank_and_placeholder_lines(
    recorded_data: Path, tmp_path: Path
) -> None:
    markets = read_json(recorded_data / MIXED)[:40]
    placeholder = {"id": "ph1", "question": "Person X?", "negRisk": True, "outcomes": '["Yes","No"]'}
    lines = [json.dumps(m) for m in markets[:15]]
    lines += ["", "   ", "{broken", json.dumps(placeholder), json.dumps({"id": "nq"}), "[1, 2]"]
    lines += [json.dumps({"raw": markets[15]})]  # a recorder's wrapping
    lines += [json.dumps(m) for m in markets[16:]]
    path = tmp_path / "markets.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = full(path)
    assert [row[1] for row in expected if row[0] == "bad"] == [18, 20, 21]  # {broken, no question, array
    assert [row[1] for row in expected if row[0] == "placeholder"] == [19]
    for chunk_size in (1 << 22, 4096, 700):  # 700 bytes: most lines are longer than a chunk
        assert fast(path, chunk_size) == expected, chunk_size
    gz = tmp_path / "markets.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert fast(gz, 4096) == expected


def test_a_market_needs_only_an_id_and_a_question_to_be_categorised(tmp_path: Path) -> None:
    # Categorising reads no prices or tokens; `pmtui import` is where inconsistent ones are refused.
    odd = {
        "id": 7,
        "question": " Will it rain? ",
        "outcomes": '["Yes","No","Maybe"]',
        "clobTokenIds": '["1","2"]',
    }
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(odd) + "\n" + json.dumps({**odd, "id": 8}) + "\n", encoding="utf-8")
    assert [r[:3] for r in fast(path)] == [("market", "7", "Will it rain?"), ("market", "8", "Will it rain?")]
    assert [row[0] for row in full(path)] == ["bad", "bad"]


@pytest.mark.parametrize("broken", [False, True])
@pytest.mark.parametrize("long_lines", [False, True])
def test_blank_lines_and_two_values_on_one_line_keep_every_line_number(
    recorded_data: Path, tmp_path: Path, long_lines: bool, broken: bool
) -> None:
    # Lines are counted one way for long lines (Gamma markets of kilobytes) and another for short
    # ones: either way blank lines and a line holding two values must not shift the line numbers.
    markets = read_json(recorded_data / MIXED)[:12]
    if not long_lines:
        keys = ("id", "question", "outcomes", "outcomePrices", "clobTokenIds")
        markets = [{k: m[k] for k in keys} for m in markets]
    lines = [json.dumps(m) for m in markets[:4]]
    lines += ["", json.dumps(markets[4]) + " " + json.dumps(markets[5])]  # a blank line, two values
    lines += [json.dumps(m) for m in markets[6:9]] + ["  ", "{broken" if broken else ""]
    lines += [json.dumps(m) for m in markets[9:]]
    path = tmp_path / "markets.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = full(path)
    assert [row[1] for row in expected if row[0] == "bad"] == ([6, 11] if broken else [6])
    assert len([row for row in expected if row[0] == "market"]) == 10
    for chunk_size in (1 << 22, 8192, 1000):
        assert fast(path, chunk_size) == expected, chunk_size


@pytest.mark.parametrize("blank", ["", "   ", "\t\r"])
@pytest.mark.parametrize("long_lines", [False, True])
def test_one_blank_line_and_one_line_of_two_values_do_not_cancel_out(
    recorded_data: Path, tmp_path: Path, long_lines: bool, blank: str
) -> None:
    # One value fewer (the blank line) and one more (two on a line) leave the chunk's count of
    # values equal to its count of lines: the two values must still be one bad line, and every later
    # line keep its number.
    markets = read_json(recorded_data / MIXED)[:10]
    if not long_lines:
        keys = ("id", "question", "outcomes", "outcomePrices", "clobTokenIds")
        markets = [{k: m[k] for k in keys} for m in markets]
    lines = [json.dumps(m) for m in markets[:3]]
    lines += [blank, json.dumps(markets[3]) + json.dumps(markets[4])]
    lines += [json.dumps(m) for m in markets[5:]]
    path = tmp_path / "markets.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = full(path)
    assert [row[1] for row in expected if row[0] == "bad"] == [5]
    assert fast(path) == expected


def test_unusual_markets_among_usual_ones_read_as_the_full_reader_reads_them(
    recorded_data: Path, tmp_path: Path
) -> None:
    # A usual market (tokens, prices, an end date) is read from a few fields; every other one is
    # read again in full from its own line, wherever it stands among the usual ones.
    markets = [m for m in read_json(recorded_data / MIXED)[:30] if m.get("clobTokenIds") and m.get("endDate")]
    first, second, third, fourth, fifth, sixth, seventh = markets[:7]
    no_end = {k: v for k, v in first.items() if k != "endDate"}
    empty_end = {**second, "endDate": "", "endDateIso": "2026-03-01"}
    positions_only = {k: v for k, v in third.items() if k != "clobTokenIds"}
    positions_only["positionIds"] = third["clobTokenIds"]
    placeholder = {
        **{k: v for k, v in fourth.items() if k != "clobTokenIds"},
        "negRisk": True,
        "active": False,
    }
    history = {**fifth, "winner": 0, "price_history": [[1770000000, 0.4]], "outcomes": ["Yes", "No"]}
    raw_text = {**sixth, "raw": "kept as it came"}
    wrapped = {"raw": seventh}
    odd = [no_end, empty_end, positions_only, placeholder, history, raw_text, wrapped]
    lines = []
    for index, market in enumerate(markets[7:]):
        lines.append(json.dumps(market))
        if index < len(odd):
            lines.append(json.dumps(odd[index]))
    path = tmp_path / "markets.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = full(path)
    kinds = [row[0] for row in expected]
    assert kinds.count("placeholder") == 1
    # The line with a winner and a price history is read as pmtui's history format (which needs
    # an end_date): the full reader's verdict, which the fast one must repeat.
    assert [row[1:] for row in expected if row[0] == "bad"] == [(10, "missing field: end_date")]
    assert ("market", no_end["id"]) in [row[:2] for row in expected]
    for chunk_size in (1 << 22, 20_000, 7000):
        assert fast(path, chunk_size) == expected, chunk_size
