"""Clusters tab reads: categories with counts, the clusters of a category, a cluster's markets.

A market without a cluster id is a family of one, keyed `market:<id>` so it still has a place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

SOLO_PREFIX = "market:"


@dataclass(frozen=True)
class CategoryCount:
    category: str
    clusters: int
    markets: int


@dataclass(frozen=True)
class ClusterSummary:
    cluster_id: str
    label: str
    """The family's event title when it has one, else its first question (untrusted text)."""
    size: int
    end_date: int | None = None
    """When its last market ends: tells apart families with the same title (one a month, a week)."""


@dataclass(frozen=True)
class ClusterPage:
    category: str
    clusters: list[ClusterSummary]
    total: int
    """Clusters in the category (the page may hold fewer: the largest come first)."""


@dataclass(frozen=True)
class ClusterMarket:
    id: str
    question: str
    outcomes: list[str]
    yes_price: float | None
    best_bid: float | None
    best_ask: float | None
    volume_24h: float | None
    end_date: int | None
    closed: bool
    source: str
    features: dict[str, Any] = field(default_factory=dict)
    group_item_title: str | None = None
    event_title: str | None = None
    neg_risk: bool = False
    """One of an event's mutually exclusive outcomes (their YES prices should sum to 1)."""


def _cluster_key() -> str:
    return f"coalesce(cluster_id, '{SOLO_PREFIX}' || id)"


def _open_clause(include_closed: bool, prefix: str = " AND ") -> str:
    return "" if include_closed else f"{prefix}closed = 0"


def category_counts(db: Database, *, include_closed: bool = False) -> list[CategoryCount]:
    where = _open_clause(include_closed, " WHERE ")
    rows = db.execute(
        f"SELECT coalesce(category, 'Other'), count(DISTINCT {_cluster_key()}), count(*) "
        f"FROM markets{where} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [CategoryCount(category, clusters, markets) for category, clusters, markets in rows]


def clusters_in(
    db: Database, category: str, *, include_closed: bool = False, limit: int = 300
) -> ClusterPage:
    """The category's clusters, largest (then busiest) first."""
    where = "coalesce(category, 'Other') = ?" + _open_clause(include_closed)
    rows = db.execute(
        f"SELECT {_cluster_key()} AS cid, count(*), max(event_title), min(question), max(end_date) "
        f"FROM markets WHERE {where} GROUP BY cid "
        "ORDER BY count(*) DESC, coalesce(sum(volume_24h), 0) DESC, cid LIMIT ?",
        [category, limit],
    ).fetchall()
    clusters = [
        ClusterSummary(cid, event_title or question or cid, size, end)
        for cid, size, event_title, question, end in rows
    ]
    total = len(clusters)
    if total >= limit:
        total = db.execute(
            f"SELECT count(DISTINCT {_cluster_key()}) FROM markets WHERE {where}", [category]
        ).fetchone()[0]
    return ClusterPage(category, clusters, total)


def cluster_markets(db: Database, cluster_id: str, *, include_closed: bool = True) -> list[ClusterMarket]:
    """Every market of one cluster (closed ones too by default: a ladder is judged whole)."""
    if cluster_id.startswith(SOLO_PREFIX):
        where, args = "id = ?", [cluster_id[len(SOLO_PREFIX) :]]
    else:
        where, args = "cluster_id = ?", [cluster_id]
    where += _open_clause(include_closed)
    rows = db.execute(
        "SELECT id, question, outcomes_json, yes_price, best_bid, best_ask, volume_24h, end_date, closed, "
        f"source, features_json, group_item_title, event_title, neg_risk FROM markets WHERE {where} ORDER BY id",
        args,
    ).fetchall()
    return [
        ClusterMarket(
            id=mid,
            question=question,
            outcomes=[str(o) for o in _loads(outcomes, [])],
            yes_price=yes,
            best_bid=bid,
            best_ask=ask,
            volume_24h=vol,
            end_date=end,
            closed=bool(closed),
            source=source,
            features=_loads(features, {}),
            group_item_title=group_title,
            event_title=event_title,
            neg_risk=bool(neg_risk),
        )
        for (
            mid,
            question,
            outcomes,
            yes,
            bid,
            ask,
            vol,
            end,
            closed,
            source,
            features,
            group_title,
            event_title,
            neg_risk,
        ) in rows
    ]


def _loads(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text or "null")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default
