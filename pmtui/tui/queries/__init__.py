"""What the tabs read from (and the few things they write to) the store. No widgets here.

Every function takes a connection opened by the calling thread: the app runs them in thread workers,
each with its own short-lived connection, so the UI thread never touches SQLite. Reads take a
`Reader`: a plain sqlite3 connection (`open_reader`, what the first screen uses: it does not import
sqlite-utils) or a sqlite-utils `Database` (`open_store`, what writes and the core's readers take).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlite_utils import Database


class Reader(Protocol):
    """What a read query needs of its connection."""

    def execute(self, sql: str, parameters: Any = ..., /) -> sqlite3.Cursor: ...


@contextmanager
def open_reader(path: Path | str, *, busy_timeout: float = 30.0) -> Iterator[sqlite3.Connection]:
    """A plain connection for this thread's reads, closed on exit (the schema is the app's to migrate)."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA temp_store = MEMORY")
        yield conn
    finally:
        conn.close()


def stop_when(conn: sqlite3.Connection, cancelled: Callable[[], bool], *, every: int = 10_000) -> None:
    """Make the statement running on `conn` fail with `sqlite3.OperationalError` ("interrupted") once
    `cancelled()` is true, checked every `every` SQLite steps: a worker whose result nobody wants any
    more stops at once instead of holding a core until its query is done."""
    conn.set_progress_handler(lambda: int(cancelled()), every)


@contextmanager
def open_store(path: Path | str, *, busy_timeout: float = 30.0) -> Iterator[Database]:
    """A sqlite-utils connection for this thread only, closed on exit. The schema was migrated at app start."""
    from pmtui.store import connect

    db = connect(path, busy_timeout=busy_timeout, migrate=False)
    try:
        yield db
    finally:
        db.conn.close()
