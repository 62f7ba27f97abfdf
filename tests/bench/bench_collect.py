"""Data-layer benchmarks (issue 2): parse + upsert throughput, and API calls of one collector cycle.

1. Decode + parse + upsert: the recorded real Gamma markets in tests/data/polymarket, repeated with
   fresh ids and token ids to N objects (default 50,000), as keyset pages of 100 in JSON bytes,
   decoded, parsed and written to a new SQLite file exactly as the catalogue job does
   (`decode_markets_page`, `parse_markets`, `store_batch`, which categorizes as it stores), then the
   same pages again with every price moved (the collector's later passes: rewrites, no taxonomy
   work), then the first pass without categorizing, to show that share. Target: >= 20,000
   markets/s on one core with the decoding counted, judged on CPU time (see `run_pages`).
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

from sqlite_utils import Database

from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.collect.scheduler import Scheduler
from pmtui.config import load_settings
from pmtui.fakes.polymarket_data import generate_markets, load_recorded
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.polymarket.decoding import decode_markets_page
from pmtui.store import connect
from pmtui.store.markets import Categorize
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


def repriced(raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` an hour later: every outcome price moved (by 0.001, kept in [0, 1]) and more volume, as
    the next catalogue pass finds most markets; question, tags and dates as they were."""
    market = dict(raw)
    prices = raw.get("outcomePrices")
    if isinstance(prices, str) and prices.startswith("["):
        moved = [min(1.0, max(0.0, float(p) + 0.001)) for p in json.loads(prices)]
        market["outcomePrices"] = json.dumps([str(p) for p in moved])
    market["volume24hr"] = float(raw.get("volume24hr") or 0) + 1.0
    return market


def as_pages(raws: list[dict[str, Any]]) -> list[bytes]:
    """The bytes the catalogue job receives: keyset pages of 100 as Gamma sends them."""
    return [
        json.dumps({"markets": raws[first : first + PAGE], "next_cursor": str(first)}).encode()
        for first in range(0, len(raws), PAGE)
    ]


def run_pages(db: Database, pages: list[bytes], categorize: Categorize | None) -> dict[str, float]:
    """Decode, parse and store `pages` as the catalogue job does; CPU seconds of each step, wall time
    and markets stored. CPU time (time.process_time) beside wall time: the target is per core, and on
    a shared machine the wall clock also counts the time other processes held the CPU. SQLite runs in
    this process, so its work (and the kernel's, for the WAL writes) is counted."""
    started, cpu_started = time.perf_counter(), time.process_time()
    decode_cpu = parse_cpu = 0.0
    stored = 0
    for body in pages:
        c0 = time.process_time()
        page = decode_markets_page(body)
        c1 = time.process_time()
        batch = parse_markets(page["markets"])
        c2 = time.process_time()
        decode_cpu += c1 - c0
        parse_cpu += c2 - c1
        result = store_batch(db, batch, source="bench", categorize=categorize)
        stored += len(result.new) + len(result.updated)
    cpu = time.process_time() - cpu_started
    return {
        "cpu": cpu,
        "wall": time.perf_counter() - started,
        "decode": decode_cpu,
        "parse": parse_cpu,
        "store": cpu - decode_cpu - parse_cpu,
        "stored": stored,
    }


def print_rate(n: int, took: dict[str, float], target: str) -> None:
    print(
        f"  CPU: {n / took['cpu']:,.0f} markets/s{target}; per market: decode "
        f"{took['decode'] / n * 1e6:.1f} us, parse {took['parse'] / n * 1e6:.1f} us, store "
        f"{took['store'] / n * 1e6:.1f} us; wall {n / took['wall']:,.0f} markets/s"
    )


def bench_upsert(n: int, workdir: Path) -> None:
    raws = repeated_markets(n)
    pages = as_pages(raws)
    later = as_pages([repriced(raw) for raw in raws])
    del raws
    for label, categorize in (("as the collector runs it", CATEGORIZE), ("without categorizing", None)):
        db = connect(str(workdir / f"upsert-{categorize is None}.sqlite"))
        took = run_pages(db, pages, categorize)
        print(
            f"decode + parse + upsert, {label}: {n:,} new Gamma markets in {len(pages):,} pages "
            f"({took['stored']:,.0f} stored)"
        )
        print_rate(n, took, "  (target >= 20,000/s)")
        if categorize is not None:
            # The collector's later passes: the same catalogue with prices moved. Each market is
            # rewritten, with no taxonomy work and no re-indexing of its text.
            took = run_pages(db, later, categorize)
            print(f"  the same markets again, every price moved ({took['stored']:,.0f} rewritten):")
            print_rate(n, took, "")
        db.close()


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
