"""`pmtui import FILE`: market files into the store, and the writer that puts markets there.

The writer (`write_markets`) upserts markets, their tokens, a minimal event row and the outcome-0 price
history in batches, each batch one `write_tx` transaction, with parameterised `executemany` only.
It is idempotent: a record whose content hash matches the stored row is left alone, price points are
keyed by (token, time) and only rewritten when the price differs. On conflict it keeps what the file
does not know: `category` (unless the file gives one; then `category_source` = 'file' so the taxonomy
keeps it), `cluster_id`, `features_json` (unless given),
`watched`, `first_seen`, and any field the file leaves empty (a thin history-format line never wipes
the token ids or fee schedule a collector stored).

The demo generator uses the same writer with `source='demo'`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path
from typing import Any

import numpy as np
from sqlite_utils import Database

from pmtui.polymarket.files import BadLine, FileRecord, SkippedPlaceholder, read_market_file
from pmtui.polymarket.models import Market
from pmtui.store import write_tx

BATCH = 500


@dataclass(slots=True)
class MarketWrite:
    """One market to store, with what the writer needs beyond the parsed `Market`."""

    market: Market
    history_t: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    history_p: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    """Outcome-0 price history, sorted by time (unix seconds, price in [0, 1])."""
    category: str | None = None
    features: dict[str, Any] | None = None


@dataclass(slots=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    price_points: int = 0
    """Price rows inserted or changed."""

    def add(self, other: WriteCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.price_points += other.price_points


@dataclass(slots=True)
class ImportReport:
    path: str
    records: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    bad_lines: list[BadLine] = field(default_factory=list)
    placeholders: int = 0
    market_ids: list[str] = field(default_factory=list)
    """Ids of the good records, in file order (for the taxonomy hook after an import)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "records": self.records,
            "inserted": self.counts.inserted,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "price_points_written": self.counts.price_points,
            "placeholders_skipped": self.placeholders,
            "bad_lines": [
                {"line": b.line, "reason": b.reason, "record_id": b.record_id} for b in self.bad_lines
            ],
        }


# --- the writer ------------------------------------------------------------------------------------

_MARKET_COLUMNS = [
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
    "category",
    "category_source",
    "features_json",
    "source",
    "content_hash",
    "first_seen",
    "updated_at",
]

# Columns a file may leave empty: keep the stored value then.
_KEEP_IF_NULL = [
    "condition_id",
    "slug",
    "description",
    "event_id",
    "event_slug",
    "event_title",
    "series_slug",
    "group_item_title",
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
    "neg_risk_market_id",
    "uma_status",
    "fee_rate",
    "fee_exponent",
    "fee_type",
    "tick_size",
    "min_size",
    "category",
    "category_source",
]
_NEVER_UPDATED = {"id", "first_seen"}


def _upsert_sql() -> str:
    assignments = []
    for column in _MARKET_COLUMNS:
        if column in _NEVER_UPDATED:
            continue
        if column in _KEEP_IF_NULL:
            assignments.append(f"{column} = COALESCE(excluded.{column}, markets.{column})")
        elif column in ("token_ids_json", "prices_json", "tags_json"):
            assignments.append(
                f"{column} = CASE WHEN excluded.{column} = '[]' THEN markets.{column} ELSE excluded.{column} END"
            )
        elif column == "features_json":
            assignments.append(
                "features_json = CASE WHEN excluded.features_json = '{}' THEN markets.features_json "
                "ELSE excluded.features_json END"
            )
        else:
            assignments.append(f"{column} = excluded.{column}")
    placeholders = ", ".join("?" for _ in _MARKET_COLUMNS)
    return (
        f"INSERT INTO markets ({', '.join(_MARKET_COLUMNS)}) VALUES ({placeholders}) "
        f"ON CONFLICT(id) DO UPDATE SET {', '.join(assignments)}"
    )


_UPSERT_MARKET = _upsert_sql()
_UPSERT_TOKEN = (
    "INSERT INTO tokens (token_id, market_id, outcome_index, outcome) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(token_id) DO UPDATE SET market_id = excluded.market_id, "
    "outcome_index = excluded.outcome_index, outcome = excluded.outcome"
)
_UPSERT_PRICE = (
    "INSERT INTO prices (token_id, t, p) VALUES (?, ?, ?) "
    "ON CONFLICT(token_id, t) DO UPDATE SET p = excluded.p WHERE prices.p IS NOT excluded.p"
)
_INSERT_EVENT = (
    "INSERT INTO events (id, slug, title, series_slug, neg_risk, closed, source, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING"
)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _market_values(item: MarketWrite) -> dict[str, Any]:
    m = item.market
    return {
        "id": m.id,
        "condition_id": m.condition_id,
        "question": m.question,
        "slug": m.slug,
        "description": m.description,
        "event_id": m.event_id,
        "event_slug": m.event_slug,
        "event_title": m.event_title,
        "series_slug": m.series_slug,
        "group_item_title": m.group_item_title,
        "outcomes_json": _json(m.outcomes),
        "token_ids_json": _json(m.token_ids),
        "prices_json": _json(m.prices),
        "yes_price": m.yes_price,
        "best_bid": m.best_bid,
        "best_ask": m.best_ask,
        "last_trade": m.last_trade,
        "one_day_change": m.one_day_change,
        "volume": m.volume,
        "volume_24h": m.volume_24h,
        "liquidity": m.liquidity,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "closed_time": m.closed_time,
        "created_at": m.created_at,
        "active": int(m.active),
        "closed": int(m.closed),
        "accepting_orders": int(m.accepting_orders),
        "enable_order_book": int(m.enable_order_book),
        "neg_risk": int(m.neg_risk),
        "neg_risk_market_id": m.neg_risk_market_id,
        "uma_status": m.uma_status,
        "resolution": m.resolution,
        "winner": m.winner,
        "fee_rate": m.fee_rate,
        "fee_exponent": m.fee_exponent,
        "fee_type": m.fee_type,
        "tick_size": m.tick_size,
        "min_size": m.min_size,
        "tags_json": _json(m.tags),
        "category": item.category.strip() if item.category and item.category.strip() else None,
        # A category the file states wins over the taxonomy's rules (pmtui.taxonomy.categorize).
        "category_source": "file" if item.category and item.category.strip() else None,
        "features_json": _json(item.features) if item.features else "{}",
        "source": m.source,
    }


def _content_hash(values: dict[str, Any], item: MarketWrite) -> str:
    digest = hashlib.sha1(_json(values).encode("utf-8"))
    digest.update(np.ascontiguousarray(item.history_t, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(item.history_p, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _batches(items: Iterable[MarketWrite], size: int) -> Iterator[list[MarketWrite]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def write_markets(db: Database, items: Iterable[MarketWrite], *, batch_size: int = BATCH) -> WriteCounts:
    """Upsert `items` (see the module docstring for what is kept on conflict). Idempotent."""
    total = WriteCounts()
    for batch in _batches(items, batch_size):
        total.add(_write_batch(db, batch))
    return total


def _write_batch(db: Database, batch: Sequence[MarketWrite]) -> WriteCounts:
    counts = WriteCounts()
    now = int(time.time())
    ids = list(dict.fromkeys(item.market.id for item in batch))
    with write_tx(db):
        existing = _existing(db, ids)
        market_rows: list[tuple[Any, ...]] = []
        token_rows: list[tuple[str, str, int, str]] = []
        event_rows: list[tuple[Any, ...]] = []
        price_rows: list[Iterable[tuple[str, int, float]]] = []
        for item in batch:
            m = item.market
            values = _market_values(item)
            content_hash = _content_hash(values, item)
            stored = existing.get(m.id)
            if stored is not None and stored[0] == content_hash:
                counts.unchanged += 1
                continue
            if stored is None:
                counts.inserted += 1
            else:
                counts.updated += 1
            values["content_hash"] = content_hash
            values["first_seen"] = now
            values["updated_at"] = now
            market_rows.append(tuple(values[c] for c in _MARKET_COLUMNS))
            stored_tokens = stored[1] if stored is not None else []
            token_ids = m.token_ids or stored_tokens
            existing[m.id] = (content_hash, token_ids)
            token_rows.extend(
                (token, m.id, index, m.outcomes[index] if index < len(m.outcomes) else str(index))
                for index, token in enumerate(m.token_ids)
            )
            if m.event_id:
                event_rows.append(
                    (
                        m.event_id,
                        m.event_slug,
                        m.event_title,
                        m.series_slug,
                        int(m.neg_risk),
                        0,
                        m.source,
                        now,
                    )
                )
            if len(item.history_t):
                # The series key of the stored market: its first token when it has one (possibly
                # from an earlier API collection), else the `pmtui:<id>:0` key of token-less markets.
                key = token_ids[0] if token_ids else f"pmtui:{m.id}:0"
                price_rows.append(
                    zip(
                        repeat(key),
                        np.asarray(item.history_t).tolist(),
                        np.asarray(item.history_p).tolist(),
                        strict=False,
                    )
                )
        conn = db.conn
        conn.executemany(_UPSERT_MARKET, market_rows)
        conn.executemany(_UPSERT_TOKEN, token_rows)
        conn.executemany(_INSERT_EVENT, event_rows)
        before = conn.total_changes
        for rows in price_rows:
            conn.executemany(_UPSERT_PRICE, rows)
        counts.price_points = conn.total_changes - before
    return counts


def _existing(db: Database, ids: Sequence[str]) -> dict[str, tuple[str | None, list[str]]]:
    if not ids:
        return {}
    rows = db.execute(
        "SELECT m.id, m.content_hash, m.token_ids_json FROM json_each(?) j JOIN markets m ON m.id = j.value",
        [_json(list(ids))],
    ).fetchall()
    return {row[0]: (row[1], json.loads(row[2] or "[]")) for row in rows}


# --- importing a file ------------------------------------------------------------------------------


def import_file(db: Database, path: Path | str) -> ImportReport:
    """Import every good record of `path`; bad lines are reported (and logged to the errors table).

    Raises OSError / UnicodeDecodeError when the file cannot be read at all.
    """
    report = ImportReport(path=str(path))

    def good_records() -> Iterator[MarketWrite]:
        for item in read_market_file(path, source="import"):
            if isinstance(item, FileRecord):
                report.records += 1
                report.market_ids.append(item.market.id)
                history = item.history
                yield MarketWrite(
                    market=item.market,
                    history_t=np.fromiter((t for t, _ in history), dtype=np.int64, count=len(history)),
                    history_p=np.fromiter((p for _, p in history), dtype=np.float64, count=len(history)),
                    category=item.category,
                )
            elif isinstance(item, SkippedPlaceholder):
                report.placeholders += 1
            else:
                report.bad_lines.append(item)

    report.counts = write_markets(db, good_records())
    _record_bad_lines(db, str(path), report.bad_lines)
    return report


def _record_bad_lines(db: Database, path: str, bad_lines: Sequence[BadLine]) -> None:
    """Into the errors table, once per distinct problem (re-importing the file adds nothing)."""
    if not bad_lines:
        return
    now = int(time.time())
    messages = [(bad, f"{path}:{bad.line}: {bad.reason}") for bad in bad_lines]
    rows = [(now, "import", "bad_line", bad.record_id, message, path, message) for bad, message in messages]
    with write_tx(db):
        db.conn.executemany(
            "INSERT INTO errors (t, source, kind, record_id, message, payload) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM errors WHERE source = 'import' AND kind = 'bad_line' AND message = ?)",
            rows,
        )
