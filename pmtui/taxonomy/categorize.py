"""Category, cluster and features of markets: in memory (`categorize_market`), for the market writer
(`store_categorizer`), and over stored markets (`categorize_store`, `categorize_uncategorized`).

Markets are categorized when they are stored: the one market writer (`pmtui.store.markets`) calls the
function `store_categorizer()` returns, in the same transaction, for every new market and every
market whose question, tags, slugs, event or end date changed (a price change does no taxonomy
work). `categorize_store` recomputes stored markets (`pmtui categorize`, e.g. after the user edits
their rule file); `categorize_uncategorized` is the collector's sweep, at the start of every job, of
markets left without a category (rows written by an older pmtui).

A category an imported file (or the demo generator) stated explicitly wins: such rows carry
`category_source = 'file'` and keep their category, and their features when the file gave any; the
taxonomy still fills in the cluster id. Every other row gets the rules' category
(`category_source = 'rules'`) and can be re-categorised at any time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import msgspec
from sqlite_utils import Database

from pmtui.polymarket.models import Market
from pmtui.store.markets import (
    FILE_SOURCE,
    RULES_SOURCE,
    Categorize,
    features_json,
    set_taxonomy,
    taxonomy_key,
)
from pmtui.taxonomy.classify import classify
from pmtui.taxonomy.clusters import cluster_id as family_id
from pmtui.taxonomy.features import extract_features
from pmtui.taxonomy.rules import Rules, default_rules

BATCH = 2000


class Categorized(msgspec.Struct, frozen=True, gc=False):
    """A market's category, cluster id and features. A msgspec Struct: a frozen dataclass costs
    microseconds per market to build, and every stored market gets one."""

    category: str
    cluster_id: str
    features: Mapping[str, Any] = msgspec.field(default_factory=dict)


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


def store_categorizer(rules: Rules | None = None) -> Categorize:
    """The market writer's `categorize`: (market, stated category) -> (category, cluster, features
    JSON). The rules (shipped + user, `default_rules()`) are loaded now, once: a bad user rule file
    raises RuleFileError here, before anything is written."""
    chosen_rules = rules or default_rules()

    def categorize(market: Market, stated: str | None) -> tuple[str, str, str]:
        result = categorize_market(
            market_id=market.id,
            question=market.question,
            tags=market.tags,
            event_id=market.event_id,
            event_slug=market.event_slug,
            series_slug=market.series_slug,
            end_date=market.end_date,
            category=stated,
            rules=chosen_rules,
        )
        return result.category, result.cluster_id, features_json(result.features)

    return categorize


_COLUMNS = ", ".join(
    f"markets.{c}"  # qualified: json_each() has an `id` column too
    for c in (
        "id", "question", "tags_json", "event_id", "event_slug", "series_slug", "end_date", "category",
        "category_source", "cluster_id", "features_json", "taxonomy_key",
    )
)  # fmt: skip


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
    Rows whose values did not change are not written.
    """
    rules = default_rules()  # raises RuleFileError before anything is written
    counts: Counter[str] = Counter()
    ids = list(market_ids) if market_ids is not None else None
    for rows in _rows(db, ids):
        updates: list[tuple[str, str, str, str, str | None, str]] = []
        for row in rows:
            mid, question, tags_json, event_id, event_slug, series_slug, end_date = row[:7]
            stored_category, source, stored_cluster, stored_features, stored_key = row[7:]
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
            encoded = features_json(result.features)
            if from_file and stored_features not in (None, "", "{}"):
                encoded = stored_features  # the file's own features win, like its category
            key = taxonomy_key(
                question or "",
                tags_json or "[]",
                event_id,
                event_slug,
                series_slug,
                end_date,
                stored_category if from_file else None,
            )
            counts[result.category] += 1
            new = (
                result.category,
                FILE_SOURCE if from_file else RULES_SOURCE,
                result.cluster_id,
                encoded,
                key,
            )
            if new != (stored_category, source, stored_cluster, stored_features, stored_key):
                updates.append((*new, mid))
        set_taxonomy(db, updates)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def categorize_uncategorized(db: Database) -> int:
    """Categorize every stored market that has no category (indexed: cheap when there is none).
    Returns how many were categorized."""
    done = 0
    after = ""
    while True:
        # In id order from where the last batch ended: a row that somehow stayed uncategorized is not
        # read again, so the sweep always ends.
        ids = [
            r[0]
            for r in db.execute(
                "SELECT id FROM markets WHERE category IS NULL AND id > ? ORDER BY id LIMIT ?", [after, BATCH]
            )
        ]
        if not ids:
            return done
        categorize_store(db, ids)
        done += len(ids)
        after = ids[-1]


def _tags(tags_json: str | None) -> list[str]:
    if not tags_json:
        return []
    try:
        value = json.loads(tags_json)
    except ValueError:
        return []
    return [str(t) for t in value] if isinstance(value, list) else []
