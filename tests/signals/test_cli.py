"""`pmtui signals` and `pmtui queue` in-process: JSON shape, dry-run determinism, enqueue, decisions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmtui.cli import main
from pmtui.store import connect
from tests.signals.helpers import add_market, add_quote

# Prices observed a minute ago, so the queue commands (which expire what is due at wall-clock time)
# see live signals.
T0 = int(time.time()) - 60


def invoke(db_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"PMTUI_DB": str(db_path), "USER": "tester"})


@pytest.fixture
def filled(db_path: Path) -> Path:
    db = connect(db_path)
    # A temperature ladder (one cluster), a BTC ladder, a Musk bucket and an unrelated longshot.
    for i, price in enumerate((0.04, 0.22, 0.45, 0.25)):
        add_market(
            db,
            f"t{i}",
            yes_price=price,
            cluster_id="nyc-high-feb-7",
            event_id="ev-nyc",
            event_title="Highest temperature in NYC on February 7?",
            volume_24h=100.0 + i,
            updated_at=T0,
            end_date=T0 + 7 * 86400,
        )
    # A two-rung BTC ladder: $60,000 is far above where its YES crosses 50%.
    for market_id, threshold, yes in (("btc", 60_000, 0.18), ("btc40", 40_000, 0.70)):
        add_market(
            db,
            market_id,
            question=f"Will the price of Bitcoin be above ${threshold:,} on February 10?",
            category="Crypto/BTC-Price",
            cluster_id="btc-above-feb-10",
            features={
                "asset": "BTC",
                "threshold": float(threshold),
                "direction": "above",
                "deadline": "2026-02-10",
            },
            yes_price=yes,
            fee_rate=0.07,
            fee_exponent=1,
            volume_24h=5000.0,
            updated_at=T0,
            end_date=T0 + 7 * 86400,
        )
    add_quote(db, "btc", 1, 0.80, 0.83, t=T0)
    add_market(
        db,
        "musk",
        question="Will Elon Musk post 20-39 tweets from February 3 to February 10?",
        category="Tech/Musk-Tweets",
        features={"range_low": 20.0, "range_high": 39.0, "unit": "tweets"},
        yes_price=0.03,
        volume_24h=50.0,
        updated_at=T0,
        end_date=T0 + 7 * 86400,
    )
    add_market(
        db,
        "pol",
        question="Will X win?",
        category="Politics/Election",
        yes_price=0.5,
        updated_at=T0,
        end_date=T0 + 7 * 86400,
    )
    db.conn.close()
    return db_path


def test_dry_run_json_is_byte_identical_and_shaped(filled: Path) -> None:
    first = invoke(filled, "signals", "--dry-run", "--json")
    second = invoke(filled, "signals", "--dry-run", "--json")
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    doc = json.loads(first.output)
    assert list(doc) == [
        "at",
        "dry_run",
        "strategies",
        "dedupe_summary",
        "clusters",
        "review_queue",
        "review_queue_total",
        "queue_changes",
        "skipped",
        "next_batch_plan",
    ]
    assert doc["at"] == T0 and doc["dry_run"] is True
    assert doc["dedupe_summary"] == {
        "input_items": 8,
        "unique_items": 8,
        "duplicate_ids": 0,
        "duplicate_conditions": 0,
        "clusters": 4,
    }
    ladder = doc["clusters"][0]
    assert ladder == {
        "id": "nyc-high-feb-7",
        "category": "Weather/Temperature",
        "summary": "Highest temperature in NYC on February 7?",
        "member_ids": ["t0", "t1", "t2", "t3"],
        "size": 4,
    }
    queue = doc["review_queue"]
    assert {(q["market_id"], q["strategy"]) for q in queue} == {
        ("t0", "weather_fade_longshots"),
        ("t1", "weather_fade_longshots"),
        ("t3", "weather_fade_longshots"),
        ("t0", "fade_longshots"),
        ("btc", "crypto_favorite_fade"),
        ("musk", "musk_fade_extremes"),
        ("musk", "fade_longshots"),
    }
    assert all(q["queue"] == "new" and q["signal_id"] is None for q in queue)
    assert all(q["validated"] is False and q["stake_usd"] == 0 for q in queue)  # no backtest yet
    btc = next(q for q in queue if q["market_id"] == "btc")
    assert (btc["outcome"], btc["price"], btc["price_source"]) == ("No", 0.83, "book_ask")
    assert btc["fee"] == round(0.07 * 0.83 * 0.17, 5)
    # YES 18.5¢ (0.185, the NO book's mid): the ladder crosses 50% at 40,000 × 1.5^(0.2/0.515) = $46,821.
    assert btc["rationale"] == (
        "BTC $60,000 (above) is 28% above the ladder's implied median $46,821, 2 rungs; YES 18.5¢: fade it, buy NO"
    )
    assert doc["queue_changes"] == {"new": 7, "updated": 0, "unchanged": 0, "expired": 0}
    assert doc["next_batch_plan"]["stop_reason"] == "all_markets_evaluated"
    assert doc["next_batch_plan"]["markets_evaluated"] == 8


def test_signals_enqueues_what_the_dry_run_proposed(filled: Path) -> None:
    dry = json.loads(invoke(filled, "signals", "--dry-run", "--json").output)
    real = json.loads(invoke(filled, "signals", "--json").output)
    key = ("market_id", "strategy", "outcome_index", "price", "rationale", "expires")
    assert [tuple(q[k] for k in key) for q in real["review_queue"]] == [
        tuple(q[k] for k in key) for q in dry["review_queue"]
    ]
    listed = json.loads(invoke(filled, "queue", "list", "--status", "pending", "--json").output)
    assert {(s["market_id"], s["strategy"]) for s in listed} == {
        (q["market_id"], q["strategy"]) for q in dry["review_queue"]
    }
    again = json.loads(invoke(filled, "signals", "--dry-run", "--json").output)
    assert {q["queue"] for q in again["review_queue"]} == {"unchanged"}


def test_caps_keep_the_document_small(filled: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[signals]\nmax_queue_items = 2\nmax_clusters = 1\n")
    result = CliRunner().invoke(
        main,
        ["signals", "--dry-run", "--json"],
        env={"PMTUI_DB": str(filled), "PMTUI_CONFIG": str(config)},
    )
    doc = json.loads(result.output)
    assert len(doc["review_queue"]) == 2 and doc["review_queue_total"] == 7
    assert len(doc["clusters"]) == 1 and doc["dedupe_summary"]["clusters"] == 4


def test_queue_commands(filled: Path) -> None:
    invoke(filled, "signals", "--json")
    listed = json.loads(invoke(filled, "queue", "list", "--json").output)
    first, second = listed[0]["id"], listed[1]["id"]
    # Not validated (no backtest): refused without a size, filled with one.
    unsized = invoke(filled, "queue", "approve", str(first), "--offline")
    assert unsized.exit_code == 1 and "so pmtui sizes it at zero" in unsized.output
    approved = invoke(
        filled, "queue", "approve", str(first), "--offline", "--stake", "10", "--note", "ok", "--json"
    )
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output)["status"] == "approved"
    assert json.loads(approved.output)["paper_position_id"] == 1
    again = invoke(filled, "queue", "approve", str(first), "--offline")
    assert again.exit_code == 1
    assert f"cannot approve signal #{first}: it is already approved (approved by tester)" in again.output
    rejected = invoke(filled, "queue", "reject", str(second))
    assert rejected.exit_code == 0 and f"signal #{second} rejected" in rejected.output
    by_status = json.loads(invoke(filled, "queue", "list", "--status", "approved", "--json").output)
    assert [s["id"] for s in by_status] == [first] and by_status[0]["note"] == "ok"
    table = invoke(filled, "queue", "list", "--strategy", "musk_fade_extremes")
    assert table.exit_code == 0 and "musk_fade_extremes" in table.output


def test_table_output_and_bad_options(filled: Path) -> None:
    table = invoke(filled, "signals", "--dry-run")
    assert table.exit_code == 0 and "dry run: queue untouched" in table.output
    assert "no backtest" in table.output and "no backtest yet" in table.output  # the cell, the reason
    bad = invoke(filled, "signals", "--dry-run", "--strategy", "nope")
    assert bad.exit_code == 2 and "--strategy: nope: unknown strategy" in bad.output
    bad_param = invoke(filled, "signals", "--dry-run", "--param", "fade_longshots.max_price=cheap")
    assert bad_param.exit_code == 2 and "fade_longshots.max_price" in bad_param.output
    bad_at = invoke(filled, "signals", "--dry-run", "--at", "someday")
    assert bad_at.exit_code == 2


def test_at_option_moves_the_evaluation_time(filled: Path) -> None:
    later = json.loads(invoke(filled, "signals", "--dry-run", "--json", "--at", str(T0 + 7200)).output)
    # Two hours after the prices were observed they are stale (max_price_age 1 h): nothing evaluated.
    assert later["at"] == T0 + 7200 and later["review_queue"] == []
    assert later["skipped"] == {"no_fresh_price": 8}
