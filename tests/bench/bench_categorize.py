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
the machine's load average. On a shared machine one process's CPU time swings by ±10% from run to
run, so the pair runs `--runs` times (default 3), alternating, and the medians are compared (each
run's figures are printed too). Both run as installed programs do: with their modules' bytecode
(the children may write it even where PYTHONDONTWRITEBYTECODE is set, and an untimed first run of
each on a small file writes it); otherwise pmtui would compile its ~35 modules from source at every
run (~0.06 s), while the old script's json and re come precompiled with Python.
Prints figures; asserts nothing.
Run: .venv/bin/python tests/bench/bench_categorize.py [N] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
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


CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str], out: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process, stdout into `out`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with out.open("wb") as fh, out.with_suffix(".err").open("wb") as err:
        subprocess.run(argv, stdout=fh, stderr=err, check=True, cwd=ROOT, env=CHILD_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description="pmtui categorize --input --json vs the old script")
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="markets in the file")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, alternating (medians compared)")
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "markets.jsonl"
        write_markets(data, n)
        size = data.stat().st_size
        load = os.getloadavg()[0]
        print(
            f"{n:,} real-shaped markets, {size / 1e6:,.0f} MB JSONL; load average {load:.1f} on {os.cpu_count()} CPUs"
        )
        print("(CPU = user + system time of the child process; stdout to a file)")
        warm_up = Path(tmp) / "warm-up.jsonl"
        write_markets(warm_up, 20)
        old_argv = [sys.executable, str(OLD_SCRIPT)]
        new_argv = [sys.executable, "-m", "pmtui", "categorize", "--json", "--input"]
        run([*old_argv, str(warm_up)], Path(tmp) / "old.jsonl")  # bytecode written, not timed
        run([*new_argv, str(warm_up)], Path(tmp) / "new.jsonl")
        old_runs: list[tuple[float, float]] = []
        new_runs: list[tuple[float, float]] = []
        for run_number in range(1, args.runs + 1):
            old_runs.append(run([*old_argv, str(data)], Path(tmp) / "old.jsonl"))
            new_runs.append(run([*new_argv, str(data)], Path(tmp) / "new.jsonl"))
            (old_cpu, _), (new_cpu, _) = old_runs[-1], new_runs[-1]
            print(
                f"  run {run_number}: old {old_cpu:.2f} s, pmtui {new_cpu:.2f} s CPU: {old_cpu / new_cpu:.2f}x "
                f"(load {os.getloadavg()[0]:.1f})"
            )
        lines = sum(1 for _ in (Path(tmp) / "new.jsonl").open(encoding="utf-8"))
        skipped = (Path(tmp) / "new.err").read_text(encoding="utf-8").strip().splitlines()[-1:]
        old_cpu, old_wall = (statistics.median(x) for x in zip(*old_runs, strict=True))
        new_cpu, new_wall = (statistics.median(x) for x in zip(*new_runs, strict=True))
        print(f"medians of {args.runs} run(s):")
        print(
            f"  old 17-regex script:             {n / old_cpu:>9,.0f} markets/s CPU ({old_cpu:.2f} s), wall {old_wall:.1f} s"
        )
        print(
            f"  pmtui categorize --input --json: {n / new_cpu:>9,.0f} markets/s CPU ({new_cpu:.2f} s), wall {new_wall:.1f} s"
        )
        print(
            f"  pmtui / old: {old_cpu / new_cpu:.2f}x CPU, {old_wall / new_wall:.2f}x wall; {lines:,} lines written {skipped}"
        )


if __name__ == "__main__":
    main()
