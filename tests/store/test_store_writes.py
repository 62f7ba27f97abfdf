"""Store writes: idempotent upserts with counts, columns owned by others left alone, ops tables."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.fakes.polymarket_data import load_recorded
from pmtui.polymarket.models import Market, PricePoint
from pmtui.polymarket.parsing import parse_gamma_market
from pmtui.store import connect, integrity_ok, write_tx
from pmtui.store.markets import (
    MarketWrite,
    WriteResult,
    set_watched,
    upsert_events,
    upsert_tags,
    write_markets,
)
from pmtui.store.ops import (
    MAX_PAYLOAD,
    api_health,
    close_stale_runs,
    finish_job_run,
    get_checkpoint,
    last_finished,
    record_error,
    set_checkpoint,
    start_job_run,
)
from pmtui.store.prices import Quote, insert_price_points, latest_point_time, upsert_quotes
from pmtui.taxonomy.categorize import store_categorizer

CATEGORIZE = store_categorizer()


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return connect(tmp_path / "store.sqlite")


@pytest.fixture
def raws(recorded_data: Path) -> list[dict[str, Any]]:
    return load_recorded(recorded_data)


def upsert_markets(db: Database, markets: list[Market]) -> WriteResult:
    return write_markets(db, [MarketWrite(m) for m in markets], categorize=CATEGORIZE)


def market_rows(db: Database) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.execute("SELECT * FROM markets ORDER BY id").fetchall()]


def test_upsert_counts_and_idempotence(db: Database, raws: list[dict[str, Any]]) -> None:
    batch = parse_markets(raws)
    first = store_batch(db, batch, source="test", categorize=CATEGORIZE)
    assert len(first.new) == 1587 and not first.updated and first.unchanged == 0
    assert (
        len(first.resolved)
        == db.execute("SELECT COUNT(*) FROM markets WHERE resolution != 'unresolved'").fetchone()[0]
    )
    before = market_rows(db)
    changes = db.conn.total_changes
    again = store_batch(db, parse_markets(raws), source="test", categorize=CATEGORIZE)
    assert (again.new, again.updated, again.unchanged, again.resolved) == ([], [], 1587, [])
    assert db.conn.total_changes == changes  # nothing written at all
    assert market_rows(db) == before

    moved = dict(raws[-1], outcomePrices='["0.41", "0.59"]')
    result = upsert_markets(db, [parse_gamma_market(moved)])
    assert result.updated == [str(moved["id"])] and result.unchanged == 0
    assert db.execute("SELECT yes_price FROM markets WHERE id = ?", [moved["id"]]).fetchone()[0] == 0.41


def test_resolution_transition_is_counted(db: Database, raws: list[dict[str, Any]]) -> None:
    open_raw = next(r for r in raws if r["id"] == "559651")
    upsert_markets(db, [parse_gamma_market(open_raw)])
    resolved = dict(open_raw, closed=True, umaResolutionStatus="resolved", outcomePrices='["0", "1"]')
    result = upsert_markets(db, [parse_gamma_market(resolved)])
    assert result.resolved == ["559651"] and result.updated == ["559651"]
    assert db.execute("SELECT resolution, winner FROM markets WHERE id = '559651'").fetchone() == (
        "resolved",
        1,
    )


def test_columns_owned_by_others_are_never_overwritten(db: Database, raws: list[dict[str, Any]]) -> None:
    raw = raws[0]
    upsert_markets(db, [parse_gamma_market(raw)])
    with write_tx(db):
        db.execute(
            "UPDATE markets SET category = 'Crypto/BTC-Price', cluster_id = 'c1', features_json = '{\"asset\": \"BTC\"}', "
            "history_fetched_at = 123 WHERE id = ?",
            [raw["id"]],
        )
    set_watched(db, [str(raw["id"])])
    columns = "SELECT category, cluster_id, features_json, watched, history_fetched_at, question, yes_price FROM markets WHERE id = ?"
    # A price change: the taxonomy does not run, so its columns stay as stored (here: set by hand).
    repriced = dict(raw, outcomePrices='["0.123", "0.877"]')
    assert upsert_markets(db, [parse_gamma_market(repriced)]).categorized == 0
    row = db.execute(columns, [raw["id"]]).fetchone()
    assert row[:5] == ("Crypto/BTC-Price", "c1", '{"asset": "BTC"}', 1, 123) and row[6] == 0.123
    # A new question: the writer recategorizes; watched and history_fetched_at are still not its own.
    changed = dict(repriced, question=raw["question"] + " (edited)")
    result = upsert_markets(db, [parse_gamma_market(changed)])
    assert result.updated == [str(raw["id"])] and result.categorized == 1
    row = db.execute(columns, [raw["id"]]).fetchone()
    assert row[3:5] == (1, 123) and row[5].endswith("(edited)")
    assert (row[0], row[1]) == CATEGORIZE(parse_gamma_market(changed), None)[:2]


def test_tokens_are_text_and_fts_follows_questions(db: Database, raws: list[dict[str, Any]]) -> None:
    store_batch(db, parse_markets(raws), source="test", categorize=CATEGORIZE)
    token, kind, outcome = db.execute(
        "SELECT t.value, t.type, json_extract(outcomes_json, '$[0]') FROM markets, json_each(token_ids_json) t "
        "WHERE markets.id = '1237864' AND t.key = 0"
    ).fetchone()
    assert (
        kind == "text"
        and token == "13915383147598038388500755196666377480504116216295452377454618635607632089106"
    )
    assert outcome == "Acend"
    assert "tokens" not in db.table_names()  # stored once, in token_ids_json (migration 0011)

    def search(words: str) -> list[str]:
        sql = "SELECT m.id FROM markets_fts f JOIN markets m ON m.rowid = f.rowid WHERE markets_fts MATCH ?"
        return [r[0] for r in db.execute(sql, [words]).fetchall()]

    assert "1237864" in search("question:Acend")
    raw = next(r for r in raws if r["id"] == "1237864")
    upsert_markets(db, [parse_gamma_market(dict(raw, question="Counter-Strike: Zeta vs Omega"))])
    assert search("question:Acend") == []  # the event title still says "Acend vs Bebop"
    assert search("Zeta Omega") == ["1237864"]


def test_events_and_tags_write_only_changes(db: Database, raws: list[dict[str, Any]]) -> None:
    batch = parse_markets(raws)
    assert upsert_events(db, batch.events.values()) == len(batch.events) > 100
    assert upsert_events(db, batch.events.values()) == 0
    assert upsert_tags(db, batch.tags.values()) == len(batch.tags) >= 5
    assert upsert_tags(db, batch.tags.values()) == 0
    event = next(iter(batch.events.values()))
    assert upsert_events(db, [dataclasses.replace(event, title="renamed")]) == 1


def test_bad_records_go_to_errors_and_the_rest_is_stored(db: Database, raws: list[dict[str, Any]]) -> None:
    broken = {k: v for k, v in raws[1].items() if k != "question"}
    junk = ["not an object", {**raws[2], "outcomePrices": "[oops"}]
    result = store_batch(
        db,
        parse_markets([raws[0], broken, *junk, raws[3]]),
        source="gamma:/markets/keyset",
        categorize=CATEGORIZE,
    )
    assert len(result.new) == 2
    rows = db.execute("SELECT source, kind, record_id, payload FROM errors ORDER BY id").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("gamma:/markets/keyset", "missing_field", str(raws[1]["id"])),
        ("gamma:/markets/keyset", "not_an_object", None),
        ("gamma:/markets/keyset", "bad_json_string", str(raws[2]["id"])),
    ]
    assert json.loads(rows[0][3])["id"] == raws[1]["id"]


def test_record_error_truncates_payload(db: Database) -> None:
    record_error(db, "test", "too_big", "1", "x" * 5000, {"blob": "y" * 20_000})
    message, payload = db.execute("SELECT message, payload FROM errors").fetchone()
    assert len(message) == 1000
    assert (
        payload.startswith('{"blob": "yyy') and "[truncated" in payload and len(payload) < MAX_PAYLOAD + 100
    )


def test_price_points_are_idempotent(db: Database) -> None:
    points = [PricePoint("tok", t, 0.5) for t in range(100, 110)]
    assert insert_price_points(db, points) == 10
    assert insert_price_points(db, [*points, PricePoint("tok", 200, 0.6)]) == 1
    assert latest_point_time(db, "tok") == 200
    assert upsert_quotes(db, [Quote("tok", "m", 0.4, 0.6, 0.5, 10)]) == 1
    upsert_quotes(db, [Quote("tok", "m", 0.1, 0.2, 0.15, 5)])  # older: ignored
    assert db.execute("SELECT best_bid, t FROM quotes").fetchone() == (0.4, 10)


def test_checkpoints_and_job_runs(db: Database) -> None:
    assert get_checkpoint(db, "catalog:open") is None
    set_checkpoint(db, "catalog:open", "abc", {"phase": "walking", "last_id": 5})
    checkpoint = get_checkpoint(db, "catalog:open")
    assert checkpoint is not None and checkpoint.cursor == "abc" and checkpoint.state["last_id"] == 5
    run_id = start_job_run(db, "catalog")
    finish_job_run(db, run_id, "ok", {"markets_new": 3})
    assert last_finished(db, "catalog") is not None and last_finished(db, "history") is None
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    with write_tx(db):
        db.execute(
            "INSERT INTO job_runs (job, started, status, pid) VALUES ('history', 1, 'running', ?)",
            [int(dead.stdout)],
        )
    mine = start_job_run(db, "snapshots")
    assert close_stale_runs(db) == 1
    statuses = dict(db.execute("SELECT job, status FROM job_runs").fetchall())
    assert statuses == {"catalog": "ok", "history": "cancelled", "snapshots": "running"}
    finish_job_run(db, mine, "ok")
    assert integrity_ok(db)


def test_api_health(db: Database) -> None:
    assert api_health(db).offline is False
    with write_tx(db):
        db.conn.executemany(
            "INSERT INTO api_calls (t, api, endpoint, status, ms) VALUES (strftime('%s','now'), 'gamma', 'x', ?, 1)",
            [(None,), (503,)],
        )
    health = api_health(db)
    assert health.offline and health.calls == 2 and health.last_ok is None


def test_threads_opening_one_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    """The app's collector and monitor threads open a new store together: switching it to WAL and
    migrating it must not fail with "database is locked" in either of them (before the fix, about one
    new file in six failed this way)."""
    import threading

    errors: list[BaseException] = []
    for trial in range(40):
        path = tmp_path / f"new-{trial}.sqlite"
        start = threading.Barrier(2)

        def open_it(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                db = connect(path, busy_timeout=10)
                assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                db.conn.close()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_the_taxonomy_runs_only_when_what_it_reads_changed(db: Database, raws: list[dict[str, Any]]) -> None:
    calls: list[str] = []

    def counting(market: Market, stated: str | None) -> tuple[str, str, str]:
        calls.append(market.id)
        return CATEGORIZE(market, stated)

    markets = parse_markets(raws).markets
    first = write_markets(db, [MarketWrite(m) for m in markets], categorize=counting)
    assert sorted(calls) == sorted(m.id for m in markets) and first.categorized == len(markets)

    calls.clear()
    repriced = [dataclasses.replace(m, volume=(m.volume or 0) + 1, best_bid=0.01) for m in markets]
    again = write_markets(db, [MarketWrite(m) for m in repriced], categorize=counting)
    assert len(again.updated) == len(markets) and calls == [] and again.categorized == 0

    a, b, c, d, e, *rest = repriced
    edited = [
        dataclasses.replace(a, question=a.question + " (edited)"),
        dataclasses.replace(b, tags=[*b.tags, "new-tag"]),
        dataclasses.replace(c, event_slug=f"{c.event_slug}-moved"),
        dataclasses.replace(d, end_date=(d.end_date or 0) + 86400),
        dataclasses.replace(e, series_slug="another-series"),
        *rest,
    ]
    write_markets(db, [MarketWrite(m) for m in edited], categorize=counting)
    assert calls == [a.id, b.id, c.id, d.id, e.id]
