"""Every stored market has a category, whatever happened to the job that stored it (issues 12.9,
15.3): the writer categorizes in the same transaction, and each job starts with a sweep of rows an
older pmtui left uncategorized. Real processes against the fake server, a real SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from collect_helpers import collect_once, db_path, query, write_config

from pmtui.fakes.polymarket_server import FakePolymarket, FaultRule
from pmtui.store import connect, integrity_ok, write_tx

UNCATEGORIZED = "SELECT COUNT(*) FROM markets WHERE category IS NULL OR cluster_id IS NULL"


def test_kill_9_in_a_first_catalogue_run_leaves_no_market_uncategorized(
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
        stored = 0
        while time.monotonic() < deadline and stored < 300:
            time.sleep(0.05)
            if db_path().exists():
                try:
                    stored = query("SELECT COUNT(*) FROM markets")[0][0]
                except Exception:  # the file is being created or migrated: try again
                    stored = 0
        assert stored >= 300, "the collector stored too little before the deadline"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    killed_at = query("SELECT COUNT(*) FROM markets")[0][0]
    assert 300 <= killed_at < 1587
    assert query(UNCATEGORIZED)[0][0] == 0  # categorized in the transaction that stored them

    fake_polymarket.set_faults()
    complete = collect_once("--only", "catalog")
    assert complete["ok"] and complete["markets_new"] == 1587 - killed_at
    assert query("SELECT COUNT(*) FROM markets")[0][0] == 1587
    assert query(UNCATEGORIZED)[0][0] == 0
    assert integrity_ok(connect(db_path()))


def test_each_job_first_categorizes_markets_an_older_version_left_without_category(
    fake_polymarket: FakePolymarket,
) -> None:
    write_config("[collect]\nhistory_markets_per_cycle = 0\n")
    assert collect_once("--only", "catalog")["ok"]
    categorized = dict(query("SELECT id, category FROM markets"))
    db = connect(db_path())
    with write_tx(db):  # as a store written by a pmtui that categorized after the job, killed before
        db.execute(
            "UPDATE markets SET category = NULL, category_source = NULL, cluster_id = NULL, "
            "features_json = '{}', taxonomy_key = NULL WHERE closed = 1"
        )
    db.close()
    assert query(UNCATEGORIZED)[0][0] > 1000

    # A job that stores none of those markets: the sweep before it categorizes them all.
    assert collect_once("--only", "snapshots")["ok"]
    assert query(UNCATEGORIZED)[0][0] == 0
    assert dict(query("SELECT id, category FROM markets")) == categorized
