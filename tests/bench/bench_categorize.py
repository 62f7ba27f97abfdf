"""`pmtui categorize --input FILE --json` end to end against the old 17-regex script (issue 14: >= 2x).

Builds a JSONL file of N real-shaped Gamma markets (default 100,000): the recorded markets of
tests/data/polymarket (whole objects, ~6 KB each, as the Gamma API returns them) repeated with unique
ids, event ids, slugs and token ids, and with questions that differ like a real catalogue's: a copy
of a question with numbers gets other numbers (a ladder's or a calendar's siblings), one without
numbers gets another name in place of its first proper noun ("Will <Name> win ...?"). Then runs, as
separate processes over the same file with stdout to a file:

- the baseline: tests/bench/old_categorizer.py, a reconstruction of the old script (see its docstring);
- pmtui categorize --input FILE --json (category, cluster id and features for every market).

Reports CPU time (user + system of the child) and wall time for each, markets/s and the ratio, with
the machine's load average. Prints figures; asserts nothing.
Run: .venv/bin/python tests/bench/bench_categorize.py [N]
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pmtui.fakes.polymarket_data import read_json

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "data" / "polymarket"
OLD_SCRIPT = Path(__file__).with_name("old_categorizer.py")
NAMES = [
    "Alex Morgan", "Jamie Chen", "Priya Patel", "Luis Ortega", "Sam Novak", "Ana Silva", "Tom Berg",
    "Kenji Sato", "Olga Ivanova", "Marco Rossi", "Fatima Khan", "Lena Fischer", "Diego Ramos",
]  # fmt: skip
_DIGITS = re.compile(r"\d+")
_PROPER = re.compile(r"(?<=\s)[A-Z][a-z]+(?:\s[A-Z][a-z]+)?")


def recorded_markets() -> list[dict[str, Any]]:
    markets: list[dict[str, Any]] = []
    for path in sorted(RECORDED.glob("gamma_market*")):
        document = read_json(path)
        items = document if isinstance(document, list) else document.get("data") or [document]
        markets += [m for m in items if isinstance(m, dict) and m.get("question")]
    return markets


def sibling_question(question: str, copy: int, rng: random.Random) -> str:
    if copy == 0:
        return question
    if _DIGITS.search(question):
        return _DIGITS.sub(lambda m: str(rng.randrange(1, 10 ** len(m.group(0)))), question)
    return _PROPER.sub(lambda m: NAMES[(copy + len(m.group(0))) % len(NAMES)], question, count=1)


def write_markets(path: Path, n: int) -> None:
    base = recorded_markets()
    rng = random.Random(14)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            market = dict(base[i % len(base)])
            copy = i // len(base)
            market["id"] = f"{market['id']}{copy:04d}"
            market["slug"] = f"{market.get('slug', 'm')}-{copy}"
            market["question"] = sibling_question(market["question"], copy, rng)
            tokens = json.loads(market.get("clobTokenIds") or "[]")
            market["clobTokenIds"] = json.dumps([f"{i}{k}{copy:04d}{t[-6:]}" for k, t in enumerate(tokens)])
            events = market.get("events")
            if isinstance(events, list) and events and isinstance(events[0], dict):
                event = dict(events[0])
                event["id"] = f"{event.get('id', 'e')}{copy:04d}"
                event["slug"] = f"{event.get('slug', 'e')}-{copy}"
                market["events"] = [event, *events[1:]]
            fh.write(json.dumps(market, separators=(",", ":")))
            fh.write("\n")


def run(argv: list[str], out: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process, stdout into `out`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with out.open("wb") as fh, out.with_suffix(".err").open("wb") as err:
        subprocess.run(argv, stdout=fh, stderr=err, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "markets.jsonl"
        write_markets(data, n)
        size = data.stat().st_size
        load = os.getloadavg()[0]
        print(
            f"{n:,} real-shaped markets, {size / 1e6:,.0f} MB JSONL; load average {load:.1f} on {os.cpu_count()} CPUs"
        )
        env_note = "(CPU = user + system time of the child process; stdout to a file)"
        old_cpu, old_wall = run([sys.executable, str(OLD_SCRIPT), str(data)], Path(tmp) / "old.jsonl")
        new_cpu, new_wall = run(
            [sys.executable, "-m", "pmtui", "categorize", "--input", str(data), "--json"],
            Path(tmp) / "new.jsonl",
        )
        lines = sum(1 for _ in (Path(tmp) / "new.jsonl").open(encoding="utf-8"))
        skipped = (Path(tmp) / "new.err").read_text(encoding="utf-8").strip().splitlines()[-1:]
        print(env_note)
        print(
            f"  old 17-regex script:          {n / old_cpu:>9,.0f} markets/s CPU ({old_cpu:.1f} s), wall {old_wall:.1f} s"
        )
        print(
            f"  pmtui categorize --input --json: {n / new_cpu:>9,.0f} markets/s CPU ({new_cpu:.1f} s), wall {new_wall:.1f} s"
        )
        print(
            f"  pmtui / old: {old_cpu / new_cpu:.2f}x CPU, {old_wall / new_wall:.2f}x wall; {lines:,} lines written {skipped}"
        )


if __name__ == "__main__":
    main()
