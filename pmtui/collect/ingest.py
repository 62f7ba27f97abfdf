"""From raw Gamma objects to stored rows: parse, route bad records to `errors`, write in one batch.

A page is parsed record by record: placeholders (neg-risk "Person X" slots) are skipped, a record
that cannot be parsed goes to the errors table with its payload, the rest are stored. Markets,
their events, tags and tokens, the errors and (optionally) the collector's checkpoint are written in
ONE transaction, so an interrupted run either has the whole page and its checkpoint or neither.

Markets that resolve with a write get their open paper positions settled right after it
(`settle_positions`), so the collector settles whatever resolution it finds, whichever job found it.

The markets are categorized in the same transaction by the one market writer
(`pmtui.store.markets.write_markets`), with the `categorize` the caller built once
(`pmtui.taxonomy.categorize.store_categorizer`).

Generated demo markets (the fake server's generator marks them `pmtuiGenerated`) are stored with
`source = 'demo'` so they are labelled as such everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from pmtui.paper.book import settle_resolved
from pmtui.polymarket.models import Event, Market, Tag
from pmtui.polymarket.parsing import (
    BadRecord,
    is_placeholder,
    parse_gamma_event,
    parse_gamma_market,
    parse_tag,
)
from pmtui.store.db import write_tx
from pmtui.store.markets import (
    Categorize,
    MarketWrite,
    WriteResult,
    upsert_events,
    upsert_tags,
    write_markets,
)
from pmtui.store.ops import record_error, set_checkpoint

log = logging.getLogger(__name__)


@dataclass
class ParsedBatch:
    markets: list[Market] = field(default_factory=list)
    events: dict[str, Event] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    bad: list[tuple[BadRecord, Any]] = field(default_factory=list)
    placeholders: int = 0


def _source_of(raw: Mapping[str, Any]) -> str:
    return "demo" if raw.get("pmtuiGenerated") is True else "api"


def parse_markets(raw_items: Iterable[Any], *, event: Mapping[str, Any] | None = None) -> ParsedBatch:
    """Parse raw Gamma markets (from /markets/keyset, /markets/{id} or an event's list)."""
    batch = ParsedBatch()
    for raw in raw_items:
        if not (type(raw) is dict or isinstance(raw, Mapping)):
            batch.bad.append((BadRecord("not_an_object", None, f"got {type(raw).__name__}"), raw))
            continue
        if is_placeholder(raw):
            batch.placeholders += 1
            continue
        try:
            market = parse_gamma_market(raw, source=_source_of(raw), event=event)  # type: ignore[arg-type]
        except BadRecord as exc:
            batch.bad.append((exc, raw))
            continue
        batch.markets.append(market)
        parents = (
            [event]
            if event is not None
            else [e for e in raw.get("events") or [] if (type(e) is dict or isinstance(e, Mapping))]
        )
        for parent in parents[:1]:
            _add_event(batch, parent)
        for tag in raw.get("tags") or []:
            _add_tag(batch, tag)
    return batch


def _add_event(batch: ParsedBatch, raw: Mapping[str, Any]) -> None:
    if str(raw.get("id")) in batch.events:
        return  # sibling markets of one event carry the same stub
    try:
        parsed = parse_gamma_event(raw)
    except BadRecord:
        return  # the market itself is fine; its event stub simply is not stored
    batch.events[parsed.id] = parsed
    for tag in raw.get("tags") or []:
        _add_tag(batch, tag)


def _add_tag(batch: ParsedBatch, raw: Any) -> None:
    if type(raw) is dict or isinstance(raw, Mapping):
        try:
            tag = parse_tag(raw)
        except BadRecord:
            return
        batch.tags[tag.id] = tag


def store_batch(
    db: Database,
    batch: ParsedBatch,
    *,
    source: str,
    categorize: Categorize | None,
    checkpoint: tuple[str, str | None, dict[str, Any]] | None = None,
    now: int | None = None,
) -> WriteResult:
    """Write a parsed batch (markets categorized), its errors and optionally a checkpoint
    `(job, cursor, state)` atomically."""
    with write_tx(db):
        upsert_events(db, batch.events.values(), now=now)
        upsert_tags(db, batch.tags.values())
        result = write_markets(db, [MarketWrite(m) for m in batch.markets], categorize=categorize, now=now)
        for exc, raw in batch.bad:
            record_error(db, source, exc.reason, exc.record_id, str(exc), raw, now=now)
        if checkpoint is not None:
            set_checkpoint(db, *checkpoint)
    if result.resolved:
        result.settled = settle_positions(db, result.resolved, now=now)
    return result


def settle_positions(db: Database, market_ids: list[str], *, now: int | None = None) -> list[int]:
    """Settle the open paper positions of markets that just resolved; ids of the settled positions.

    Right after the resolution is committed, in its own transaction: a settlement that fails (a bug,
    a locked database) must not cost the collector the resolution it fetched. It is recorded in
    `errors` and the live monitor's sweep (`settle_resolved` every cycle) settles the position later;
    `settle_resolved` is idempotent, so whichever process gets there first settles it, once.
    """
    try:
        return [p.id for p in settle_resolved(db, now=now, market_ids=market_ids)]
    except Exception as exc:
        log.exception("settling positions of %d resolved markets failed", len(market_ids))
        record_error(db, "collect:settle", type(exc).__name__, None, str(exc), market_ids, now=now)
        return []


BadRecordSink = Callable[[BadRecord, Any], None]


def error_recorder(db: Database, source: str) -> BadRecordSink:
    """An `on_bad` callback for client methods that writes each bad record to the errors table."""

    def record(exc: BadRecord, raw: Any) -> None:
        record_error(db, source, exc.reason, exc.record_id, str(exc), raw)

    return record
