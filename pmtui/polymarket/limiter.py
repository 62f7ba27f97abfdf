"""One rate limiter for every pmtui worker and process on the machine: a sliding-window log in SQLite.

Each request counts against every limit group it belongs to (`endpoints.limit_groups`: the specific
endpoint group such as `gamma:/markets`, a combined listing group, the API-wide group). A group
allows `published budget × safety factor` requests per window (`[limits]` in the config). The log of
recent calls lives in one SQLite file (`limits.state_file`, env `PMTUI_LIMITER_DB`), so the TUI and
`pmtui collect` running side by side stay under the limits *together*.

`acquire()` is atomic across processes: it checks and records inside one `BEGIN IMMEDIATE`
transaction, which SQLite serializes between processes. When a group is full it computes how long
until the oldest counted call leaves the window and `await asyncio.sleep`s that long: it waits rather
than fails, never holds the event loop (the SQLite work is one sub-millisecond transaction; a locked
file is retried after a short async sleep, not waited on), and is cancellable at every wait.

When a server answers 429/503 with Retry-After, `block()` records a hold-off for the request's groups
in the same file, so every process pauses, not only the one that was told.

Why not pyrate-limiter's SQLite bucket (the issue's suggestion): in 4.5 its multi-process use needs
an extra FileLock dependency, and its async path blocks the event loop while it waits; the whole
mechanism needed here is ~150 lines over the stdlib `sqlite3`, with the waiting done in asyncio.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pmtui.config import LimitSettings

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS calls (grp TEXT NOT NULL, t REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS calls_grp_t ON calls (grp, t)",
    "CREATE TABLE IF NOT EXISTS blocks (grp TEXT PRIMARY KEY, until REAL NOT NULL)",
)
# How long one attempt may wait for another process's transaction before we step back into the event
# loop. Transactions here last well under a millisecond, so this is only hit under heavy contention.
_LOCK_TIMEOUT = 0.05
# Sleeping exactly to the edge of the window can land a hair early on a coarse clock.
_EPSILON = 0.002


@dataclass(frozen=True, slots=True)
class GroupUsage:
    """Calls counted in the current window against a group's budget (for the TUI status bar)."""

    group: str
    calls: int
    budget: int
    blocked_for: float = 0.0
    """Seconds left on a server-imposed hold-off (Retry-After), 0 if none."""

    @property
    def fraction(self) -> float:
        return self.calls / self.budget if self.budget else 0.0


class RateLimiter:
    """Budgets per limit group, shared through `state_file`. Safe to share between asyncio tasks and
    threads of one process (each thread gets its own SQLite connection)."""

    def __init__(
        self,
        limits: LimitSettings,
        *,
        state_file: Path | str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.window = float(limits.window)
        self.budgets: dict[str, int] = {group: limits.effective_budget(group) for group in limits.budgets}
        self.state_file = Path(state_file if state_file is not None else limits.state_file)
        # Wall-clock time: it is the only clock that processes share.
        self._clock = clock
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()

    # --- connection --------------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.state_file), timeout=_LOCK_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            self._setup(conn)
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    @staticmethod
    def _setup(conn: sqlite3.Connection) -> None:
        # Several processes may create the file at once: retry while another one holds the lock.
        deadline = time.monotonic() + 10
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("COMMIT")
                return
            except sqlite3.OperationalError:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01 + random.random() * 0.02)

    def close(self) -> None:
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    # --- acquiring ---------------------------------------------------------------------------------

    def enforced(self, groups: Iterable[str]) -> list[str]:
        """The groups of `groups` that have a budget."""
        return [g for g in dict.fromkeys(groups) if g in self.budgets]

    def try_acquire(self, groups: Sequence[str]) -> float:
        """Take one slot in every group and return 0.0, or take nothing and return the seconds to wait.

        One short transaction; raises sqlite3.OperationalError if the file stayed locked for
        `_LOCK_TIMEOUT` (the async `acquire` retries that).
        """
        enforced = self.enforced(groups)
        if not enforced:
            return 0.0
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            now = self._clock()
            wait = 0.0
            for group in enforced:
                # Drop calls that left the window, and any "from the future" left by a clock step back.
                conn.execute(
                    "DELETE FROM calls WHERE grp = ? AND (t <= ? OR t > ?)",
                    (group, now - self.window, now + 1),
                )
                row = conn.execute("SELECT until FROM blocks WHERE grp = ?", (group,)).fetchone()
                if row is not None and row[0] > now:
                    wait = max(wait, row[0] - now)
                count = conn.execute("SELECT COUNT(*) FROM calls WHERE grp = ?", (group,)).fetchone()[0]
                budget = self.budgets[group]
                if count >= budget:
                    # The call whose expiry frees a slot: the (count - budget + 1)-th oldest.
                    oldest = conn.execute(
                        "SELECT t FROM calls WHERE grp = ? ORDER BY t LIMIT 1 OFFSET ?",
                        (group, count - budget),
                    ).fetchone()[0]
                    wait = max(wait, oldest + self.window - now)
            if wait <= 0:
                conn.executemany("INSERT INTO calls (grp, t) VALUES (?, ?)", [(g, now) for g in enforced])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return max(0.0, wait)

    async def acquire(self, groups: Sequence[str]) -> float:
        """Wait until every group has room, take a slot in each. Returns the seconds spent waiting."""
        started = time.monotonic()
        while True:
            try:
                wait = self.try_acquire(groups)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                wait = 0.005 + random.random() * 0.02
            else:
                if wait <= 0:
                    return time.monotonic() - started
                wait += _EPSILON
            await asyncio.sleep(wait)

    def block(self, groups: Sequence[str], seconds: float) -> None:
        """Hold every process off `groups` for `seconds` (a server's Retry-After)."""
        enforced = self.enforced(groups)
        if not enforced or seconds <= 0:
            return
        conn = self._conn()
        until = self._clock() + seconds
        for _ in range(100):
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError:
                time.sleep(0.005)
        else:  # pragma: no cover - the file is wedged; the caller still waits out its own Retry-After
            return
        try:
            conn.executemany(
                "INSERT INTO blocks (grp, until) VALUES (?, ?) "
                "ON CONFLICT (grp) DO UPDATE SET until = max(until, excluded.until)",
                [(g, until) for g in enforced],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # --- reporting ---------------------------------------------------------------------------------

    def usage(self, groups: Iterable[str] | None = None) -> list[GroupUsage]:
        """Calls in the last window vs budget, per group (all budgeted groups by default), read-only."""
        wanted = self.enforced(groups) if groups is not None else list(self.budgets)
        conn = self._conn()
        now = self._clock()
        counts = dict(
            conn.execute(
                "SELECT grp, COUNT(*) FROM calls WHERE t > ? AND t <= ? GROUP BY grp",
                (now - self.window, now + 1),
            ).fetchall()
        )
        blocks = dict(conn.execute("SELECT grp, until FROM blocks WHERE until > ?", (now,)).fetchall())
        return [
            GroupUsage(g, int(counts.get(g, 0)), self.budgets[g], max(0.0, blocks.get(g, now) - now))
            for g in wanted
        ]
