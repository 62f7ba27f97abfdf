"""TUI benchmark: the app over a store of N markets (20,000 by default), each figure beside its floor
measured in the same run. Prints figures, asserts nothing.

Measures, headless (Textual renders every frame as it would in a terminal), each in a fresh process:
- first screen: CPU time (user + system, all threads) and wall time from the start of the process
  to the first frame drawn with the Markets table's first page in it; beside the same for a bare
  Textual app with five tabs, a 200-row table and a footer (the floor; issue 14: <= 1.5x at 20k,
  <= 2x at 500k);
- filter keystroke -> table shown: a key typed in the `/` search box until the first frame showing
  the narrowed page (the query runs in a thread worker; a full page's match count follows in
  another, after that frame); p90 over the keys typed (target <= 150 ms);
- status bar read: CPU per refresh of everything the status bar shows, and whether any of its
  queries scans a whole table (target: none);
- price refresh of the visible rows: time to apply, and whether cursor or scroll moved;
- resident memory (peak RSS) of the app process.

Run: `.venv/bin/python tests/bench/bench_tui.py [--markets 500000] [--runs 3]` (or `make bench`).
Other benches (tests/bench/bench_scale.py) call `build_store`, `first_screen`, `bare_app`,
`keystrokes` and `status_reads` with a store of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARKETS = 20_000

PRELUDE = """
import time
T0 = time.perf_counter()
import asyncio, json, resource, sys
sys.path.insert(0, {root!r})

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

def first_frame_with(app, condition):
    # CPU and wall time at the first frame drawn once condition() holds (the frame the user sees
    # it in), by wrapping the app's display call.
    seen = {{}}
    display = app._display
    def recording(screen, renderable):
        display(screen, renderable)
        if not seen and condition():
            seen.update(wall_s=time.perf_counter() - T0, cpu_s=cpu())
    app._display = recording
    return seen

async def wait_for(pilot, condition, timeout=120.0):
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.002)
    await pilot.pause()  # let the frame with the change be drawn
"""

APP_SETUP = """
from pmtui.config import DatabaseSettings, LiveSettings, Settings, UiSettings
from pmtui.tui.app import PmtuiApp
from pmtui.tui.context import TuiContext

DB = {db!r}
settings = Settings(
    database=DatabaseSettings(path=DB),
    ui=UiSettings(run_collector=False, run_monitor=False, refresh_interval=3600),
    live=LiveSettings(enabled=False),
)
"""

FIRST_SCREEN = (
    PRELUDE
    + APP_SETUP
    + textwrap.dedent(
        """
    async def main():
        app = PmtuiApp(TuiContext(settings=settings, watch_interval=0))
        async with app.run_test(size=(120, 35)) as pilot:
            table = app.query_one("#markets-table")
            seen = first_frame_with(app, lambda: table.row_count > 0)
            await wait_for(pilot, lambda: bool(seen))
            out = dict(seen, rows=table.row_count)
            tab = app.query_one("MarketsTab")
            await wait_for(pilot, lambda: tab._page.total is not None)  # counted after the first frame
            out["total"] = tab._page.total
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(out))

    asyncio.run(main())
    """
    )
)

BARE_APP = PRELUDE + textwrap.dedent(
    """
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

    class Bare(App):
        def compose(self):
            with TabbedContent():
                for i in range(5):
                    with TabPane(f"{{i + 1}} Tab {{i + 1}}"):
                        yield DataTable() if i == 0 else Static(f"tab {{i + 1}}")
            yield Footer()

        def on_mount(self):
            table = self.query_one(DataTable)
            for label in ("★", "Question", "Category", "YES", "24h Δ", "24h vol", "Liquidity", "Closes in"):
                table.add_column(label)
            for n in range(200):
                table.add_row(
                    Text(" "), Text(f"Will market number {{n}} resolve YES by the end of the year?"),
                    Text("Crypto/BTC-Price"), Text("41.0¢"), Text("+3.0¢"), Text("$250.0K"),
                    Text("$90.0K"), Text("75d 0h"), key=str(n),
                )

    async def main():
        app = Bare()
        async with app.run_test(size=(120, 35)) as pilot:
            table = app.query_one(DataTable)
            seen = first_frame_with(app, lambda: table.row_count == 200)
            await wait_for(pilot, lambda: bool(seen))
            out = dict(seen)
        print(json.dumps(out))

    asyncio.run(main())
    """
)

KEYSTROKES = (
    PRELUDE
    + APP_SETUP
    + textwrap.dedent(
        """
    from textual import events

    async def main():
        app = PmtuiApp(TuiContext(settings=settings, watch_interval=0))
        out = {{}}
        async with app.run_test(size=(120, 35)) as pilot:
            tab = app.query_one("MarketsTab")
            table = tab.table
            await wait_for(pilot, lambda: table.row_count > 0)
            # A key event goes to the app the way the terminal driver sends it; the time counted ends
            # when the first frame showing the narrowed page has been drawn.
            frames = []
            display = app._display
            def recording_display(screen, renderable):
                display(screen, renderable)
                frames.append(time.perf_counter())
            app._display = recording_display
            rendered = []
            render_page = tab._render_page
            def recording_render(page):
                render_page(page)
                rendered.append((time.perf_counter(), page.filter.text))
            tab._render_page = recording_render

            timings = []
            await pilot.press("slash")
            await pilot.pause()
            for word in ("delta", "hotel", "alpha 42"):
                typed = ""
                for char in word:
                    typed += char
                    key = "space" if char == " " else char
                    start = time.perf_counter()
                    app.post_message(events.Key(key, char))
                    while True:
                        done = [t for t, text in rendered if t > start and text == typed]
                        if done and any(f > done[0] for f in frames):
                            timings.append(min(f for f in frames if f > done[0]) - start)
                            break
                        if time.perf_counter() - start > 60:
                            raise TimeoutError(typed)
                        await asyncio.sleep(0.001)
                for _ in word:
                    await pilot.press("backspace")
                await wait_for(pilot, lambda: tab._page.filter.text == "")
            out["keystroke_ms"] = [round(t * 1000, 1) for t in timings]
            await pilot.press("escape")

            # price refresh of the visible rows, cursor deep in the table
            from pmtui.store import connect
            table.move_cursor(row=150)
            await pilot.pause()
            cursor, scroll, key = table.cursor_row, table.scroll_y, table.cursor_key
            ids = [str(k.value) for k in list(table.rows)[100:200]]
            db = connect(DB)
            with db.conn:
                db.execute(
                    "UPDATE markets SET yes_price = round(1 - yes_price, 3), one_day_change = 0.042 "
                    "WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])
            db.conn.close()
            start = time.perf_counter()
            tab.refresh_visible()
            await wait_for(pilot, lambda: table.get_cell(key, "change").plain == "+4.2¢")
            out["refresh_ms"] = round((time.perf_counter() - start) * 1000, 1)
            out["refresh_moved_cursor"] = table.cursor_row != cursor or table.cursor_key != key
            out["refresh_moved_scroll"] = table.scroll_y != scroll
        print(json.dumps(out))

    asyncio.run(main())
    """
    )
)


def _run(script: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CONFIG_HOME": tmp, "XDG_STATE_HOME": tmp, "XDG_DATA_HOME": tmp}
        env.pop("PMTUI_CONFIG", None)
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp, env=env
        )
    if result.returncode != 0:
        raise RuntimeError(f"the bench driver failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def build_store(path: Path, markets: int = MARKETS) -> Path:
    """The TUI fixture store plus generated open markets, `markets` in all."""
    sys.path.insert(0, str(ROOT))
    from pmtui.store import connect
    from tests.tui.store_fixture import build_store as build_fixture
    from tests.tui.store_fixture import bulk_markets

    build_fixture(path)
    db = connect(path)
    done = 12
    while done < markets:  # in slices, so memory stays flat at 500,000
        count = min(50_000, markets - done)
        bulk_markets(db, count, seed_offset=done)
        done += count
    db.conn.close()
    return path


def first_screen(db_path: Path, runs: int = 3) -> dict[str, Any]:
    """Median CPU and wall seconds from process start to the first screen of the app on `db_path`."""
    found = [_run(FIRST_SCREEN.format(root=str(ROOT), db=str(db_path))) for _ in range(runs)]
    return {
        "cpu_s": statistics.median(r["cpu_s"] for r in found),
        "wall_s": statistics.median(r["wall_s"] for r in found),
        "rows": found[0]["rows"],
        "total": found[0]["total"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in found),
    }


def bare_app(runs: int = 3) -> dict[str, Any]:
    """The floor: the same for a bare Textual app with tabs, a 200-row table and a footer."""
    found = [_run(BARE_APP.format(root=str(ROOT))) for _ in range(runs)]
    return {
        "cpu_s": statistics.median(r["cpu_s"] for r in found),
        "wall_s": statistics.median(r["wall_s"] for r in found),
    }


def keystrokes(db_path: Path) -> dict[str, Any]:
    """Search keystrokes in the Markets tab (ms each) and an in-place price refresh."""
    return _run(KEYSTROKES.format(root=str(ROOT), db=str(db_path)))


def status_reads(db_path: Path, repeats: int = 20) -> dict[str, Any]:
    """CPU ms per status-bar read (median of `repeats`) and the queries that scan a whole table."""
    sys.path.insert(0, str(ROOT))
    from pmtui.store import connect
    from pmtui.tui.queries.status import read_status

    db = connect(db_path, migrate=False)
    now = time.time()
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    read_status(db, now)
    db.conn.set_trace_callback(None)
    scans: list[str] = []
    for sql in statements:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", [0] * sql.count("?")).fetchall():
                detail = str(row[3])
                if detail.startswith("SCAN") and not detail.startswith("SCAN names"):
                    scans.append(detail)
    cpu = []
    for _ in range(repeats):
        start = time.process_time()
        read_status(db, now)
        cpu.append((time.process_time() - start) * 1000)
    db.conn.close()
    return {"cpu_ms": statistics.median(cpu), "scans": scans}


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def report(db_path: Path, runs: int = 3) -> None:
    """Print every figure for the store at `db_path` (with the load, since the CPU is shared)."""
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bare = bare_app(runs)
    app = first_screen(db_path, runs)
    print(f"markets in store:        {app['total']:,} open (a page of {app['rows']} rows shown)")
    print(
        f"first screen:            CPU {app['cpu_s']:.2f} s, wall {app['wall_s']:.2f} s (median of {runs})"
        f"  | bare Textual app: CPU {bare['cpu_s']:.2f} s, wall {bare['wall_s']:.2f} s"
        f"  | ratio CPU {app['cpu_s'] / bare['cpu_s']:.2f}x, wall {app['wall_s'] / bare['wall_s']:.2f}x"
        "  (target <= 1.5x at 20k, <= 2x at 500k)"
    )
    keys = keystrokes(db_path)
    ms = keys["keystroke_ms"]
    print(
        f"filter keystroke -> shown: median {statistics.median(ms):.0f} ms, p90 {p90(ms):.0f} ms, "
        f"max {max(ms):.0f} ms over {len(ms)} keys  (target p90 <= 150 ms)"
    )
    status = status_reads(db_path)
    print(
        f"status bar read:         {status['cpu_ms']:.1f} ms CPU; full-table scans: "
        f"{'; '.join(status['scans']) or 'none'}  (target: none)"
    )
    print(
        f"price refresh (visible): {keys['refresh_ms']:.0f} ms; cursor moved: {keys['refresh_moved_cursor']}, "
        f"scroll moved: {keys['refresh_moved_scroll']}"
    )
    print(f"peak RSS (first screen): {app['peak_rss_mb']:.0f} MB  (target <= 400 MB)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=MARKETS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, help="use this store instead of building one")
    args = parser.parse_args()
    if args.db is not None:
        report(args.db, args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        started = time.perf_counter()
        build_store(db, args.markets)
        print(f"built a store of {args.markets:,} markets in {time.perf_counter() - started:.0f} s")
        report(db, args.runs)


if __name__ == "__main__":
    main()
