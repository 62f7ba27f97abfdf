"""The `api_calls` accounting log, written off the hot path.

The Polymarket client is handed one as its `call_log` and calls `record()` for every request (a queue
append, microseconds); a daemon thread with its own connection
writes the rows in batches every `flush_interval` seconds, in one `write_tx` each. If the database is
busy (another process's transaction), the rows wait for the next flush. `close()` writes what is
left. A `kill -9` loses at most the last second of accounting rows, never stored market data.
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
from pathlib import Path

from sqlite_utils import Database

from pmtui.polymarket.models import ApiCall
from pmtui.store.db import connect, write_tx

log = logging.getLogger(__name__)

MAX_BUFFERED = 50_000
"""Rows kept while the database is unwritable; beyond this the oldest are dropped (with a warning)."""


class ApiCallLog:
    def __init__(
        self, db_path: Path | str, *, flush_interval: float = 1.0, busy_timeout: float = 2.0
    ) -> None:
        self.db_path = db_path
        self.flush_interval = flush_interval
        self.busy_timeout = busy_timeout
        self._queue: queue.SimpleQueue[ApiCall | None] = queue.SimpleQueue()
        self._pending: list[ApiCall] = []
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.written = 0

    def record(self, call: ApiCall) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="pmtui-api-log", daemon=True)
                    self._thread.start()
        self._queue.put(call)

    def close(self) -> None:
        """Write everything recorded so far and stop the writer thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    def _run(self) -> None:
        db = connect(self.db_path, busy_timeout=self.busy_timeout)
        try:
            stopping = False
            while not stopping:
                batch, stopping = self._drain()
                self._pending.extend(batch)
                self._flush(db, final=stopping)
        finally:
            db.close()

    def _drain(self) -> tuple[list[ApiCall], bool]:
        """What is queued after waiting up to one flush interval; True once close() was called."""
        items: list[ApiCall] = []
        try:
            first = self._queue.get(timeout=self.flush_interval)
        except queue.Empty:
            return items, False
        stopping = first is None
        if first is not None:
            items.append(first)
        while True:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                return items, stopping
            if more is None:
                stopping = True
            else:
                items.append(more)

    def _flush(self, db: Database, *, final: bool) -> None:
        if not self._pending:
            return
        rows = [(c.t, c.api, c.endpoint, c.status, c.ms, c.error, self._pid) for c in self._pending]
        attempts = 5 if final else 1
        for _ in range(attempts):
            try:
                with write_tx(db):
                    db.conn.executemany(
                        "INSERT INTO api_calls (t, api, endpoint, status, ms, error, pid) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
            except sqlite3.OperationalError as exc:
                log.debug("api_calls flush deferred: %s", exc)
                continue
            self.written += len(rows)
            self._pending.clear()
            return
        if len(self._pending) > MAX_BUFFERED:
            dropped = len(self._pending) - MAX_BUFFERED
            del self._pending[:dropped]
            log.warning("api_calls: database unwritable, dropped %d accounting rows", dropped)
