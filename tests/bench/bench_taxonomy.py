"""Taxonomy throughput: markets per second for classify() alone and classify() + extract_features(),
on one core, over distinct generated questions (numbers, names and dates vary, so no question
repeats) and over every recorded real market (question + tags + event/series slug, 20 passes).
classify's template cache (questions equal once every digit is "0" share a category) and
extract_features' (they share their gate answers) start cold at every pass, so a repeated question
never counts as a hit; the figures without classify's are printed too.
Target (issue 3): >= 100,000 markets/s categorized and feature-extracted.
Prints the figures; asserts nothing. Run: .venv/bin/python tests/bench/bench_taxonomy.py [N]
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pmtui.polymarket.files import FileRecord, read_market_file
from pmtui.taxonomy import features as features_module
from pmtui.taxonomy.classify import classify
from pmtui.taxonomy.features import extract_features
from pmtui.taxonomy.rules import Rules, load_rules

RECORDED = Path(__file__).resolve().parents[1] / "data" / "polymarket"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
CITIES = ["NYC", "London", "Seoul", "Dallas", "Toronto", "Paris", "Miami", "Chicago", "Tokyo", "Ankara"]
PEOPLE = ["Alex Morgan", "Jamie Chen", "Priya Patel", "Luis Ortega", "Sam Novak", "Ana Silva", "Tom Berg"]
TEAMS = ["Lakers", "Celtics", "Chiefs", "Bills", "Arsenal FC", "Real Madrid", "Yankees", "Maple Leafs"]
COINS = ["Solana", "XRP", "Dogecoin", "Cardano (ADA)", "Chainlink", "HYPE"]

TEMPLATES: list[Callable[[random.Random, int], str]] = [
    lambda r, i: (
        f"Will the price of Bitcoin be above ${r.randint(40, 200)},{i % 1000:03d} on {r.choice(MONTHS)} {r.randint(1, 28)}?"
    ),
    lambda r, i: (
        f"Bitcoin Up or Down - {r.choice(MONTHS)} {r.randint(1, 28)}, {r.randint(1, 12)}:{r.choice(['00', '15', '30', '45'])}PM-{r.randint(1, 12)}:{r.choice(['00', '15', '30', '45'])}PM ET"
    ),
    lambda r, i: (
        f"Will Ethereum reach ${r.randint(1, 9)},{i % 1000:03d} by {r.choice(MONTHS)} {r.randint(1, 28)}?"
    ),
    lambda r, i: f"Will {r.choice(COINS)} dip to ${r.randint(1, 300)}.{i % 100:02d} in {r.choice(MONTHS)}?",
    lambda r, i: (
        f"Will the highest temperature in {r.choice(CITIES)} be between {i % 90}-{i % 90 + 1}°F on {r.choice(MONTHS)} {r.randint(1, 28)}?"
    ),
    lambda r, i: (
        f"Will Elon Musk post {i % 500}-{i % 500 + 19} tweets from {r.choice(MONTHS)} {r.randint(1, 20)} to {r.choice(MONTHS)} {r.randint(21, 28)}, 2026?"
    ),
    lambda r, i: f"{r.choice(TEAMS)} vs. {r.choice(TEAMS)}: O/U {r.randint(1, 240)}.5",
    lambda r, i: f"Spread: {r.choice(TEAMS)} (-{r.randint(1, 15)}.5)",
    lambda r, i: (
        f"Will {r.choice(PEOPLE)} win the {2026 + i % 4} {r.choice(['Texas', 'Ohio', 'Maine', 'Iowa'])} Governor Republican primary election?"
    ),
    lambda r, i: (
        f'Will Trump say "{r.choice(["tariff", "crypto", "fake news", "beautiful"])}" {i % 20}+ times this week?'
    ),
    lambda r, i: (
        f"Will the US strike {r.choice(['Iran', 'Venezuela', 'Somalia', 'Yemen'])} {i % 30} times in {r.choice(MONTHS)}?"
    ),
    lambda r, i: (
        f"Fed decreases interest rates by {r.choice([25, 50, 75])} bps after the {r.choice(MONTHS)} {2026 + i % 3} meeting?"
    ),
    lambda r, i: (
        f"Will {r.choice(['NVIDIA (NVDA)', 'Tesla (TSLA)', 'Meta (META)'])} close above ${r.randint(100, 900)} on {r.choice(MONTHS)} {r.randint(1, 28)}?"
    ),
    lambda r, i: (
        f"Will {r.choice(PEOPLE)} win Best {r.choice(['Actor', 'Actress', 'Director'])} at the {90 + i % 10}th Academy Awards?"
    ),
    lambda r, i: (
        f"Will {r.choice(['OpenAI', 'Google', 'Anthropic', 'xAI'])} have the best AI model at the end of {r.choice(MONTHS)} {2026 + i % 3}?"
    ),
    lambda r, i: f"Counter-Strike: Team {i % 977} vs Team {i % 613 + 1} - Map {i % 3 + 1} Winner",
    lambda r, i: (
        f"Will {r.choice(PEOPLE)} be the next Prime Minister of {r.choice(['Japan', 'Canada', 'Peru', 'Thailand'])} by {r.choice(MONTHS)} {r.randint(1, 28)}?"
    ),
    lambda r, i: (
        f"Will there be between {i % 300}k and {i % 300 + 10}k initial jobless claims in the week ending {r.choice(MONTHS)} {r.randint(1, 28)}?"
    ),
    lambda r, i: f"Will {r.choice(PEOPLE)} release an album before {r.choice(MONTHS)} {2026 + i % 4}?",
    lambda r, i: f"Will Project {i} FDV be above ${r.randint(1, 900)}M one day after launch?",
]


def generated(n: int) -> list[tuple[str, tuple[str, ...], str | None, str | None]]:
    """n questions, all distinct: a template's draw plus a serial number where the draw repeats."""
    rng = random.Random(11)
    seen: set[str] = set()
    out: list[tuple[str, tuple[str, ...], str | None, str | None]] = []
    for i in range(n):
        question = TEMPLATES[i % len(TEMPLATES)](rng, i)
        if question in seen:
            question = question.replace("?", f" (#{i})?") if "?" in question else f"{question} #{i}"
        seen.add(question)
        out.append((question, (), None, None))
    return out


def recorded() -> list[tuple[str, tuple[str, ...], str | None, str | None]]:
    out: list[tuple[str, tuple[str, ...], str | None, str | None]] = []
    for path in sorted(RECORDED.glob("gamma_market*.json*")) + sorted(RECORDED.glob("*.jsonl.gz")):
        for item in read_market_file(path):
            if isinstance(item, FileRecord):
                m = item.market
                out.append((m.question, tuple(m.tags), m.event_slug, m.series_slug))
    return out


Market = tuple[str, tuple[str, ...], str | None, str | None]


def timed(passes: list[list[Market]], rules: Rules, features: bool) -> float:
    """CPU seconds for every pass; the template caches start cold at each pass (a repeated pass of
    the same questions must not be answered from the previous pass's cache)."""
    seconds = 0.0
    for markets in passes:
        rules.cache_clear()
        features_module.cache_clear()
        # CPU time of this process: one core, and other processes on a busy machine do not count.
        start = time.process_time()
        if features:
            for question, tags, event_slug, series_slug in markets:
                extract_features(
                    question,
                    classify(
                        question, tags=tags, event_slug=event_slug, series_slug=series_slug, rules=rules
                    ),
                )
        else:
            for question, tags, event_slug, series_slug in markets:
                classify(question, tags=tags, event_slug=event_slug, series_slug=series_slug, rules=rules)
        seconds += time.process_time() - start
    return seconds


def measure(label: str, passes: list[list[Market]]) -> None:
    rules = load_rules(include_user=False)
    uncached = load_rules(include_user=False, template_cache=False)
    n = sum(len(p) for p in passes)
    distinct = len({q for p in passes for q, *_ in p})
    classify_s = timed(passes, rules, features=False)
    info = rules.cache_info()
    both_s = timed(passes, rules, features=True)
    plain_s = timed(passes, uncached, features=False)
    plain_both_s = timed(passes, uncached, features=True)
    hits, misses = info if info is not None else (0, n)
    print(
        f"{label}: {n:,} markets ({distinct:,} distinct questions per pass, {len(passes)} pass(es), "
        f"template cache cold at each pass, last pass: {hits:,} hits, {misses:,} misses)\n"
        f"  classify alone:              {n / classify_s:>10,.0f} markets/s ({classify_s * 1e6 / n:.1f} µs each)\n"
        f"  classify + extract_features: {n / both_s:>10,.0f} markets/s ({both_s * 1e6 / n:.1f} µs each)\n"
        f"  so extract_features alone ~  {n / max(both_s - classify_s, 1e-9):>10,.0f} markets/s\n"
        f"  without the template cache:  {n / plain_s:>10,.0f} markets/s classify alone, "
        f"{n / plain_both_s:,.0f} markets/s with extract_features"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"one core, CPU time; machine load average {load} over {os.cpu_count()} CPUs")
    measure("generated", [generated(n)])
    if RECORDED.is_dir():
        real = recorded()
        measure("recorded", [real] * 20)


if __name__ == "__main__":
    main()
