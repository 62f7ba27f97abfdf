"""The write path's fast paths (issue 2) give what the general code gave, and migration 0007 keeps
every stored market searchable."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.polymarket.parsing import parse_float, parse_json_list, parse_time
from pmtui.store import connect
from pmtui.store.markets import _json_list, content_hash

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize(
    "values",
    [
        [],
        ["Yes", "No"],
        ['say "hi"', "back\\slash", "é ü 中文", "line\nbreak\u2028", "\x00ctl", "\ud800"],
        ["13915383147598038388500755196666377480504116216295452377454618635607632089106"],
        [0.5, None, 1.0, 1e-07],
        [-0.0, 0.1, 1e-320, 0.30000000000000004],
        [math.nan, 0.5],
        [math.inf],
        [True, 0.5],
        [0.5, 1],
        ["a", 1, None],
    ],
)
def test_json_lists_are_the_bytes_the_json_encoder_writes(values: list[object]) -> None:
    assert _json_list(values) == _ENCODER.encode(values)


def test_content_hash_depends_on_values_not_on_which_objects_hold_them() -> None:
    shared = "".join(["will-it", "-rain"])
    same_object = ("1", shared, shared, 0.5, None, 3)
    equal_objects = ("1", shared, "".join(["will-it", "-ra", "in"]), 0.5, None, 3)
    assert same_object[1] is same_object[2] and equal_objects[1] is not equal_objects[2]
    assert content_hash(same_object) == content_hash(equal_objects)
    # Every kind of change shows, including ones repr-free hashing could blur (1 vs 1.0 vs "1").
    variants = [("1", shared, shared, 0.5, None, v) for v in (3, 3.0, "3", None, 4)]
    assert len({content_hash(v) for v in variants}) == len(variants)


def test_content_hash_is_the_same_from_any_thread() -> None:
    # Each thread reuses its own pickler: two threads hashing at once still get the hashes one gets.
    rows = [(str(i), "q" * (i % 50), i * 0.5, None, i) for i in range(2000)]
    alone = [content_hash(row) for row in rows]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(content_hash, rows, chunksize=7)) == alone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.535", 0.535),
        (" 0.5 ", 0.5),
        ("", None),
        ("   ", None),
        ("nan", None),
        ("inf", None),
        ("abc", None),
        (0.25, 0.25),
        (math.inf, None),
        (3, 3.0),
        (True, None),
        (None, None),
        ([1], None),
    ],
)
def test_parse_float_formats(value: object, expected: float | None) -> None:
    assert parse_float(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-30T09:09:31Z", 1767085771),
        ("2025-12-30T09:09:31.123456Z", 1767085771),
        ("2025-12-30 09:09:31+00", 1767085771),
        ("2025-12-30", 1767052800),
        ("  ", None),
        ("", None),
        ("1767085771", 1767085771),
        (1767085771000, 1767085771),
        (True, None),
        ("not a date", None),
    ],
)
def test_parse_time_formats(value: object, expected: int | None) -> None:
    assert parse_time(value) == expected


def test_parse_json_list_still_refuses_trailing_junk() -> None:
    assert parse_json_list(' ["a", "b"] ') == ["a", "b"]
    for bad in ('["a"] x', '["a"', "{}"):
        with pytest.raises(ValueError, match="bad_json_string"):
            parse_json_list(bad)


@pytest.mark.parametrize(
    "text",
    [
        '["Yes", "No"]',
        "[12345678901234567890123, -0.0, 1e-320]",
        "[NaN, Infinity]",
        "[1e400]",
        '["\\ud800"]',
        '["\ud800"]',
        '[{"a": [1, {"b": null}]}, true]',
        '"[]"',
        "[1, 2",
        "{}",
        "3",
    ],
)
def test_parse_json_list_gives_what_json_gives(text: str) -> None:
    # The msgspec fast path answers only what it reads exactly as json does; the rest goes to json.
    try:
        expected: object = json.loads(text)
    except ValueError:
        expected = "bad_json_string"
    else:
        expected = expected if isinstance(expected, list) else "bad_json_string"
    try:
        got: object = parse_json_list(text)
    except ValueError as exc:
        assert "bad_json_string" in str(exc)
        got = "bad_json_string"
    assert repr(got) == repr(expected)


def test_migration_0007_keeps_stored_markets_searchable(tmp_path: Path) -> None:
    from pmtui.store.schema import migrations

    path = tmp_path / "old.sqlite"
    old = connect(path, migrate=False)
    migrations.apply(old, stop_before="0007_leaner_market_writes")
    old.conn.execute(
        "INSERT INTO markets (id, question, event_title, outcomes_json, token_ids_json, content_hash, "
        "first_seen, updated_at) VALUES ('a', 'Will Bitcoin reach $1m?', 'Bitcoin targets', '[]', '[]', "
        "'h', 0, 0)"
    )
    old.close()
    db = connect(path)
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "idx_markets_event" not in indexes and "idx_markets_condition" not in indexes
    assert "idx_markets_open_volume" in indexes

    def search(words: str) -> list[str]:
        sql = "SELECT m.id FROM markets_fts f JOIN markets m ON m.rowid = f.rowid WHERE markets_fts MATCH ?"
        return [r[0] for r in db.execute(sql, [words]).fetchall()]

    assert search("bitcoin targ*") == ["a"]  # the row stored before the migration was re-indexed
    db.conn.execute("UPDATE markets SET question = 'Will Ether flip?' WHERE id = 'a'")
    assert search("question:bitcoin") == [] and search("ether") == ["a"]  # triggers are back
    db.conn.execute(
        "INSERT INTO markets (id, question, outcomes_json, token_ids_json, first_seen, updated_at) "
        "VALUES ('b', 'Will Ether flip?', '[]', '[]', 0, 0)"
    )
    assert sorted(search("ether")) == ["a", "b"]
    assert db.execute("INSERT INTO markets_fts(markets_fts) VALUES ('integrity-check')") is not None


def test_migration_0008_keeps_search_and_reindexes_only_real_question_changes(tmp_path: Path) -> None:
    from pmtui.store.schema import migrations

    path = tmp_path / "old.sqlite"
    old = connect(path, migrate=False)
    migrations.apply(old, stop_before="0008_one_market_writer")
    old.conn.execute(
        "INSERT INTO markets (id, question, event_title, outcomes_json, token_ids_json, content_hash, "
        "first_seen, updated_at) VALUES ('a', 'Will Bitcoin reach $1m?', 'Bitcoin targets', '[]', '[]', "
        "'h', 0, 0)"
    )
    old.close()
    db = connect(path)
    assert db.execute("SELECT taxonomy_key FROM markets WHERE id = 'a'").fetchone()[0] is None

    def search(words: str) -> list[str]:
        sql = "SELECT m.id FROM markets_fts f JOIN markets m ON m.rowid = f.rowid WHERE markets_fts MATCH ?"
        return [r[0] for r in db.execute(sql, [words]).fetchall()]

    assert search("bitcoin targ*") == ["a"]
    segments = db.execute("SELECT COUNT(*) FROM markets_fts_data").fetchone()[0]
    # An upsert names the question in its SET list even when only a price changed: no re-indexing.
    db.conn.execute("UPDATE markets SET question = question, event_title = event_title, yes_price = 0.4")
    assert db.execute("SELECT COUNT(*) FROM markets_fts_data").fetchone()[0] == segments
    db.conn.execute("UPDATE markets SET question = 'Will Ether flip?' WHERE id = 'a'")
    assert search("question:bitcoin") == [] and search("ether") == ["a"]
    db.conn.execute("INSERT INTO markets_fts(markets_fts) VALUES ('integrity-check')")


def test_migration_0014_indexes_short_prefixes_and_keeps_every_search(tmp_path: Path) -> None:
    from pmtui.store.schema import migrations

    path = tmp_path / "old.sqlite"
    old = connect(path, migrate=False)
    migrations.apply(old, stop_before="0014_search_prefix_index")
    questions = {"a": "Will Bitcoin reach $1m?", "b": "Will BTC dip?", "c": "Élection à Paris?"}
    for mid, question in questions.items():
        old.conn.execute(
            "INSERT INTO markets (id, question, event_title, outcomes_json, token_ids_json, first_seen, "
            "updated_at) VALUES (?, ?, 'Crypto targets', '[]', '[]', 0, 0)",
            [mid, question],
        )

    def search(db: Database, words: str) -> list[str]:
        sql = "SELECT m.id FROM markets_fts f JOIN markets m ON m.rowid = f.rowid WHERE markets_fts MATCH ?"
        return sorted(r[0] for r in db.execute(sql, [words]).fetchall())

    queries = ['"b"*', '"bi"*', '"bit"*', '"w"*', '"é"*', '"el"*', '"crypto" "t"*', '"zz"*', '"dip"']
    before = {q: search(old, q) for q in queries}
    old.close()
    db = connect(path)
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'markets_fts'").fetchone()[0]
    assert "prefix='1 2'" in sql
    assert {q: search(db, q) for q in queries} == before  # the rows stored before were re-indexed
    assert before['"b"*'] == ["a", "b"] and before['"é"*'] == ["c"]
    db.conn.execute("UPDATE markets SET question = 'Will Ether flip?' WHERE id = 'a'")
    db.conn.execute(
        "INSERT INTO markets (id, question, outcomes_json, token_ids_json, first_seen, updated_at) "
        "VALUES ('d', 'Will Ether merge?', '[]', '[]', 0, 0)"
    )
    db.conn.execute("DELETE FROM markets WHERE id = 'b'")
    assert search(db, '"e"*') == ["a", "c", "d"] and search(db, '"bi"*') == []  # triggers are back
    db.conn.execute("INSERT INTO markets_fts(markets_fts) VALUES ('integrity-check')")
