"""Has the store changed? The `store_versions` counters (bumped by triggers in every writer's own
transaction, any process; migration 0013) and the newest `api_calls` id. A handful of rows, read
once a second, instead of re-reading tables to find out."""

from __future__ import annotations

from pmtui.tui.queries import Reader

API_CALLS = "api"
"""The pseudo-topic of new API call records (the status bar's connectivity and API use)."""


def read_versions(db: Reader) -> dict[str, int]:
    """Topic → version: markets, quotes, signals, paper, backtests, jobs, and `API_CALLS`."""
    versions = {
        str(topic): int(version) for topic, version in db.execute("SELECT topic, version FROM store_versions")
    }
    versions[API_CALLS] = int(db.execute("SELECT max(id) FROM api_calls").fetchone()[0] or 0)
    return versions


def changed_topics(before: dict[str, int], after: dict[str, int]) -> frozenset[str]:
    return frozenset(topic for topic, version in after.items() if before.get(topic) != version)
