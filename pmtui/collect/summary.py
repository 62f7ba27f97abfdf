"""What a collector job and a cycle did: counts for the `pmtui collect` summary and `job_runs`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pmtui.store.markets import WriteResult

COUNT_FIELDS = (
    "markets_new",
    "markets_updated",
    "markets_unchanged",
    "markets_resolved",
    "placeholders_skipped",
    "records_rejected",
    "price_points",
    "quotes",
    "snapshots",
    "markets_checked",
    "positions_settled",
)


@dataclass
class JobResult:
    job: str
    status: str = "ok"
    """ok | error | cancelled"""
    seconds: float = 0.0
    error: str | None = None
    markets_new: int = 0
    markets_updated: int = 0
    markets_unchanged: int = 0
    markets_resolved: int = 0
    placeholders_skipped: int = 0
    records_rejected: int = 0
    """Malformed records written to the errors table and skipped."""
    price_points: int = 0
    quotes: int = 0
    snapshots: int = 0
    markets_checked: int = 0
    """Markets whose history or resolution this job looked at."""
    positions_settled: int = 0
    """Paper positions settled because a market this job stored had resolved."""
    api_calls: dict[str, int] = field(default_factory=dict)
    changed_ids: list[str] = field(default_factory=list, repr=False)
    """New or updated market ids (for the on_markets_changed hooks); not part of the summary."""
    unreachable: bool = field(default=False, repr=False)
    """The job failed because the API could not be reached (connection errors, timeouts, 5xx after
    the retries), not because of what it answered: the TUI shows its offline banner."""

    def add_upsert(self, upsert: WriteResult, *, placeholders: int = 0, rejected: int = 0) -> None:
        self.markets_new += len(upsert.new)
        self.markets_updated += len(upsert.updated)
        self.markets_unchanged += upsert.unchanged
        self.markets_resolved += len(upsert.resolved)
        self.positions_settled += len(upsert.settled)
        self.placeholders_skipped += placeholders
        self.records_rejected += rejected
        self.changed_ids += upsert.changed_ids

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"job": self.job, "status": self.status, "seconds": round(self.seconds, 3)}
        if self.error:
            document["error"] = self.error
        document.update({name: getattr(self, name) for name in COUNT_FIELDS})
        document["api_calls"] = dict(sorted(self.api_calls.items()))
        return document


@dataclass
class CycleSummary:
    jobs: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(job.status == "ok" for job in self.jobs)

    def total(self, name: str) -> int:
        return sum(int(getattr(job, name)) for job in self.jobs)

    @property
    def api_calls(self) -> dict[str, int]:
        calls: dict[str, int] = {}
        for job in self.jobs:
            for endpoint, count in job.api_calls.items():
                calls[endpoint] = calls.get(endpoint, 0) + count
        return dict(sorted(calls.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            **{name: self.total(name) for name in COUNT_FIELDS},
            "api_calls": self.api_calls,
            "api_calls_total": sum(self.api_calls.values()),
            "jobs": [job.to_dict() for job in self.jobs],
        }
