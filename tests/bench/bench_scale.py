"""Scale bench (issue 14): pmtui at 10k, 100k and 500k real-shaped markets, each figure beside its
floor or baseline measured in the same run.

For each size N it builds N Gamma markets from the recorded ones (tests/bench/scale_data.py: unique
ids, events and tokens; ~5.4 KB each, one per line) and measures, every command in a fresh process
(CPU = user + system time of that process, peak RSS from wait4):

- import: `pmtui import FILE` beside the Python floor, json.loads of each line + executemany of a few
  fields into one plain table, batches of 500 (target: <= 4x the floor's CPU; peak memory flat,
  100k within 1.5x of 10k);
- first screen and search keystroke: the TUI bench's own driver (tests/bench/bench_tui.py, owned
  with the TUI) on the imported store; the keystroke beside the query alone (`load_page` with the
  typed text, the SQL the Markets tab runs);
- categorize: `pmtui categorize --input FILE --json` beside the old 17-regex script
  (tests/bench/old_categorizer.py) on the same file;
- backtest: `pmtui backtest --no-store --horizon 12h --json` (every registered strategy) over the
  imported resolved markets, each given 24 synthetic hourly price points before its end so decisions
  find prices (timing only: the imported markets carry no history), beside reading the same markets
  and decision points with plain SQL.

Prints a table and how each cost grows with N; asserts nothing.
Run: .venv/bin/python tests/bench/bench_scale.py [--sizes 10000,100000,500000] [--keep] [--only import]
(`--only import`: the import and its floor alone, a minute at 100k instead of the whole table.)
Only the search keystroke, on a store kept by an earlier run (building 500k takes minutes):
     .venv/bin/python tests/bench/bench_scale.py --store /tmp/pmtui-scale-XXXX/500000/pmtui.sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import bench_tui  # noqa: E402
from scale_data import write_jsonl  # noqa: E402

FLOOR = textwrap.dedent(
    """
    import json, sqlite3, sys
    db = sqlite3.connect(sys.argv[2], isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE m (id TEXT, question TEXT, end_date TEXT, volume REAL, outcomes TEXT, tokens TEXT)")
    rows = []
    def flush():
        db.execute("BEGIN")
        db.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        rows.clear()
    with open(sys.argv[1], "rb") as f:
        for line in f:
            r = json.loads(line)
            rows.append((r.get("id"), r.get("question"), r.get("endDate"), r.get("volumeNum"),
                         r.get("outcomes"), r.get("clobTokenIds")))
            if len(rows) == 500:
                flush()
    flush()
    """
)

SYNTHETIC_PRICES = """
WITH RECURSIVE hour(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM hour WHERE k < 24)
INSERT OR IGNORE INTO prices (token_id, t, p)
SELECT COALESCE(json_extract(m.token_ids_json, '$[0]'), 'pmtui:' || m.id || ':0'), m.end_date - hour.k * 3600,
       0.02 + (abs(random()) % 960) / 1000.0
FROM markets m, hour
WHERE m.resolution IN ('resolved', 'void') AND m.end_date IS NOT NULL
"""


@dataclass
class Measured:
    cpu: float
    rss_mb: float
    wall: float
    stdout: str = ""


def run_child(argv: list[str], env: dict[str, str] | None = None, to: Path | None = None) -> Measured:
    """`argv` in its own process (stdout to `to` or nowhere): its CPU (user + system), peak RSS and
    wall time, read with wait4 so the figures are this child's alone."""
    started = time.perf_counter()
    with (to or Path(os.devnull)).open("wb") as sink, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(argv, stdout=sink, stderr=errors, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(argv[:5])} failed: {errors.read().decode()[-2000:]}")
    return Measured(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall)


@dataclass
class SizeFigures:
    n: int
    build_s: float = 0.0
    floor: Measured | None = None
    imported: Measured | None = None
    first_screen_s: list[float] = field(default_factory=list)
    keystroke_ms: list[float] = field(default_factory=list)
    query_ms: list[float] = field(default_factory=list)
    categorize: Measured | None = None
    old_script: Measured | None = None
    backtest: Measured | None = None
    backtest_reads_s: float = 0.0
    resolved: int = 0
    notes: list[str] = field(default_factory=list)


def tui_run(db: Path) -> dict[str, Any]:
    """One run of the TUI bench (tests/bench/bench_tui.py) on this store: the first screen (wall
    seconds, as the table shows; CPU beside it) and the search keystrokes."""
    screen = bench_tui.first_screen(db, runs=1)
    keys = bench_tui.keystrokes(db)
    return {
        "first_screen_s": screen["wall_s"],
        "first_screen_cpu_s": screen["cpu_s"],
        "keystroke_ms": keys["keystroke_ms"],
    }


TYPED = ("delta", "hotel", "alpha 42")
"""What the TUI driver types (tests/bench/bench_tui.py), letter by letter."""


def query_alone(db: Path, words: tuple[str, ...] = TYPED, *, count: bool = False) -> list[float]:
    """The Markets tab's page query for each prefix the TUI driver types, timed alone (ms): what a
    keystroke waits for. With `count`, the match count instead, which the tab runs after the page is
    drawn (full pages only)."""
    from pmtui.store import connect
    from pmtui.tui.queries.markets import MarketFilter, count_matches, load_page

    store = connect(db)
    timings = []
    try:
        for word in words:
            for end in range(1, len(word) + 1):
                flt = MarketFilter(text=word[:end])
                started = time.perf_counter()
                count_matches(store, flt) if count else load_page(store, flt)
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        store.close()
    return timings


def backtest_reads(db: Path) -> float:
    """CPU seconds to read what a backtest must: the resolved markets' rows and, per market, the last
    price point 12 h before its end (plain SQL, no engine)."""
    from pmtui.store import connect

    store = connect(db)
    started = time.process_time()
    rows = store.execute(
        "SELECT id, question, outcomes_json, json_extract(token_ids_json, '$[0]'), category, features_json, "
        "end_date, closed_time, resolution, winner FROM markets WHERE resolution IN ('resolved', 'void')"
    ).fetchall()
    wanted = [(r[3] or f"pmtui:{r[0]}:0", r[6] - 43200) for r in rows if r[6] is not None]
    for start in range(0, len(wanted), 2000):
        chunk = json.dumps(wanted[start : start + 2000])
        store.execute(
            "SELECT (SELECT p FROM prices WHERE token_id = json_extract(w.value, '$[0]') "
            "AND t <= json_extract(w.value, '$[1]') ORDER BY t DESC LIMIT 1) FROM json_each(?) w",
            [chunk],
        ).fetchall()
    seconds = time.process_time() - started
    store.close()
    return seconds


def measure_size(n: int, folder: Path, *, import_only: bool = False) -> SizeFigures:
    figures = SizeFigures(n)
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text("", encoding="utf-8")
    store = folder / "pmtui.sqlite"
    env = {**os.environ, "PMTUI_CONFIG": str(config), "PMTUI_DB": str(store), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    data = write_jsonl(folder / "markets.jsonl", n)
    figures.build_s = time.perf_counter() - started
    print(f"[{n:,}] built {data.stat().st_size / 1e6:,.0f} MB in {figures.build_s:.0f} s", flush=True)

    figures.floor = run_child([sys.executable, "-c", FLOOR, str(data), str(folder / "floor.sqlite")])
    figures.imported = run_child([sys.executable, "-m", "pmtui", "import", str(data)], env)
    print(
        f"[{n:,}] imported: {figures.imported.cpu:.1f} s CPU, {figures.imported.cpu / figures.floor.cpu:.2f}x "
        f"the floor ({figures.floor.cpu:.1f} s), peak RSS {figures.imported.rss_mb:.0f} MB",
        flush=True,
    )
    if import_only:
        return figures

    for _ in range(2):
        run = tui_run(store)
        figures.first_screen_s.append(run["first_screen_s"])
        figures.keystroke_ms += run["keystroke_ms"]
    figures.query_ms = query_alone(store)

    figures.categorize = run_child(
        [sys.executable, "-m", "pmtui", "categorize", "--input", str(data), "--json"], env
    )
    old = BENCH / "old_categorizer.py"
    if old.exists():
        figures.old_script = run_child([sys.executable, str(old), str(data)])
    else:
        figures.notes.append("old_categorizer.py not in this checkout: no categorize baseline")

    from pmtui.store import connect

    db = connect(store)
    with db.conn:
        db.conn.execute(SYNTHETIC_PRICES)
    figures.resolved = db.execute(
        "SELECT COUNT(*) FROM markets WHERE resolution IN ('resolved', 'void')"
    ).fetchone()[0]
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    figures.backtest = run_child(
        [sys.executable, "-m", "pmtui", "backtest", "--no-store", "--horizon", "12h", "--json"], env
    )
    figures.backtest_reads_s = backtest_reads(store)
    return figures


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] if ordered else float("nan")


def report(sizes: list[SizeFigures]) -> None:
    load = os.getloadavg()
    print()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    header = (
        f"{'markets':>9} | {'import CPU':>10} | {'floor':>6} | {'x floor':>7} | {'peak RSS':>8} | "
        f"{'1st screen':>10} | {'key p90':>7} | {'query p90':>9} | {'categorize':>10} | {'old script':>10} | "
        f"{'backtest':>8} | {'bt reads':>8}"
    )
    print(header)
    print("-" * len(header))
    for f in sizes:
        assert f.floor and f.imported and f.categorize and f.backtest
        old = f"{f.old_script.cpu:9.1f}s" if f.old_script else "       n/a"
        print(
            f"{f.n:>9,} | {f.imported.cpu:9.1f}s | {f.floor.cpu:5.1f}s | {f.imported.cpu / f.floor.cpu:6.1f}x | "
            f"{f.imported.rss_mb:6.0f}MB | {statistics.median(f.first_screen_s):9.2f}s | "
            f"{p90(f.keystroke_ms):5.0f}ms | {p90(f.query_ms):7.0f}ms | {f.categorize.cpu:9.1f}s | {old} | "
            f"{f.backtest.cpu:7.2f}s | {f.backtest_reads_s:7.2f}s"
        )
    print()
    print("CPU seconds of each command in its own process; import and categorize over the same JSONL file;")
    print(
        "backtest = `pmtui backtest --no-store --horizon 12h` (CPU; wall in the growth lines), bt reads = the rows it"
    )
    print("must read, plain SQL. first screen / keystroke: tests/bench/bench_tui.py's driver (median of 2")
    print(
        "launches; p90 over every key typed); query = the same page query alone (the match count runs after"
    )
    print("the page is drawn, not counted here).")
    if len(sizes) > 1:
        base = sizes[0]
        assert base.imported and base.categorize and base.backtest
        print()
        print(f"growth against {base.n:,} markets (a cost proportional to N grows like N):")
        for f in sizes[1:]:
            assert f.imported and f.categorize and f.backtest
            factor = f.n / base.n
            print(
                f"  {f.n:,} ({factor:.0f}x N): import CPU {f.imported.cpu / base.imported.cpu:.1f}x, "
                f"peak RSS {f.imported.rss_mb / base.imported.rss_mb:.2f}x, first screen "
                f"{statistics.median(f.first_screen_s) / statistics.median(base.first_screen_s):.2f}x, key p90 "
                f"{p90(f.keystroke_ms) / p90(base.keystroke_ms):.1f}x, categorize "
                f"{f.categorize.cpu / base.categorize.cpu:.1f}x, backtest CPU "
                f"{f.backtest.cpu / base.backtest.cpu:.1f}x (wall {f.backtest.wall:.1f} s over "
                f"{f.resolved:,} resolved markets)"
            )
    for f in sizes:
        for note in f.notes:
            print(f"note [{f.n:,}]: {note}")


def keystrokes_only(store: Path, launches: int) -> None:
    """The search keystroke alone on an existing store: the TUI driver (`launches` launches) and the
    page query alone, each prefix typed."""
    from pmtui.store import connect

    db = connect(store)  # migrates a store kept from an older checkout, before anything is timed
    markets = db.execute("SELECT count(*) FROM markets").fetchone()[0]
    db.close()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    keys: list[float] = []
    for _ in range(launches):
        keys += bench_tui.keystrokes(store)["keystroke_ms"]
    queries = query_alone(store)
    counts = query_alone(store, count=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"{markets:,} markets: keystroke -> narrowed table p90 {p90(keys):.0f} ms (median "
        f"{statistics.median(keys):.0f}, max {max(keys):.0f}, {len(keys)} keys over {launches} launches); "
        f"page query alone p90 {p90(queries):.0f} ms (median {statistics.median(queries):.0f}, "
        f"max {max(queries):.0f}); match count, after the page, p90 {p90(counts):.0f} ms "
        f"(max {max(counts):.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--keep", action="store_true", help="Keep the files and stores (in the temp dir).")
    parser.add_argument(
        "--only", choices=("all", "import"), default="all", help="import: the import and its floor alone."
    )
    parser.add_argument(
        "--store",
        type=Path,
        help="Measure only the search keystroke, on this store (e.g. one kept with --keep).",
    )
    parser.add_argument("--launches", type=int, default=2, help="App launches typing the keys (--store).")
    args = parser.parse_args()
    if args.store is not None:
        keystrokes_only(args.store, args.launches)
        return
    root = Path(tempfile.mkdtemp(prefix="pmtui-scale-"))
    results = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            results.append(measure_size(n, root / str(n), import_only=args.only == "import"))
            if not args.keep:
                shutil.rmtree(root / str(n), ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept: {root}")
    if args.only == "all":
        report(results)
    else:
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
