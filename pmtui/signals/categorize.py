"""Category, cluster and features of a market for the batch: from the store when the taxonomy has
already run on it (markets.category / cluster_id / features_json), else computed in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pmtui.signals.market_state import MarketState


@dataclass(frozen=True, slots=True)
class Categorized:
    category: str | None
    cluster_id: str
    features: Mapping[str, Any] = field(default_factory=dict)


def fallback_cluster(state: MarketState) -> str:
    """Markets of one event belong together (one neg-risk ladder, one match); else the market alone."""
    return f"event:{state.event_id}" if state.event_id else f"market:{state.id}"


def categorize(state: MarketState) -> Categorized:
    if state.category:
        return Categorized(state.category, state.cluster_id or fallback_cluster(state), dict(state.features))
    return Categorized(None, state.cluster_id or fallback_cluster(state), dict(state.features))
