"""Writing markets, their tokens, events and tags. Idempotent: unchanged data writes nothing.

Each market row carries a content hash of every column the API owns. An upsert reads the stored
hashes of the batch (one query per 500 ids), inserts new markets, updates only those whose hash
changed, and reports what happened (new / updated / unchanged / newly resolved) so the collector's
summary can say it and the taxonomy hook gets the changed ids. Columns owned by others (`category`,
`cluster_id`, `features_json` by the taxonomy; `watched` by the TUI; `history_fetched_at` by the
history job; `first_seen`) are never in an UPDATE. Everything is executemany with parameters.
Callers wrap a batch in `write_tx` (the functions also do, which nests as a savepoint).
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from sqlite_utils import Database

from pmtui.polymarket.models import Event, Market, Tag
from pmtui.store.db import write_tx

# The columns the API owns, in row order. `content_hash`, `first_seen`, `updated_at` follow.
API_COLUMNS: tuple[str, ...] = (
    "id",
    "condition_id",
    "question",
    "slug",
    "description",
    "event_id",
    "event_slug",
    "event_title",
    "series_slug",
    "group_item_title",
    "outcomes_json",
    "token_ids_json",
    "prices_json",
    "yes_price",
    "best_bid",
    "best_ask",
    "last_trade",
    "one_day_change",
    "volume",
    "volume_24h",
    "liquidity",
    "start_date",
    "end_date",
    "closed_time",
    "created_at",
    "active",
    "closed",
    "accepting_orders",
    "enable_order_book",
    "neg_risk",
    "neg_risk_market_id",
    "uma_status",
    "resolution",
    "winner",
    "fee_rate",
    "fee_exponent",
    "fee_type",
    "tick_size",
    "min_size",
    "tags_json",
    "source",
    "resolution_source",
)
OWNED_ELSEWHERE = frozenset({"category", "cluster_id", "features_json", "watched", "history_fetched_at"})

_INSERT_SQL = (
    f"INSERT INTO markets ({', '.join(API_COLUMNS)}, content_hash, first_seen, updated_at) "
    f"VALUES ({', '.join('?' for _ in API_COLUMNS)}, ?, ?, ?)"
)
_UPDATE_SQL = (
    "UPDATE markets SET "
    + ", ".join(f"{c} = ?" for c in API_COLUMNS[1:])
    + ", content_hash = ?, updated_at = ? WHERE id = ?"
)
_SQLITE_MAX_VARS = 500


@dataclass
class UpsertResult:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    resolved: list[str] = field(default_factory=list)
    """Markets that became resolved or void with this write (new ones included)."""
    settled: list[int] = field(default_factory=list)
    """Paper positions settled because of those resolutions (filled in by `collect.ingest.store_batch`)."""

    @property
    def changed_ids(self) -> list[str]:
        return self.new + self.updated

    def add(self, other: UpsertResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.resolved += other.resolved
        self.settled += other.settled


# One encoder, built once: json.dumps with keyword arguments builds a new encoder on every call.
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _json_list(values: Sequence[Any]) -> str:
    try:
        # Lists of strings (outcomes, token ids, tags) are most of these: joining the escaped items
        # gives the very bytes the encoder would, without it setting itself up on every call.
        return "[" + ",".join(map(encode_basestring, values)) + "]"
    except TypeError:  # an item that is not a string (prices): the encoder proper
        return _encode_json(values if isinstance(values, list) else list(values))


def market_row(m: Market) -> tuple[Any, ...]:
    """The API-owned column values of `m`, in `API_COLUMNS` order."""
    return (
        m.id,
        m.condition_id,
        m.question,
        m.slug,
        m.description,
        m.event_id,
        m.event_slug,
        m.event_title,
        m.series_slug,
        m.group_item_title,
        _json_list(m.outcomes),
        _json_list(m.token_ids),
        _json_list(m.prices),
        m.yes_price,
        m.best_bid,
        m.best_ask,
        m.last_trade,
        m.one_day_change,
        m.volume,
        m.volume_24h,
        m.liquidity,
        m.start_date,
        m.end_date,
        m.closed_time,
        m.created_at,
        int(m.active),
        int(m.closed),
        int(m.accepting_orders),
        int(m.enable_order_book),
        int(m.neg_risk),
        m.neg_risk_market_id,
        m.uma_status,
        m.resolution,
        m.winner,
        m.fee_rate,
        m.fee_exponent,
        m.fee_type,
        m.tick_size,
        m.min_size,
        _json_list(m.tags),
        m.source,
        m.resolution_source,
    )


def content_hash(row: tuple[Any, ...]) -> str:
    """A digest of the row's values (str, int, float, None), equal exactly when the values are.

    Pickled rather than repr()'d: repr() spent ~20 us a row, mostly formatting floats, pickle ~4 us.
    Protocol pinned so a new Python default cannot change every stored hash; `fast` turns the memo
    off, so two equal strings that happen to be one object or two still give the same bytes.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(row)
    return hashlib.blake2b(buffer.getvalue(), digest_size=12).hexdigest()


def _chunks(items: Sequence[str], size: int = _SQLITE_MAX_VARS) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stored(db: Database, ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """id -> (content_hash, resolution) of the stored markets among `ids`."""
    found: dict[str, tuple[str | None, str]] = {}
    for chunk in _chunks(ids):
        placeholders = ", ".join("?" for _ in chunk)  # only "?" markers are formatted in, never values
        for market_id, stored_hash, resolution in db.execute(
            f"SELECT id, content_hash, resolution FROM markets WHERE id IN ({placeholders})", list(chunk)
        ):
            found[market_id] = (stored_hash, resolution)
    return found


def upsert_markets(db: Database, markets: Iterable[Market], *, now: int | None = None) -> UpsertResult:
    """Insert new markets, update changed ones (and their tokens), skip unchanged ones."""
    now = int(now if now is not None else time.time())
    latest: dict[str, Market] = {m.id: m for m in markets}  # a market listed twice: the last wins
    if not latest:
        return UpsertResult()
    ids = list(latest)
    stored = _stored(db, ids)
    result = UpsertResult()
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    changed: list[Market] = []
    for market_id in ids:
        market = latest[market_id]
        row = market_row(market)
        digest = content_hash(row)
        previous = stored.get(market_id)
        if previous is None:
            inserts.append((*row, digest, now, now))
            result.new.append(market_id)
        elif previous[0] != digest:
            updates.append((*row[1:], digest, now, market_id))
            result.updated.append(market_id)
        else:
            result.unchanged += 1
            continue
        changed.append(market)
        if market.resolution != "unresolved" and (previous is None or previous[1] == "unresolved"):
            result.resolved.append(market_id)
    with write_tx(db):
        if inserts:
            db.conn.executemany(_INSERT_SQL, inserts)
        if updates:
            db.conn.executemany(_UPDATE_SQL, updates)
        _write_tokens(db, changed)
    return result


def _write_tokens(db: Database, markets: Sequence[Market]) -> None:
    rows = [
        (token, m.id, index, m.outcomes[index] if index < len(m.outcomes) else "")
        for m in markets
        for index, token in enumerate(m.token_ids)
    ]
    if rows:
        db.conn.executemany(
            "INSERT INTO tokens (token_id, market_id, outcome_index, outcome) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (token_id) DO UPDATE SET market_id = excluded.market_id, "
            "outcome_index = excluded.outcome_index, outcome = excluded.outcome "
            "WHERE (market_id, outcome_index, outcome) IS NOT (excluded.market_id, excluded.outcome_index, excluded.outcome)",
            rows,
        )


def upsert_events(db: Database, events: Iterable[Event], *, now: int | None = None) -> int:
    """Insert or update events; rows whose values are unchanged are not written. Returns rows written."""
    now = int(now if now is not None else time.time())
    rows = {
        e.id: (
            e.id,
            e.slug,
            e.title,
            e.series_slug,
            int(e.neg_risk),
            _json_list(e.tags),
            e.start_date,
            e.end_date,
            int(e.closed),
            now,
        )
        for e in events
    }
    if not rows:
        return 0
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT INTO events (id, slug, title, series_slug, neg_risk, tags_json, start_date, end_date, closed, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, title = excluded.title, "
            "series_slug = excluded.series_slug, neg_risk = excluded.neg_risk, tags_json = excluded.tags_json, "
            "start_date = excluded.start_date, end_date = excluded.end_date, closed = excluded.closed, "
            "updated_at = excluded.updated_at "
            "WHERE (slug, title, series_slug, neg_risk, tags_json, start_date, end_date, closed) IS NOT "
            "(excluded.slug, excluded.title, excluded.series_slug, excluded.neg_risk, excluded.tags_json, "
            "excluded.start_date, excluded.end_date, excluded.closed)",
            list(rows.values()),
        )
        return db.conn.total_changes - before


def upsert_tags(db: Database, tags: Iterable[Tag]) -> int:
    rows = {t.id: (t.id, t.label, t.slug) for t in tags}
    if not rows:
        return 0
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT INTO tags (id, label, slug) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET label = excluded.label, slug = excluded.slug "
            "WHERE (label, slug) IS NOT (excluded.label, excluded.slug)",
            list(rows.values()),
        )
        return db.conn.total_changes - before


def set_watched(db: Database, market_ids: Iterable[str], watched: bool = True) -> int:
    """Mark markets as watched (their history and quotes are kept fresh). Returns rows changed."""
    ids = list(dict.fromkeys(market_ids))
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany("UPDATE markets SET watched = ? WHERE id = ?", [(int(watched), i) for i in ids])
        return db.conn.total_changes - before
