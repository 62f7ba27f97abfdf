"""The background jobs the app runs: the collector (the very `Scheduler` of `pmtui collect`, in
`BackgroundCollector`'s thread and event loop) and the live monitor (the `Monitor` of `pmtui monitor`,
in `BackgroundMonitor`'s).

Their callbacks run in the job threads and only post typed messages to the app (`post_message` is
thread-safe); the app draws job states, the status bar and the offline banner from those. A failing
collector job is retried by the scheduler after `collect.failure_retry`, a failing monitor cycle by
the monitor one interval later; a thread that dies altogether is restarted after
`collect.failure_retry` by `check()`. Nothing here raises into the app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from textual.message import Message

from pmtui.collect.scheduler import JOBS, BackgroundCollector
from pmtui.collect.summary import JobResult
from pmtui.config import Settings
from pmtui.signals.monitor import JOB as MONITOR
from pmtui.signals.monitor import BackgroundMonitor, CycleReport
from pmtui.tui.messages import JobFinished

log = logging.getLogger("pmtui.tui.jobs")

COLLECTOR = "collector"
"""The name the collector thread as a whole goes by when it dies (its jobs have their own names)."""


class JobThread(Protocol):
    """What `BackgroundCollector` and `BackgroundMonitor` have in common."""

    error: BaseException | None

    def start(self) -> None: ...

    def stop(self, timeout: float = 30) -> None: ...

    @property
    def running(self) -> bool: ...


def job_finished(result: JobResult) -> JobFinished:
    return JobFinished(
        job=result.job,
        status=result.status,
        error=result.error,
        unreachable=result.unreachable,
        reached_api=result.status == "ok" and sum(result.api_calls.values()) > 0,
        markets_new=result.markets_new,
    )


def cycle_finished(report: CycleReport) -> JobFinished:
    return JobFinished(
        job=MONITOR,
        status=report.status,
        error=report.error,
        unreachable=report.unreachable,
        reached_api=report.ok and sum(report.api_calls.values()) > 0,
        signals_new=report.signals_new,
        positions_settled=report.positions_settled,
    )


class BackgroundJobs:
    """Starts, watches and stops the in-app jobs. All methods are called on the UI thread, except
    `stop`, which blocks until the threads end (the app calls it from a worker thread)."""

    def __init__(self, settings: Settings, post: Callable[[Message], object]) -> None:
        self.settings = settings
        self._post = post
        self.threads: dict[str, JobThread] = {}
        """Running job threads by name: `collector`, `monitor`."""
        self._restart_at: dict[str, float] = {}

    @property
    def job_names(self) -> list[str]:
        """The jobs this app runs, as the status bar lists them (empty when jobs are off)."""
        ui = self.settings.ui
        return [*(JOBS if ui.run_collector else ()), *([MONITOR] if ui.run_monitor else [])]

    def start(self) -> None:
        ui = self.settings.ui
        wanted = [name for name, on in ((COLLECTOR, ui.run_collector), (MONITOR, ui.run_monitor)) if on]
        for name in wanted:
            if name not in self.threads:
                self.threads[name] = self._new(name)
                self.threads[name].start()

    def _new(self, name: str) -> JobThread:
        if name == COLLECTOR:
            # The same hooks as `pmtui collect` (pmtui/cli/collect.py); only the reporting differs.
            return BackgroundCollector(self.settings, on_job_done=[self._collector_job_done])
        # As `pmtui monitor` (pmtui/cli/monitor.py) without --aggressive.
        return BackgroundMonitor(self.settings, on_cycle_done=[self._monitor_cycle_done])

    def _collector_job_done(self, result: JobResult) -> None:
        self._post(job_finished(result))

    def _monitor_cycle_done(self, report: CycleReport) -> None:
        self._post(cycle_finished(report))

    @property
    def collector(self) -> JobThread | None:
        return self.threads.get(COLLECTOR)

    @property
    def monitor(self) -> JobThread | None:
        return self.threads.get(MONITOR)

    def check(self) -> dict[str, str]:
        """Called periodically: a thread that died is restarted `collect.failure_retry` seconds later.
        Returns why, for each thread that is down right now."""
        down: dict[str, str] = {}
        now = time.monotonic()
        for name, thread in list(self.threads.items()):
            if thread.running:
                continue
            reason = f"{name} stopped: {thread.error!r}" if thread.error else f"{name} stopped"
            restart_at = self._restart_at.get(name)
            if restart_at is None:
                self._restart_at[name] = now + float(self.settings.collect.failure_retry)
                log.error("%s; restarting in %s s", reason, self.settings.collect.failure_retry)
                down[name] = reason
            elif now >= restart_at:
                del self._restart_at[name]
                thread.stop(timeout=1)
                self.threads[name] = self._new(name)
                self.threads[name].start()
            else:
                down[name] = reason
        return down

    def stop(self, timeout: float = 30) -> None:
        """Ask every job to stop, then wait for each thread. A job is cancelled at its next await,
        so the transaction in progress is finished first."""
        threads, self.threads = self.threads, {}
        # Side by side: each stop() signals its thread, then waits for it.
        stoppers = [threading.Thread(target=thread.stop, args=(timeout,)) for thread in threads.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    @property
    def running(self) -> bool:
        return any(thread.running for thread in self.threads.values())
