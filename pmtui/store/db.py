"""Opening the SQLite store: WAL, busy timeout, migrations.

Every thread opens its own connection (sqlite3 connections must not cross threads). WAL lets the TUI
read while a collector writes; `synchronous=NORMAL` with WAL still never corrupts the file on a crash
or `kill -9` (at worst the last transactions are lost).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from pmtui.store.schema import migrations


def connect(path: Path | str, *, busy_timeout: float = 30.0, migrate: bool = True) -> Database:
    """A Database on `path` (created with its folder if missing), migrated to the latest schema."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    _use_wal(conn, busy_timeout)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    db = Database(conn)
    if migrate and migrations.pending(db):
        # Under the write lock, so two processes opening a fresh file at once (the TUI and
        # `pmtui collect`) do not both run the same migration; the loser re-checks and finds none.
        with write_tx(db):
            migrations.apply(db)
    return db


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch a new file to WAL (the mode is stored in the file, so later opens find it set).

    Switching needs a moment of exclusive access, and SQLite answers "database is locked" at once,
    without waiting out the busy timeout, when another connection is opening the same new file (the
    app's collector and monitor threads start together). So the switch is retried until the timeout.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def integrity_ok(db: Database) -> bool:
    return [tuple(row) for row in db.execute("PRAGMA integrity_check").fetchall()] == [("ok",)]


@contextmanager
def write_tx(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads first and then writes can fail at once with SQLITE_BUSY when
    another process committed in between (the busy timeout does not apply to that upgrade); taking
    the lock at BEGIN makes concurrent writers wait their turn instead.
    Nested use falls back to a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            # A COMMIT refused (disk full, I/O error) can leave the transaction open; later
            # write_tx calls would then nest savepoints in it and never commit anything.
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
