"""Writing prices: history points (idempotent), live quotes, periodic snapshots.

`prices (token_id, t, p)` is keyed on (token, t), so re-fetching a window inserts nothing new
(`INSERT OR IGNORE`). Quotes hold the latest best bid/ask per token; snapshots one row per market and
time. Callers wrap batches in `write_tx` (these functions also do; nested use is a savepoint).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.polymarket.models import PricePoint
from pmtui.store.db import write_tx


@dataclass(frozen=True, slots=True)
class Quote:
    token_id: str
    market_id: str
    best_bid: float | None
    best_ask: float | None
    mid: float | None
    t: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    market_id: str
    t: int
    yes_price: float | None
    best_bid: float | None
    best_ask: float | None
    volume_24h: float | None
    liquidity: float | None


def insert_price_points(db: Database, points: Iterable[PricePoint]) -> int:
    """Store points not stored yet; returns how many were new."""
    rows = [(p.token_id, p.t, p.p) for p in points]
    if not rows:
        return 0
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany("INSERT OR IGNORE INTO prices (token_id, t, p) VALUES (?, ?, ?)", rows)
        return db.conn.total_changes - before


def upsert_quotes(db: Database, quotes: Sequence[Quote]) -> int:
    if not quotes:
        return 0
    with write_tx(db):
        db.conn.executemany(
            "INSERT INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (token_id) DO UPDATE SET market_id = excluded.market_id, best_bid = excluded.best_bid, "
            "best_ask = excluded.best_ask, mid = excluded.mid, t = excluded.t WHERE excluded.t >= quotes.t",
            [(q.token_id, q.market_id, q.best_bid, q.best_ask, q.mid, q.t) for q in quotes],
        )
    return len(quotes)


def insert_snapshots(db: Database, snapshots: Sequence[Snapshot]) -> int:
    if not snapshots:
        return 0
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT OR IGNORE INTO snapshots (market_id, t, yes_price, best_bid, best_ask, volume_24h, liquidity) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (s.market_id, s.t, s.yes_price, s.best_bid, s.best_ask, s.volume_24h, s.liquidity)
                for s in snapshots
            ],
        )
        return db.conn.total_changes - before


def latest_point_time(db: Database, token_id: str) -> int | None:
    row = db.execute("SELECT MAX(t) FROM prices WHERE token_id = ?", [token_id]).fetchone()
    return int(row[0]) if row and row[0] is not None else None
