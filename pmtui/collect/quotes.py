"""Live prices of chosen markets from the CLOB, in batch calls: `refresh_quotes`.

The live monitor calls this to refresh its candidate markets, the snapshots job for the top N by
24 h volume. One `POST /books` per 250 markets (500 tokens), never one call per market. It writes
the best bid/ask/mid of every token (`quotes`), a price point per token with a two-sided book
(`prices`, so the live series grows between history fetches), the markets' `best_bid`, `best_ask`
and `yes_price` (outcome 0's mid), and optionally a `snapshots` row per market, in one transaction.
A token without a book (closed, one-sided, unknown) is left as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from pmtui.collect.ingest import error_recorder
from pmtui.polymarket.client import PolymarketClient
from pmtui.polymarket.models import PricePoint
from pmtui.polymarket.parsing import BadRecord
from pmtui.store.db import write_tx
from pmtui.store.markets import set_book_prices
from pmtui.store.prices import Quote, Snapshot, insert_price_points, insert_snapshots, upsert_quotes


@dataclass
class QuoteRefresh:
    t: int
    markets_updated: list[str] = field(default_factory=list)
    """Markets whose outcome-0 quote was refreshed."""
    missing: list[str] = field(default_factory=list)
    """Markets asked for that have no CLOB book now (closed, awaiting resolution, unknown)."""
    quotes: int = 0
    price_points: int = 0
    snapshots: int = 0
    api_calls: int = 0
    rejected: int = 0
    """Malformed books written to the errors table."""


async def refresh_quotes(
    client: PolymarketClient,
    db: Database,
    market_ids: Iterable[str],
    *,
    snapshot: bool = False,
    record_prices: bool = True,
) -> QuoteRefresh:
    """Refresh best bid/ask of `market_ids` with batch `/books` calls and store them."""
    ids = list(dict.fromkeys(market_ids))
    rows = _market_rows(db, ids)
    token_owner: dict[str, tuple[str, int]] = {}
    for market_id, token_ids_json, _, _ in rows:
        for index, token in enumerate(json.loads(token_ids_json or "[]")):
            token_owner[str(token)] = (market_id, index)
    calls_before = client.calls["clob:/books"]
    record_bad = error_recorder(db, "clob:/books")
    rejected: list[BadRecord] = []

    def on_bad(exc: BadRecord, raw: Any) -> None:
        rejected.append(exc)
        record_bad(exc, raw)

    tops = await client.get_books(token_owner, on_bad=on_bad)
    now = int(time.time())
    refresh = QuoteRefresh(
        t=now, api_calls=client.calls["clob:/books"] - calls_before, rejected=len(rejected)
    )
    quotes: list[Quote] = []
    points: list[PricePoint] = []
    outcome0: dict[str, Quote] = {}
    for top in tops:
        owner = token_owner.get(top.token_id)
        if owner is None:
            continue
        quote = Quote(top.token_id, owner[0], top.best_bid, top.best_ask, top.mid, top.t or now)
        quotes.append(quote)
        if quote.mid is not None:
            points.append(PricePoint(top.token_id, quote.t, round(quote.mid, 6)))
        if owner[1] == 0:
            outcome0[owner[0]] = quote
    snapshots = [
        Snapshot(market_id, now, q.mid, q.best_bid, q.best_ask, volume_24h, liquidity)
        for market_id, _, volume_24h, liquidity in rows
        if (q := outcome0.get(market_id)) is not None
    ]
    with write_tx(db):
        refresh.quotes = upsert_quotes(db, quotes)
        if record_prices:
            refresh.price_points = insert_price_points(db, points)
        set_book_prices(db, [(market_id, q.best_bid, q.best_ask, q.mid) for market_id, q in outcome0.items()])
        if snapshot:
            refresh.snapshots = insert_snapshots(db, snapshots)
    refresh.markets_updated = list(outcome0)
    refresh.missing = [market_id for market_id, *_ in rows if market_id not in outcome0]
    return refresh


def _market_rows(db: Database, ids: list[str]) -> list[tuple[str, str, float | None, float | None]]:
    rows: list[tuple[str, str, float | None, float | None]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        placeholders = ", ".join("?" for _ in chunk)  # "?" markers only; the ids are parameters
        rows += db.execute(
            f"SELECT id, token_ids_json, volume_24h, liquidity FROM markets WHERE id IN ({placeholders})",
            chunk,
        ).fetchall()
    return rows
