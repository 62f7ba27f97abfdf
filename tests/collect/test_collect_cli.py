"""The done-when lines of the data layer, with the real CLI in subprocesses against the fake server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from collect_helpers import collect_once, db_path, pmtui, query, write_config

from pmtui.config import PUBLISHED_BUDGETS
from pmtui.fakes.polymarket_server import FakePolymarket, FaultRule
from pmtui.polymarket.client import HISTORY_WINDOW
from pmtui.store import connect, integrity_ok

# Enough history budget per cycle for every recorded resolved market (~1,000 markets), a short
# lookback (one window per market), and a prices-history budget ten times the published one on both
# sides (at the real 500 per 10 s the cycle would spend ten seconds waiting, correctly).
ALL_HISTORY = """
[collect]
history_markets_per_cycle = 5000
history_lookback = "10d"

[limits]
budgets = { "clob:/prices-history" = 10000, "clob" = 90000 }
"""


def allow_fast_history(server: FakePolymarket) -> None:
    server.set_budgets({**PUBLISHED_BUDGETS, "clob:/prices-history": 10000, "clob": 90000})


def test_collect_once_stores_every_recorded_market_once_and_a_second_run_adds_nothing(
    fake_polymarket: FakePolymarket,
) -> None:
    write_config(ALL_HISTORY)
    allow_fast_history(fake_polymarket)
    first = collect_once()
    assert first["ok"] and first["markets_new"] == 1587 and first["records_rejected"] == 0

    rows = query("SELECT id, resolution, winner FROM markets")
    assert len(rows) == 1587 == len({r[0] for r in rows})
    assert {r[0] for r in rows} == set(fake_polymarket.market_ids())
    for market_id, resolution, winner in rows:
        assert (resolution, winner) == fake_polymarket.market(market_id).expected(), market_id
    outcomes = {
        r[0]: r
        for r in query(
            "SELECT id, resolution, winner FROM markets WHERE id IN ('1237864', '681413', '253898', '19')"
        )
    }
    assert outcomes["1237864"][1:] == ("resolved", 0)
    assert outcomes["681413"][1:] == ("void", None)
    assert outcomes["253898"][1:] == ("unresolved", None)  # UMA proposed
    assert outcomes["19"][1:] == ("resolved", 1)  # AMM era, 0.99999...
    catalog = next(job for job in first["jobs"] if job["job"] == "catalog")
    assert catalog["api_calls"] == {"gamma:/markets/keyset": 16}  # ceil(498 / 100) + ceil(1089 / 100)
    assert first["api_calls"]["clob:/books"] == 1  # the top 100: one batch call
    history = next(job for job in first["jobs"] if job["job"] == "history")
    assert history["price_points"] > 0

    stable = (
        "SELECT id, content_hash, resolution, winner, question, history_fetched_at FROM markets ORDER BY id"
    )
    before = query(stable)
    second = collect_once()
    assert second["ok"]
    assert (second["markets_new"], second["markets_updated"], second["markets_resolved"]) == (0, 0, 0)
    assert second["markets_unchanged"] > 0 and second["records_rejected"] == 0
    assert next(job for job in second["jobs"] if job["job"] == "history")["price_points"] == 0
    assert query(stable) == before

    stats = fake_polymarket.stats
    assert stats.offset_requests == 0 and stats.total_violations == 0
    assert stats.history_windows and all(
        end - start <= HISTORY_WINDOW for _, start, end in stats.history_windows
    )


def test_kill_9_mid_run_leaves_an_intact_database_and_the_next_run_resumes(
    fake_polymarket: FakePolymarket,
) -> None:
    write_config("[collect]\nhistory_markets_per_cycle = 0\n")
    fake_polymarket.set_faults(FaultRule("slow", "gamma:/markets/keyset", every=1, delay=0.25))
    process = subprocess.Popen(
        [sys.executable, "-m", "pmtui", "collect", "--once", "--only", "catalog"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        cursor = None
        while time.monotonic() < deadline:
            if db_path().exists():
                try:
                    rows = query(
                        "SELECT cursor FROM checkpoints WHERE job = 'catalog:closed' AND cursor IS NOT NULL"
                    )
                except Exception:  # the file is being created: try again
                    rows = []
                if rows and len(query("SELECT id FROM markets WHERE closed = 1")) >= 300:
                    cursor = rows[0][0]
                    break
            time.sleep(0.05)
        assert cursor is not None, "the collector never got into the closed walk"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    db = connect(db_path())
    assert integrity_ok(db)
    stored_before = db.execute("SELECT COUNT(*) FROM markets").fetchone()[0]
    checkpoint = db.execute("SELECT cursor FROM checkpoints WHERE job = 'catalog:closed'").fetchone()[0]
    db.close()
    assert 498 + 300 <= stored_before < 1587

    fake_polymarket.set_faults()
    fake_polymarket.reset_stats()
    resumed = collect_once("--only", "catalog")
    assert resumed["ok"]
    closed_queries = [q for endpoint, q in fake_polymarket.stats.queries if q.get("closed") == ["true"]]
    assert closed_queries[0].get("after_cursor") == [checkpoint]  # resumed, not restarted
    assert len(closed_queries) < 11  # a full closed walk takes 11 pages
    assert query("SELECT COUNT(*) FROM markets")[0][0] == 1587
    assert resumed["markets_new"] == 1587 - stored_before
    assert integrity_ok(connect(db_path()))


def test_two_collectors_at_once_stay_under_the_limits_together(
    make_fake_polymarket: Callable[..., FakePolymarket],
) -> None:
    server = make_fake_polymarket()
    # The server allows 6 listing requests per 0.3 s; each collector budgets 6 x 0.5 = 3 per 0.3 s,
    # for both of them together, through the shared limiter file.
    server.set_budgets({"gamma:/markets": 6}, window=0.3)
    write_config(
        """
[limits]
window = 0.3
safety_factor = 0.5
budgets = { "gamma:/markets" = 6 }
"""
    )
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pmtui", "collect", "--once", "--json", "--only", "catalog"],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    elapsed = time.monotonic() - started
    calls = 0
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-2000:]
        # Each walks the catalogue; they share the database, so one may pick up the other's
        # checkpointed cursor and need fewer pages.
        calls += json.loads(out)["api_calls"]["gamma:/markets/keyset"]
    stats = server.stats
    assert stats.requests["gamma:/markets/keyset"] == calls >= 24
    assert stats.total_violations == 0 and not any(key.endswith(" 429") for key in stats.statuses)
    # That many requests at 3 per 0.3 s: the limiter had to make them wait.
    assert elapsed >= (calls / 3 - 1) * 0.3
    assert query("SELECT COUNT(*) FROM markets")[0][0] == 1587


def test_a_cycle_with_every_fault_type(fake_polymarket: FakePolymarket) -> None:
    write_config(ALL_HISTORY.replace("5000", "300"))
    allow_fast_history(fake_polymarket)
    fake_polymarket.set_faults(
        FaultRule("5xx", "*", every=9),
        FaultRule("truncated", "*", every=11),
        FaultRule("slow", "*", every=50, delay=0.2),
        FaultRule("429", "*", every=150, retry_after=1),
        FaultRule("numbers_as_strings", "*", every=3),
        FaultRule("missing_fields", "gamma:/markets/keyset", every=2, records=2),
        FaultRule("missing_fields", "clob:/books", every=1, records=3),
        FaultRule("missing_fields", "clob:/prices-history", every=25),
        seed=11,
    )
    summary = collect_once()
    assert summary["ok"], summary
    stats = fake_polymarket.stats
    assert {"5xx", "truncated", "slow", "429", "numbers_as_strings", "missing_fields"} <= set(stats.faults)

    bad_markets = stats.corrupted["gamma:/markets/keyset"]
    errors = query("SELECT source, kind, record_id FROM errors")
    market_errors = {r[2] for r in errors if r[0] == "gamma:/markets/keyset"}
    assert bad_markets and bad_markets <= market_errors
    stored = {r[0] for r in query("SELECT id FROM markets")}
    assert set(fake_polymarket.market_ids()) - bad_markets <= stored  # every good record is stored
    assert summary["records_rejected"] == len(errors)

    # Values that arrived as strings were parsed like numbers.
    for market_id, resolution, winner in query("SELECT id, resolution, winner FROM markets"):
        assert (resolution, winner) == fake_polymarket.market(market_id).expected(), market_id
    book_errors = [r for r in errors if r[0] == "clob:/books"]
    assert len(book_errors) == len(stats.corrupted["clob:/books"]) == 3
    token_market = dict(query("SELECT t.value, m.id FROM markets m, json_each(m.token_ids_json) t"))
    history_errors = {r[2] for r in errors if r[0] == "clob:/prices-history"}
    assert history_errors == {token_market[t] for t in stats.corrupted["clob:/prices-history"]}
    # A market whose history window came back malformed stays due for the next cycle.
    assert all(
        query("SELECT history_fetched_at FROM markets WHERE id = ?", [m])[0][0] is None
        for m in history_errors
    )
    assert integrity_ok(connect(db_path()))


def test_export_markets_and_prices(fake_polymarket: FakePolymarket, tmp_path: Path) -> None:
    write_config('[collect]\nhistory_markets_per_cycle = 20\nhistory_lookback = "3d"\n')
    collect_once()
    out = pmtui("export", "markets")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 1587
    cs = next(line for line in lines if line["id"] == "1237864")
    assert cs["outcomes"] == ["Acend", "Bebop"] and cs["winner"] == 0 and cs["void"] is False
    assert (
        cs["token_ids"][0] == "13915383147598038388500755196666377480504116216295452377454618635607632089106"
    )
    assert cs["closed_time"] == "2026-01-23T20:56:36Z" and cs["prices"] == [1.0, 0.0] and cs["closed"] is True
    assert next(line for line in lines if line["id"] == "681413")["void"] is True
    required = {"id", "condition_id", "question", "slug", "category", "outcomes", "token_ids", "end_date",
                "closed_time", "closed", "winner", "void", "volume", "liquidity", "prices"}  # fmt: skip
    assert all(required <= line.keys() for line in lines)

    csv_file = tmp_path / "prices.csv"
    result = pmtui("export", "prices", "--format", "csv", "--out", str(csv_file), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    header, *rows = csv_file.read_text().splitlines()
    assert header == "token_id,market_id,outcome_index,t,time,p" and len(rows) == report["rows"] > 0

    parquet = tmp_path / "markets.parquet"
    assert pmtui("export", "markets", "--format", "parquet", "--out", str(parquet)).returncode == 0
    import pyarrow.parquet as pq

    table = pq.read_table(parquet)
    assert table.num_rows == 1587 and str(table.schema.field("token_ids").type) == "list<element: string>"
    refused = pmtui("export", "markets", "--format", "parquet")
    assert refused.returncode == 2 and "needs --out" in refused.stderr
