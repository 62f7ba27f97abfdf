"""The live monitor against the fake Polymarket server and a real SQLite file: a price move creates a
signal, a resolution expires it and settles the position once, a failing cycle does not stop the loop,
and BackgroundMonitor starts and stops."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import queue
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from pmtui.cli import main
from pmtui.collect.scheduler import Scheduler
from pmtui.config import Settings, load_settings
from pmtui.fakes.polymarket_server import FakePolymarket, FaultRule
from pmtui.fakes.telegram_server import FakeTelegram
from pmtui.paper.book import settle_resolved
from pmtui.paper.ledger import check_ledger
from pmtui.paths import default_config_file
from pmtui.signals import queue as review
from pmtui.signals.monitor import JOB, BackgroundMonitor, CycleReport, Monitor
from pmtui.store import connect, integrity_ok, write_tx

TOKEN = "7012345678:AAHmonitorTOKEN-x9Yz_qwertyuiopasdfgh"


def monitor_settings(interval: float | None = None, **api: Any) -> Settings:
    """The test's settings (fast retries from the fixture's config), optionally a short interval."""
    settings = load_settings()
    if interval is not None:
        settings = dataclasses.replace(
            settings,
            monitor=dataclasses.replace(settings.monitor, interval=interval, aggressive_interval=interval),
        )
    if api:
        settings = dataclasses.replace(settings, api=dataclasses.replace(settings.api, **api))
    return settings


def collect_catalog(settings: Settings) -> Any:
    summary = asyncio.run(Scheduler(settings).run_once(["catalog"]))
    assert summary.ok
    return summary.jobs[0]


def cycle(settings: Settings) -> CycleReport:
    return asyncio.run(Monitor(settings).run_once())


@pytest.fixture
def db(fake_polymarket: FakePolymarket) -> Iterator[Database]:
    settings = load_settings()
    collect_catalog(settings)
    database = connect(settings.database.path)
    yield database
    database.close()


def mid_priced_market(db: Database) -> str:
    """An open binary market priced in the middle, closing in more than a day, that no strategy has
    proposed (some strategies fire whatever the price, e.g. on a BTC up/down window)."""
    row = db.execute(
        "SELECT id FROM markets WHERE closed = 0 AND resolution = 'unresolved' AND yes_price BETWEEN 0.3 AND 0.7"
        " AND json_array_length(token_ids_json) = 2 AND end_date > ?"
        " AND id NOT IN (SELECT market_id FROM signals) ORDER BY COALESCE(volume_24h, 0) DESC, id LIMIT 1",
        [int(time.time()) + 86400],
    ).fetchone()
    assert row is not None, "the recorded data has no open mid-priced market"
    return str(row[0])


def signals_of(db: Database, market_id: str) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM signals WHERE market_id = ? ORDER BY id", [market_id]))


def test_a_price_move_creates_a_signal_and_the_resolution_expires_it(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    settings = load_settings()
    quiet = cycle(settings)
    assert quiet.ok, quiet.error
    assert quiet.quotes_refreshed > 0 and quiet.api_calls.get("clob:/books", 0) >= 1
    market_id = mid_priced_market(db)  # a candidate no strategy proposed in that cycle

    fake_polymarket.set_price(market_id, 0.05)
    moved = cycle(settings)
    assert moved.ok, moved.error
    [proposed] = [s for s in signals_of(db, market_id) if s["strategy"] == "fade_longshots"]
    assert proposed["status"] == "pending" and proposed["outcome_index"] == 1
    assert proposed["id"] in moved.new_signal_ids and moved.signals_new >= 1
    # Priced from the refreshed order book of the NO token, not from the stale catalogue price.
    assert proposed["price_source"] == "book_ask" and 0.9 < proposed["price"] < 1
    quote = db.execute(
        "SELECT best_ask FROM quotes WHERE market_id = ? AND token_id = ?", [market_id, proposed["token_id"]]
    ).fetchone()
    assert quote[0] == pytest.approx(proposed["price"])

    unchanged = cycle(settings)
    assert [s["status"] for s in signals_of(db, market_id)] == ["pending"]  # one live signal, kept
    assert proposed["id"] not in unchanged.new_signal_ids

    with write_tx(db):  # as if an older pmtui had stored it without a category
        db.execute(
            "UPDATE markets SET category = NULL, cluster_id = NULL, taxonomy_key = NULL WHERE id = ?",
            [market_id],
        )
    fake_polymarket.resolve(market_id, winner=1)
    resolved = cycle(settings)
    assert resolved.ok, resolved.error
    assert resolved.markets_resolved == 1 and resolved.signals_expired >= 1
    # The monitor stored the resolution through the one writer: categorized with it (issue 12.9).
    assert (
        db.execute(
            "SELECT category IS NOT NULL AND cluster_id IS NOT NULL FROM markets WHERE id = ?", [market_id]
        ).fetchone()[0]
        == 1
    )
    [after] = signals_of(db, market_id)
    assert (after["status"], after["status_reason"]) == ("expired", "market resolved")
    decision = db.execute(
        "SELECT action, decided_by FROM signal_decisions WHERE signal_id = ?", [proposed["id"]]
    ).fetchall()
    assert [tuple(d) for d in decision] == [("expire", "pmtui")]
    market = db.execute("SELECT resolution, winner FROM markets WHERE id = ?", [market_id]).fetchone()
    assert tuple(market) == ("resolved", 1)


@pytest.mark.parametrize("first", ["collector", "monitor"])
def test_a_resolved_market_settles_its_position_once(
    fake_polymarket: FakePolymarket, db: Database, first: str
) -> None:
    settings = load_settings()
    market_id = mid_priced_market(db)
    fake_polymarket.set_price(market_id, 0.05)
    assert cycle(settings).ok
    [proposed] = [s for s in signals_of(db, market_id) if s["strategy"] == "fade_longshots"]
    review.approve(db, proposed["id"], by="tester", settings=settings, stake_micros=10_000_000)
    position = db.execute(
        "SELECT id, shares_micros, cost_micros FROM paper_positions WHERE signal_id = ?", [proposed["id"]]
    ).fetchone()
    assert position is not None
    position_id, shares, cost = (int(v) for v in position)

    fake_polymarket.resolve(market_id, winner=1)  # NO wins: the faded longshot lost
    settled_by: dict[str, int] = {}
    for who in (first, "monitor" if first == "collector" else "collector", first):
        if who == "collector":
            count = collect_catalog(settings).positions_settled
        else:
            report = cycle(settings)
            assert report.ok, report.error
            count = report.positions_settled
        settled_by[who] = settled_by.get(who, 0) + count
    assert settled_by == {first: 1, ("monitor" if first == "collector" else "collector"): 0}
    assert settle_resolved(db) == []

    row = db.execute(
        "SELECT status, result, proceeds_micros FROM paper_positions WHERE id = ?", [position_id]
    ).fetchone()
    assert tuple(row) == ("settled", "win", shares)
    settlements = db.execute(
        "SELECT COUNT(*), SUM(cash_micros) FROM paper_ledger WHERE position_id = ? AND kind = 'settle'",
        [position_id],
    ).fetchone()
    assert tuple(settlements) == (1, shares)
    alerts = db.execute("SELECT COUNT(*) FROM alerts_outbox WHERE kind = 'settlement'").fetchone()[0]
    assert alerts == 1
    check = check_ledger(db)
    assert check.ok, check.problems
    assert shares > cost  # bought NO under $1 a share: a win pays more than it cost


def test_a_failing_cycle_is_recorded_and_the_loop_goes_on(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    settings = monitor_settings(interval=0.3, max_retries=0)
    fake_polymarket.go_offline("503")
    reports: queue.Queue[CycleReport] = queue.Queue()
    monitor = BackgroundMonitor(settings, on_cycle_done=[reports.put])
    monitor.start()
    try:
        failed = reports.get(timeout=30)
        assert failed.status == "error" and failed.error is not None and failed.error.startswith("prices:")
        assert failed.candidates > 0 and failed.quotes_refreshed == 0
        fake_polymarket.go_online()
        deadline = time.monotonic() + 30
        recovered = reports.get(timeout=30)
        while not recovered.ok and time.monotonic() < deadline:
            recovered = reports.get(timeout=30)
        assert recovered.ok and recovered.quotes_refreshed > 0
        assert monitor.running
    finally:
        monitor.stop(timeout=10)
    assert not monitor.running and monitor.error is None
    runs = [
        tuple(r) for r in db.execute("SELECT status, error FROM job_runs WHERE job = ? ORDER BY id", [JOB])
    ]
    statuses = [status for status, _ in runs]
    assert statuses[0] == "error" and "ok" in statuses and "running" not in statuses
    assert runs[0][1] is not None and runs[0][1].startswith("prices:")


def test_background_monitor_starts_stops_and_keeps_its_rhythm(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    settings = monitor_settings()  # the default 5-minute interval
    reports: queue.Queue[CycleReport] = queue.Queue()
    monitor = BackgroundMonitor(settings, on_cycle_done=[reports.put])
    assert not monitor.running
    monitor.start()
    first = reports.get(timeout=30)  # a fresh store: the first cycle runs at once
    assert first.ok and monitor.running
    started = time.monotonic()
    monitor.stop(timeout=10)
    assert time.monotonic() - started < 5  # does not wait out the 5-minute interval
    assert not monitor.running and monitor.error is None

    monitor.start()  # the last cycle finished moments ago: the next one waits for its interval
    time.sleep(1.0)
    assert monitor.running and reports.empty()
    monitor.stop(timeout=10)
    assert not monitor.running
    statuses = [r[0] for r in db.execute("SELECT status FROM job_runs WHERE job = ?", [JOB])]
    assert statuses == ["ok"]


def test_wake_runs_the_next_cycle_now_instead_of_after_the_interval(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    """The app wakes the monitor when the first catalogue pass of a new store has stored markets, so
    the markets get a cycle at once rather than at the end of the 5-minute interval."""
    settings = monitor_settings()  # the default 5-minute interval
    reports: queue.Queue[CycleReport] = queue.Queue()
    monitor = BackgroundMonitor(settings, on_cycle_done=[reports.put])
    monitor.start()
    try:
        first = reports.get(timeout=30)
        assert first.ok
        time.sleep(1.0)
        assert reports.empty()  # now waiting out its interval
        woken_at = time.monotonic()
        monitor.wake()
        woken = reports.get(timeout=30)
        assert woken.ok and woken.candidates > 0 and time.monotonic() - woken_at < 30
        time.sleep(1.0)
        assert reports.empty()  # one wake, one cycle; then the interval again
    finally:
        monitor.stop(timeout=10)
    assert not monitor.running and monitor.error is None


def test_monitor_once_cli_prints_the_cycle_and_fails_when_a_step_fails(
    fake_polymarket: FakePolymarket, db: Database
) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["monitor", "--once", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["status"] == "ok" and document["error"] is None
    assert document["candidates"] > 0 and document["api_calls"]["clob:/books"] >= 1

    text = runner.invoke(main, ["monitor", "--once"])
    assert text.exit_code == 0 and text.output.startswith("monitor ok in ")

    fake_polymarket.go_offline("refuse")
    offline = runner.invoke(main, ["monitor", "--once", "--json"])
    assert offline.exit_code == 1
    assert json.loads(offline.output)["status"] == "error"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_the_headless_monitor_cleanly(
    fake_polymarket: FakePolymarket, db: Database, stop_signal: signal.Signals
) -> None:
    # Also when this suite runs as a shell's background job (the child then inherits SIGINT ignored).
    process = subprocess.Popen(
        [sys.executable, "-m", "pmtui", "monitor", "--aggressive", "--json"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        assert first["status"] == "ok"
        process.send_signal(stop_signal)  # while it waits for the next cycle
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "stopped" in err and "Traceback" not in err
    assert out == ""  # no second cycle started
    assert integrity_ok(db)
    statuses = [r[0] for r in db.execute("SELECT status FROM job_runs WHERE job = ?", [JOB])]
    assert statuses == ["ok"]


def test_monitor_once_sends_the_new_signal_digest_when_telegram_is_configured(
    fake_polymarket: FakePolymarket, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    market_id = mid_priced_market(db)
    fake_polymarket.set_price(market_id, 0.05)
    with FakeTelegram(token=TOKEN) as telegram:
        monkeypatch.setenv("PMTUI_TELEGRAM_URL", telegram.url)
        monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("PMTUI_TELEGRAM_CHAT_ID", "-100123")
        result = CliRunner().invoke(main, ["monitor", "--once", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["alerts_queued"] >= 1
        texts = telegram.texts()
    pending = db.execute("SELECT COUNT(*) FROM signals WHERE status = 'pending'").fetchone()[0]
    assert len(texts) == 1  # one digest, not one message per signal
    assert texts[0].startswith(f"{pending} new signal")
    assert "fade_longshots: buy No" in texts[0]
    assert TOKEN not in result.output


def test_collect_settles_and_sends_the_settlement_alert(
    fake_polymarket: FakePolymarket, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    market_id = mid_priced_market(db)
    fake_polymarket.set_price(market_id, 0.05)
    assert cycle(settings).ok
    [proposed] = [s for s in signals_of(db, market_id) if s["strategy"] == "fade_longshots"]
    review.approve(db, proposed["id"], by="tester", settings=settings, stake_micros=10_000_000)
    db.execute("UPDATE alerts_outbox SET status = 'sent'")  # the fill alert is not this test's subject
    fake_polymarket.resolve(market_id, winner=0)  # YES wins: the position loses
    config = default_config_file()
    config.write_text(config.read_text(encoding="utf-8") + "\n[alerts]\nmin_interval = 0\n", encoding="utf-8")
    with FakeTelegram(token=TOKEN) as telegram:
        monkeypatch.setenv("PMTUI_TELEGRAM_URL", telegram.url)
        monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("PMTUI_TELEGRAM_CHAT_ID", "-100123")
        result = CliRunner().invoke(main, ["collect", "--once", "--only", "catalog", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["positions_settled"] == 1
        texts = telegram.texts()
    settlement = [t for t in texts if "Paper settlement" in t]
    assert len(settlement) == 1 and "LOST" in settlement[0]


def test_candidates_are_held_signalled_and_watched_markets_then_the_top_of_each_strategy(
    tmp_path: Path,
) -> None:
    from pmtui.signals.monitor import candidate_ids
    from pmtui.store.markets import set_watched
    from tests.signals.helpers import add_market

    db = connect(tmp_path / "candidates.sqlite")
    for market_id, volume in (("big", 900.0), ("mid", 500.0), ("small", 10.0), ("held", 1.0), ("eyed", 2.0)):
        add_market(db, market_id, category="Politics/Election", volume_24h=volume)
    add_market(db, "weather", category="Weather/Temperature", volume_24h=5.0)
    add_market(db, "imported", category="Politics/Election", volume_24h=10_000.0, source="import")
    add_market(db, "closed", category="Politics/Election", volume_24h=10_000.0, closed=True)
    db.execute(
        "INSERT INTO paper_positions (market_id, outcome_index, outcome, strategy, shares_micros,"
        " cost_micros, fee_micros, opened, status) VALUES ('held', 1, 'No', 'fade_longshots', 1, 1, 0, 0, 'open')"
    )
    set_watched(db, ["eyed"])
    base = Settings()
    two = dataclasses.replace(base, monitor=dataclasses.replace(base.monitor, candidates=2))
    # fade_longshots looks at every market and takes the two biggest; weather_fade_longshots still
    # gets its own (small) market refreshed.
    assert candidate_ids(db, two) == ["held", "eyed", "big", "mid", "weather"]
    assert candidate_ids(db, base) == ["held", "eyed", "big", "mid", "small", "weather"]
    db.close()


def test_stop_cancels_a_cycle_in_progress(fake_polymarket: FakePolymarket, db: Database) -> None:
    fake_polymarket.set_faults(FaultRule("slow", endpoint="clob:/books", every=1, delay=20))
    monitor = BackgroundMonitor(monitor_settings())
    monitor.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # wait until the cycle is inside its slow /books call
        if fake_polymarket.stats.requests.get("clob:/books", 0) >= 1:
            break
        time.sleep(0.05)
    started = time.monotonic()
    monitor.stop(timeout=10)
    assert time.monotonic() - started < 5 and not monitor.running and monitor.error is None
    statuses = [r[0] for r in db.execute("SELECT status FROM job_runs WHERE job = ?", [JOB])]
    assert statuses == ["cancelled"]
    assert db.execute("SELECT COUNT(*) FROM signals").fetchone()[0] == 0  # nothing after the cut ran


def test_a_monitor_failing_for_n_minutes_raises_the_failing_job_alert(
    fake_polymarket: FakePolymarket, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMTUI_TELEGRAM_URL", "http://127.0.0.1:9")  # configured; nothing is sent here
    monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("PMTUI_TELEGRAM_CHAT_ID", "-100123")
    settings = monitor_settings(max_retries=0)
    settings = dataclasses.replace(
        settings, alerts=dataclasses.replace(settings.alerts, collector_failing_minutes=0)
    )
    fake_polymarket.go_offline("503")
    first = cycle(settings)
    assert first.status == "error"
    time.sleep(1.1)  # alert times are whole seconds: let the failure be at least "0 minutes" old
    second = cycle(settings)  # sees the first failed run in job_runs
    assert second.alerts_queued >= 1
    [text] = [r[0] for r in db.execute("SELECT text FROM alerts_outbox WHERE kind = 'collector'")]
    assert text.startswith("Background job 'monitor' has been failing") and "prices:" in text
    fake_polymarket.go_online()
    recovered = cycle(settings)
    assert recovered.ok
    third = cycle(settings)  # the ok run is in job_runs now: the recovery note is queued
    assert third.ok
    texts = [r[0] for r in db.execute("SELECT text FROM alerts_outbox WHERE kind = 'collector' ORDER BY id")]
    assert len(texts) == 2 and texts[1].startswith("Background job 'monitor' recovered")
