"""The live monitor: one cycle every `monitor.interval` (5 min; `--aggressive`: `monitor.aggressive_interval`).

    report = await run_cycle(db, client, settings)      # one cycle, on the caller's connection/client
    monitor = BackgroundMonitor(settings, on_cycle_done=[post_to_ui])
    monitor.start()    # a daemon thread with its own event loop, connection and client
    ...
    monitor.stop()     # sets the stop event, waits for the thread (a cycle is cancelled at an await)

A cycle, in order:
1. **candidates**: every market with a pending signal, an open paper position or the watch flag, and
   for each strategy the `monitor.candidates` most traded (24 h) open markets in its categories;
2. **prices**: their order books in batch `POST /books` calls under the shared rate limiter
   (`pmtui.collect.quotes.refresh_quotes`); the price series gets a point at most once per
   `monitor.interval`, so the aggressive mode does not multiply the `prices` table by five;
3. **resolutions**: candidates whose book has vanished are asked about on Gamma (100 per call, at most
   `RESOLUTION_CHECKS` a cycle, markets with a signal or a position first); what came back closed is
   stored, and stored resolutions settle their paper positions in `store_batch`, as in the collector;
4. **signals**: the batch processor over the candidates as of now, which enqueues, updates and
   expires signals (a resolved or closed market expires its pending signals with the reason);
5. **paper**: the settlement sweep (`settle_resolved`, idempotent: positions whose resolution was
   stored by some other path) and the marks of the open positions (`mark_price`, `marked_t`);
6. **alerts**: when Telegram is configured, the new-signal digest and the failing-job alerts are
   queued (fills and settlements queue their own); the background sender delivers them.

A step that fails is logged and the cycle goes on with the steps that do not need it (an outage
still expires signals and settles positions); the cycle then reports `status = "error"`. Every cycle
is a `job_runs` row (job "monitor"), so a monitor failing for N minutes raises the same alert as a
failing collector job, and the next cycle runs one interval later whatever happened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlite_utils import Database

from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.collect.quotes import refresh_quotes
from pmtui.collect.scheduler import BackgroundLoop, _call_safely, _wait_for, unreachable
from pmtui.config import Settings
from pmtui.money import usd
from pmtui.polymarket.client import PolymarketClient
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.estimates import EstimateLookup, backtest_estimates
from pmtui.store.api_log import ApiCallLog
from pmtui.store.db import connect, write_tx
from pmtui.store.markets import mark_resolution_checked
from pmtui.store.ops import (
    close_stale_runs,
    finish_job_run,
    get_checkpoint,
    last_finished,
    set_checkpoint,
    start_job_run,
)
from pmtui.strategies.registry import all_strategies

if TYPE_CHECKING:
    from pmtui.alerts.price import PriceAlertEngine
    from pmtui.polymarket.book_state import BookState
from pmtui.taxonomy.categorize import store_categorizer

log = logging.getLogger(__name__)

JOB = "monitor"
"""The monitor's name in `job_runs` (and in failing-job alerts)."""
PRICES_CHECKPOINT = "monitor:prices"
RESOLUTION_SOURCE = "gamma:/markets/keyset"
RESOLUTION_CHECKS = 300
"""Markets with a vanished book asked about on Gamma per cycle (3 calls of 100)."""

CycleHook = Callable[["CycleReport"], Any]
T = TypeVar("T")


@dataclass
class CycleReport:
    """What one monitor cycle did. `line()` is the log line, `to_dict()` the `--json` document."""

    started: float
    """Wall time the cycle started (unix seconds)."""
    at: int = 0
    """Evaluation time of the signals (unix seconds)."""
    status: str = "ok"
    """ok | error (a step failed; the others ran) | cancelled"""
    errors: list[str] = field(default_factory=list)
    """"step: ExceptionType: message", one per failed step."""
    seconds: float = 0.0
    candidates: int = 0
    quotes_refreshed: int = 0
    """Candidates whose outcome-0 book was refreshed."""
    books_missing: int = 0
    price_points: int = 0
    resolutions_checked: int = 0
    markets_resolved: int = 0
    signals_new: int = 0
    signals_updated: int = 0
    signals_unchanged: int = 0
    signals_expired: int = 0
    signals_pending: int = 0
    """Pending signals in the queue after the cycle."""
    positions_settled: int = 0
    positions_open: int = 0
    unrealized_micros: int = 0
    alerts_queued: int = 0
    books_live: int = 0
    """Candidates whose books stream in this process (their quotes come from the live books, not a
    `/books` call)."""
    price_alerts: int = 0
    """Price alerts that fired on the refreshed candidates (pmtui/alerts/price.py)."""
    api_calls: dict[str, int] = field(default_factory=dict)
    new_signal_ids: list[int] = field(default_factory=list)
    """Signals this cycle created (for a UI to highlight)."""
    unreachable: bool = False
    """A step failed because the API could not be reached (the TUI shows its offline banner)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error(self) -> str | None:
        return " | ".join(self.errors) or None

    def to_dict(self) -> dict[str, Any]:
        document = dataclasses.asdict(self)
        document["seconds"] = round(self.seconds, 3)
        document["started"] = round(self.started, 3)
        document["error"] = self.error
        document["api_calls"] = dict(sorted(self.api_calls.items()))
        return document

    def line(self) -> str:
        """One human line per cycle (the headless monitor's log)."""
        parts = [
            f"monitor {self.status} in {self.seconds:.1f}s",
            f"{self.candidates} candidates, {self.quotes_refreshed} books"
            + (f" ({self.books_live} streaming)" if self.books_live else ""),
            f"signals {self.signals_new} new, {self.signals_updated} updated, "
            f"{self.signals_expired} expired, {self.signals_pending} pending",
        ]
        if self.markets_resolved:
            parts.append(f"{self.markets_resolved} resolved")
        paper = (
            f"{self.positions_open} open positions (unrealized {usd(self.unrealized_micros, signed=True)})"
        )
        if self.positions_settled:
            paper += f", {self.positions_settled} settled"
        parts.append(paper)
        if self.alerts_queued:
            parts.append(f"{self.alerts_queued} alerts queued")
        parts.append(f"{sum(self.api_calls.values())} API calls")
        if self.error:
            parts.append(f"error: {self.error}")
        return "; ".join(parts)


# --- candidates ----------------------------------------------------------------------------------------


def category_groups() -> list[tuple[str, ...]]:
    """The category prefixes of each strategy, deduplicated; () for a strategy that looks at every
    market (fade_longshots)."""
    return sorted({tuple(sorted(s.categories)) for s in all_strategies().values()})


def candidate_ids(db: Database, settings: Settings) -> list[str]:
    """The markets a cycle refreshes and evaluates: those with a pending signal, an open position or
    the watch flag first, then, for each strategy, the `monitor.candidates` most traded (24 h) open
    markets in its categories.

    Per strategy, not overall: a strategy that looks at every market would otherwise fill the whole
    budget with the biggest markets, and the small weather or tweet-count markets the specialised
    strategies trade would never be refreshed.
    """
    chosen = [*interest_ids(db), *_watched_ids(db)]
    for prefixes in category_groups():
        chosen += _top_in(db, prefixes, int(settings.monitor.candidates))
    return list(dict.fromkeys(chosen))


def _top_in(db: Database, prefixes: tuple[str, ...], limit: int) -> list[str]:
    """The most traded open markets in these category prefixes (every category when empty)."""
    where = "closed = 0 AND resolution = 'unresolved' AND source != 'import'"
    params: list[Any] = []
    if prefixes:
        # A category matches a prefix exactly or as its parent ("Crypto" matches "Crypto/BTC-Price");
        # compared with substr, not LIKE, so no character of a category acts as a wildcard.
        tests = " OR ".join("category = ? OR substr(category, 1, ?) = ?" for _ in prefixes)
        where += f" AND ({tests})"
        for prefix in prefixes:
            params += [prefix, len(prefix) + 1, prefix + "/"]
    rows = db.execute(
        f"SELECT id FROM markets WHERE {where} ORDER BY COALESCE(volume_24h, 0) DESC, id LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _watched_ids(db: Database) -> list[str]:
    rows = db.execute(
        "SELECT id FROM markets WHERE watched = 1 AND closed = 0 AND resolution = 'unresolved' ORDER BY id"
    ).fetchall()
    return [str(r[0]) for r in rows]


def interest_ids(db: Database) -> list[str]:
    """Markets with a pending signal or an open paper position (always refreshed, whatever their volume)."""
    rows = db.execute(
        "SELECT market_id FROM signals WHERE status = 'pending'"
        " UNION SELECT market_id FROM paper_positions WHERE status = 'open' ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


# --- one cycle -----------------------------------------------------------------------------------------


async def run_cycle(
    db: Database,
    client: PolymarketClient,
    settings: Settings,
    *,
    now: int | None = None,
    estimates: EstimateLookup | None = None,
    books: BookState | None = None,
    price_alerts: PriceAlertEngine | None = None,
) -> CycleReport:
    """One monitor cycle on `db` (this thread's connection) with `client`. Never raises for a failing
    step (see the module doc); a cancellation (Ctrl-C, `stop()`) is recorded and re-raised.

    `now` fixes the evaluation time (default: the wall clock once the prices are in); `estimates`
    replaces the backtest lookup (default: `backtest_estimates()`, read afresh every cycle); `books`
    is the process's live book state (the app's): candidates it streams need no `/books` call;
    `price_alerts` checks the refreshed prices of watched markets."""
    started = time.time()
    report = CycleReport(started=started)
    run_id = start_job_run(db, JOB)
    calls_before = dict(client.calls)
    try:
        await _cycle(
            db,
            client,
            settings,
            report,
            now=now,
            estimates=estimates or backtest_estimates(),
            books=books,
            price_alerts=price_alerts,
        )
    except asyncio.CancelledError:
        report.status = "cancelled"
        finish_job_run(db, run_id, "cancelled", error="cancelled")
        raise
    report.status = "error" if report.errors else "ok"
    report.seconds = time.time() - started
    report.api_calls = {
        endpoint: count - calls_before.get(endpoint, 0)
        for endpoint, count in client.calls.items()
        if count - calls_before.get(endpoint, 0) > 0
    }
    try:
        finish_job_run(db, run_id, report.status, _summary(report), report.error)
    except Exception:  # the cycle's work is done and committed; only its record is missing
        log.exception("could not record monitor cycle %d", run_id)
    if report.errors:
        log.warning("%s", report.line())
    else:
        log.info("%s", report.line())
    return report


def _summary(report: CycleReport) -> dict[str, Any]:
    document = report.to_dict()
    document.pop("new_signal_ids", None)
    return document


async def _step(report: CycleReport, name: str, work: Awaitable[T]) -> T | None:
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # one failing step must not stop the others, nor the loop
        log.exception("monitor step %s failed", name)
        report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        report.unreachable = report.unreachable or unreachable(exc)
        return None


def _sync(report: CycleReport, name: str, work: Callable[[], T]) -> T | None:
    try:
        return work()
    except Exception as exc:
        log.exception("monitor step %s failed", name)
        report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        return None


async def _cycle(
    db: Database,
    client: PolymarketClient,
    settings: Settings,
    report: CycleReport,
    *,
    now: int | None,
    estimates: EstimateLookup,
    books: BookState | None = None,
    price_alerts: PriceAlertEngine | None = None,
) -> None:
    candidates = _sync(report, "candidates", lambda: candidate_ids(db, settings)) or []
    report.candidates = len(candidates)
    streaming = _sync(report, "prices", lambda: streaming_ids(db, books, candidates)) or set()
    report.books_live = len(streaming)
    polled = [m for m in candidates if m not in streaming]
    if polled:
        record_prices = _series_due(db, settings, now)
        refresh = await _step(
            report, "prices", refresh_quotes(client, db, polled, record_prices=record_prices)
        )
        if refresh is not None:
            report.quotes_refreshed = len(refresh.markets_updated)
            report.books_missing = len(refresh.missing)
            report.price_points = refresh.price_points
            if record_prices:
                _sync(report, "prices", lambda: set_checkpoint(db, PRICES_CHECKPOINT, str(refresh.t)))
            if refresh.missing:
                await _step(report, "resolutions", _check_resolutions(db, client, refresh.missing, report))
    at = int(time.time()) if now is None else int(now)
    report.at = at
    if polled and price_alerts is not None:
        _sync(report, "price alerts", lambda: _price_alerts(db, price_alerts, polled, at, report))
    if candidates:
        _sync(report, "signals", lambda: _signals(db, settings, estimates, candidates, at, report))
    _sync(report, "settle", lambda: _settle(db, at, report))
    _sync(report, "marks", lambda: _mark(db, settings, at, report))
    _sync(report, "queue", lambda: _count_pending(db, report))
    if _alerts_configured(settings):
        _sync(report, "alerts", lambda: _queue_alerts(db, settings, at, report))


def streaming_ids(db: Database, books: BookState | None, market_ids: Sequence[str]) -> set[str]:
    """The markets whose every token streams in `books` right now (a synced socket book): the live
    books write their quotes, so the cycle need not ask `/books` for them."""
    if books is None or not market_ids:
        return set()
    from pmtui.collect.live_books import market_tokens

    tokens_of: dict[str, list[str]] = {}
    for token, ref in market_tokens(db, market_ids).items():
        tokens_of.setdefault(ref.market_id, []).append(token)
    tops = books.tops(t for tokens in tokens_of.values() for t in tokens)
    return {
        market_id
        for market_id, tokens in tokens_of.items()
        if all((top := tops.get(t)) is not None and top.synced and top.source == "ws" for t in tokens)
    }


def _price_alerts(
    db: Database, engine: PriceAlertEngine, market_ids: Sequence[str], at: int, report: CycleReport
) -> None:
    """Price alerts on the YES mids the cycle just refreshed (streaming markets are checked by the
    live books themselves)."""
    from pmtui.alerts.price import PriceSample

    samples: list[PriceSample] = []
    for start in range(0, len(market_ids), 500):
        chunk = list(market_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for market_id, mid, t in db.execute(
            "SELECT m.id, q.mid, q.t FROM markets m JOIN quotes q"
            " ON q.token_id = json_extract(m.token_ids_json, '$[0]')"
            f" WHERE m.id IN ({marks}) AND q.mid IS NOT NULL",
            chunk,
        ):
            samples.append(PriceSample(str(market_id), float(mid), int(t)))
    report.price_alerts += len(engine.check(db, samples, at))


def _series_due(db: Database, settings: Settings, now: int | None) -> bool:
    """True when the last price points the monitor recorded are at least one normal interval old."""
    checkpoint = get_checkpoint(db, PRICES_CHECKPOINT)
    if checkpoint is None or not checkpoint.cursor:
        return True
    current = time.time() if now is None else now
    # A little slack so a 5-minute loop whose cycles drift by a second still records every cycle.
    return current - int(checkpoint.cursor) >= float(settings.monitor.interval) * 0.9


async def _check_resolutions(
    db: Database, client: PolymarketClient, missing: Sequence[str], report: CycleReport
) -> None:
    """Ask Gamma about candidates whose book vanished; store the ones that closed."""
    ids = _resolution_order(db, missing)[:RESOLUTION_CHECKS]
    if not ids:
        return
    raws = await client.get_markets_by_ids(ids, closed=True)
    batch = parse_markets(raws)
    checked_at = int(time.time())
    # Categorized as they are stored, like the collector's (the rules are loaded once per process).
    upsert = store_batch(db, batch, source=RESOLUTION_SOURCE, categorize=store_categorizer())
    mark_resolution_checked(db, ids, checked_at)
    report.resolutions_checked = len(ids)
    report.markets_resolved += len(upsert.resolved)
    report.positions_settled += len(upsert.settled)


def _resolution_order(db: Database, missing: Sequence[str]) -> list[str]:
    """Markets with a signal or a position first, then the longest unchecked; imports never (they
    are not on Gamma)."""
    interested = set(interest_ids(db))
    rows: list[tuple[str, int]] = []
    wanted = list(dict.fromkeys(missing))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows += [
            (str(r[0]), int(r[1] or 0))
            for r in db.execute(
                f"SELECT id, resolution_checked_at FROM markets WHERE id IN ({marks})"
                " AND source != 'import' AND resolution = 'unresolved'",
                chunk,
            )
        ]
    rows.sort(key=lambda row: (row[0] not in interested, row[1], row[0]))
    return [market_id for market_id, _ in rows]


def _signals(
    db: Database,
    settings: Settings,
    estimates: EstimateLookup,
    candidates: Sequence[str],
    at: int,
    report: CycleReport,
) -> None:
    result = run_signals(db, settings, estimates, BatchOptions(at=at, market_ids=tuple(candidates)), now=at)
    changes = result.changes()
    report.signals_new = changes["new"]
    report.signals_updated = changes["updated"]
    report.signals_unchanged = changes["unchanged"]
    report.signals_expired = changes["expired"]
    report.new_signal_ids = sorted(
        item.signal_id for item in result.items if item.change == "new" and item.signal_id is not None
    )


def _settle(db: Database, at: int, report: CycleReport) -> None:
    from pmtui.paper.book import settle_resolved

    report.positions_settled += len(settle_resolved(db, now=at))


def _mark(db: Database, settings: Settings, at: int, report: CycleReport) -> None:
    """Value the open positions at the latest prices and keep the mark on each position row."""
    from pmtui.paper.portfolio import marked_open_positions

    marked = marked_open_positions(db, settings, now=at)
    report.positions_open = len(marked)
    report.unrealized_micros = sum(m.unrealized_micros for m in marked)
    rows = [(m.mark.price, at, m.position.id) for m in marked if m.mark is not None]
    if rows:
        with write_tx(db):
            db.conn.executemany(
                "UPDATE paper_positions SET mark_price = ?, marked_t = ? WHERE id = ? AND status = 'open'",
                rows,
            )


def _count_pending(db: Database, report: CycleReport) -> None:
    report.signals_pending = int(
        db.execute("SELECT COUNT(*) FROM signals WHERE status = 'pending'").fetchone()[0]
    )


def _alerts_configured(settings: Settings) -> bool:
    alerts = settings.alerts
    return bool(alerts.enabled and alerts.telegram_token and alerts.telegram_chat_id)


def _queue_alerts(db: Database, settings: Settings, at: int, report: CycleReport) -> None:
    """The digest of this cycle's new signals and failing-job alerts go out with the next send."""
    from pmtui.alerts.watch import scan_jobs, scan_signals

    report.alerts_queued += scan_signals(db, settings.alerts, now=at)
    report.alerts_queued += scan_jobs(db, settings.alerts, now=at)


# --- the loop ------------------------------------------------------------------------------------------


class Monitor:
    """Cycles at the monitor interval until told to stop, on its own connection and client."""

    def __init__(
        self,
        settings: Settings,
        *,
        db_path: str | None = None,
        on_cycle_done: Sequence[CycleHook] = (),
        aggressive: bool = False,
        estimates: EstimateLookup | None = None,
        books: BookState | None = None,
    ) -> None:
        from pmtui.alerts.price import PriceAlertEngine

        self.settings = settings
        self.db_path = db_path or str(settings.database.path)
        self.on_cycle_done = list(on_cycle_done)
        self.aggressive = aggressive
        self.estimates = estimates
        self.books = books
        """The app's live book state (None headless): markets it streams need no `/books` call."""
        self.price_alerts = PriceAlertEngine(settings)
        """Price alerts on what each cycle refreshes (its move windows live across cycles)."""
        self._wake = threading.Event()

    def _cycle_options(self) -> dict[str, Any]:
        return {"estimates": self.estimates, "books": self.books, "price_alerts": self.price_alerts}

    def wake(self) -> None:
        """Run the next cycle now instead of at the end of the interval (thread-safe). The app calls it
        when the collector has just stored the first markets of a new store, so signals do not wait
        five minutes for the monitor's next turn."""
        self._wake.set()

    async def _sleep(self, stop: threading.Event | asyncio.Event, delay: float) -> bool:
        """Wait out `delay` seconds; True when stopped, False when the time is up or `wake()` was called."""
        deadline = time.monotonic() + delay
        while True:
            if await _wait_for(stop, min(0.5, max(0.0, deadline - time.monotonic()))):
                return True
            if self._wake.is_set():
                self._wake.clear()
                return False
            if time.monotonic() >= deadline:
                return False

    @property
    def interval(self) -> float:
        monitor = self.settings.monitor
        return float(monitor.aggressive_interval if self.aggressive else monitor.interval)

    def _connect(self) -> Database:
        return connect(self.db_path, busy_timeout=float(self.settings.database.busy_timeout))

    async def run_once(self) -> CycleReport:
        db = self._connect()
        try:
            async with PolymarketClient(self.settings, call_log=ApiCallLog(self.db_path)) as client:
                report = await run_cycle(db, client, self.settings, **self._cycle_options())
        finally:
            db.close()
        self._done(report)
        return report

    async def run_forever(self, stop: threading.Event | asyncio.Event) -> None:
        """A cycle every interval until `stop` is set. The first waits out the rest of the interval
        since the last finished cycle (from `job_runs`, so a restart keeps the rhythm). Setting `stop`
        during a cycle cancels it at its next await: what it wrote is committed, the rest is not
        started, and its `job_runs` row says cancelled."""
        loop = asyncio.create_task(self._loop(stop), name="monitor:loop")
        stopped = asyncio.create_task(_wait_for(stop, None), name="monitor:stop")
        try:
            await asyncio.wait({loop, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (loop, stopped):
                task.cancel()
            await asyncio.gather(loop, stopped, return_exceptions=True)
        error = loop.exception() if loop.done() and not loop.cancelled() else None
        if error is not None:  # e.g. the database cannot be opened: the owner must hear of it
            raise error

    async def _loop(self, stop: threading.Event | asyncio.Event) -> None:
        db = self._connect()
        try:
            close_stale_runs(db)
            last = last_finished(db, JOB, "ok")
            delay = 0.0 if last is None else max(0.0, last + self.interval - time.time())
            async with PolymarketClient(self.settings, call_log=ApiCallLog(self.db_path)) as client:
                while not await self._sleep(stop, delay):
                    report = await self._guarded_cycle(db, client)
                    if report is not None:
                        self._done(report)
                    delay = self.interval
        finally:
            db.close()

    async def _guarded_cycle(self, db: Database, client: PolymarketClient) -> CycleReport | None:
        try:
            return await run_cycle(db, client, self.settings, **self._cycle_options())
        except asyncio.CancelledError:
            raise
        except Exception:  # run_cycle contains its steps; this is the last line (e.g. job_runs locked)
            log.exception("monitor cycle failed")
            return None

    def _done(self, report: CycleReport) -> None:
        for hook in self.on_cycle_done:
            _call_safely(hook, report)


class BackgroundMonitor(BackgroundLoop):
    """The monitor in a daemon thread with its own event loop, connection and client (for the TUI),
    run like the collector's `BackgroundCollector`."""

    def __init__(
        self,
        settings: Settings,
        on_cycle_done: Iterable[CycleHook] = (),
        aggressive: bool = False,
        **monitor_options: Any,
    ) -> None:
        self.monitor = Monitor(
            settings, on_cycle_done=list(on_cycle_done), aggressive=aggressive, **monitor_options
        )
        super().__init__("pmtui-monitor", self.monitor.run_forever)

    def wake(self) -> None:
        """Run the next cycle now (see `Monitor.wake`)."""
        self.monitor.wake()
