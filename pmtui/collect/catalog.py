"""The catalogue job: keyset walks of Gamma's open and (optionally) closed markets.

Each page is parsed, stored and checkpointed in one transaction (`ingest.store_batch`), so a killed
run resumes from the last committed page. The open walk restarts from the beginning once finished
(prices, volumes and states change); the closed walk keeps its tail: the next cycle re-reads its last
page and continues with markets closed since (resolved markets are immutable).

Open markets we hold that a finished stretch of the open walk no longer lists have closed (or been
withdrawn) since: the walk is in id order, so they are spotted per page and fetched by id with
`closed=true`, and their outcome is stored right away instead of waiting for the resolutions job.
"""

from __future__ import annotations

import bisect
import logging
from typing import Any

from pmtui.collect.context import JobContext
from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.collect.summary import JobResult
from pmtui.store.ops import get_checkpoint

log = logging.getLogger(__name__)

SOURCE = "gamma:/markets/keyset"
OPEN_KEY = "catalog:open"
CLOSED_KEY = "catalog:closed"


async def run_catalog(ctx: JobContext) -> JobResult:
    result = JobResult("catalog")
    await _walk(ctx, OPEN_KEY, closed=False, result=result)
    if ctx.settings.collect.include_closed:
        await _walk(ctx, CLOSED_KEY, closed=True, result=result)
    return result


def _open_ids(ctx: JobContext) -> list[int]:
    """Numeric ids of the open API markets we hold, sorted (for spotting vanished ones)."""
    rows = ctx.db.execute("SELECT id FROM markets WHERE closed = 0 AND source != 'import'").fetchall()
    return sorted(int(r[0]) for r in rows if str(r[0]).isdigit())


async def _walk(ctx: JobContext, key: str, *, closed: bool, result: JobResult) -> None:
    checkpoint = get_checkpoint(ctx.db, key)
    state: dict[str, Any] = dict(checkpoint.state) if checkpoint else {}
    cursor = checkpoint.cursor if checkpoint else None
    if not closed and state.get("phase") == "done":
        cursor, state = None, {}
    if cursor is None:
        state = {"phase": "walking", "started_at": ctx.now(), "last_id": None}
    known_open = _open_ids(ctx) if not closed else []
    vanished: list[str] = []
    pages = 0
    async for page in ctx.client.iter_markets(closed=closed, after_cursor=cursor):
        batch = parse_markets(page.items)
        last_page = page.next_cursor is None or not page.items
        page_ids = [str(m.get("id")) for m in page.items if isinstance(m, dict) and m.get("id") is not None]
        numeric = [int(i) for i in page_ids if i.isdigit()]
        previous_last = state.get("last_id")
        if not closed and numeric and len(numeric) == len(page_ids):
            vanished += _vanished(
                known_open, previous_last, None if last_page else max(numeric), set(numeric)
            )
        if numeric:
            state["last_id"] = max(numeric)
        if last_page:
            # Closed walk: keep the cursor that fetched this last page, to continue from it next time.
            next_cursor = page.cursor if closed else None
            next_state = {**state, "phase": "tail" if closed else "done", "finished_at": ctx.now()}
        else:
            next_cursor, next_state = page.next_cursor, {**state, "phase": "walking"}
        upsert = store_batch(
            ctx.db, batch, source=SOURCE, categorize=ctx.categorize, checkpoint=(key, next_cursor, next_state)
        )
        result.add_upsert(upsert, placeholders=batch.placeholders, rejected=len(batch.bad))
        pages += 1
        ctx.progress("catalog", result.markets_new + result.markets_updated + result.markets_unchanged, None)
        if len(vanished) >= 100 or (last_page and vanished):
            await _fetch_closed(ctx, vanished, result)
            vanished = []
    log.info("catalog %s walk: %d pages", "closed" if closed else "open", pages)


def _vanished(known_open: list[int], after: int | None, upto: int | None, listed: set[int]) -> list[str]:
    """Ids we hold as open in (after, upto] that the listing skipped."""
    lo = 0 if after is None else bisect.bisect_right(known_open, after)
    hi = len(known_open) if upto is None else bisect.bisect_right(known_open, upto)
    return [str(i) for i in known_open[lo:hi] if i not in listed]


async def _fetch_closed(ctx: JobContext, market_ids: list[str], result: JobResult) -> None:
    raws = await ctx.client.get_markets_by_ids(market_ids, closed=True)
    batch = parse_markets(raws)
    upsert = store_batch(ctx.db, batch, source=SOURCE, categorize=ctx.categorize)
    result.add_upsert(upsert, placeholders=batch.placeholders, rejected=len(batch.bad))
    result.markets_checked += len(market_ids)
