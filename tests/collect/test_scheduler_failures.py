"""A collector job whose bookkeeping fails (the store locked past the busy timeout by another
connection, as a VACUUM or an open `sqlite3` shell does) is logged, reported and retried: the job's
loop never ends silently and `job_runs` never says `running` for good.

The lock is real: a second SQLite connection holding `BEGIN IMMEDIATE` on the same file."""

from __future__ import annotations

import dataclasses
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from collect_helpers import collect_once, db_path, query, write_config

from pmtui.collect.scheduler import BackgroundCollector, BackgroundLoop, Scheduler
from pmtui.collect.summary import JobResult
from pmtui.config import Duration, Settings, load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.logs import log_file

LOCKING = """
[database]
busy_timeout = 0.3
[collect]
failure_retry = 0.5
"""


class WriteLock:
    """Another connection holding the store's write lock until released (from any thread)."""

    def __init__(self, path: Path) -> None:
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False
        )
        self._conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None


def _lines_of(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _next_line(lines: queue.Queue[str], starting: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line.startswith(starting):
            return line
    raise AssertionError(f"no line starting {starting!r} within {timeout} s")


def test_headless_collector_reports_a_locked_store_and_recovers(fake_polymarket: FakePolymarket) -> None:
    write_config(LOCKING)
    collect_once("--only", "catalog")
    lock = WriteLock(db_path())
    process = subprocess.Popen(
        [sys.executable, "-m", "pmtui", "collect", "--only", "snapshots"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _lines_of(process)
        failed = _next_line(lines, "snapshots ")
        assert failed.startswith("snapshots error") and "database is locked" in failed
        again = _next_line(lines, "snapshots ")  # still locked: tried again after failure_retry
        assert again.startswith("snapshots error")
        lock.release()
        assert _next_line(lines, "snapshots ").startswith("snapshots ok")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        lock.release()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    log = log_file().read_text(encoding="utf-8")
    assert "job snapshots could not start: OperationalError: database is locked" in log
    statuses = [status for (status,) in query("SELECT status FROM job_runs WHERE job = 'snapshots'")]
    assert "ok" in statuses and "running" not in statuses


def _locking_settings() -> Settings:
    base = load_settings()
    return dataclasses.replace(
        base,
        database=dataclasses.replace(base.database, busy_timeout=Duration(0.3)),
        collect=dataclasses.replace(base.collect, failure_retry=Duration(0.5)),
    )


def test_a_run_that_cannot_be_recorded_is_reported_and_recorded_later(
    fake_polymarket: FakePolymarket,
) -> None:
    """The lock is taken after the snapshots job's last write (at its progress report), so only
    `finish_job_run` meets it."""
    write_config()
    collect_once("--only", "catalog")
    locks: list[WriteLock] = []
    results: queue.Queue[JobResult] = queue.Queue()

    def lock_once(job: str, done: int, total: int | None) -> None:
        if job == "snapshots" and not locks:
            locks.append(WriteLock(db_path()))

    scheduler = Scheduler(_locking_settings(), progress=lock_once, on_job_done=[results.put])
    collector = BackgroundLoop("test-collector", lambda stop: scheduler.run_forever(stop, only=["snapshots"]))
    collector.start()
    try:
        first = results.get(timeout=30)
        assert first.status == "error"
        assert first.error == "could not record the run: OperationalError: database is locked"
        assert first.snapshots > 0  # the job itself did its work
        assert query("SELECT status FROM job_runs WHERE job = 'snapshots'") == [("running",)]
        locks[0].release()
        second = results.get(timeout=30)
        assert second.status == "ok" and collector.running
    finally:
        collector.stop()
        for lock in locks:
            lock.release()
    assert collector.error is None
    statuses = [status for (status,) in query("SELECT status FROM job_runs WHERE job = 'snapshots'")]
    assert statuses[:2] == ["ok", "ok"] and "running" not in statuses


def test_a_store_locked_when_the_collector_starts_does_not_stop_it(fake_polymarket: FakePolymarket) -> None:
    """The first catalogue pass of a new store meets the lock: it is retried, not the end."""
    write_config()
    collect_once("--only", "snapshots")  # creates and migrates the store, no catalogue run yet
    lock = WriteLock(db_path())
    results: queue.Queue[JobResult] = queue.Queue()
    collector = BackgroundCollector(_locking_settings(), on_job_done=[results.put])
    collector.start()
    try:
        first = results.get(timeout=30)
        assert (first.job, first.status) == ("catalog", "error") and "locked" in (first.error or "")
        lock.release()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            result = results.get(timeout=max(0.1, deadline - time.monotonic()))
            if result.job == "catalog" and result.status == "ok":
                break
        else:
            raise AssertionError("the catalogue never ran after the lock was released")
        assert collector.running
    finally:
        collector.stop()
        lock.release()
    assert collector.error is None
