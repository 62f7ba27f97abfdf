"""The resolutions job: ask Gamma again about markets that should have resolved by now.

Candidates are unresolved markets past their end date that Gamma still showed open, and closed
markets whose UMA resolution was still pending (proposed, disputed) when we last saw them, for
`PENDING_WINDOW` after they closed. Each cycle takes the longest-unchecked ones first
(`markets.resolution_checked_at`), at most `collect.resolutions_per_cycle`, 100 ids per
`/markets/keyset?id=..&closed=true` call; whatever came back closed is stored with its outcome.
"""

from __future__ import annotations

from pmtui.collect.context import JobContext
from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.collect.summary import JobResult
from pmtui.store.db import write_tx
from pmtui.store.markets import mark_resolution_checked

SOURCE = "gamma:/markets/keyset"
PENDING_WINDOW = 30 * 86400
"""How long after closing a market still awaiting its UMA result keeps being re-checked."""
BATCH = 100


def due_for_check(ctx: JobContext, limit: int) -> list[str]:
    now = ctx.now()
    recheck_after = now - int(ctx.settings.collect.resolutions_interval) // 2
    rows = ctx.db.execute(
        """
        SELECT id FROM markets
        WHERE source != 'import' AND resolution = 'unresolved'
          AND ((closed = 0 AND end_date IS NOT NULL AND end_date < :now)
               OR (closed = 1 AND COALESCE(closed_time, end_date, 0) > :pending_since))
          AND COALESCE(resolution_checked_at, 0) <= :recheck_after
        ORDER BY COALESCE(resolution_checked_at, 0), end_date
        LIMIT :limit
        """,
        {"now": now, "pending_since": now - PENDING_WINDOW, "recheck_after": recheck_after, "limit": limit},
    ).fetchall()
    return [str(r[0]) for r in rows]


async def run_resolutions(ctx: JobContext) -> JobResult:
    result = JobResult("resolutions")
    ids = due_for_check(ctx, ctx.settings.collect.resolutions_per_cycle)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        raws = await ctx.client.get_markets_by_ids(chunk, closed=True)
        batch = parse_markets(raws)
        with write_tx(ctx.db):
            upsert = store_batch(ctx.db, batch, source=SOURCE, categorize=ctx.categorize)
            mark_resolution_checked(ctx.db, chunk, ctx.now())
        result.add_upsert(upsert, placeholders=batch.placeholders, rejected=len(batch.bad))
        result.markets_checked += len(chunk)
        ctx.progress("resolutions", result.markets_checked, len(ids))
    return result
