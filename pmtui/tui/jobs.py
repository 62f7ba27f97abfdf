"""The background jobs the app runs: the collector (the very `Scheduler` of `pmtui collect`, in
`BackgroundCollector`'s thread and event loop) and the live monitor (the `Monitor` of `pmtui monitor`,
in `BackgroundMonitor`'s).

Their callbacks run in the job threads and only post typed messages to the app (`post_message` is
thread-safe); the app draws job states, the status bar and the offline banner from those. A failing
collector job is retried by the scheduler after `collect.failure_retry`, a failing monitor cycle by
the monitor one interval later; a thread that dies altogether is restarted after
`collect.failure_retry` by `check()`. With Telegram configured, the alert sender runs beside them.
Nothing here raises into the app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual.message import Message

from pmtui.config import Settings
from pmtui.tui.messages import CatalogProgressed, JobFinished

if TYPE_CHECKING:
    # Imported when the jobs start, in a worker thread: the collector and the monitor pull in the
    # HTTP client, the strategies and the signals code, which the first screen does not need.
    from pmtui.alerts.sender import AlertSender
    from pmtui.collect.summary import JobResult
    from pmtui.polymarket.book_state import BookState
    from pmtui.signals.monitor import CycleReport

log = logging.getLogger("pmtui.tui.jobs")

COLLECTOR = "collector"
"""The name the collector thread as a whole goes by when it dies (its jobs have their own names)."""
MONITOR = "monitor"
"""The monitor's job name, as `pmtui.signals.monitor.JOB` records it in `job_runs`."""


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
    """Starts, watches and stops the in-app jobs. `start` (imports, thread start) and `stop` (waits for
    the threads) block, so the app calls them from worker threads; `check` runs on the UI thread."""

    def __init__(
        self, settings: Settings, post: Callable[[Message], object], books: BookState | None = None
    ) -> None:
        self.settings = settings
        self._post = post
        self.books = books
        """The app's live book state: the monitor skips `/books` for the markets it streams."""
        self.threads: dict[str, JobThread] = {}
        """Running job threads by name: `collector`, `monitor`."""
        self._restart_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._monitor_woken = False
        self._catalog_pages = 0
        """Pages the running catalogue job has stored (for its progress in the status bar)."""
        self.alerts: AlertSender | None = None
        """The Telegram sender (pmtui/alerts/sender.py) when Telegram is configured: the jobs queue
        alerts (new-signal digest, fills, settlements, failing jobs); it delivers them, as beside
        `pmtui collect` and `pmtui monitor`."""
        """Set by `stop()`: a `start()` still on its way (in a worker) then starts nothing."""

    @property
    def enabled(self) -> bool:
        return self.settings.ui.run_collector or self.settings.ui.run_monitor

    def start(self) -> list[str]:
        """Start the enabled job threads (blocking imports: call from a worker thread). Returns the
        job names the status bar lists: the collector's jobs, then the monitor."""
        ui = self.settings.ui
        names: list[str] = []
        with self._lock:
            if self._stopped:
                return names
            for name, on in ((COLLECTOR, ui.run_collector), (MONITOR, ui.run_monitor)):
                if not on:
                    continue
                if name not in self.threads:
                    self.threads[name] = self._new(name)
                    self.threads[name].start()
                if name == COLLECTOR:
                    from pmtui.collect.scheduler import JOBS

                    names += list(JOBS)
                else:
                    names.append(MONITOR)
            if names and self.alerts is None:
                from pmtui.alerts.sender import AlertSender

                sender = AlertSender(self.settings)
                if sender.configured:
                    sender.start()
                    self.alerts = sender
        return names

    def _new(self, name: str) -> JobThread:
        if name == COLLECTOR:
            from pmtui.collect.scheduler import BackgroundCollector
            from pmtui.taxonomy.rules import default_rules

            # As `pmtui collect` (pmtui/cli/collect.py): a bad rule file is reported now (RuleFileError),
            # before anything is stored; markets are categorized as they are stored.
            default_rules()
            return BackgroundCollector(
                self.settings, on_job_done=[self._collector_job_done], progress=self._collector_progress
            )
        from pmtui.signals.monitor import BackgroundMonitor

        # As `pmtui monitor` (pmtui/cli/monitor.py) without --aggressive.
        return BackgroundMonitor(self.settings, on_cycle_done=[self._monitor_cycle_done], books=self.books)

    def _collector_progress(self, job: str, done: int, total: int | None) -> None:
        """The catalogue calls this after each page it stored (in the collector's thread)."""
        if job == "catalog":
            self._catalog_pages += 1
            self._post(CatalogProgressed(done, self._catalog_pages))

    def _collector_job_done(self, result: JobResult) -> None:
        if result.job == "catalog":
            self._catalog_pages = 0
        self._post(job_finished(result))
        if result.job == "catalog" and result.markets_new and not self._monitor_woken:
            # The first markets of this session arrived (a new store, or the first catalogue pass):
            # the monitor's first cycle may have seen none, so it runs again now, not in 5 minutes.
            self._monitor_woken = True
            monitor = self.threads.get(MONITOR)
            wake = getattr(monitor, "wake", None)
            if callable(wake):
                wake()

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
                try:
                    with self._lock:
                        if not self._stopped:
                            self.threads[name] = self._new(name)
                            self.threads[name].start()
                except Exception as exc:  # e.g. a rule file broken meanwhile: try again later
                    log.exception("restarting %s failed", name)
                    self._restart_at[name] = now + float(self.settings.collect.failure_retry)
                    down[name] = f"{name} cannot start: {exc}"
            else:
                down[name] = reason
        return down

    def stop(self, timeout: float = 30) -> None:
        """Ask every job to stop, then wait for each thread. A job is cancelled at its next await,
        so the transaction in progress is finished first."""
        with self._lock:
            self._stopped = True
            threads, self.threads = self.threads, {}
            alerts, self.alerts = self.alerts, None
        if alerts is not None:
            alerts.stop(timeout)
            alerts.close()
        # Side by side: each stop() signals its thread, then waits for it.
        stoppers = [threading.Thread(target=thread.stop, args=(timeout,)) for thread in threads.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    @property
    def running(self) -> bool:
        return any(thread.running for thread in self.threads.values())
