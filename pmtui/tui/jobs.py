"""The background jobs the app runs: the collector (the very `Scheduler` of `pmtui collect`, in
`BackgroundCollector`'s own thread and event loop) and, where available, the live monitor.

Their callbacks run in the job threads and only post typed messages to the app (`post_message` is
thread-safe); the app draws job states, the status bar and the offline banner from those. A job that
fails is retried by the scheduler after `collect.failure_retry`; a collector thread that dies
altogether is restarted after the same delay by `check()`. Nothing here raises into the app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from textual.message import Message

from pmtui.collect.scheduler import JOBS, BackgroundCollector
from pmtui.collect.summary import JobResult
from pmtui.config import Settings
from pmtui.tui.messages import JobFinished

log = logging.getLogger("pmtui.tui.jobs")

COLLECTOR = "collector"
"""The name the whole collector thread goes by when it dies (its jobs have their own names)."""


def job_finished(result: JobResult) -> JobFinished:
    return JobFinished(
        job=result.job,
        status=result.status,
        error=result.error,
        unreachable=result.unreachable,
        reached_api=result.status == "ok" and sum(result.api_calls.values()) > 0,
        markets_new=result.markets_new,
    )


class BackgroundJobs:
    """Starts, watches and stops the in-app jobs. All methods are called on the UI thread."""

    def __init__(self, settings: Settings, post: Callable[[Message], object]) -> None:
        self.settings = settings
        self._post = post
        self.collector: BackgroundCollector | None = None
        self._restart_at: float | None = None

    @property
    def job_names(self) -> list[str]:
        """The jobs this app runs (empty when background jobs are off)."""
        return list(JOBS) if self.settings.ui.run_collector else []

    def start(self) -> None:
        if self.settings.ui.run_collector and self.collector is None:
            self.collector = self._new_collector()
            self.collector.start()

    def _new_collector(self) -> BackgroundCollector:
        # The same hooks as `pmtui collect` (pmtui/cli/collect.py); only the reporting differs.
        return BackgroundCollector(self.settings, on_job_done=[self._collector_job_done])

    def _collector_job_done(self, result: JobResult) -> None:
        self._post(job_finished(result))

    def check(self) -> str | None:
        """Called periodically: restarts a collector thread that died, after `collect.failure_retry`.
        Returns the reason while it is down, else None."""
        collector = self.collector
        if collector is None or collector.running:
            return None
        reason = f"collector stopped: {collector.error!r}" if collector.error else "collector stopped"
        now = time.monotonic()
        if self._restart_at is None:
            self._restart_at = now + float(self.settings.collect.failure_retry)
            log.error("%s; restarting in %s s", reason, self.settings.collect.failure_retry)
        elif now >= self._restart_at:
            self._restart_at = None
            collector.stop(timeout=1)
            self.collector = self._new_collector()
            self.collector.start()
            return None
        return reason

    def stop(self, timeout: float = 30) -> None:
        """Ask every job to stop and wait for its thread (blocking: call it from a worker thread).
        A job is cancelled at its next await, so the transaction in progress is finished first."""
        collector, self.collector = self.collector, None
        if collector is not None:
            collector.stop(timeout)

    @property
    def running(self) -> bool:
        return self.collector is not None and self.collector.running
