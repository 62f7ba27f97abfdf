"""Open exposure (cost basis of open paper positions) by market, cluster and category."""

from __future__ import annotations

from sqlite_utils import Database

from pmtui.paper.sizing import Exposure


def current_exposure(
    db: Database, *, market_id: str, cluster_id: str | None, category: str | None
) -> Exposure:
    row = db.execute(
        """
        SELECT
            COALESCE(SUM(CASE WHEN market_id = :market THEN cost_micros END), 0),
            COALESCE(SUM(CASE WHEN cluster_id IS NOT NULL AND cluster_id = :cluster THEN cost_micros END), 0),
            COALESCE(SUM(CASE WHEN category IS NOT NULL AND category = :category THEN cost_micros END), 0)
        FROM paper_positions WHERE status = 'open'
        """,
        {"market": market_id, "cluster": cluster_id, "category": category},
    ).fetchone()
    return Exposure(market=int(row[0]), cluster=int(row[1]), category=int(row[2]))
