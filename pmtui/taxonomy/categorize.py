"""Category, cluster and features of markets, in memory (`categorize_market`) or in the store
(`categorize_store`, also the collector's `on_markets_changed` hook and run after `pmtui import`).

A category an imported file (or the demo generator) stated explicitly wins: such rows carry
`category_source = 'file'` and keep their category, and their features when the file gave any; the
taxonomy still fills in the cluster id. Every other row gets the rules' category
(`category_source = 'rules'`) and can be re-categorised at any time (`pmtui categorize`), e.g. after
the user edits their rule file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from pmtui.store import write_tx
from pmtui.taxonomy.classify import classify
from pmtui.taxonomy.clusters import cluster_id as family_id
from pmtui.taxonomy.features import extract_features
from pmtui.taxonomy.rules import Rules, default_rules

BATCH = 2000
FILE_SOURCE = "file"
RULES_SOURCE = "rules"

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode


@dataclass(frozen=True, slots=True)
class Categorized:
    category: str
    cluster_id: str
    features: Mapping[str, Any] = field(default_factory=dict)


def categorize_market(
    *,
    market_id: str,
    question: str,
    tags: Sequence[str] = (),
    event_id: str | None = None,
    event_slug: str | None = None,
    series_slug: str | None = None,
    end_date: str | float | None = None,
    category: str | None = None,
    rules: Rules | None = None,
) -> Categorized:
    """The taxonomy's view of one market. `category`, when given (an import file stated it), is kept."""
    chosen = category or classify(
        question, tags=tags, event_slug=event_slug, series_slug=series_slug, rules=rules
    )
    features = extract_features(question, chosen, end_date=end_date)
    cluster = family_id(market_id=market_id, question=question, category=chosen, event_id=event_id)
    return Categorized(chosen, cluster, features)


_COLUMNS = ", ".join(
    f"markets.{c}"  # qualified: json_each() has an `id` column too
    for c in (
        "id", "question", "tags_json", "event_id", "event_slug", "series_slug", "end_date", "category",
        "category_source", "cluster_id", "features_json",
    )
)  # fmt: skip
_UPDATE = (
    "UPDATE markets SET category = ?, category_source = ?, cluster_id = ?, features_json = ? WHERE id = ? "
    "AND (category, category_source, cluster_id, features_json) IS NOT (?, ?, ?, ?)"
)


def _rows(db: Database, market_ids: Sequence[str] | None) -> Iterator[list[tuple[Any, ...]]]:
    """Market rows in batches: the given ids (unknown ones skipped), or the whole table by id."""
    if market_ids is not None:
        ids = list(dict.fromkeys(market_ids))
        for start in range(0, len(ids), BATCH):
            chunk = json.dumps(ids[start : start + BATCH])
            yield db.execute(
                f"SELECT {_COLUMNS} FROM json_each(?) j JOIN markets ON markets.id = j.value",
                [chunk],
            ).fetchall()
        return
    last = ""
    while True:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM markets WHERE id > ? ORDER BY id LIMIT ?", [last, BATCH]
        ).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def categorize_store(db: Database, market_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Categorise the given markets (all when None) and write category, cluster_id and features_json.

    Returns the number of markets per category (of those looked at, written or already up to date).
    Rows whose values did not change are not written. Matches the collector hook `(db, ids)`.
    """
    rules = default_rules()  # raises RuleFileError before anything is written
    counts: Counter[str] = Counter()
    ids = list(market_ids) if market_ids is not None else None
    for rows in _rows(db, ids):
        updates: list[tuple[Any, ...]] = []
        for row in rows:
            mid, question, tags_json, event_id, event_slug, series_slug, end_date = row[:7]
            stored_category, source, stored_cluster, stored_features = row[7:]
            from_file = source == FILE_SOURCE and bool(stored_category)
            result = categorize_market(
                market_id=mid,
                question=question or "",
                tags=_tags(tags_json),
                event_id=event_id,
                event_slug=event_slug,
                series_slug=series_slug,
                end_date=end_date,
                category=stored_category if from_file else None,
                rules=rules,
            )
            features_json = _encode(dict(result.features))
            if from_file and stored_features not in (None, "", "{}"):
                features_json = stored_features  # the file's own features win, like its category
            new_source = FILE_SOURCE if from_file else RULES_SOURCE
            counts[result.category] += 1
            new = (result.category, new_source, result.cluster_id, features_json)
            if new != (stored_category, source, stored_cluster, stored_features):
                updates.append((*new, mid, *new))
        if updates:
            with write_tx(db):
                db.conn.executemany(_UPDATE, updates)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _tags(tags_json: str | None) -> list[str]:
    if not tags_json:
        return []
    try:
        value = json.loads(tags_json)
    except ValueError:
        return []
    return [str(t) for t in value] if isinstance(value, list) else []
