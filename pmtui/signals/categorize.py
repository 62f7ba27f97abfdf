"""Category, cluster and features of a market for the batch: from the store when the taxonomy has
already run on it (markets.category / cluster_id / features_json, written by the collector's hook,
`pmtui import` and `pmtui categorize`), else computed in memory by the same taxonomy code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pmtui.signals.market_state import MarketState
from pmtui.taxonomy.categorize import categorize_market


@dataclass(frozen=True, slots=True)
class Categorized:
    category: str | None
    cluster_id: str
    features: Mapping[str, Any] = field(default_factory=dict)


def categorize(state: MarketState) -> Categorized:
    if state.category and state.cluster_id:
        return Categorized(state.category, state.cluster_id, dict(state.features))
    # Not categorized yet (a market stored by a writer without the taxonomy hook): classify it here
    # from what the batch has (question, event, end date); a category the store holds is kept.
    computed = categorize_market(
        market_id=state.id,
        question=state.question,
        event_id=state.event_id,
        end_date=state.end_date,
        category=state.category,
    )
    features = {**computed.features, **state.features}
    return Categorized(computed.category, computed.cluster_id, features)
