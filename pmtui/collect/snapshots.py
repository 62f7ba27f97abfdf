"""The snapshots job: every `collect.snapshot_interval`, the top N open markets by 24 h volume get
fresh CLOB quotes and a snapshot row, in ONE `POST /books` call for N <= 250 (default N = 100:
200 tokens; hourly that is 24 calls a day)."""

from __future__ import annotations

from pmtui.collect.context import JobContext
from pmtui.collect.quotes import refresh_quotes
from pmtui.collect.summary import JobResult


def top_markets(ctx: JobContext, n: int) -> list[str]:
    rows = ctx.db.execute(
        """
        SELECT id FROM markets
        WHERE closed = 0 AND active = 1 AND enable_order_book = 1 AND token_ids_json != '[]'
          AND source != 'import'
        ORDER BY volume_24h IS NULL, volume_24h DESC, id
        LIMIT ?
        """,
        [n],
    ).fetchall()
    return [str(r[0]) for r in rows]


async def run_snapshots(ctx: JobContext) -> JobResult:
    result = JobResult("snapshots")
    ids = top_markets(ctx, ctx.settings.collect.snapshot_top_n)
    if not ids:
        return result
    refresh = await refresh_quotes(ctx.client, ctx.db, ids, snapshot=True)
    result.quotes = refresh.quotes
    result.snapshots = refresh.snapshots
    result.price_points = refresh.price_points
    result.records_rejected = refresh.rejected
    result.markets_checked = len(ids)
    ctx.progress("snapshots", len(ids), len(ids))
    return result
