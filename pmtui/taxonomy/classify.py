"""The category of a market: `Top` or `Top/Sub` (see data/taxonomy.toml and docs/taxonomy.md).

The question text is always used; Gamma tags and event/series slugs help when present (imported
datasets often carry the question alone). Where no rule or only a broad one fires, a learned
fallback (`pmtui.taxonomy.fallback`) may answer when it is confident. What fits nothing is "Other".
"""

from __future__ import annotations

from collections.abc import Sequence

from pmtui.taxonomy.fallback import BROAD_PRIORITY, decide, default_model
from pmtui.taxonomy.rules import OTHER, Rules, default_rules


def classify(
    question: str,
    *,
    tags: Sequence[str] = (),
    event_slug: str | None = None,
    series_slug: str | None = None,
    rules: Rules | None = None,
    fallback: bool = True,
) -> str:
    """`Top` or `Top/Sub` for one market. Raises RuleFileError when the user's rule file is bad.
    `fallback=False` gives the rules' answer alone."""
    rule = (rules or default_rules()).best(
        question, tags=tags, event_slug=event_slug, series_slug=series_slug
    )
    if rule is not None and (rule.priority > BROAD_PRIORITY or not fallback):
        return rule.category
    if not fallback:
        return OTHER
    return decide(rule, question, default_model())


def top_level(category: str) -> str:
    return category.split("/", 1)[0]
