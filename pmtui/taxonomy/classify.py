"""The category of a market: `Top` or `Top/Sub` (see data/taxonomy.toml and docs/taxonomy.md).

The question text is always used; Gamma tags and event/series slugs help when present (imported
datasets often carry the question alone). What fits no rule is "Other".
"""

from __future__ import annotations

from collections.abc import Sequence

from pmtui.taxonomy.rules import OTHER, Rules, default_rules


def classify(
    question: str,
    *,
    tags: Sequence[str] = (),
    event_slug: str | None = None,
    series_slug: str | None = None,
    rules: Rules | None = None,
) -> str:
    """`Top` or `Top/Sub` for one market. Raises RuleFileError when the user's rule file is bad."""
    rule = (rules or default_rules()).best(
        question, tags=tags, event_slug=event_slug, series_slug=series_slug
    )
    return rule.category if rule is not None else OTHER


def top_level(category: str) -> str:
    return category.split("/", 1)[0]
