"""Data-layer benchmarks (issue 2): parse + upsert throughput, and API calls of one collector cycle.

1. Parse + upsert: the recorded real Gamma markets in tests/data/polymarket, repeated with fresh
   ids and token ids to N objects (default 50,000), parsed and written to a new SQLite file in pages
   of 100 (the keyset page size) exactly as the catalogue job does (`parse_markets` + `store_batch`).
   Target: >= 20,000 markets/s on one core, judged on CPU time (see `bench_upsert`).
2. API calls: one full `pmtui collect --once` cycle (catalogue, resolutions, snapshots, history)
   against the fake Polymarket server holding M generated markets, calls counted per endpoint.
   Targets: catalogue = ceil(M/100) pages per listing, top-100 price refresh = 1 call, so hourly
   snapshots cost <= 24 calls a day.

Run: .venv/bin/python tests/bench/bench_collect.py [N] [M]      (also run by `make bench`)
Prints its figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.collect.scheduler import Scheduler
from pmtui.config import load_settings
from pmtui.fakes.polymarket_data import generate_markets, load_recorded
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.store import connect
from pmtui.taxonomy.categorize import store_categorizer

CATEGORIZE = store_categorizer()

RECORDED = Path(__file__).resolve().parents[1] / "data" / "polymarket"
PAGE = 100


def repeated_markets(n: int) -> list[dict[str, Any]]:
    """`n` raw markets cycling through the recorded ones, each with a unique id and token ids."""
    recorded = load_recorded(RECORDED)
    out: list[dict[str, Any]] = []
    for i in range(n):
        raw = copy.deepcopy(recorded[i % len(recorded)])
        copy_no = i // len(recorded)
        raw["id"] = f"{raw['id']}{copy_no:03d}" if copy_no else str(raw["id"])
        tokens = raw.get("clobTokenIds")
        if copy_no and isinstance(tokens, str) and tokens.startswith("["):
            raw["clobTokenIds"] = json.dumps([f"{t}{copy_no:03d}" for t in json.loads(tokens)])
        if copy_no and raw.get("conditionId"):
            raw["conditionId"] = f"{raw['conditionId']}{copy_no:03d}"
        out.append(raw)
    return out


def bench_upsert(n: int, workdir: Path) -> None:
    raws = repeated_markets(n)
    db = connect(str(workdir / "upsert.sqlite"))
    # CPU time (time.process_time) beside wall time: the target is per core, and on a shared machine
    # the wall clock also counts the time other processes held the CPU, so it moves with their load.
    # SQLite runs in this process, so its work (and the kernel's, for the WAL writes) is counted.
    started, cpu_started = time.perf_counter(), time.process_time()
    parse_seconds = parse_cpu = 0.0
    stored = 0
    for first in range(0, len(raws), PAGE):
        t0, c0 = time.perf_counter(), time.process_time()
        batch = parse_markets(raws[first : first + PAGE])
        parse_seconds += time.perf_counter() - t0
        parse_cpu += time.process_time() - c0
        result = store_batch(db, batch, source="bench", categorize=CATEGORIZE)
        stored += len(result.new) + len(result.updated)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    count = db.conn.execute("SELECT count(*) FROM markets").fetchone()[0]
    db.close()
    print(f"parse + upsert: {n:,} raw Gamma markets ({stored:,} stored, {count:,} rows) in {total:.2f} s")
    print(
        f"  CPU time: {n / cpu:,.0f} markets/s overall (parse {n / parse_cpu:,.0f}/s, "
        f"store {n / (cpu - parse_cpu):,.0f}/s)  target >= 20,000/s"
    )
    print(
        f"  wall time: {n / total:,.0f} markets/s overall (parse {n / parse_seconds:,.0f}/s, "
        f"store {n / (total - parse_seconds):,.0f}/s)"
    )


def bench_cycle(m: int, workdir: Path) -> None:
    server = FakePolymarket(generate_markets(m, seed=11), generated=True).start()
    try:
        for name, value in server.env().items():
            os.environ[name] = value
        os.environ["PMTUI_DB"] = str(workdir / "cycle.sqlite")
        os.environ["PMTUI_LIMITER_DB"] = str(workdir / "limiter.sqlite")
        settings = load_settings()
        started = time.perf_counter()
        summary = asyncio.run(Scheduler(settings).run_once())
        seconds = time.perf_counter() - started
        snapshot_calls = 0
        print(f"one full cycle over {m:,} generated markets on the fake server: {seconds:.1f} s")
        for job in summary.jobs:
            calls = ", ".join(f"{k} {v}" for k, v in sorted(job.api_calls.items())) or "none"
            print(f"  {job.job:<12} {job.status:<6} calls: {calls}")
            if job.job == "snapshots":
                snapshot_calls = sum(job.api_calls.values())
        print(f"  catalogue target: ceil({m}/100) = {math.ceil(m / 100)} pages per listing (open, closed)")
        print(
            f"  snapshots: {snapshot_calls} call(s) per top-100 refresh -> {24 * snapshot_calls} a day hourly"
        )
        print(f"  limit violations seen by the server: {server.stats.total_violations}")
    finally:
        server.stop()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text("", encoding="utf-8")
        os.environ.setdefault("PMTUI_CONFIG", str(config))
        bench_upsert(n, Path(tmp))
        bench_cycle(m, Path(tmp))


if __name__ == "__main__":
    main()
