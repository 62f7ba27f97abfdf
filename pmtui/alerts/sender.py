"""The background alert sender: drains `alerts_outbox` to Telegram, politely and safely.

One `run_once()`:
1. drops pending alerts older than `alerts.max_age` (better no alert than a day-late one);
2. when Telegram is configured, scans the store for the digest of new signals and failing jobs;
3. unless rate-limited (`alerts.min_interval` since the last attempt of any pmtui process, or a 429's
   retry_after), claims the due alerts in one write transaction, joins them into one message (up to
   Telegram's size limit) and sends it;
4. marks them sent, or schedules a retry with exponential backoff (429: Telegram's retry_after),
   giving up after `alerts.max_attempts`, or at once when Telegram refuses this message for good.

Two failures are not the message's fault and are handled apart:
- The setup is wrong (401/404: the token; 403, 400 "chat not found": the chat). The sender pauses
  and the alerts stay queued, attempts untouched. The pause is tied to a fingerprint of the token,
  chat and URL (a truncated SHA-256, never the token), shared by every pmtui process through the
  store: once the configuration changes the queue goes out; with the same configuration the sender
  tries once every `alerts.retry_max` (the bot may have been unblocked). `pmtui alerts status` shows
  the pause, `pmtui alerts requeue` ends it at once.
- No answer after the request was sent (a read timeout, a dropped connection): Telegram may have
  delivered it, and sendMessage has no idempotency key, so sending again could deliver it twice.
  The alerts are marked `uncertain` and never re-sent on their own; `pmtui alerts status` counts
  them and `pmtui alerts requeue --uncertain` sends them again when the user has checked the chat.

Claiming pushes `next_attempt` ahead by a lease, so two processes (the TUI and `pmtui collect`)
never send the same alert twice; a sender killed mid-send lets its claim lapse and the alert goes
out again later (at-least-once: the one case left where a message can arrive twice). `run()` loops
until a stop event is set; `start()`/`stop()` do that in a daemon thread. Nothing here raises into
the caller's loop: failures are logged (redacted).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from pmtui.alerts.telegram import TelegramClient, TelegramError
from pmtui.alerts.watch import scan_jobs, scan_signals
from pmtui.config import Settings
from pmtui.logs import redact, register_secret
from pmtui.store.db import connect, write_tx

log = logging.getLogger("pmtui.alerts")

SENDER_CHECKPOINT = "alerts:sender"
CLAIM_LEASE = 120
"""Seconds a claimed alert stays invisible to other senders while this one sends it."""
MESSAGE_LIMIT = 4000
"""Telegram's limit is 4096 characters; joined alerts stay under this."""
SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Paused:
    """The sender is paused: the token or chat was refused (see the module docstring)."""

    reason: str
    since: float


def _read_state(db: Database) -> dict[str, Any]:
    row = db.execute("SELECT state_json FROM checkpoints WHERE job = ?", [SENDER_CHECKPOINT]).fetchone()
    try:
        state = json.loads(row[0]) if row else {}
    except ValueError:
        state = {}
    return state if isinstance(state, dict) else {}


def pause_state(db: Database) -> dict[str, Any] | None:
    """The pause recorded by any sender (reason, since), or None."""
    paused = _read_state(db).get("paused")
    return paused if isinstance(paused, dict) else None


def resume(db: Database, now: int) -> bool:
    """End a pause at once (the user says the setup is fixed). True if there was one."""
    with write_tx(db):
        state = _read_state(db)
        if "paused" not in state:
            return False
        state.pop("paused")
        db.execute(
            "INSERT INTO checkpoints (job, cursor, state_json, updated_at) VALUES (?, NULL, ?, ?)"
            " ON CONFLICT (job) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at",
            [SENDER_CHECKPOINT, json.dumps(state), now],
        )
    return True


@dataclass(frozen=True, slots=True)
class SenderReport:
    status: str
    """'sent', 'idle' (nothing due), 'rate-limited', 'not-configured', 'retry', 'failed', 'paused'
    (the token or chat is refused; alerts kept), 'uncertain' (no answer after sending) or 'error'."""
    expired: int = 0
    queued: int = 0
    """Alerts this pass queued from scans (signal digest, failing jobs)."""
    delivered: int = 0
    """Outbox rows delivered in this pass (several may share one message)."""
    error: str | None = None


class AlertSender:
    """Drain the outbox. Give it `db` to use one connection (single thread), or let it open one per
    thread from `settings.database.path`."""

    def __init__(self, settings: Settings, *, db: Database | None = None) -> None:
        self.settings = settings
        self.alerts = settings.alerts
        register_secret(self.alerts.telegram_token)
        self._db = db
        self._local = threading.local()
        self._client: TelegramClient | None = None
        self._client_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def configured(self) -> bool:
        return bool(self.alerts.enabled and self.alerts.telegram_token and self.alerts.telegram_chat_id)

    def _database(self) -> Database:
        if self._db is not None:
            return self._db
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.settings.database.path, busy_timeout=self.settings.database.busy_timeout)
            self._local.db = db
        return db

    def _telegram(self) -> TelegramClient:
        with self._client_lock:
            if self._client is None:
                self._client = TelegramClient(self.alerts)
            return self._client

    # --- one pass ----------------------------------------------------------------------------------

    def run_once(self, now: float | None = None) -> SenderReport:
        now_s = int(time.time() if now is None else now)
        db = self._database()
        expired = self._expire(db, now_s)
        if not self.configured:
            return SenderReport("not-configured", expired=expired)
        queued = scan_signals(db, self.alerts, now=now_s) + scan_jobs(db, self.alerts, now=now_s)
        claim = self._claim(db, now_s)
        if isinstance(claim, Paused):
            return SenderReport("paused", expired=expired, queued=queued, error=claim.reason)
        if isinstance(claim, str):
            return SenderReport(claim, expired=expired, queued=queued)
        ids, text = claim
        failure: TelegramError | None = None
        try:
            self._telegram().send(text)
        except TelegramError as exc:
            failure = exc
        if failure is None:
            self._mark_sent(db, ids, now_s)
            return SenderReport("sent", expired=expired, queued=queued, delivered=len(ids))
        if failure.setup:
            status = self._pause(db, ids, now_s, failure)
        elif failure.uncertain:
            status = self._mark_uncertain(db, ids, failure)
        else:
            status = self._mark_failed(db, ids, now_s, failure)
        log.warning("alert send failed (%s): %s", status, redact(str(failure)))
        return SenderReport(status, expired=expired, queued=queued, error=redact(str(failure)))

    def _expire(self, db: Database, now: int) -> int:
        with write_tx(db):
            cursor = db.execute(
                "UPDATE alerts_outbox SET status = 'failed', last_error = ?"
                " WHERE status = 'pending' AND created < ?",
                [
                    f"dropped: not delivered within alerts.max_age ({self.alerts.max_age:g} s)",
                    now - self.alerts.max_age,
                ],
            )
        return max(0, cursor.rowcount)

    def fingerprint(self) -> str:
        """What a pause is tied to: the token, chat and URL, hashed (the token never leaves)."""
        material = "\0".join(
            str(v)
            for v in (self.alerts.telegram_url, self.alerts.telegram_token, self.alerts.telegram_chat_id)
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def _claim(self, db: Database, now: int) -> tuple[list[int], str] | str | Paused:
        with write_tx(db):
            state = _read_state(db)
            paused = state.get("paused")
            if isinstance(paused, dict):
                if paused.get("fingerprint") != self.fingerprint():
                    log.info("alert sender resumed: the Telegram settings changed since the pause")
                    state.pop("paused")
                    self._save_state(db, state, now)
                elif now - float(paused.get("since", 0)) < self.alerts.retry_max:
                    return Paused(str(paused.get("reason", "paused")), float(paused.get("since", 0)))
            last_attempt = float(state.get("last_attempt", -1e18))
            not_before = float(state.get("not_before", 0))
            if now < not_before or now - last_attempt < self.alerts.min_interval:
                due = db.execute(
                    "SELECT 1 FROM alerts_outbox WHERE status = 'pending' AND next_attempt <= ? LIMIT 1",
                    [now],
                ).fetchone()
                return "rate-limited" if due else "idle"
            ids: list[int] = []
            parts: list[str] = []
            size = 0
            for alert_id, text in db.execute(
                "SELECT id, text FROM alerts_outbox WHERE status = 'pending' AND next_attempt <= ? ORDER BY id",
                [now],
            ):
                extra = len(text) + (len(SEPARATOR) if parts else 0)
                if parts and size + extra > MESSAGE_LIMIT:
                    break
                ids.append(int(alert_id))
                parts.append(str(text)[:MESSAGE_LIMIT])
                size += extra
            if not ids:
                return "idle"
            db.execute(
                f"UPDATE alerts_outbox SET next_attempt = ? WHERE id IN ({','.join('?' * len(ids))})",
                [now + CLAIM_LEASE, *ids],
            )
            state["last_attempt"] = now
            self._save_state(db, state, now)
        return ids, SEPARATOR.join(parts)

    def _save_state(self, db: Database, state: dict[str, Any], now: int) -> None:
        db.execute(
            "INSERT INTO checkpoints (job, cursor, state_json, updated_at) VALUES (?, NULL, ?, ?)"
            " ON CONFLICT (job) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at",
            [SENDER_CHECKPOINT, json.dumps(state), now],
        )

    def _mark_sent(self, db: Database, ids: list[int], now: int) -> None:
        with write_tx(db):
            db.execute(
                "UPDATE alerts_outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL"
                f" WHERE id IN ({','.join('?' * len(ids))})",
                [now, *ids],
            )

    def _pause(self, db: Database, ids: list[int], now: int, failure: TelegramError) -> str:
        """The token or chat is refused: keep the alerts queued as they were (no attempt counted,
        due as soon as the sender resumes) and pause every sender using these settings."""
        error = redact(str(failure))[:500]
        with write_tx(db):
            db.execute(
                f"UPDATE alerts_outbox SET next_attempt = ?, last_error = ? WHERE id IN ({','.join('?' * len(ids))})",
                [now, error, *ids],
            )
            state = _read_state(db)
            state["paused"] = {"fingerprint": self.fingerprint(), "reason": error, "since": now}
            self._save_state(db, state, now)
        return "paused"

    def _mark_uncertain(self, db: Database, ids: list[int], failure: TelegramError) -> str:
        error = (
            f"{redact(str(failure))[:300]}; not sent again on its own (it could arrive twice): check the "
            "chat, then `pmtui alerts requeue --uncertain` to send it again"
        )
        with write_tx(db):
            db.execute(
                "UPDATE alerts_outbox SET status = 'uncertain', attempts = attempts + 1, last_error = ?"
                f" WHERE id IN ({','.join('?' * len(ids))})",
                [error, *ids],
            )
        return "uncertain"

    def _backoff(self, attempts: int) -> float:
        return float(min(self.alerts.retry_max, self.alerts.retry_base * 2 ** max(0, attempts - 1)))

    def _mark_failed(self, db: Database, ids: list[int], now: int, failure: TelegramError) -> str:
        error = redact(str(failure))[:500]
        gave_up = 0
        with write_tx(db):
            for alert_id in ids:
                attempts = (
                    int(
                        db.execute("SELECT attempts FROM alerts_outbox WHERE id = ?", [alert_id]).fetchone()[
                            0
                        ]
                    )
                    + 1
                )
                give_up = failure.permanent or attempts >= self.alerts.max_attempts
                wait = failure.retry_after if failure.retry_after is not None else self._backoff(attempts)
                gave_up += give_up
                db.execute(
                    "UPDATE alerts_outbox SET attempts = ?, last_error = ?, next_attempt = ?, status = ? WHERE id = ?",
                    [attempts, error, int(now + wait), "failed" if give_up else "pending", alert_id],
                )
            if failure.retry_after is not None:
                state = _read_state(db)
                state["not_before"] = now + failure.retry_after
                self._save_state(db, state, now)
        return "failed" if gave_up == len(ids) else "retry"

    # --- background loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> None:
        """Loop until `stop` (or `self.stop()`) is set; never raises."""
        stop = stop or self._stop
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # keep the loop alive whatever one pass hits (locked db, disk full…)
                log.error("alert sender pass failed: %s", redact(f"{type(exc).__name__}: {exc}"))
            stop.wait(self.alerts.poll_interval)
        self.close()

    def start(self) -> threading.Thread:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="pmtui-alerts", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
