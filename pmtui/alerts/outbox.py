"""The alerts outbox: producers insert, the sender drains. One row per event, deduplicated by key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.store.db import write_tx

MAX_TEXT = 3500
"""Telegram allows 4096 characters a message; keep room to join several alerts in one."""


def enqueue(db: Database, *, kind: str, dedupe_key: str, text: str, now: int) -> bool:
    """Queue one alert unless an alert with this key was ever queued. True when newly queued.

    A plain INSERT: safe inside the caller's transaction (the fill and its alert commit together).
    """
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    cursor = db.execute(
        "INSERT INTO alerts_outbox (created, kind, dedupe_key, text, status, attempts, next_attempt)"
        " VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        [now, kind, dedupe_key, text, now],
    )
    return cursor.rowcount == 1


def was_enqueued(db: Database, dedupe_key: str) -> bool:
    return db.execute("SELECT 1 FROM alerts_outbox WHERE dedupe_key = ?", [dedupe_key]).fetchone() is not None


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int
    uncertain: int
    """Sent without an answer: maybe delivered, not re-sent on their own (see pmtui/alerts/sender.py)."""
    last_sent: int | None
    last_error: str | None


def outbox_counts(db: Database) -> OutboxCounts:
    counts = dict(db.execute("SELECT status, COUNT(*) FROM alerts_outbox GROUP BY status").fetchall())
    last_sent = db.execute("SELECT MAX(sent_at) FROM alerts_outbox").fetchone()[0]
    error = db.execute(
        "SELECT last_error FROM alerts_outbox WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return OutboxCounts(
        pending=int(counts.get("pending", 0)),
        sent=int(counts.get("sent", 0)),
        failed=int(counts.get("failed", 0)),
        uncertain=int(counts.get("uncertain", 0)),
        last_sent=last_sent,
        last_error=None if error is None else str(error[0]),
    )


def requeue(db: Database, statuses: Sequence[str], *, now: int, ids: Sequence[int] = ()) -> int:
    """Put alerts with one of `statuses` (failed, uncertain), or just `ids` among them, back in the
    queue as new: attempts reset, due now. Their age restarts too, or `alerts.max_age` would drop
    at once what the user just asked to send. Returns how many were requeued."""
    wanted = [s for s in statuses if s in REQUEUABLE]
    if not wanted:
        return 0
    sql = (
        "UPDATE alerts_outbox SET status = 'pending', attempts = 0, next_attempt = ?, created = ?,"
        f" last_error = NULL WHERE status IN ({','.join('?' * len(wanted))})"
    )
    params: list[object] = [now, now, *wanted]
    if ids:
        sql += f" AND id IN ({','.join('?' * len(ids))})"
        params += list(ids)
    with write_tx(db):
        return max(0, db.execute(sql, params).rowcount)


REQUEUABLE = ("failed", "uncertain")
