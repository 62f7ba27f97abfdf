"""Runs the collector jobs: once (`run_once`) or at their intervals until told to stop (`run_forever`).

    scheduler = Scheduler(settings)
    summary = asyncio.run(scheduler.run_once(only=["catalog"]))

The scheduler opens its own database connection and client inside the coroutine, so it can run in
any thread with its own event loop. The TUI does exactly that with `BackgroundCollector`:

    collector = BackgroundCollector(settings, on_markets_changed=[...], on_job_done=post_to_ui)
    collector.start()      # a daemon thread running asyncio.run(scheduler.run_forever(stop))
    ...
    collector.stop()       # sets the stop event, waits for the thread (jobs are cancelled at an await)

A job never holds a transaction across an `await`, so cancelling it (Ctrl-C, `stop()`) lands between
transactions: what was written is committed, nothing is half-written. A failing job is recorded in
`job_runs` (status error) and runs again after `collect.failure_retry`; the scheduler itself goes on.
So does a failure of the bookkeeping around a job (its `job_runs` row, a hook): it is logged, reported
as an error result to `on_job_done` (the app's status bar), and the job is retried the same way.
After a job, `on_markets_changed` hooks get `(db, changed_market_ids)` (new or updated markets).

Markets are categorized as they are stored (the one market writer, with the categorizer built once
per scheduler from the shipped + user rules), so a job killed half-way leaves no uncategorized
market behind; before every job, a sweep categorizes any market still without a category (rows an
older pmtui wrote), which costs one indexed query when there is none.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlite_utils import Database

from pmtui.collect.catalog import run_catalog
from pmtui.collect.context import JobContext, Progress, _no_progress
from pmtui.collect.history import run_history
from pmtui.collect.resolutions import run_resolutions
from pmtui.collect.snapshots import run_snapshots
from pmtui.collect.summary import CycleSummary, JobResult
from pmtui.config import Settings
from pmtui.polymarket.client import ApiUnavailable, PolymarketClient
from pmtui.store.api_log import ApiCallLog
from pmtui.store.db import connect
from pmtui.store.markets import Categorize
from pmtui.store.ops import (
    close_stale_runs,
    finish_job_run,
    last_finished,
    prune_api_calls,
    record_error,
    start_job_run,
)

log = logging.getLogger(__name__)

JobFn = Callable[[JobContext], Awaitable[JobResult]]
MarketsChangedHook = Callable[[Database, list[str]], Any]
JobDoneHook = Callable[[JobResult], Any]

JOBS: dict[str, JobFn] = {
    "catalog": run_catalog,
    "resolutions": run_resolutions,
    "snapshots": run_snapshots,
    "history": run_history,
}
"""In cycle order: the catalogue first, so the other jobs see the markets it found."""

API_CALLS_RETENTION = 30 * 86400


def job_names(only: Iterable[str] | None) -> list[str]:
    """The jobs to run, in cycle order. Raises ValueError naming an unknown job."""
    if only is None:
        return list(JOBS)
    wanted = [name.strip() for name in only if name.strip()]
    unknown = [name for name in wanted if name not in JOBS]
    if unknown:
        raise ValueError(f"unknown job {', '.join(unknown)} (known: {', '.join(JOBS)})")
    return [name for name in JOBS if name in wanted]


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        *,
        db_path: str | None = None,
        on_markets_changed: Sequence[MarketsChangedHook] = (),
        on_job_done: Sequence[JobDoneHook] = (),
        progress: Progress | None = None,
        categorize: Categorize | None = None,
    ) -> None:
        """`categorize`: the market writer's categorizer; by default the taxonomy's, with the rules
        loaded when the first session opens (a bad user rule file raises RuleFileError then)."""
        self.settings = settings
        self._categorize = categorize
        self.db_path = db_path or str(settings.database.path)
        self.on_markets_changed = list(on_markets_changed)
        """Hooks called after a job with (db, ids of new or updated markets)."""
        self.on_job_done = list(on_job_done)
        self.progress = progress or _no_progress
        self._pending_finishes: dict[int, tuple[str, dict[str, Any], str | None]] = {}
        """job_runs rows whose final status could not be written yet: run id -> (status, summary,
        error)."""

    def intervals(self) -> dict[str, float]:
        collect = self.settings.collect
        return {
            "catalog": float(collect.catalog_interval),
            "resolutions": float(collect.resolutions_interval),
            "snapshots": float(collect.snapshot_interval),
            "history": float(collect.history_interval),
        }

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[JobContext]:
        if self._categorize is None:
            from pmtui.taxonomy.categorize import store_categorizer

            self._categorize = store_categorizer()
        db = connect(self.db_path, busy_timeout=float(self.settings.database.busy_timeout))
        try:
            async with PolymarketClient(self.settings, call_log=ApiCallLog(self.db_path)) as client:
                yield JobContext(
                    client=client,
                    db=db,
                    settings=self.settings,
                    categorize=self._categorize,
                    progress=self.progress,
                )
        finally:
            db.close()

    async def run_once(self, only: Iterable[str] | None = None) -> CycleSummary:
        """Run the selected jobs (all by default) once, in cycle order. Failing jobs are recorded and
        reported in the summary; the others still run."""
        names = job_names(only)
        started = time.monotonic()
        summary = CycleSummary()
        async with self._session() as ctx:
            self._close_stale_runs(ctx.db)
            for name in names:
                summary.jobs.append(await self.run_job(ctx, name))
        summary.seconds = time.monotonic() - started
        return summary

    async def run_job(self, ctx: JobContext, name: str) -> JobResult:
        """One job with its job_runs row, error capture and hooks. Never raises (cancellation aside):
        a failure of the job or of its bookkeeping (a database locked past the busy timeout by a
        VACUUM or an open `sqlite3` shell, a full disk) is logged and comes back as an error result,
        which `on_job_done` hooks see (the status bar) and the loop retries after `failure_retry`."""
        self._sweep_uncategorized(ctx.db)
        calls_before = dict(ctx.client.calls)
        started = time.monotonic()
        run_id: int | None = None
        try:
            self._finish_pending_runs(ctx.db)
            run_id = start_job_run(ctx.db, name)
            result = await JOBS[name](ctx)
        except asyncio.CancelledError:
            if run_id is not None:
                self._finish_run(ctx.db, name, run_id, "cancelled", {}, "cancelled")
            raise
        except Exception as exc:  # a failing job must not take the collector down
            if run_id is None:
                log.error("job %s could not start: %s", name, describe_error(exc))
            else:
                log.exception("job %s failed", name)
            result = JobResult(name, status="error", error=describe_error(exc), unreachable=unreachable(exc))
        result.seconds = time.monotonic() - started
        result.api_calls = {
            endpoint: count - calls_before.get(endpoint, 0)
            for endpoint, count in ctx.client.calls.items()
            if count - calls_before.get(endpoint, 0) > 0
        }
        if run_id is not None:
            problem = self._finish_run(ctx.db, name, run_id, result.status, result.to_dict(), result.error)
            if problem is not None and result.status == "ok":
                # The job's writes are committed, but its run is not on record: report it and retry
                # soon, rather than let `job_runs` and the status bar say all is well.
                result.status = "error"
                result.error = f"could not record the run: {problem}"
        if result.changed_ids:
            self._markets_changed(ctx.db, result.changed_ids)
        for hook in self.on_job_done:
            _call_safely(hook, result)
        return result

    def _finish_run(
        self, db: Database, name: str, run_id: int, status: str, summary: dict[str, Any], error: str | None
    ) -> str | None:
        """Close the job_runs row; None when written. When it cannot be written now, the row is kept
        to be written before the next job run (a process that ends first leaves it to
        `close_stale_runs`), and the reason is returned."""
        try:
            finish_job_run(db, run_id, status, summary, error)
        except Exception as exc:
            problem = describe_error(exc)
            log.error("job %s: could not record its run as %s: %s", name, status, problem)
            self._pending_finishes[run_id] = (status, summary, error)
            return problem
        return None

    def _finish_pending_runs(self, db: Database) -> None:
        """Write the job_runs rows an earlier failure left 'running'. Raises if the store still
        refuses (the job then fails with that reason and is retried later)."""
        for run_id, (status, summary, error) in list(self._pending_finishes.items()):
            finish_job_run(db, run_id, status, summary, error)
            del self._pending_finishes[run_id]

    def _sweep_uncategorized(self, db: Database) -> None:
        from pmtui.taxonomy.categorize import categorize_uncategorized

        try:
            swept = categorize_uncategorized(db)
        except Exception as exc:  # the job itself still runs; its own writes categorize
            log.exception("categorizing uncategorized markets failed")
            try:
                record_error(db, "collect:categorize", type(exc).__name__, None, str(exc))
            except Exception as record_exc:  # the store refuses writes: the log line must do
                log.error("could not record the categorize failure: %s", describe_error(record_exc))
            return
        if swept:
            log.info("categorized %d markets stored without a category", swept)

    def _markets_changed(self, db: Database, market_ids: list[str]) -> None:
        for hook in self.on_markets_changed:
            try:
                hook(db, market_ids)
            except Exception as exc:
                log.exception("on_markets_changed hook %r failed", hook)
                try:
                    record_error(db, "collect:hook", type(exc).__name__, None, f"{hook!r}: {exc}")
                except Exception as record_exc:  # the store refuses writes: the log line must do
                    log.error("could not record the hook failure: %s", describe_error(record_exc))

    async def run_forever(
        self, stop: threading.Event | asyncio.Event, only: Iterable[str] | None = None
    ) -> None:
        """Run every job (or the `only` ones) at its interval until `stop` is set. A job whose last
        successful run (from `job_runs`, so restarts keep the rhythm) is recent waits out the rest
        of its interval."""
        names = job_names(only)
        async with self._session() as ctx:
            self._close_stale_runs(ctx.db)
            if "catalog" in names and self._last_ok(ctx.db, "catalog") is None:
                # First start on this database: the other jobs work on what the catalogue found.
                await self.run_job(ctx, "catalog")
            tasks = [
                asyncio.create_task(self._job_loop(ctx, name, stop), name=f"collect:{name}") for name in names
            ]
            tasks.append(asyncio.create_task(self._housekeeping(ctx, stop), name="collect:housekeeping"))
            try:
                await _wait_for(stop, None)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                self._finish_pending_quietly(ctx.db)

    async def _job_loop(self, ctx: JobContext, name: str, stop: threading.Event | asyncio.Event) -> None:
        interval = self.intervals()[name]
        last_ok = self._last_ok(ctx.db, name)
        delay = max(0.0, last_ok + interval - time.time()) if last_ok is not None else 0.0
        while not await _wait_for(stop, delay):
            result = await self.run_job(ctx, name)
            delay = interval if result.status == "ok" else float(self.settings.collect.failure_retry)

    async def _housekeeping(self, ctx: JobContext, stop: threading.Event | asyncio.Event) -> None:
        while True:
            try:
                prune_api_calls(ctx.db, API_CALLS_RETENTION)
                delay = 86400.0
            except Exception as exc:
                log.error("pruning old API call records failed: %s", describe_error(exc))
                delay = float(self.settings.collect.failure_retry)
            if await _wait_for(stop, delay):
                return

    def _close_stale_runs(self, db: Database) -> None:
        try:
            close_stale_runs(db)
        except Exception as exc:  # only tidies the status of killed runs: the jobs can go on
            log.error("could not close the runs of ended processes: %s", describe_error(exc))

    def _last_ok(self, db: Database, name: str) -> float | None:
        try:
            return last_finished(db, name)
        except Exception as exc:  # the job then runs now, and reports whatever is wrong with the store
            log.error("could not read when job %s last ran: %s", name, describe_error(exc))
            return None

    def _finish_pending_quietly(self, db: Database) -> None:
        try:
            self._finish_pending_runs(db)
        except Exception as exc:
            log.error("job runs left unrecorded at stop: %s", describe_error(exc))


def describe_error(exc: BaseException) -> str:
    """`Type: message`, one line, for job_runs, the status bar and the log."""
    return f"{type(exc).__name__}: {exc}"


def unreachable(exc: BaseException) -> bool:
    """True when `exc` says the API could not be reached (no answer, or only 5xx after the retries).
    A 429 is an answer (slow down), and so is a 4xx: neither means offline."""
    return isinstance(exc, ApiUnavailable) and (exc.status is None or exc.status >= 500)


async def _wait_for(stop: threading.Event | asyncio.Event, seconds: float | None) -> bool:
    """Sleep up to `seconds` (forever if None) or until `stop` is set. True if stopped."""
    if isinstance(stop, asyncio.Event):
        if seconds is None:
            await stop.wait()
            return True
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            return stop.is_set()
        return True
    deadline = None if seconds is None else time.monotonic() + seconds
    while not stop.is_set():
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return False
        await asyncio.sleep(0.2 if remaining is None else min(0.2, remaining))
    return True


def _call_safely(hook: Callable[[Any], Any], value: Any) -> None:
    try:
        hook(value)
    except Exception:
        log.exception("hook %r failed", hook)


class BackgroundLoop:
    """An async `run_forever(stop)` in a daemon thread with its own event loop (for the TUI): the
    collector's scheduler and the live monitor both run this way. `stop()` sets the stop event and
    waits for the thread; an exception that ends the loop is kept in `error`, never raised into the
    void."""

    def __init__(
        self, name: str, run_forever: Callable[[threading.Event], Coroutine[Any, Any, None]]
    ) -> None:
        self._name = name
        self._run_forever = run_forever
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            asyncio.run(self._run_forever(self._stop))
        except BaseException as exc:  # reported to the owner through `error`
            self.error = exc
            log.exception("%s stopped", self._name)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class BackgroundCollector(BackgroundLoop):
    """The scheduler in a daemon thread with its own event loop and database connection (for the TUI)."""

    def __init__(self, settings: Settings, **scheduler_options: Any) -> None:
        self.scheduler = Scheduler(settings, **scheduler_options)
        super().__init__("pmtui-collector", self.scheduler.run_forever)


def summary_line(result: JobResult) -> str:
    """One human line per job run (the headless collector's log)."""
    parts = [f"{result.job} {result.status} in {result.seconds:.1f}s"]
    counts: Mapping[str, int] = {
        "new": result.markets_new,
        "updated": result.markets_updated,
        "resolved": result.markets_resolved,
        "positions settled": result.positions_settled,
        "rejected": result.records_rejected,
        "price points": result.price_points,
        "quotes": result.quotes,
        "snapshots": result.snapshots,
    }
    shown = [f"{value} {label}" for label, value in counts.items() if value]
    if shown:
        parts.append(", ".join(shown))
    parts.append(f"{sum(result.api_calls.values())} API calls")
    if result.error:
        parts.append(f"error: {result.error}")
    return "; ".join(parts)
