"""`pmtui import`: the history format, Gamma dumps, bad lines, idempotence, what a re-import keeps."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.backtest.importer import import_file
from pmtui.polymarket.files import BadLine, read_market_file
from pmtui.store import connect, write_tx

GOOD = [
    {
        "id": "h1",
        "question": "Will it rain in NYC on July 4?",
        "end_date": 1720137600,
        "closed_time": "2024-07-05 04:00:00+00",
        "outcomes": ["Yes", "No"],
        "winner": 0,
        "category": "Weather",
        "tags": ["weather"],
        "volume": 1234.5,
        "price_history": [[1719900000, 0.3], [1720000000, 0.45], [1720100000, 0.8]],
    },
    {
        "id": "h2",
        "question": "Lakers vs. Celtics",
        "end_date": "2024-03-01T00:00:00Z",
        "outcomes": ["Lakers", "Celtics"],
        "winner": None,
        "price_history": [[1709000000, 0.55]],
    },
    {
        "id": "h3",
        "question": "Will Bitcoin reach $150K by December 31?",
        "end_date": 1735689600,
        "outcomes": ["Yes", "No"],
        "winner": 1,
        "category": "Crypto/BTC-Price",
        "price_history": [],
    },
]


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return connect(tmp_path / "store.sqlite")


@pytest.fixture
def history_file(tmp_path: Path) -> Path:
    lines = [
        json.dumps(GOOD[0]),
        '{"id": "broken", "question": ',  # line 2: not JSON
        json.dumps(GOOD[1]),
        json.dumps({"id": "nowinner", "question": "Q?", "end_date": 1, "outcomes": ["Yes", "No"]}),  # line 4
        json.dumps({**GOOD[2], "id": "badprice", "price_history": [[1, 1.5]]}),  # line 5
        "",
        json.dumps(GOOD[2]),  # line 7
    ]
    return write_jsonl(tmp_path / "history.jsonl", lines)


def table_dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in ("markets", "prices", "events", "errors")
    }


def test_history_format_import(db: Database, history_file: Path) -> None:
    report = import_file(db, history_file)
    assert (report.records, report.counts.inserted, report.counts.updated) == (3, 3, 0)
    assert [(b.line, b.record_id) for b in report.bad_lines] == [(2, None), (4, "nowinner"), (5, "badprice")]
    assert "invalid JSON" in report.bad_lines[0].reason
    assert "winner" in report.bad_lines[1].reason
    assert "price_history" in report.bad_lines[2].reason
    rows = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT id, resolution, winner, category, source, closed_time, category_source FROM markets"
        )
    }
    assert rows["h1"] == ("resolved", 0, "Weather", "import", 1720152000, "file")
    assert rows["h2"][:3] == ("void", None, "Sports/NBA")  # no category in the file: the rules' one
    assert rows["h2"][5] == "rules"
    assert rows["h3"][:3] == ("resolved", 1, "Crypto/BTC-Price")
    points = db.execute("SELECT t, p FROM prices WHERE token_id = 'pmtui:h1:0' ORDER BY t").fetchall()
    assert [tuple(p) for p in points] == [(1719900000, 0.3), (1720000000, 0.45), (1720100000, 0.8)]
    assert report.counts.price_points == 4
    errors = db.execute("SELECT message FROM errors WHERE source = 'import' ORDER BY id").fetchall()
    assert [e[0].split(": ", 1)[0] for e in errors] == [f"{history_file}:{n}" for n in (2, 4, 5)]


def test_reimport_changes_nothing(db: Database, history_file: Path) -> None:
    import_file(db, history_file)
    before = table_dump(db)
    again = import_file(db, history_file)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 3)
    assert again.counts.price_points == 0
    assert len(again.bad_lines) == 3  # still reported ...
    assert table_dump(db) == before  # ... but nothing in the store changed, errors included


def test_a_changed_file_updates_and_keeps_what_the_file_does_not_know(db: Database, tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [json.dumps(GOOD[1])])
    import_file(db, first)
    with write_tx(db):
        db.conn.execute(
            "UPDATE markets SET category = 'Sports/NBA', cluster_id = 'c1', features_json = ?, watched = 1 WHERE id = 'h2'",
            [json.dumps({"teams": ["Lakers", "Celtics"]})],
        )
    changed = {**GOOD[1], "price_history": [[1709000000, 0.55], [1709003600, 0.6]]}
    report = import_file(db, write_jsonl(tmp_path / "b.jsonl", [json.dumps(changed)]))
    assert (report.counts.updated, report.counts.price_points) == (1, 1)
    row = db.execute(
        "SELECT category, cluster_id, features_json, watched FROM markets WHERE id = 'h2'"
    ).fetchone()
    assert tuple(row) == ("Sports/NBA", "c1", json.dumps({"teams": ["Lakers", "Celtics"]}), 1)
    # A file that does state a category wins over the stored one.
    recat = {**changed, "category": "Sports/Basketball"}
    import_file(db, write_jsonl(tmp_path / "c.jsonl", [json.dumps(recat)]))
    assert db.execute("SELECT category FROM markets WHERE id = 'h2'").fetchone()[0] == "Sports/Basketball"


def test_history_lines_go_to_the_token_a_collector_stored(
    db: Database, tmp_path: Path, recorded_data: Path
) -> None:
    import_file(db, recorded_data / "gamma_market_559651.json")
    market_id, tokens = db.execute("SELECT id, token_ids_json FROM markets").fetchone()
    line = {
        "id": market_id,
        "question": "Same market, history only",
        "end_date": 1798675200,
        "winner": 0,
        "price_history": [[1700000000, 0.25]],
    }
    import_file(db, write_jsonl(tmp_path / "h.jsonl", [json.dumps(line)]))
    stored = db.execute("SELECT token_ids_json, fee_rate FROM markets WHERE id = ?", [market_id]).fetchone()
    assert stored[0] == tokens and stored[1] == 0.04  # the thin line wiped neither tokens nor fees
    first_token = json.loads(tokens)[0]
    assert db.execute("SELECT p FROM prices WHERE token_id = ?", [first_token]).fetchone()[0] == 0.25


def test_gzip_and_json_array(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "dump.json.gz"
    path.write_bytes(gzip.compress(json.dumps(GOOD).encode()))
    report = import_file(db, path)
    assert report.records == 3 and not report.bad_lines


def _market_objects(path: Path) -> int:
    """How many market objects a recorded file holds, counted independently of the reader."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()
    if path.name.endswith(".jsonl.gz") or path.suffix == ".jsonl":
        return sum(1 for line in text.splitlines() if line.strip())
    document = json.loads(text)
    if isinstance(document, list):
        return len(document)
    if isinstance(document.get("markets"), list):
        return len(document["markets"])
    return 1


MARKET_FILES = [
    "gamma_markets_600_mixed_2026-02.json.gz",
    "gamma_markets_500_closed_2018-2021.json.gz",
    "gamma_markets_200_active_snapshot.json.gz",
    "BTC-5m-markets-2026-07-24.jsonl.gz",
    "gamma_market_559651.json",
    "gamma_event_2890.json",
]


@pytest.mark.parametrize("name", MARKET_FILES)
def test_every_recorded_market_imports(db: Database, recorded_data: Path, name: str) -> None:
    path = recorded_data / name
    report = import_file(db, path)
    assert not report.bad_lines, report.bad_lines[:3]
    assert report.records + report.placeholders == _market_objects(path)
    ids = {
        item.market.id
        for item in read_market_file(path)
        if not isinstance(item, BadLine) and hasattr(item, "market")
    }
    stored = {r[0] for r in db.execute("SELECT id FROM markets")}
    assert ids <= stored and len(ids) > 0
    again = import_file(db, path)
    assert again.counts.inserted == again.counts.updated == 0


def test_recorded_btc_windows_keep_their_real_outcomes(db: Database, recorded_data: Path) -> None:
    import_file(db, recorded_data / "BTC-5m-markets-2026-07-24.jsonl.gz")
    winners = dict(
        db.execute(
            "SELECT json_extract(outcomes_json, '$[' || winner || ']'), count(*) FROM markets GROUP BY 1"
        ).fetchall()
    )
    assert winners == {"Up": 140, "Down": 152}  # as the recording's README counts them
