"""Issue 4's done-when on real data: a store filled from the recorded Polymarket responses in
tests/data/polymarket (served by the fake server, collected by `pmtui collect`), then
`pmtui signals --dry-run --json` twice gives identical output and `pmtui signals` enqueues exactly
what it proposed.

Nothing here counts on a number of signals: which strategies fire depends on the categories the
taxonomy assigns (`pmtui collect` categorizes what it stores) and on the recorded prices. Every check
below is about the relation between the runs and the store, so it covers whatever strategies fire,
and grows with the taxonomy's rules.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from click.testing import CliRunner, Result

from pmtui.cli import main
from pmtui.config import load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.paths import default_config_file
from pmtui.store import connect
from pmtui.strategies.registry import all_strategies

Key = tuple[str, str, int]


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def key(item: dict[str, Any]) -> Key:
    return (item["market_id"], item["strategy"], item["outcome_index"])


def test_signals_on_the_recorded_store_are_stable_and_enqueued_as_proposed(
    fake_polymarket: FakePolymarket,
) -> None:
    config = default_config_file()
    # The document lists every proposal (by default it shows the best 50), so the whole queue compares.
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[signals]\nmax_queue_items = 100000\n", encoding="utf-8"
    )
    collected = json.loads(invoke("collect", "--once", "--only", "catalog,snapshots", "--json").output)
    assert collected["ok"] and collected["markets_new"] == len(fake_polymarket.market_ids())
    assert collected["quotes"] > 0  # some markets are priced from their order book, the rest by Gamma

    first = invoke("signals", "--dry-run", "--json").output
    second = invoke("signals", "--dry-run", "--json").output
    assert first == second
    dry = json.loads(first)
    proposed = dry["review_queue"]
    assert dry["dry_run"] is True and proposed, "the recorded store should yield at least one proposal"
    assert dry["review_queue_total"] == len(proposed) == dry["queue_changes"]["new"]
    assert all(item["queue"] == "new" and item["signal_id"] is None for item in proposed)

    db = connect(load_settings().database.path)
    open_markets = db.execute(
        "SELECT COUNT(*) FROM markets WHERE closed = 0 AND resolution = 'unresolved'"
    ).fetchone()[0]
    assert dry["dedupe_summary"]["input_items"] == open_markets
    strategies = all_strategies()
    for item in proposed:  # each proposal comes from a strategy that looks at the market's category
        assert strategies[item["strategy"]].applies_to(item["category"]), item
    # The collector categorized the store, and the batch used those categories and clusters.
    stored = dict(db.execute("SELECT id, category FROM markets").fetchall())
    assert all(item["category"] == stored[item["market_id"]] for item in proposed)
    assert any(item["category"] for item in proposed)
    assert db.execute("SELECT COUNT(*) FROM signals").fetchone()[0] == 0  # dry runs wrote nothing

    real = json.loads(invoke("signals", "--json").output)
    assert real["at"] == dry["at"] and real["dry_run"] is False
    fields = ("market_id", "strategy", "outcome_index", "price", "price_source", "rationale", "expires")
    assert [tuple(q[f] for f in fields) for q in real["review_queue"]] == [
        tuple(q[f] for f in fields) for q in proposed
    ]
    enqueued = {item["signal_id"]: key(item) for item in real["review_queue"]}
    assert all(isinstance(signal_id, int) for signal_id in enqueued)

    listed = json.loads(invoke("queue", "list", "--status", "pending", "--json").output)
    assert {s["id"]: (s["market_id"], s["strategy"], s["outcome_index"]) for s in listed} == enqueued
    pending = Counter(r[0] for r in db.execute("SELECT strategy FROM signals WHERE status = 'pending'"))
    assert pending == Counter(item["strategy"] for item in proposed)

    again = json.loads(invoke("signals", "--dry-run", "--json").output)
    assert {item["queue"] for item in again["review_queue"]} == {"unchanged"}
    assert {item["signal_id"]: key(item) for item in again["review_queue"]} == enqueued
    db.close()
