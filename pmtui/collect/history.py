"""The history job: price history of resolved markets (for backtests) and of watched markets.

Per cycle at most `collect.history_markets_per_cycle` markets: resolved/void markets never fetched
(most recently closed first), and watched markets whose history is older than the history interval
(fetched incrementally from their last stored point). For each, outcome 0's token (the `price_token`
series the backtest reads) over the last `collect.history_lookback` before it closed, at
`collect.history_fidelity_minutes`, through the client's windowed fetch with its fallbacks.

`history_fetched_at` is set when the fetch completed, also when it legitimately found no points;
a window that came back malformed is recorded in `errors` and leaves the market due again (re-fetching
is idempotent). An unreachable API fails the job (the scheduler retries it later); a market the API
refuses (4xx) is recorded and not retried every cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pmtui.collect.context import JobContext
from pmtui.collect.summary import JobResult
from pmtui.polymarket.client import ApiError, ApiUnavailable
from pmtui.polymarket.parsing import BadRecord
from pmtui.store.db import write_tx
from pmtui.store.markets import mark_history_fetched
from pmtui.store.ops import record_error
from pmtui.store.prices import insert_price_points, latest_point_time

SOURCE = "clob:/prices-history"


def _collector(sink: list[tuple[BadRecord, Any]]) -> Callable[[BadRecord, Any], None]:
    def collect(exc: BadRecord, raw: Any) -> None:
        sink.append((exc, raw))

    return collect


def due_for_history(ctx: JobContext, limit: int) -> list[dict[str, Any]]:
    now = ctx.now()
    rows = ctx.db.execute(
        """
        SELECT id, token_ids_json, start_date, created_at, end_date, closed_time, closed, watched,
               history_fetched_at
        FROM markets
        WHERE token_ids_json != '[]'
          AND ((resolution != 'unresolved' AND history_fetched_at IS NULL)
               OR (watched = 1 AND COALESCE(history_fetched_at, 0) < :stale))
        ORDER BY watched DESC, COALESCE(closed_time, end_date) DESC
        LIMIT :limit
        """,
        {"stale": now - int(ctx.settings.collect.history_interval), "limit": limit},
    ).fetchall()
    names = (
        "id",
        "token_ids_json",
        "start_date",
        "created_at",
        "end_date",
        "closed_time",
        "closed",
        "watched",
        "history_fetched_at",
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def history_range(ctx: JobContext, market: dict[str, Any], token: str) -> tuple[int, int]:
    now = ctx.now()
    if market["closed"]:
        end = min(x for x in (market["closed_time"], market["end_date"], now) if x is not None)
    else:
        end = now
    lookback = int(ctx.settings.collect.history_lookback)
    begin = market["start_date"] or market["created_at"] or end - lookback
    start = max(begin, end - lookback)
    if market["watched"] and market["history_fetched_at"]:
        last = latest_point_time(ctx.db, token)
        if last is not None:
            start = max(start, last)
    return start, end


async def run_history(ctx: JobContext) -> JobResult:
    result = JobResult("history")
    due = due_for_history(ctx, ctx.settings.collect.history_markets_per_cycle)
    fidelity = ctx.settings.collect.history_fidelity_minutes
    for done, market in enumerate(due, start=1):
        token = str(json.loads(market["token_ids_json"])[0])
        start, end = history_range(ctx, market, token)
        bad: list[tuple[BadRecord, Any]] = []
        try:
            points = await ctx.client.get_price_history(token, start, end, fidelity, on_bad=_collector(bad))
        except ApiUnavailable:
            raise
        except ApiError as exc:
            with write_tx(ctx.db):
                record_error(ctx.db, SOURCE, exc.kind, market["id"], str(exc))
                mark_history_fetched(ctx.db, market["id"], ctx.now())
            result.records_rejected += 1
            continue
        with write_tx(ctx.db):
            result.price_points += insert_price_points(ctx.db, points)
            for problem, raw in bad:
                record_error(ctx.db, SOURCE, problem.reason, market["id"], f"token {token}: {problem}", raw)
            if not bad:
                mark_history_fetched(ctx.db, market["id"], ctx.now())
        result.records_rejected += len(bad)
        result.markets_checked += 1
        ctx.progress("history", done, len(due))
    return result
