"""Operational tables: rejected records (`errors`), collector `checkpoints`, `job_runs`, API health."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from pmtui.store.db import write_tx

MAX_PAYLOAD = 8_000
"""Characters of a rejected record kept in `errors.payload` (enough to see what was wrong)."""
MAX_MESSAGE = 1_000


def record_error(
    db: Database,
    source: str,
    kind: str,
    record_id: str | None,
    message: str,
    payload: Any = None,
    *,
    now: int | None = None,
) -> None:
    """Keep a rejected record: where it came from, why, and (truncated) what it was. Text that
    cannot be stored as UTF-8 (a lone surrogate: often the very reason the record was rejected) is
    kept backslash-escaped."""
    if payload is None or isinstance(payload, str):
        text = payload
    else:
        try:
            text = json.dumps(payload, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            try:
                text = repr(payload)[:MAX_PAYLOAD]
            except RecursionError:
                text = f"<{type(payload).__name__} nested too deeply to show>"
    if text is not None and len(text) > MAX_PAYLOAD:
        text = text[:MAX_PAYLOAD] + f"... [truncated, {len(text)} chars]"
    message, text = _storable(message), None if text is None else _storable(text)
    record_id = None if record_id is None else _storable(record_id)
    with write_tx(db):
        db.conn.execute(
            "INSERT INTO errors (t, source, kind, record_id, message, payload) VALUES (?, ?, ?, ?, ?, ?)",
            (
                int(now if now is not None else time.time()),
                source,
                kind,
                record_id,
                message[:MAX_MESSAGE],
                text,
            ),
        )


def _storable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


# --- checkpoints -----------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    job: str
    cursor: str | None
    state: dict[str, Any] = field(default_factory=dict)
    updated_at: int = 0


def get_checkpoint(db: Database, job: str) -> Checkpoint | None:
    row = db.execute("SELECT cursor, state_json, updated_at FROM checkpoints WHERE job = ?", [job]).fetchone()
    if row is None:
        return None
    try:
        state = json.loads(row[1] or "{}")
    except json.JSONDecodeError:
        state = {}
    return Checkpoint(job, row[0], state if isinstance(state, dict) else {}, int(row[2]))


def set_checkpoint(db: Database, job: str, cursor: str | None, state: dict[str, Any] | None = None) -> None:
    with write_tx(db):
        db.conn.execute(
            "INSERT INTO checkpoints (job, cursor, state_json, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (job) DO UPDATE SET cursor = excluded.cursor, state_json = excluded.state_json, "
            "updated_at = excluded.updated_at",
            (job, cursor, json.dumps(state or {}), int(time.time())),
        )


# --- job runs --------------------------------------------------------------------------------------


def start_job_run(db: Database, job: str) -> int:
    with write_tx(db):
        cursor = db.conn.execute(
            "INSERT INTO job_runs (job, started, status, pid) VALUES (?, ?, 'running', ?)",
            (job, time.time(), os.getpid()),
        )
        return int(cursor.lastrowid or 0)


def finish_job_run(
    db: Database, run_id: int, status: str, summary: dict[str, Any] | None = None, error: str | None = None
) -> None:
    with write_tx(db):
        db.conn.execute(
            "UPDATE job_runs SET finished = ?, status = ?, summary_json = ?, error = ? WHERE id = ?",
            (time.time(), status, json.dumps(summary or {}, default=str), error, run_id),
        )


def last_finished(db: Database, job: str, status: str = "ok") -> float | None:
    row = db.execute(
        "SELECT MAX(finished) FROM job_runs WHERE job = ? AND status = ?", [job, status]
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def close_stale_runs(db: Database) -> int:
    """Mark 'running' rows of processes that no longer exist (killed) as 'cancelled'."""
    rows = db.execute("SELECT id, pid FROM job_runs WHERE status = 'running'").fetchall()
    dead = [run_id for run_id, pid in rows if pid is None or not _alive(int(pid))]
    if dead:
        with write_tx(db):
            db.conn.executemany(
                "UPDATE job_runs SET status = 'cancelled', error = 'process ended without finishing' "
                "WHERE id = ? AND status = 'running'",
                [(run_id,) for run_id in dead],
            )
    return len(dead)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class ApiHealth:
    """Recent API outcomes, for an "offline" banner: calls, failures, the last success."""

    calls: int
    failures: int
    last_ok: float | None
    last_failure: float | None

    @property
    def offline(self) -> bool:
        """Every recent call failed (and there were some)."""
        return self.calls > 0 and self.failures == self.calls


def api_health(db: Database, seconds: float = 300) -> ApiHealth:
    since = time.time() - seconds
    calls, failures, last_failure = db.execute(
        "SELECT COUNT(*), SUM(status IS NULL OR status >= 500 OR status = 429), "
        "MAX(CASE WHEN status IS NULL OR status >= 500 OR status = 429 THEN t END) FROM api_calls WHERE t >= ?",
        [since],
    ).fetchone()
    row = db.execute(
        "SELECT t FROM api_calls WHERE status BETWEEN 200 AND 299 ORDER BY t DESC LIMIT 1"
    ).fetchone()
    return ApiHealth(int(calls or 0), int(failures or 0), row[0] if row else None, last_failure)


def prune_api_calls(db: Database, older_than_seconds: float) -> int:
    """Drop accounting rows older than the horizon (the log would otherwise grow forever)."""
    with write_tx(db):
        cursor = db.conn.execute("DELETE FROM api_calls WHERE t < ?", (time.time() - older_than_seconds,))
        return cursor.rowcount
