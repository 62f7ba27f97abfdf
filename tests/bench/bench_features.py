"""extract_features throughput on one core: markets per second.

Two sets: distinct generated questions (every family the demo and Polymarket use: price ladders,
up/down windows, temperature and tweet buckets, matches with lines, dated events), and the recorded
real questions in tests/data/polymarket (repeated to a measurable count). Each question is run
once per pass, with its market's end date as Gamma gives it. Prints the figures; asserts nothing.
Run: .venv/bin/python tests/bench/bench_features.py [N]
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import time
from pathlib import Path

from pmtui.fakes.polymarket_data import read_json
from pmtui.taxonomy.features import extract_features

RECORDED = Path(__file__).resolve().parents[1] / "data" / "polymarket"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]  # fmt: skip
TEAMS = ["Lakers", "Celtics", "Warriors", "Knicks", "Arsenal FC", "Chelsea FC", "T1", "Gen.G", "Yankees",
         "Red Sox", "Real Madrid", "Barcelona", "Chiefs", "Bills", "Sinner", "Alcaraz"]  # fmt: skip
COINS = ["Bitcoin", "Ethereum", "Solana", "XRP", "Dogecoin", "BNB", "Hyperliquid"]
CITIES = ["NYC", "London", "Seoul", "Chicago", "Miami", "Toronto", "Buenos Aires"]
OTHER = [
    "Will Trump visit China by {d}?",
    "Russia x Ukraine ceasefire by {d}?",
    "Will OpenAI release GPT-{n} by {d}?",
    "Will the Democrats win the {s} governor race?",
    "Will {t} win the 2026 FIFA World Cup?",
    "Fed decreases interest rates by 25 bps after {m} {y} meeting?",
    "Will Taylor Swift announce a new album before {y}?",
    'Will Trump say "{t}" during his next press conference?',
]


def generated(n: int, seed: int = 11) -> list[tuple[str, str]]:
    """n distinct (question, end date) pairs in the proportions of a live store."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < n:
        month, day, year = rng.randrange(12), rng.randint(1, 28), rng.choice((2025, 2026, 2027))
        d = f"{MONTHS[month]} {day}"
        end = f"{year}-{month + 1:02d}-{day:02d}T12:00:00Z"
        kind = rng.random()
        if kind < 0.25:
            h, m = rng.randint(1, 12), rng.choice(range(0, 60, 5))
            half = rng.choice(("AM", "PM"))
            q = f"{rng.choice(COINS[:3])} Up or Down - {d}, {h}:{m:02d}{half}-{h}:{m + 5:02d}{half} ET"
            if rng.random() < 0.3:
                q = f"{rng.choice(COINS[:3])} Up or Down - {d}, {h}{half} ET"
        elif kind < 0.40:
            verb = rng.choice(("reach", "dip to", "be above"))
            level = rng.choice((f"${rng.randint(50, 250)}K", f"${rng.randint(1, 9)},{rng.randint(0, 999):03d}",
                                f"${rng.randint(1, 99) / 100:.2f}"))  # fmt: skip
            q = f"Will {rng.choice(COINS)} {verb} {level} by {d}, {year}?"
        elif kind < 0.50:
            low = rng.randint(-5, 95)
            bucket = rng.choice((f"between {low}-{low + 1}°F", f"{low}°C or higher", f"{low}°F or below"))
            q = f"Will the highest temperature in {rng.choice(CITIES)} be {bucket} on {d}?"
        elif kind < 0.55:
            low = rng.randint(5, 80) * 5
            q = f"Will Elon Musk post {low}-{low + 24} tweets from {d} to {MONTHS[month]} {day + 7}, {year}?"
        elif kind < 0.85:
            a, b = rng.sample(TEAMS, 2)
            q = rng.choice((f"{a} vs. {b}", f"{a} vs. {b}: O/U {rng.randint(1, 240)}.5",
                            f"Will {a} beat {b} by more than {rng.randint(1, 15)}.5 points on {d}?",
                            f"Will {a} win on {year}-{month + 1:02d}-{day:02d}?"))  # fmt: skip
        else:
            q = rng.choice(OTHER).format(
                d=f"{d}, {year}", n=rng.randint(5, 99), s=rng.choice(("Virginia", "Ohio")), t=rng.choice(TEAMS),
                m=MONTHS[month], y=year,
            )  # fmt: skip
        if q not in seen:
            seen.add(q)
            out.append((q, end))
    return out


def recorded() -> list[tuple[str, str]]:
    markets: list[dict[str, object]] = []
    for name in ("gamma_markets_600_mixed_2026-02.json.gz", "gamma_markets_500_closed_2018-2021.json.gz"):
        markets += read_json(RECORDED / name)
    markets += read_json(RECORDED / "gamma_markets_200_active_snapshot.json.gz")["markets"]
    with gzip.open(RECORDED / "BTC-5m-markets-2026-07-24.jsonl.gz", "rt") as handle:
        markets += [json.loads(line)["raw"] for line in handle]
    return [(str(m["question"]), str(m.get("endDate") or "")) for m in markets]


def rate(pairs: list[tuple[str, str]], repeat: int = 1) -> float:
    """Markets per second of CPU time of this process (best of three passes).

    CPU time, not wall time: on a shared machine other processes' load would otherwise be counted."""
    best = 0.0
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            for question, end in pairs:
                extract_features(question, end_date=end)
        elapsed = time.process_time() - start
        best = max(best, len(pairs) * repeat / elapsed)
    return best


def reference_loop() -> float:
    """CPU µs of `sum(range(100))`, to compare machines (about 0.6 µs on a current laptop core)."""
    start = time.process_time()
    for _ in range(100_000):
        sum(range(100))
    return (time.process_time() - start) * 10


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    print(f"reference: sum(range(100)) takes {reference_loop():.2f} µs of CPU on this machine")
    pairs = generated(n)
    print(f"generated: {len(pairs):,} distinct questions  {rate(pairs):,.0f} markets/s")
    real = recorded()
    repeat = max(1, n // len(real))
    print(f"recorded:  {len(real):,} real questions x{repeat}  {rate(real, repeat):,.0f} markets/s")


if __name__ == "__main__":
    main()
