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

from pmtui.store.schema import known_migrations, migrations


class StoreError(Exception):
    """The store cannot be used: not a SQLite file, read-only, unreadable, locked, or written by a
    newer pmtui. `str()` is the one line shown to the user."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"store {self.path}: {problem}")


def connect(path: Path | str, *, busy_timeout: float = 30.0, migrate: bool = True) -> Database:
    """A Database on `path` (created with its folder if missing), migrated to the latest schema.
    Raises StoreError when the file cannot be used as the store."""
    if str(path) != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(path, f"cannot create its folder: {exc.strerror or exc}") from exc
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(path, explain(exc)) from exc
    try:
        return _setup(conn, path, busy_timeout, migrate)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(path, explain(exc)) from exc
        raise


def _setup(conn: sqlite3.Connection, path: Path | str, busy_timeout: float, migrate: bool) -> Database:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    _use_wal(conn, busy_timeout)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    db = Database(conn)
    pending = _pending_migrations(db, path)
    if migrate and pending:
        # Under the write lock, so two processes opening a fresh file at once (the TUI and
        # `pmtui collect`) do not both run the same migration; the loser re-checks and finds none.
        with write_tx(db):
            migrations.apply(db)
    return db


def _pending_migrations(db: Database, path: Path | str) -> bool:
    """True when this pmtui has migrations the store lacks. Raises StoreError for a store written by
    a newer pmtui (migrations this one does not know): its tables may not mean what ours do."""
    applied = [m.name for m in migrations.applied(db)]
    known = known_migrations()
    unknown = [name for name in applied if name not in set(known)]
    if unknown:
        raise StoreError(
            path,
            f"written by a newer pmtui (schema version {unknown[-1]}; this pmtui knows up to "
            f"{known[-1]}): upgrade pmtui, or point PMTUI_DB / [database] path at another file",
        )
    return len(set(applied)) < len(known)


def explain(exc: sqlite3.Error) -> str:
    """What a SQLite error met while opening the store means for the user, in one line."""
    message = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "file is not a database" in message:
        return "is not a pmtui database (SQLite says: file is not a database)"
    if "readonly" in message or "read-only" in message:
        return f"is read-only, and pmtui needs to write to its store ({message})"
    if "unable to open" in message:
        return (
            f"cannot be opened ({message}): check that it is a file you can read and write, "
            "in a folder you can write to"
        )
    if "locked" in message:
        return f"is locked by another process past the busy timeout ({message})"
    return f"cannot be used ({type(exc).__name__}: {message})"


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
