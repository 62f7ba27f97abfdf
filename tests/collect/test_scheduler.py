"""Collector jobs and the scheduler, in process, against the fake server and a real SQLite file."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from collect_helpers import db_path, pmtui, query, write_config
from sqlite_utils import Database

from pmtui.collect.quotes import refresh_quotes
from pmtui.collect.scheduler import BackgroundCollector, Scheduler, job_names
from pmtui.config import Settings, load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.polymarket.client import PolymarketClient
from pmtui.store import connect, integrity_ok
from pmtui.store.markets import set_watched


def settings(max_retries: int | None = None, **collect: Any) -> Settings:
    base = load_settings()
    base = dataclasses.replace(base, collect=dataclasses.replace(base.collect, **collect))
    if max_retries is not None:
        base = dataclasses.replace(base, api=dataclasses.replace(base.api, max_retries=max_retries))
    return base


def run(scheduler: Scheduler, *jobs: str) -> Any:
    return asyncio.run(scheduler.run_once(list(jobs) or None))


def test_hooks_get_changed_ids_and_a_failing_hook_is_recorded(fake_polymarket: FakePolymarket) -> None:
    seen: list[list[str]] = []

    def broken(db: Database, ids: list[str]) -> None:
        raise RuntimeError("taxonomy exploded")

    scheduler = Scheduler(settings(), on_markets_changed=[lambda db, ids: seen.append(ids), broken])
    summary = run(scheduler, "catalog")
    assert summary.ok and len(seen) == 1 and sorted(seen[0]) == sorted(fake_polymarket.market_ids())
    assert query("SELECT source, kind FROM errors") == [("collect:hook", "RuntimeError")]
    assert run(scheduler, "catalog").ok and len(seen) == 1  # nothing changed: no hook call


def test_an_outage_changes_nothing_and_the_next_cycle_recovers(fake_polymarket: FakePolymarket) -> None:
    scheduler = Scheduler(settings(max_retries=1, history_markets_per_cycle=3))
    assert run(scheduler, "catalog").ok
    before = query("SELECT * FROM markets ORDER BY id")
    fake_polymarket.go_offline("refuse")
    offline = run(scheduler)
    assert not offline.ok
    assert {job.job: job.status for job in offline.jobs} == {
        "catalog": "error",
        "resolutions": "error",
        "snapshots": "error",
        "history": "error",
    }
    assert all("ApiUnavailable" in (job.error or "") for job in offline.jobs)
    assert query("SELECT * FROM markets ORDER BY id") == before
    failed = query("SELECT job, status, error FROM job_runs WHERE status = 'error'")
    assert len(failed) == 4 and all("connection failed" in row[2] for row in failed)
    assert query("SELECT COUNT(*) FROM api_calls WHERE status IS NULL")[0][0] >= 4
    fake_polymarket.go_online()
    assert run(scheduler).ok


def test_a_market_resolved_early_is_picked_up_by_the_catalog(fake_polymarket: FakePolymarket) -> None:
    now = time.time()
    target = next(
        m
        for m in fake_polymarket.markets()
        if m.has_book and (m.life(int(now))[1] >= now - 60) and m.id.isdigit()
    )
    changed: list[str] = []
    scheduler = Scheduler(settings(), on_markets_changed=[lambda db, ids: changed.extend(ids)])
    run(scheduler, "catalog")
    changed.clear()
    fake_polymarket.resolve(target.id, 1)
    summary = run(scheduler, "catalog")
    catalog = summary.jobs[0]
    assert catalog.markets_resolved == 1 and catalog.markets_new == 0 and changed == [target.id]
    assert query("SELECT closed, resolution, winner FROM markets WHERE id = ?", [target.id]) == [
        (1, "resolved", 1)
    ]
    # The open walk (5 pages), the closed walk's tail (its last page), one fetch by id.
    assert catalog.api_calls["gamma:/markets/keyset"] == 5 + 1 + 1


def test_resolutions_job_rechecks_markets_past_their_end(fake_polymarket: FakePolymarket) -> None:
    scheduler = Scheduler(settings())
    run(scheduler, "catalog")
    overdue = query(
        "SELECT id FROM markets WHERE closed = 0 AND end_date < strftime('%s', 'now') ORDER BY id"
    )
    assert len(overdue) > 10
    fake_polymarket.resolve(overdue[0][0], None)
    result = run(scheduler, "resolutions").jobs[0]
    assert result.markets_resolved == 1 and result.markets_checked >= len(overdue)
    assert query("SELECT resolution, winner FROM markets WHERE id = ?", [overdue[0][0]]) == [("void", None)]
    assert (
        query("SELECT COUNT(*) FROM markets WHERE resolution_checked_at IS NOT NULL")[0][0]
        == result.markets_checked
    )
    assert run(scheduler, "resolutions").jobs[0].markets_checked == 0  # checked a moment ago


def test_refresh_quotes_is_one_batch_call_for_the_top_100(fake_polymarket: FakePolymarket) -> None:
    run(Scheduler(settings()), "catalog")
    ids = [r[0] for r in query("SELECT id FROM markets WHERE closed = 0 ORDER BY volume_24h DESC LIMIT 100")]
    moved = next(
        i for i in ids if fake_polymarket.market(i).has_book and fake_polymarket.market(i).tick == 0.01
    )
    fake_polymarket.set_price(moved, 0.62)

    async def go() -> Any:
        db = connect(db_path())
        async with PolymarketClient(load_settings()) as client:
            return await refresh_quotes(client, db, ids)

    refresh = asyncio.run(go())
    assert refresh.api_calls == 1 and fake_polymarket.stats.requests["clob:/books"] == 1
    with_books = {i for i in ids if fake_polymarket.market(i).has_book}
    assert set(refresh.markets_updated) == with_books and set(refresh.missing) == set(ids) - with_books
    assert query("SELECT yes_price, best_bid, best_ask FROM markets WHERE id = ?", [moved]) == [
        (0.62, 0.61, 0.63)
    ]
    token = fake_polymarket.market(moved).token_ids[0]
    assert query("SELECT p FROM prices WHERE token_id = ?", [token]) == [(0.62,)]
    assert query("SELECT COUNT(*) FROM quotes")[0][0] == refresh.quotes == 2 * len(with_books)


def test_snapshots_job_one_call_per_interval(fake_polymarket: FakePolymarket) -> None:
    config = settings()
    scheduler = Scheduler(config)
    run(scheduler, "catalog")
    result = run(scheduler, "snapshots").jobs[0]
    assert result.api_calls == {"clob:/books": 1}
    assert result.snapshots == query("SELECT COUNT(*) FROM snapshots")[0][0] > 90
    assert 86400 / config.collect.snapshot_interval * sum(result.api_calls.values()) <= 24


def test_history_job_is_bounded_and_keeps_watched_markets_fresh(fake_polymarket: FakePolymarket) -> None:
    scheduler = Scheduler(settings(history_markets_per_cycle=5, history_lookback=20 * 86400))
    run(scheduler, "catalog")
    watched = next(m.id for m in fake_polymarket.markets() if m.has_book)
    db = connect(db_path())
    set_watched(db, [watched])
    resolved = query(
        "SELECT id FROM markets WHERE resolution != 'unresolved' AND token_ids_json != '[]' "
        "ORDER BY COALESCE(closed_time, end_date) DESC LIMIT 4"
    )
    fake_polymarket.set_history_mode(resolved[0][0], "data_only")
    first = run(scheduler, "history").jobs[0]
    assert first.markets_checked == 5 and first.price_points > 0
    fetched = {r[0] for r in query("SELECT id FROM markets WHERE history_fetched_at IS NOT NULL")}
    assert fetched == {watched} | {r[0] for r in resolved}
    assert first.api_calls["data:/v2/prices-history"] >= 1  # the data_only market came via Data API v2
    data_token = fake_polymarket.market(resolved[0][0]).token_ids[0]
    assert query("SELECT COUNT(*) FROM prices WHERE token_id = ?", [data_token])[0][0] > 0
    second = run(scheduler, "history").jobs[0]
    refetched = {r[0] for r in query("SELECT id FROM markets WHERE history_fetched_at IS NOT NULL")}
    assert second.markets_checked == 5 and len(refetched) == 10 and watched in refetched


def test_generated_markets_are_labelled_demo(make_fake_polymarket: Callable[..., FakePolymarket]) -> None:
    make_fake_polymarket(recorded=False, generated=120)
    summary = run(Scheduler(settings()), "catalog")
    sources = query("SELECT source, COUNT(*) FROM markets GROUP BY source")
    assert sources == [("demo", summary.jobs[0].markets_new)]
    assert summary.jobs[0].placeholders_skipped > 0


def test_run_forever_in_a_background_thread_stops_cleanly(fake_polymarket: FakePolymarket) -> None:
    collector = BackgroundCollector(settings(history_markets_per_cycle=2, history_lookback=3 * 86400))
    collector.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db_path().exists():
                done = {r[0] for r in query("SELECT job FROM job_runs WHERE status = 'ok'")}
                if done >= set(job_names(None)):
                    break
            time.sleep(0.1)
        assert collector.running
    finally:
        collector.stop()
    assert not collector.running and collector.error is None
    statuses = dict(query("SELECT job, status FROM job_runs"))
    assert set(statuses) == set(job_names(None)) and "running" not in statuses.values()
    assert integrity_ok(connect(db_path()))


async def test_run_forever_honours_intervals_and_an_asyncio_stop(fake_polymarket: FakePolymarket) -> None:
    scheduler = Scheduler(settings(catalog_interval=0.3), db_path=os.environ["PMTUI_DB"])
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run_forever(stop, only=["catalog"]))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.1)
        if db_path().exists() and query("SELECT COUNT(*) FROM job_runs WHERE status = 'ok'")[0][0] >= 3:
            break
    stop.set()
    await asyncio.wait_for(task, 10)
    runs = query("SELECT status FROM job_runs WHERE job = 'catalog'")
    assert len(runs) >= 3 and all(status in ("ok", "cancelled") for (status,) in runs)
    assert not query("SELECT id FROM job_runs WHERE job != 'catalog'")  # `only` was honoured


def test_unknown_job_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown job nope"):
        job_names(["catalog", "nope"])
    result = pmtui("collect", "--once", "--only", "catalog,nope")
    assert result.returncode == 2 and "unknown job nope" in result.stderr


def test_ctrl_c_stops_the_headless_collector_between_transactions(fake_polymarket: FakePolymarket) -> None:
    write_config("[collect]\nhistory_markets_per_cycle = 5000\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "pmtui", "collect"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("catalog ok")
        time.sleep(0.5)  # the other jobs are now busy (history has ~1,000 markets to fetch)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "stopped" in err
    assert integrity_ok(connect(Path(os.environ["PMTUI_DB"])))
    statuses = {status for (status,) in query("SELECT status FROM job_runs")}
    assert "running" not in statuses and "cancelled" in statuses
