"""The compact JSON document `pmtui signals --json` prints.

Keys: `at` (evaluation time), `dry_run`, `strategies`, `dedupe_summary`, `clusters` (largest first,
at most settings.signals.max_clusters), `review_queue` (best first, at most
settings.signals.max_queue_items, each saying new / updated / unchanged), `queue_changes`,
`skipped`, `next_batch_plan`. Floats are rounded to 4 decimals; nothing depends on the wall clock.
"""

from __future__ import annotations

from typing import Any

from pmtui.config import Settings
from pmtui.money import MICROS
from pmtui.signals.batch import MEMBER_IDS_SHOWN, Cluster, QueueItem, SignalReport


def _r(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(float(value), places)


def cluster_entry(cluster: Cluster) -> dict[str, Any]:
    ids = sorted(m.id for m in cluster.members)
    return {
        "id": cluster.id,
        "category": cluster.category,
        "summary": cluster.summary(),
        "member_ids": ids[:MEMBER_IDS_SHOWN],
        "size": len(ids),
    }


def queue_entry(item: QueueItem) -> dict[str, Any]:
    c = item.candidate
    return {
        "queue": item.change,
        "signal_id": item.signal_id,
        "market_id": c.market_id,
        "question": c.question,
        "category": c.category,
        "cluster_id": c.cluster_id,
        "strategy": c.strategy,
        "outcome_index": c.outcome_index,
        "outcome": c.outcome,
        "token_id": c.token_id,
        "price": _r(c.price),
        "price_source": c.price_source,
        "cost": _r(c.cost),
        "fee": _r(c.fee, 5),
        "validated": c.estimate.validated,
        "est_win_prob": _r(c.estimate.p),
        "estimate": c.estimate.to_json(),
        "edge": _r(c.edge),
        "score": _r(c.score),
        "stake_usd": round(c.stake_micros / MICROS, 2),
        "stake_limited_by": c.stake_limited_by,
        "rationale": c.rationale,
        "expires": c.expires,
        "source": c.source,
    }


def report_document(report: SignalReport, settings: Settings) -> dict[str, Any]:
    clusters = sorted(report.clusters.values(), key=lambda c: (-len(c.members), c.id))
    ranked = report.ranked()
    return {
        "at": report.at,
        "dry_run": report.dry_run,
        "strategies": report.strategies,
        "dedupe_summary": {
            "input_items": report.input_items,
            "unique_items": report.unique_items,
            "duplicate_ids": report.duplicate_ids,
            "duplicate_conditions": report.duplicate_conditions,
            "clusters": len(report.clusters),
        },
        "clusters": [cluster_entry(c) for c in clusters[: settings.signals.max_clusters]],
        "review_queue": [queue_entry(i) for i in ranked[: settings.signals.max_queue_items]],
        "review_queue_total": len(ranked),
        "queue_changes": report.changes(),
        "skipped": dict(sorted(report.skipped.items())),
        "next_batch_plan": {
            "stop_reason": report.stop_reason,
            "recommended_batch_size": report.recommended_batch_size(settings.signals.max_queue_items),
            "batch_size": report.batch_size,
            "batches_run": report.batches_run,
            "markets_evaluated": report.markets_evaluated,
            "remaining": report.remaining,
        },
    }
