"""The app's "store changed" signal: a small thread that notices writes by anyone (the in-app jobs,
`pmtui collect` in another terminal, an import) and posts `StoreChanged` with what changed.

Once per `interval` it asks SQLite for `PRAGMA data_version`, which changes only when another
connection has committed (a read of the WAL index, no table touched); only then does it read the
`store_versions` counters (`pmtui.tui.queries.changes`). It never scans a table, so it costs the
same at 500,000 markets as at 2,000. A plain daemon thread rather than a Textual worker: it lives as
long as the app and must not count as "work in progress".
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from pmtui.tui.messages import StoreChanged
from pmtui.tui.queries import open_reader
from pmtui.tui.queries.changes import changed_topics, read_versions

log = logging.getLogger("pmtui.tui.watch")


class StoreWatcher:
    def __init__(
        self, path: Path, *, busy_timeout: float, interval: float, post: Callable[[Message], object]
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.interval = interval
        self._post = post
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.interval > 0:
            self._thread = threading.Thread(target=self._run, name="pmtui-store-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        try:
            with open_reader(self.path, busy_timeout=self.busy_timeout) as db:
                seen = -1
                versions = read_versions(db)
                while not self._stop.wait(self.interval):
                    try:
                        data_version = int(db.execute("PRAGMA data_version").fetchone()[0])
                        if data_version == seen:
                            continue
                        seen = data_version
                        latest = read_versions(db)
                    except sqlite3.Error as exc:  # busy or locked for a moment: ask again next time
                        log.debug("store watch: %s", exc)
                        continue
                    changed = changed_topics(versions, latest)
                    versions = latest
                    if changed:
                        self._post(StoreChanged(changed))
        except Exception:  # the app works without it (tabs still reload on keys and timers)
            log.exception("the store watcher stopped")
