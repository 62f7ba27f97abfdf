"""categorize_market / categorize_store on real SQLite stores, the collector and import hooks, and
`pmtui categorize` (the store, and --input files without a database), all on the recorded markets."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.backtest.importer import import_file
from pmtui.fakes.polymarket_data import read_json
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.paths import default_config_file
from pmtui.store import connect, write_tx
from pmtui.taxonomy.categorize import Categorized, categorize_market, categorize_store
from pmtui.taxonomy.clusters import cluster_id
from tests.collect.collect_helpers import pmtui

MIXED = "gamma_markets_600_mixed_2026-02.json.gz"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("PMTUI_DB", str(path))
    return connect(path)


def history_line(market_id: str, question: str, category: str | None = None) -> str:
    record: dict[str, Any] = {
        "id": market_id,
        "question": question,
        "end_date": "2026-02-08T00:00:00Z",
        "outcomes": ["Yes", "No"],
        "winner": 0,
        "price_history": [[1770000000, 0.4], [1770003600, 0.45]],
    }
    if category is not None:
        record["category"] = category
    return json.dumps(record)


def test_categorize_market_gives_category_cluster_and_features() -> None:
    result = categorize_market(
        market_id="613101",
        question="Will the price of Bitcoin be above $110,000 on September 26 at 4AM ET?",
        event_id="e1",
        end_date="2025-09-26T08:00:00Z",
    )
    assert isinstance(result, Categorized)
    assert result.category == "Crypto/BTC-Price"
    assert result.features["asset"] == "BTC" and result.features["threshold"] == 110000.0
    assert result.cluster_id == cluster_id(
        market_id="613101", question="…", category="Crypto/BTC-Price", event_id="e1"
    )
    json.dumps(dict(result.features))
    kept = categorize_market(market_id="x", question="Will it rain in NYC?", category="Weather/Rain")
    assert kept.category == "Weather/Rain"


TAXONOMY = (
    "SELECT id, category, category_source, cluster_id, features_json, taxonomy_key FROM markets ORDER BY id"
)


def forget_categories(db: Database) -> None:
    """As a store written by an older pmtui (or a killed job of one) looks: no taxonomy columns."""
    with write_tx(db):
        db.execute(
            "UPDATE markets SET category = NULL, category_source = NULL, cluster_id = NULL, "
            "features_json = '{}', taxonomy_key = NULL"
        )


def test_categorize_store_fills_every_market_and_a_second_run_writes_nothing(
    db: Database, recorded_data: Path
) -> None:
    import_file(db, recorded_data / MIXED)  # categorized as stored, by the market writer
    written = [tuple(r) for r in db.execute(TAXONOMY)]
    forget_categories(db)
    total = db.execute("SELECT count(*) FROM markets").fetchone()[0]

    counts = categorize_store(db)
    assert [tuple(r) for r in db.execute(TAXONOMY)] == written  # the writer and this agree, key included
    assert sum(counts.values()) == total
    assert list(counts.values()) == sorted(counts.values(), reverse=True)  # biggest category first
    rows = db.execute(
        "SELECT id, category, category_source, cluster_id, features_json FROM markets"
    ).fetchall()
    assert all(r[1] and r[2] == "rules" and r[3] for r in rows)
    by_id = {r[0]: r for r in rows}
    assert by_id["1340471"][1] == "Crypto/BTC-UpDown"
    assert by_id["1273909"][1] == "Geopolitics"
    assert json.loads(by_id["613101"][4])["threshold"] == 110000.0
    # Markets of one event share a cluster.
    event_clusters = db.execute(
        "SELECT event_id, count(DISTINCT cluster_id) FROM markets WHERE event_id IS NOT NULL GROUP BY event_id"
    ).fetchall()
    assert event_clusters and all(n == 1 for _, n in event_clusters)

    before = db.conn.total_changes
    assert categorize_store(db) == counts
    assert db.conn.total_changes == before  # nothing changed, nothing written


def test_categorize_store_touches_only_the_given_ids(db: Database, recorded_data: Path) -> None:
    import_file(db, recorded_data / MIXED)
    forget_categories(db)
    counts = categorize_store(db, ["613101", "1340471", "no-such-market"])
    assert counts == {"Crypto/BTC-Price": 1, "Crypto/BTC-UpDown": 1}
    assert db.execute("SELECT count(*) FROM markets WHERE category IS NOT NULL").fetchone()[0] == 2


def test_a_category_the_import_file_states_wins(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text(
        "\n".join(
            [
                history_line("h1", "Will Bitcoin reach $150K by December 31?", category="My/Bets"),
                history_line("h2", "Will Bitcoin reach $150K by December 31?"),
            ]
        )
        + "\n"
    )
    report = import_file(db, path)
    assert report.records == 2
    rows = {r[0]: r[1:] for r in db.execute("SELECT id, category, category_source, cluster_id FROM markets")}
    assert rows["h1"][:2] == ("My/Bets", "file")
    assert rows["h2"][:2] == ("Crypto/BTC-Price", "rules")
    assert rows["h1"][2] == rows["h2"][2]  # one family, whoever named the category
    # Re-categorising the whole store keeps the file's category.
    categorize_store(db)
    assert db.execute("SELECT category FROM markets WHERE id = 'h1'").fetchone()[0] == "My/Bets"


def test_the_migration_marks_categories_stored_before_it_as_from_files(tmp_path: Path) -> None:
    from pmtui.store.schema import migrations

    path = tmp_path / "old.sqlite"
    old = connect(path, migrate=False)
    migrations.apply(old, stop_before="0006_taxonomy_category_source")
    old.conn.execute(
        "INSERT INTO markets (id, question, outcomes_json, token_ids_json, category, content_hash, "
        "first_seen, updated_at) VALUES ('a', 'Will Bitcoin reach $1m?', '[]', '[]', 'Demo/Crypto', 'h', 0, 0), "
        "('b', 'Will Bitcoin reach $1m?', '[]', '[]', NULL, 'h', 0, 0)"
    )
    old.close()
    db = connect(path)
    assert [tuple(r) for r in db.execute("SELECT id, category_source FROM markets ORDER BY id")] == [
        ("a", "file"),
        ("b", None),
    ]
    categorize_store(db)
    assert [tuple(r) for r in db.execute("SELECT id, category FROM markets ORDER BY id")] == [
        ("a", "Demo/Crypto"),
        ("b", "Crypto/BTC-Price"),
    ]


def test_pmtui_import_categorizes_what_it_imports(db: Database, recorded_data: Path) -> None:
    result = pmtui("import", str(recorded_data / "gamma_markets_200_active_snapshot.json.gz"))
    assert result.returncode == 0, result.stderr
    rows = db.execute("SELECT category, cluster_id, features_json FROM markets").fetchall()
    assert len(rows) == 200
    assert all(category and cluster for category, cluster, _ in rows)
    assert db.execute("SELECT category FROM markets WHERE id = '553827'").fetchone()[0] == "Sports/NHL"


def test_the_collector_categorizes_the_markets_it_stores(fake_polymarket: FakePolymarket) -> None:
    config = default_config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[api]\ntimeout = 5\nbackoff_base = 0.02\nbackoff_max = 0.2\n", encoding="utf-8")
    result = pmtui("collect", "--once", "--json", "--only", "catalog")
    assert result.returncode == 0, result.stderr[-2000:]
    db = connect(os.environ["PMTUI_DB"])
    total, uncategorized = db.execute(
        "SELECT count(*), sum(category IS NULL OR cluster_id IS NULL) FROM markets"
    ).fetchone()
    assert total == len(fake_polymarket.market_ids()) and uncategorized == 0
    assert (
        db.execute("SELECT category FROM markets WHERE id = '3047949'").fetchone()[0] == "Crypto/BTC-UpDown"
    )


def test_pmtui_categorize_recounts_the_store(db: Database, recorded_data: Path) -> None:
    import_file(db, recorded_data / MIXED)
    result = pmtui("categorize", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["total"] == db.execute("SELECT count(*) FROM markets").fetchone()[0]
    assert document["categories"]["Crypto/BTC-UpDown"] > 0
    assert db.execute("SELECT count(*) FROM markets WHERE category IS NULL").fetchone()[0] == 0
    table = pmtui("categorize")
    assert (
        table.returncode == 0
        and "Crypto/BTC-UpDown" in table.stdout
        and "markets by category" in table.stdout
    )


def categorize_file(path: Path) -> list[dict[str, Any]]:
    result = pmtui("categorize", "--input", str(path), "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_categorize_input_reads_every_file_layout_without_a_database(
    tmp_path: Path, recorded_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file = tmp_path / "never.sqlite"
    monkeypatch.setenv("PMTUI_DB", str(db_file))

    array = categorize_file(recorded_data / MIXED)  # a bare JSON array
    assert len(array) == 600
    for line in array:
        assert set(line) == {"id", "question", "category", "cluster_id", "features"}
    first = array[0]
    assert first["id"] == "1237864" and first["category"] == "Sports/Esports"

    jsonl = categorize_file(recorded_data / "BTC-5m-markets-2026-07-24.jsonl.gz")  # JSONL (gz, raw-wrapped)
    assert len(jsonl) == 292 and {line["category"] for line in jsonl} == {"Crypto/BTC-UpDown"}
    assert jsonl[0]["features"]["window_minutes"] == 5

    markets = read_json(recorded_data / MIXED)[:50]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"markets": markets, "next_cursor": "abc"}))  # a keyset page
    assert [line["id"] for line in categorize_file(page)] == [str(m["id"]) for m in markets]

    plain = tmp_path / "plain.jsonl"
    plain.write_text("\n".join(json.dumps(m) for m in markets[:5]) + "\n")
    gz = tmp_path / "plain.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert categorize_file(gz) == categorize_file(plain)

    history = tmp_path / "history.jsonl"
    history.write_text(
        history_line("h1", "Will Bitcoin reach $150K by December 31?", category="My/Bets")
        + "\n"
        + history_line("h2", "Will the highest temperature in NYC be 40°F or higher on February 7?")
        + "\n{broken\n"
    )
    result = pmtui("categorize", "--input", str(history), "--json")
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["id"], x["category"]) for x in lines] == [("h1", "My/Bets"), ("h2", "Weather/Temperature")]
    assert f"{history}:3: invalid JSON" in result.stderr
    assert not db_file.exists()


def test_categorize_input_without_json_prints_counts(tmp_path: Path, recorded_data: Path) -> None:
    result = pmtui("categorize", "--input", str(recorded_data / "BTC-5m-markets-2026-07-24.jsonl.gz"))
    assert result.returncode == 0
    assert "292 markets by category" in result.stdout and "Crypto/BTC-UpDown" in result.stdout


def test_question_text_is_printed_literally(tmp_path: Path) -> None:
    # Untrusted text: Rich markup in a category must not style or crash the table.
    path = tmp_path / "h.jsonl"
    path.write_text(history_line("m1", "[bold]Will it rain?[/]", category="[red]Odd[/]") + "\n")
    result = pmtui("categorize", "--input", str(path))
    assert result.returncode == 0, result.stderr
    assert "[red]Odd[/]" in result.stdout
