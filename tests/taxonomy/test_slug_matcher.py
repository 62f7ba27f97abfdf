"""The slug matcher's shortcuts (prefixes by their first characters, globs looked up by a dash-bounded
word) give the same rule as trying every glob with fnmatch, on every recorded event and series slug."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from pmtui.taxonomy.rules import _SlugMatcher, load_rules
from tests.taxonomy.recorded import recorded_markets


def _brute_force(patterns: list[tuple[str, int]], slug: str) -> int | None:
    hits = [i for p, i in patterns if fnmatch.fnmatchcase(slug.lower(), p.lower())]
    return min(hits) if hits else None


def test_slug_matcher_agrees_with_fnmatch_on_every_glob(recorded_data: Path) -> None:
    rules = load_rules(include_user=False)
    markets = recorded_markets(recorded_data).values()
    for kind, field in (("events", "event_slug"), ("series", "series_slug")):
        patterns = [(p, i) for i, rule in enumerate(rules.rules) for p in getattr(rule, kind)]
        matcher = _SlugMatcher(patterns)
        slugs = {getattr(m, field) for m in markets if getattr(m, field)}
        # Slugs made to hit the word-keyed globs and near misses of them, too.
        slugs |= {p.replace("*", "x") for p, _ in patterns} | {p.replace("*", "") for p, _ in patterns}
        slugs |= {"x-house-electionx-y", "house-election-2026", "a-mentions", "mentions-b", "NBA-LAL-BOS"}
        hits = 0
        for slug in sorted(slugs):
            want = _brute_force(patterns, slug)
            assert matcher.best(slug) == want, (kind, slug)
            hits += want is not None
        assert hits > len(slugs) // 3
