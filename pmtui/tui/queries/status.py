"""Status bar reads: the last run of each background job, price freshness, API use, errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from pmtui.config import LimitSettings
from pmtui.polymarket.limiter import RateLimiter

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
class StoreStatus:
    jobs: dict[str, JobRun] = field(default_factory=dict)
    """The latest run of each job, by job name (as recorded by any pmtui process)."""
    freshest_price: float | None = None
    """Unix time of the newest price the store holds (a quote, or a market refreshed from the API)."""
    api_calls_10s: int = 0
    errors_24h: int = 0
    """Rejected records and hook failures (the errors table) plus failed job runs, last 24 h."""
    has_demo: bool = False


def read_status(db: Database, now: float) -> StoreStatus:
    jobs = {
        job: JobRun(job, status, started, finished, error)
        for job, status, started, finished, error in db.execute(
            "SELECT job, status, started, finished, error FROM job_runs "
            "WHERE id IN (SELECT max(id) FROM job_runs GROUP BY job)"
        ).fetchall()
    }
    quote_t = db.execute("SELECT max(t) FROM quotes").fetchone()[0]
    market_t = db.execute("SELECT max(updated_at) FROM markets WHERE source = 'api'").fetchone()[0]
    known = [t for t in (quote_t, market_t) if t is not None]
    calls = db.execute("SELECT count(*) FROM api_calls WHERE t >= ?", [now - 10]).fetchone()[0]
    errors = db.execute("SELECT count(*) FROM errors WHERE t >= ?", [int(now) - 86400]).fetchone()[0]
    errors += db.execute(
        "SELECT count(*) FROM job_runs WHERE status = 'error' AND started >= ?", [now - 86400]
    ).fetchone()[0]
    demo = db.execute("SELECT 1 FROM markets WHERE source = 'demo' LIMIT 1").fetchone() is not None
    return StoreStatus(
        jobs=jobs,
        freshest_price=max(known) if known else None,
        api_calls_10s=calls,
        errors_24h=errors,
        has_demo=demo,
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
