"""`pmtui import FILE`: market files into the store, through the one market writer.

Records are written in batches by `pmtui.store.markets.write_markets` with `keep_missing=True`:
idempotent (a record whose content hash matches the stored row is left alone, price points are keyed
by (token, time)), categorized in the same transaction (a category the file states is kept, with
`category_source = 'file'`), and keeping what the file does not know (`cluster_id`, `watched`,
`first_seen`, and any field the file leaves empty: a thin history-format line never wipes the token
ids or fee schedule a collector stored). Each batch also inserts the events its markets name, when
they are not stored yet.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pmtui.polymarket.files import BadLine, FileRecord, SkippedPlaceholder, read_market_file
from pmtui.store import write_tx
from pmtui.store.markets import (
    Categorize,
    MarketWrite,
    WriteResult,
    event_stubs,
    upsert_events,
    write_markets,
)
from pmtui.taxonomy.categorize import store_categorizer

BATCH = 500


@dataclass(slots=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    price_points: int = 0
    """Price rows inserted or changed."""
    categorized: int = 0

    def add(self, result: WriteResult) -> None:
        self.inserted += len(result.new)
        self.updated += len(result.updated)
        self.unchanged += result.unchanged
        self.price_points += result.price_points
        self.categorized += result.categorized


@dataclass(slots=True)
class ImportReport:
    path: str
    records: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    bad_lines: list[BadLine] = field(default_factory=list)
    placeholders: int = 0

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


# --- importing a file ------------------------------------------------------------------------------


def import_file(db: Database, path: Path | str, *, categorize: Categorize | None = None) -> ImportReport:
    """Import every good record of `path`; bad lines are reported (and logged to the errors table).
    `categorize`: the market writer's categorizer; by default the taxonomy's (`store_categorizer()`,
    which raises RuleFileError for a bad user rule file before anything is read).

    Raises OSError / UnicodeDecodeError when the file cannot be read at all.
    """
    categorize = categorize or store_categorizer()
    report = ImportReport(path=str(path))

    def good_records() -> Iterator[MarketWrite]:
        for item in read_market_file(path, source="import"):
            if isinstance(item, FileRecord):
                report.records += 1
                history = item.history
                yield MarketWrite(
                    market=item.market,
                    history_t=[t for t, _ in history],
                    history_p=[p for _, p in history],
                    category=item.category,
                )
            elif isinstance(item, SkippedPlaceholder):
                report.placeholders += 1
            else:
                report.bad_lines.append(item)

    records = good_records()
    while batch := list(islice(records, BATCH)):
        with write_tx(db):
            upsert_events(db, event_stubs(w.market for w in batch), source="import", only_new=True)
            report.counts.add(write_markets(db, batch, categorize=categorize, keep_missing=True))
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
