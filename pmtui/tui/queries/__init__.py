"""What the tabs read from (and the few things they write to) the store. No widgets here.

Every function takes a `Database` opened by the calling thread: the app runs them in thread workers,
each with its own short-lived connection (`open_store`), so the UI thread never touches SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from pmtui.store import connect


@contextmanager
def open_store(path: Path | str, *, busy_timeout: float = 30.0) -> Iterator[Database]:
    """A connection for this thread only, closed on exit. The schema was migrated at app start."""
    db = connect(path, busy_timeout=busy_timeout, migrate=False)
    try:
        yield db
    finally:
        db.conn.close()
