"""Live monitor benchmark (issue 4): how long a cycle takes and what it costs in API calls.

The fake Polymarket server holds M generated markets (default 20,000; labelled demo data), the
catalogue job fills the store, then monitor cycles run back to back: the first (every candidate
proposes anew), a quiet one (nothing moved), and one after 50 candidates moved into longshot prices.
Printed per cycle: seconds, candidates, books refreshed, signals new/updated/expired, API calls by
endpoint; and the calls a day at the 5-minute and the 1-minute interval.

Run: .venv/bin/python tests/bench/bench_monitor.py [M]      (also run by `make bench`)
Prints its figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from pmtui.collect.scheduler import Scheduler
from pmtui.config import load_settings
from pmtui.fakes.polymarket_data import generate_markets
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.signals.monitor import CycleReport, Monitor, candidate_ids
from pmtui.store import connect


def show(label: str, report: CycleReport, seconds: float) -> None:
    calls = ", ".join(f"{k} {v}" for k, v in sorted(report.api_calls.items())) or "none"
    print(
        f"  {label:<14} {seconds:5.2f} s  {report.candidates} candidates, {report.quotes_refreshed} books, "
        f"signals {report.signals_new} new / {report.signals_updated} updated / {report.signals_expired} expired"
        f"  calls: {calls}"
    )


def main() -> None:
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = workdir / "config.toml"
        config.write_text("", encoding="utf-8")
        os.environ.setdefault("PMTUI_CONFIG", str(config))
        server = FakePolymarket(generate_markets(m, seed=11), generated=True).start()
        try:
            for name, value in server.env().items():
                os.environ[name] = value
            os.environ["PMTUI_DB"] = str(workdir / "monitor.sqlite")
            os.environ["PMTUI_LIMITER_DB"] = str(workdir / "limiter.sqlite")
            settings = load_settings()
            asyncio.run(Scheduler(settings).run_once(["catalog"]))
            monitor = Monitor(settings)
            print(f"live monitor over {m:,} generated (demo) markets on the fake server")
            reports = []
            for label in ("first cycle", "quiet cycle"):
                started = time.perf_counter()
                report = asyncio.run(monitor.run_once())
                show(label, report, time.perf_counter() - started)
                reports.append(report)
            db = connect(settings.database.path)
            moved = candidate_ids(db, settings)[-50:]
            db.close()
            for market_id in moved:
                server.set_price(market_id, 0.04)
            started = time.perf_counter()
            report = asyncio.run(monitor.run_once())
            show("50 moved", report, time.perf_counter() - started)
            per_cycle = sum(reports[-1].api_calls.values())
            print(
                f"  a quiet cycle costs {per_cycle} calls: {per_cycle * 288:,} a day every 5 min, "
                f"{per_cycle * 1440:,} every minute (--aggressive)"
            )
            print(f"  limit violations seen by the server: {server.stats.total_violations}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
