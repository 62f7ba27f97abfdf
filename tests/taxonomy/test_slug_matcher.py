"""The slug matcher's shortcuts (prefixes by their first characters, globs looked up by a dash-bounded
word) and the lookup that shares work between slugs differing only in digits give the same rule as
trying every glob with fnmatch, on every recorded event and series slug and on digit variants."""

from __future__ import annotations

import fnmatch
import random
from pathlib import Path

from pmtui.taxonomy.rules import _SlugLookup, _SlugMatcher, load_rules
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


def _other_digits(text: str, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in text)


def test_slugs_that_differ_only_in_digits_still_get_their_own_rule(recorded_data: Path) -> None:
    rules = load_rules(include_user=False)
    markets = recorded_markets(recorded_data).values()
    rng = random.Random(7)
    for kind, field in (("events", "event_slug"), ("series", "series_slug")):
        patterns = [(p, i) for i, rule in enumerate(rules.rules) for p in getattr(rule, kind)]
        assert any(ch.isdigit() for p, _ in patterns for ch in p)  # globs that do tell digits apart
        lookup = _SlugLookup(patterns)
        slugs = sorted({getattr(m, field) for m in markets if getattr(m, field)})
        made = [p.replace("*", "x").replace("?", "5") for p, _ in patterns]
        # The digit globs' near misses: the same slug with other digits must fall to another rule.
        made += ["f1-monaco", "f2-monaco", "t20-final", "t21-final", "cs2-major", "cs3-major"]
        made += ["nvda-above-on-june-2-2026", "nvda-above-on-june-2-2126", "2-free-app", "3-free-app"]
        made += ["international-t20", "international-t21", "Formula-1-Race", "ligue-1-psg", "ligue-3-psg"]
        hits = digit_hits = 0
        for slug in [*slugs, *made]:
            for variant in (slug, _other_digits(slug, rng), _other_digits(slug, rng), slug):
                want = _brute_force(patterns, variant)
                assert lookup.best(variant) == want, (kind, variant)
                hits += want is not None
                digit_hits += want is not None and want != _brute_force(
                    [(p, i) for p, i in patterns if not any(ch.isdigit() for ch in p)], variant
                )
        assert hits > len(slugs) // 3 and digit_hits >= 4
