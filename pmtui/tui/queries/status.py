"""Status bar reads: the last run of each background job, price freshness, API use, errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database


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
    demo = db.execute("SELECT 1 FROM markets WHERE source = 'demo' LIMIT 1").fetchone() is not None
    return StoreStatus(
        jobs=jobs,
        freshest_price=max(known) if known else None,
        api_calls_10s=calls,
        errors_24h=errors,
        has_demo=demo,
    )
