"""Status bar reads: the last run of each background job, price freshness, API use and reachability,
errors. Every read goes through an index or the `store_versions` counters (migration 0013)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pmtui.config import LimitSettings
from pmtui.tui.queries import Reader

API_GROUPS = ("gamma", "clob", "data")
"""The API-wide limit groups: every call counts against exactly one of them."""


@dataclass(frozen=True)
class JobRun:
    job: str
    status: str
    """running | ok | error | cancelled"""
    started: float
    finished: float | None
    error: str | None


@dataclass(frozen=True)
class Connectivity:
    """What the latest API calls (of any pmtui process, from `api_calls`) say about reaching the API."""

    offline_since: float | None = None
    """Time of the first failed call after the last answered one, while the latest call failed."""
    reason: str | None = None
    """The latest failed call's error."""


@dataclass(frozen=True)
class StoreStatus:
    jobs: dict[str, JobRun] = field(default_factory=dict)
    """The latest run of each job, by job name (as recorded by any pmtui process)."""
    freshest_price: float | None = None
    """Unix time of the newest price the store holds (a quote, or a market refreshed from the API)."""
    api_calls_10s: int = 0
    errors_24h: int = 0
    """Rejected records and hook failures (the errors table) plus failed job runs, last 24 h."""
    errors_recent: int = 0
    """The same, in the last `RECENT` seconds: only these show in red."""
    has_demo: bool = False
    connectivity: Connectivity = field(default_factory=Connectivity)


RECENT = 600.0
"""Errors and failed calls older than this are history: shown, not alarming."""
CALLS_LOOKED_AT = 200
"""Latest API calls read to judge connectivity (a streak of failures longer than this looks further)."""


def latest_job_runs(db: Reader) -> dict[str, JobRun]:
    """The latest run of each job, read through the (job, started) index: one probe per job name
    (walked with a recursive query, the index's "skip scan"), never the whole table."""
    rows = db.execute(
        "WITH RECURSIVE names(job) AS ("
        " SELECT min(job) FROM job_runs"
        " UNION ALL SELECT (SELECT min(job) FROM job_runs WHERE job > names.job) FROM names"
        " WHERE names.job IS NOT NULL) "
        "SELECT r.job, r.status, r.started, r.finished, r.error FROM names JOIN job_runs r ON r.id = "
        "(SELECT id FROM job_runs WHERE job = names.job ORDER BY started DESC, id DESC LIMIT 1)"
    ).fetchall()
    return {
        job: JobRun(job, status, started, finished, error) for job, status, started, finished, error in rows
    }


def failed(status: int | None) -> bool:
    """A call that got no answer (connection refused, timeout) or a server error."""
    return status is None or status >= 500


def read_connectivity(db: Reader, now: float) -> Connectivity:
    """Offline from the first failed call of any job: the latest calls, newest first, through the
    index on time. Calls older than `RECENT` say nothing about now."""
    rows = db.execute(
        "SELECT t, status, error FROM api_calls WHERE t >= ? ORDER BY t DESC LIMIT ?",
        [now - RECENT, CALLS_LOOKED_AT],
    ).fetchall()
    if not rows or not failed(rows[0][1]):
        return Connectivity()
    since = rows[0][0]
    for t, status, _ in rows:
        if not failed(status):
            break
        since = t
    else:
        if len(rows) == CALLS_LOOKED_AT:  # still failing further back: when did the streak start?
            answered = db.execute(
                "SELECT t FROM api_calls WHERE t < ? AND status < 500 ORDER BY t DESC LIMIT 1", [since]
            ).fetchone()
            first = db.execute(
                "SELECT min(t) FROM api_calls WHERE t > ?", [answered[0] if answered else 0]
            ).fetchone()[0]
            since = first if first is not None else since
    return Connectivity(offline_since=float(since), reason=rows[0][2])


def read_status(db: Reader, now: float) -> StoreStatus:
    """Everything the status bar shows, through indexes and the `store_versions` counters: no query
    here reads a whole table, so it costs the same with 2,000 markets or 500,000."""
    newest = db.execute(
        "SELECT max(newest) FROM store_versions WHERE topic IN ('markets', 'quotes')"
    ).fetchone()[0]
    calls = db.execute("SELECT count(*) FROM api_calls WHERE t >= ?", [now - 10]).fetchone()[0]
    errors, recent = _errors_since(db, now - 86400), _errors_since(db, now - RECENT)
    demo = db.execute("SELECT 1 FROM markets WHERE source = 'demo' LIMIT 1").fetchone() is not None
    return StoreStatus(
        jobs=latest_job_runs(db),
        freshest_price=float(newest) if newest else None,
        api_calls_10s=calls,
        errors_24h=errors,
        errors_recent=recent,
        has_demo=demo,
        connectivity=read_connectivity(db, now),
    )


def _errors_since(db: Reader, since: float) -> int:
    """Rejected records and hook failures (errors table) plus failed job runs since `since` (indexed)."""
    errors = db.execute("SELECT count(*) FROM errors WHERE t >= ?", [int(since)]).fetchone()[0]
    return int(errors) + int(
        db.execute(
            "SELECT count(*) FROM job_runs WHERE status = 'error' AND started >= ?", [since]
        ).fetchone()[0]
    )


@dataclass(frozen=True)
class ApiUse:
    """Calls in the limiter's window, all pmtui processes together, against the budget."""

    calls: int
    budget: int
    """Calls allowed in the window by the API-wide groups together (after the safety factor)."""
    window: float = 10.0
    busiest: str | None = None
    """The limit group nearest its own budget (when it is the real constraint), else None."""
    busiest_share: float = 0.0
    blocked_for: float = 0.0
    """Seconds left on a server-imposed hold-off (Retry-After), 0 if none."""


def read_api_use(limits: LimitSettings) -> ApiUse:
    """What the shared rate limiter has counted in its window (reads its SQLite file; thread only)."""
    from pmtui.polymarket.limiter import RateLimiter  # not needed before the first status read

    limiter = RateLimiter(limits)
    try:
        usage = limiter.usage()
    finally:
        limiter.close()
    wide = [u for u in usage if u.group in API_GROUPS]
    busiest = max(usage, key=lambda u: u.fraction, default=None)
    return ApiUse(
        calls=sum(u.calls for u in wide),
        budget=sum(u.budget for u in wide),
        window=limiter.window,
        busiest=busiest.group if busiest is not None and busiest.calls else None,
        busiest_share=busiest.fraction if busiest is not None else 0.0,
        blocked_for=max((u.blocked_for for u in usage), default=0.0),
    )
