"""`pmtui import FILE`: market files into the store, streamed, through the one market writer.

The file is read record by record (`pmtui.polymarket.files`) and written in batches of `BATCH` by
`pmtui.store.markets.write_markets` with `keep_missing=True`: idempotent (a record whose content hash
matches the stored row is left alone, price points are keyed by (token, time)), categorized in the
same transaction (a category the file states is kept, with `category_source = 'file'`), and keeping
what the file does not know (`cluster_id`, `watched`, `first_seen`, and any field the file leaves
empty: a thin history-format line never wipes the token ids or fee schedule a collector stored). Each
batch also inserts the events its markets name, when they are not stored yet. Memory does not grow
with the file: only the batch in hand and two small per-file tables (below) are kept.

Every bad line is reported with its line number and skipped, and the import goes on. Beyond what the
parser refuses, two things only the whole file shows:
- the same market id on several lines: the last one wins (as a re-import would), and the report says
  so for each later line (`repeated`);
- one CLOB token claimed by two different markets: the later line is a bad line (one token belongs
  to one market; the price series is keyed by it).
They are checked against the lines read so far, kept as 64-bit hashes in temporary tables.
"""

from __future__ import annotations

import json
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


@dataclass(slots=True, frozen=True)
class Repeat:
    """A market id met again: `line` replaces what `first_line` (and any line between) said."""

    line: int
    record_id: str
    first_line: int


@dataclass(slots=True)
class ImportReport:
    path: str
    records: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    bad_lines: list[BadLine] = field(default_factory=list)
    placeholders: int = 0
    repeated: list[Repeat] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "records": self.records,
            "inserted": self.counts.inserted,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "price_points_written": self.counts.price_points,
            "placeholders_skipped": self.placeholders,
            "repeated_ids": [
                {"line": r.line, "record_id": r.record_id, "first_line": r.first_line} for r in self.repeated
            ],
            "bad_lines": [
                {"line": b.line, "reason": b.reason, "record_id": b.record_id} for b in self.bad_lines
            ],
        }


# --- importing a file ------------------------------------------------------------------------------


def import_file(db: Database, path: Path | str, *, categorize: Categorize | None = None) -> ImportReport:
    """Import every good record of `path`; bad lines are reported (and logged to the errors table).
    `categorize`: the market writer's categorizer; by default the taxonomy's (`store_categorizer()`,
    which raises RuleFileError for a bad user rule file before anything is read).

    Raises OSError (EOFError for a truncated .gz) when the file cannot be read at all.
    """
    categorize = categorize or store_categorizer()
    report = ImportReport(path=str(path))
    seen = _Seen(db)

    def records() -> Iterator[FileRecord]:
        for item in read_market_file(path, source="import"):
            if isinstance(item, FileRecord):
                yield item
            elif isinstance(item, SkippedPlaceholder):
                report.placeholders += 1
            else:
                report.bad_lines.append(item)

    stream = records()
    try:
        while batch := list(islice(stream, BATCH)):
            # The duplicate checks write their temporary tables in the batch's transaction: one
            # commit instead of three (~2 us a market), and a batch that fails leaves them unchanged.
            with write_tx(db):
                good = seen.check(batch, report)
                report.records += len(good)
                writes = [_market_write(r) for r in good]
                upsert_events(db, event_stubs(w.market for w in writes), source="import", only_new=True)
                report.counts.add(write_markets(db, writes, categorize=categorize, keep_missing=True))
    finally:
        seen.close()
    report.bad_lines.sort(key=lambda b: b.line)
    _record_bad_lines(db, str(path), report.bad_lines)
    return report


def _market_write(record: FileRecord) -> MarketWrite:
    if not record.history:  # Gamma lines (most files) carry no history
        return MarketWrite(market=record.market, category=record.category)
    return MarketWrite(
        market=record.market,
        history_t=[t for t, _ in record.history],
        history_p=[p for _, p in record.history],
        category=record.category,
    )


class _Seen:
    """Market ids and token ids of the lines read so far, as Python string hashes (stable within one
    process, which is all these temporary tables live for). Two different strings sharing a 64-bit
    hash would make a false "repeated" or "token already belongs" report: about one chance in 10^7
    for a file of a million tokens."""

    def __init__(self, db: Database) -> None:
        self.conn = db.conn
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_ids (key INTEGER PRIMARY KEY, line INTEGER)"
        )
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_tokens (key INTEGER PRIMARY KEY, market_id TEXT, line INTEGER)"
        )
        self.close()

    def close(self) -> None:
        self.conn.execute("DELETE FROM temp.import_ids")
        self.conn.execute("DELETE FROM temp.import_tokens")

    def check(self, batch: Sequence[FileRecord], report: ImportReport) -> list[FileRecord]:
        """The records to write; repeats noted in `report.repeated`, token clashes in `bad_lines`."""
        id_keys = {r.market.id: hash(r.market.id) for r in batch}
        token_keys = {t: hash(t) for r in batch for t in r.market.token_ids}
        ids: dict[int, int] = dict(
            self.conn.execute(
                "SELECT s.key, s.line FROM json_each(?) j JOIN temp.import_ids s ON s.key = j.value",
                (json.dumps(list(id_keys.values())),),
            ).fetchall()
        )
        owners: dict[int, tuple[str, int]] = {
            key: (market_id, line)
            for key, market_id, line in self.conn.execute(
                "SELECT s.key, s.market_id, s.line FROM json_each(?) j JOIN temp.import_tokens s ON s.key = j.value",
                (json.dumps(list(token_keys.values())),),
            ).fetchall()
        }
        good: list[FileRecord] = []
        new_ids: list[tuple[int, int]] = []
        new_tokens: list[tuple[int, str, int]] = []
        for record in batch:
            market = record.market
            clash = next(
                (
                    (token, owners[token_keys[token]])
                    for token in market.token_ids
                    if token_keys[token] in owners and owners[token_keys[token]][0] != market.id
                ),
                None,
            )
            if clash is not None:
                token, (other, other_line) = clash
                report.bad_lines.append(
                    BadLine(
                        record.line,
                        f"shared_token: token {token[:16]}... already belongs to market {other} (line {other_line})",
                        market.id,
                    )
                )
                continue
            key = id_keys[market.id]
            if key in ids:
                report.repeated.append(Repeat(record.line, market.id, ids[key]))
            else:
                ids[key] = record.line
                new_ids.append((key, record.line))
            for token in market.token_ids:
                if token_keys[token] not in owners:
                    owners[token_keys[token]] = (market.id, record.line)
                    new_tokens.append((token_keys[token], market.id, record.line))
            good.append(record)
        self.conn.executemany("INSERT OR IGNORE INTO temp.import_ids VALUES (?, ?)", new_ids)
        self.conn.executemany("INSERT OR IGNORE INTO temp.import_tokens VALUES (?, ?, ?)", new_tokens)
        return good


def _record_bad_lines(db: Database, path: str, bad_lines: Sequence[BadLine]) -> None:
    """Into the errors table, once per distinct problem (re-importing the file adds nothing)."""
    if not bad_lines:
        return
    now = int(time.time())
    # A file name may hold bytes that are not UTF-8 (kept as surrogates by the OS layer): escaped.
    where = path.encode("utf-8", "backslashreplace").decode("utf-8")
    messages = [(bad, f"{where}:{bad.line}: {bad.reason}") for bad in bad_lines]
    rows = [(now, "import", "bad_line", bad.record_id, message, where, message) for bad, message in messages]
    with write_tx(db):
        db.conn.executemany(
            "INSERT INTO errors (t, source, kind, record_id, message, payload) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM errors WHERE source = 'import' AND kind = 'bad_line' AND message = ?)",
            rows,
        )
