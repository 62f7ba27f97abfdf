"""The status bar line: every job with its state and last run, and it fits the terminal's width."""

from __future__ import annotations

from pmtui.tui.queries.status import ApiUse, JobRun, StoreStatus
from pmtui.tui.widgets.status import CatalogProgress, JobState, status_line

NOW = 1_768_478_400.0
JOBS = [
    JobState("catalog", "idle", NOW - 120),
    JobState("resolutions", "idle", NOW - 600),
    JobState("snapshots", "failed", NOW - 30, "ApiUnavailable: x", NOW + 30),
    JobState("history", "waiting"),
    JobState("monitor", "idle", NOW - 240),
]
STORE = StoreStatus(
    jobs={"history": JobRun("history", "running", NOW - 5, None, None)},
    freshest_price=NOW - 65,
    errors_24h=2,
)
API = ApiUse(calls=120, budget=7000, busiest="gamma:/markets", busiest_share=0.9)


def line(width: int, offline: bool = False) -> str:
    return status_line(now=NOW, jobs=JOBS, store=STORE, api=API, offline=offline, width=width).plain


def test_wide_line_has_every_job_state_and_last_run() -> None:
    text = line(400)
    assert "catalog ● idle 2m ago" in text
    assert "snapshots ✗ failed 30s ago, retry in 30s" in text
    assert "history ◐ running" in text  # the store says its run is in progress
    assert "prices 1m old" in text and "errors 2 (24h)" in text
    assert "API 120/7000 per 10s (gamma:/markets 90%)" in text


def test_narrow_lines_fit_and_keep_each_job() -> None:
    for width in (118, 78):
        text = line(width, offline=True)
        assert len(text) <= width, text
        assert "OFFLINE" in text and "API 120/7000" in text
    assert "snapshots ✗30s" in line(118)
    assert "snap ✗30s" in line(78) and "hist ◐" in line(78)


def test_tiny_terminal_counts_jobs_by_state() -> None:
    text = line(60)
    assert text.startswith("jobs ") and "✗snapshots" in text and "●3" in text


def test_waiting_for_a_slot_is_not_running() -> None:
    """Jobs only waiting for their slot read differently from running ones, in words and in marks
    (not only in colour); a running job is running because the store says so."""
    jobs = [
        JobState("catalog", "waiting"),
        JobState("snapshots", "waiting", next_run=NOW + 240),
        JobState("history", "waiting"),
    ]
    store = StoreStatus(jobs={"catalog": JobRun("catalog", "running", NOW - 3, None, None)})
    wide = status_line(now=NOW, jobs=jobs, store=store, api=None, offline=False).plain
    assert "catalog ◐ running" in wide
    assert "snapshots ○ waiting, next in 4m" in wide and "history ○ waiting" in wide
    narrow = status_line(now=NOW, jobs=jobs, store=store, api=None, offline=False, width=60).plain
    assert "catalog ◐" in narrow and "snapshots ○" in narrow


def test_catalogue_progress_while_it_runs() -> None:
    jobs = [JobState("catalog", "waiting"), JobState("snapshots", "waiting")]
    store = StoreStatus(jobs={"catalog": JobRun("catalog", "running", NOW - 3, None, None)})
    progress = CatalogProgress(markets=3200, pages=32)
    wide = status_line(now=NOW, jobs=jobs, store=store, api=None, offline=False, catalog=progress).plain
    assert "catalog ◐ 3,200 markets, page 32" in wide
    narrow = status_line(now=NOW, jobs=jobs, store=store, api=None, offline=False, catalog=progress, width=50)
    assert "catalog ◐3,200 p32" in narrow.plain
    done = StoreStatus(jobs={"catalog": JobRun("catalog", "ok", NOW - 60, NOW - 10, None)})
    idle = [JobState("catalog", "idle", NOW - 10)]
    assert (
        "3,200"
        not in status_line(now=NOW, jobs=idle, store=done, api=None, offline=False, catalog=progress).plain
    )


def test_old_failures_are_history_not_alarms() -> None:
    """With the jobs off (`pmtui --offline`), a failure recorded hours ago is shown as such, not red;
    the same failure minutes ago, by a collector running elsewhere, is."""
    old = StoreStatus(
        jobs={"catalog": JobRun("catalog", "error", NOW - 7200, NOW - 7100, "ConnectError")},
        errors_24h=3,
        errors_recent=0,
    )
    line = status_line(now=NOW, jobs=[], store=old, api=None, offline=False, jobs_off=True)
    assert "offline mode" in line.plain and "catalog ✗ failed 1h 58m ago" in line.plain
    assert not any("red" in str(span.style) for span in line.spans), line.spans
    fresh = StoreStatus(
        jobs={"catalog": JobRun("catalog", "error", NOW - 70, NOW - 60, "ConnectError")},
        errors_24h=3,
        errors_recent=1,
    )
    line = status_line(now=NOW, jobs=[], store=fresh, api=None, offline=False)
    assert any("red" in str(span.style) for span in line.spans)
