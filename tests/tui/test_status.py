"""The status bar line: every job with its state and last run, and it fits the terminal's width."""

from __future__ import annotations

from pmtui.tui.queries.status import ApiUse, JobRun, StoreStatus
from pmtui.tui.widgets.status import JobState, status_line

NOW = 1_768_478_400.0
JOBS = [
    JobState("catalog", "idle", NOW - 120),
    JobState("resolutions", "idle", NOW - 600),
    JobState("snapshots", "failed", NOW - 30, "ApiUnavailable: x", NOW + 30),
    JobState("history", "starting"),
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
    assert "snapshots ● failed 30s ago, retry in 30s" in text
    assert "history ● running" in text  # the store says its run is in progress
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
