"""Alerts that come from watching the store rather than from an event in the book:

- a digest of new pending signals, at most one per `alerts.digest_interval` (a burst of signals from
  one monitor cycle becomes one message, not one each);
- a background job (collector, monitor…) whose runs in `job_runs` have all failed for at least
  `alerts.collector_failing_minutes`, and a note when it recovers.

Both only insert into the outbox; dedupe keys make a second scan of the same state a no-op.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from pmtui.alerts import messages
from pmtui.alerts.outbox import enqueue, was_enqueued
from pmtui.config import AlertSettings
from pmtui.store.db import write_tx

DIGEST_CHECKPOINT = "alerts:signals-digest"


def _checkpoint(db: Database, job: str) -> tuple[str | None, int]:
    row = db.execute("SELECT cursor, updated_at FROM checkpoints WHERE job = ?", [job]).fetchone()
    return (None, 0) if row is None else (row[0], int(row[1]))


def _save_checkpoint(
    db: Database, job: str, cursor: str, now: int, state: dict[str, Any] | None = None
) -> None:
    db.execute(
        "INSERT INTO checkpoints (job, cursor, state_json, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (job) DO UPDATE SET cursor = excluded.cursor, state_json = excluded.state_json,"
        " updated_at = excluded.updated_at",
        [job, cursor, json.dumps(state or {}), now],
    )


def _estimate_fields(p: float | None, source_json: str | None) -> dict[str, Any]:
    """The digest's view of a signal's estimate (`pmtui.signals.estimates.TradeEstimate.to_json`)."""
    try:
        source = json.loads(source_json or "{}")
    except ValueError:
        source = {}
    if not isinstance(source, dict):
        source = {}
    interval = source.get("p_interval")
    n = source.get("n")
    return {
        "p": None if p is None else float(p),
        "p_interval": (float(interval[0]), float(interval[1]))
        if isinstance(interval, list) and len(interval) == 2
        else None,
        "n": n if isinstance(n, int) else None,
        "reason": str(source.get("reason") or ""),
    }


def scan_signals(db: Database, settings: AlertSettings, *, now: int) -> int:
    """Queue one digest of the pending signals created since the last digest. Returns 0 or 1."""
    with write_tx(db):
        cursor, last_digest = _checkpoint(db, DIGEST_CHECKPOINT)
        if cursor is not None and now - last_digest < settings.digest_interval:
            return 0
        last_id = int(cursor) if cursor else 0
        newest = db.execute("SELECT MAX(id) FROM signals").fetchone()[0]
        if newest is None or int(newest) <= last_id:
            return 0
        rows = list(
            db.query(
                "SELECT s.id, s.strategy, s.outcome, s.price, s.edge, s.stake_micros, s.source,"
                " s.est_win_prob, s.est_source_json,"
                " COALESCE(m.question, s.market_id) AS question"
                " FROM signals s LEFT JOIN markets m ON m.id = s.market_id"
                " WHERE s.id > ? AND s.id <= ? AND s.status = 'pending'"
                " ORDER BY s.score IS NULL, s.score DESC, s.id",
                [last_id, int(newest)],
            )
        )
        # The cursor moves past signals that expired before any digest: they need no review. The
        # clock (updated_at) only moves when a digest goes out, so the next signal is not held back.
        _save_checkpoint(db, DIGEST_CHECKPOINT, str(int(newest)), now if rows else last_digest)
        if not rows:
            return 0
        shown = rows[: settings.digest_max_items]
        items = [
            messages.DigestItem(
                signal_id=int(r["id"]),
                strategy=str(r["strategy"]),
                outcome=str(r["outcome"]),
                price=float(r["price"]),
                edge=r["edge"],
                stake_micros=int(r["stake_micros"] or 0),
                question=str(r["question"]),
                source=str(r["source"] or "api"),
                **_estimate_fields(r["est_win_prob"], r["est_source_json"]),
            )
            for r in shown
        ]
        ids = [int(r["id"]) for r in rows]
        enqueue(
            db,
            kind="signals",
            dedupe_key=f"signals-digest:{min(ids)}-{max(ids)}",
            text=messages.digest_text(items, more=len(rows) - len(shown)),
            now=now,
        )
        return 1


def scan_jobs(db: Database, settings: AlertSettings, *, now: int) -> int:
    """Queue "failing for N minutes" / "recovered" alerts from job_runs. Returns how many were queued."""
    threshold = settings.collector_failing_minutes * 60
    queued = 0
    jobs = [str(r[0]) for r in db.execute("SELECT DISTINCT job FROM job_runs")]
    with write_tx(db):
        for job in jobs:
            finished = db.execute(
                "SELECT id, started, status, error FROM job_runs WHERE job = ? AND status IN ('ok', 'error')"
                " ORDER BY started DESC, id DESC LIMIT 1",
                [job],
            ).fetchone()
            if finished is None:
                continue
            if finished[2] == "error":
                queued += _failing(db, job, now=now, threshold=threshold, last_error=finished[3])
            else:
                queued += _recovered(db, job, ok_started=float(finished[1]), now=now)
    return queued


def _error_streak(
    db: Database, job: str, after: float | None, before: float | None
) -> tuple[int, float, int]:
    """(id, started) of the first error run between two ok runs (bounds exclusive), and the count."""
    bounds = [job, -1.0 if after is None else after, float("inf") if before is None else before]
    where = "job = ? AND status = 'error' AND started > ? AND started < ?"
    count = int(db.execute(f"SELECT COUNT(*) FROM job_runs WHERE {where}", bounds).fetchone()[0])
    first = db.execute(
        f"SELECT id, started FROM job_runs WHERE {where} ORDER BY started, id LIMIT 1", bounds
    ).fetchone()
    return (0, 0.0, 0) if first is None else (int(first[0]), float(first[1]), count)


def _failing(db: Database, job: str, *, now: int, threshold: float, last_error: str | None) -> int:
    last_ok = db.execute(
        "SELECT MAX(started) FROM job_runs WHERE job = ? AND status = 'ok'", [job]
    ).fetchone()[0]
    first_id, first_started, failures = _error_streak(db, job, last_ok, None)
    # `now` is whole seconds and `started` is not: compare whole seconds, or a run started later in
    # the current second would look younger than zero.
    failing_for = now - int(first_started)
    minutes = failing_for // 60
    if failures == 0 or failing_for < threshold:
        return 0
    text = messages.collector_failing_text(job=job, minutes=minutes, failures=failures, last_error=last_error)
    return int(enqueue(db, kind="collector", dedupe_key=f"job-failing:{job}:{first_id}", text=text, now=now))


def _recovered(db: Database, job: str, *, ok_started: float, now: int) -> int:
    previous_ok = db.execute(
        "SELECT MAX(started) FROM job_runs WHERE job = ? AND status = 'ok' AND started < ?", [job, ok_started]
    ).fetchone()[0]
    first_id, first_started, failures = _error_streak(db, job, previous_ok, ok_started)
    if failures == 0 or not was_enqueued(db, f"job-failing:{job}:{first_id}"):
        return 0
    text = messages.collector_recovered_text(job=job, minutes=int((ok_started - first_started) // 60))
    return int(
        enqueue(db, kind="collector", dedupe_key=f"job-recovered:{job}:{first_id}", text=text, now=now)
    )
