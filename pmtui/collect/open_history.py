"""Price history of an open market, on demand (when the trader selects it), cached in `prices`.

Open markets have only a few points from the snapshots and the monitor; the chart needs their path.
`fetch_open_history` asks CLOB `/prices-history` (through the client's windowed fetch: windows of at
most 15 days, fallbacks) for outcome 0's token, from the market's start (at most
`collect.history_lookback` back) or from the newest stored point, to now, at a fidelity that fits the
span (`fidelity_for`: about 300-700 points whatever the age: 5 minutes for a day-old market, an hour
for a month, ...). Points are keyed on (token, t), so a repeated fetch stores nothing twice; a fetch
younger than `FRESH_FOR` is not repeated. Watched markets are then kept current by the history job
(`collect.history_interval`) and, while they stream, by the live books' price points.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.polymarket.client import PolymarketClient
from pmtui.polymarket.models import PricePoint

FRESH_FOR = 300
"""Seconds a fetched history counts as current (selecting the market again does not refetch)."""

# (longest span in seconds, fidelity in minutes). CLOB minimum fidelities: 1m range needs 10, 1w 5.
FIDELITY_STEPS: tuple[tuple[int, int], ...] = (
    (86400, 5),
    (3 * 86400, 10),
    (7 * 86400, 30),
    (30 * 86400, 60),
    (90 * 86400, 240),
)
COARSEST = 720


def fidelity_for(span: int) -> int:
    """Minutes between points for a history `span` seconds long."""
    for longest, fidelity in FIDELITY_STEPS:
        if span <= longest:
            return fidelity
    return COARSEST


@dataclass(frozen=True, slots=True)
class HistoryPlan:
    market_id: str
    token_id: str
    start: int
    end: int
    fidelity: int


def plan_history(db: Database, settings: Settings, market_id: str, now: int) -> HistoryPlan | None:
    """What to fetch for an open market, or None (closed, no token, or the store is current)."""
    row = db.execute(
        "SELECT token_ids_json, start_date, created_at, closed FROM markets WHERE id = ?", [market_id]
    ).fetchone()
    if row is None or row[3]:
        return None  # resolved markets are the history job's
    try:
        tokens = json.loads(row[0] or "[]")
    except ValueError:
        return None
    if not tokens:
        return None
    token = str(tokens[0])
    lookback = int(settings.collect.history_lookback)
    begin = row[1] or row[2] or now - lookback
    start = max(int(begin), now - lookback)
    fidelity = fidelity_for(now - start)
    step = fidelity * 60
    first, last = db.execute("SELECT MIN(t), MAX(t) FROM prices WHERE token_id = ?", [token]).fetchone()
    # Only continue from the newest point when the stored series reaches back to the start: the
    # live books' and the snapshots' recent points alone are not a history.
    if first is not None and first <= start + 2 * step:
        if now - last < step:
            return None  # the newest stored point is younger than one step
        start = max(start, int(last))
    if now - start < 60:
        return None
    return HistoryPlan(market_id, token, start, now, fidelity)


async def fetch_history(client: PolymarketClient, plan: HistoryPlan) -> list[PricePoint]:
    return await client.get_price_history(plan.token_id, plan.start, plan.end, plan.fidelity)


class HistoryCache:
    """Which markets were fetched recently in this process (so re-selecting one costs nothing)."""

    def __init__(self) -> None:
        self._fetched: dict[str, float] = {}

    def fresh(self, market_id: str, now: float | None = None) -> bool:
        at = self._fetched.get(market_id)
        return at is not None and (now if now is not None else time.time()) - at < FRESH_FOR

    def mark(self, market_id: str, now: float | None = None) -> None:
        self._fetched[market_id] = now if now is not None else time.time()
