"""TUI benchmark: 20,000 markets in the store.

Measures, headless (Textual renders every frame as it would in a terminal):
- launch → first screen: from the start of a fresh Python process (before Textual is imported) until
  the Markets table shows its first page and a frame has been drawn;
- filter keystroke → table shown: a key typed in the `/` search box until the narrowed page is in the
  table (the FTS query runs in a thread worker);
- price refresh of the visible rows: time to apply, and whether cursor or scroll moved;
- resident memory (peak RSS) of the app process.

Targets (issue 6): first screen <= 1.5 s, keystroke <= 150 ms, RSS <= 400 MB, refresh moves nothing.
Run: `.venv/bin/python tests/bench/bench_tui.py` (or `make bench`).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKETS = 20_000

DRIVER = textwrap.dedent(
    """
    import time
    T0 = time.perf_counter()
    import asyncio, json, resource, statistics, sys
    from textual import events
    sys.path.insert(0, {root!r})
    from pmtui.config import DatabaseSettings, LiveSettings, Settings, UiSettings
    from pmtui.store import connect
    from pmtui.tui.app import PmtuiApp
    from pmtui.tui.context import TuiContext
    from pmtui.tui.tabs.markets import MarketsTab

    DB = {db!r}
    settings = Settings(
        database=DatabaseSettings(path=DB),
        ui=UiSettings(run_collector=False, run_monitor=False, refresh_interval=3600),
        live=LiveSettings(enabled=False),
    )

    async def wait_for(pilot, condition, timeout=10.0):
        start = time.perf_counter()
        while not condition():
            if time.perf_counter() - start > timeout:
                raise TimeoutError("condition not met")
            await asyncio.sleep(0.002)
        await pilot.pause()  # let the frame with the change be drawn

    async def main():
        app = PmtuiApp(TuiContext(settings=settings))
        out = {{}}
        async with app.run_test(size=(120, 35)) as pilot:
            tab = app.query_one(MarketsTab)
            table = tab.table
            await wait_for(pilot, lambda: table.row_count > 0)
            out["first_screen_s"] = time.perf_counter() - T0
            out["rows_shown"] = table.row_count
            out["total"] = tab._page.total

            # Filter keystrokes: a key event goes to the app the way the terminal driver sends it; the
            # time counted ends when the first frame showing the narrowed page has been drawn.
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
                        if time.perf_counter() - start > 10:
                            raise TimeoutError(typed)
                        await asyncio.sleep(0.001)
                for _ in word:
                    await pilot.press("backspace")
                await wait_for(pilot, lambda: tab._page.filter.text == "")
            out["keystroke_ms"] = [round(t * 1000, 1) for t in timings]
            await pilot.press("escape")

            # price refresh of the visible rows, cursor deep in the table
            table.move_cursor(row=200)
            await pilot.pause()
            cursor, scroll, key = table.cursor_row, table.scroll_y, table.cursor_key
            ids = [str(k.value) for k in list(table.rows)[150:260]]
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
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(out))

    asyncio.run(main())
    """
)


def build_store(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from pmtui.store import connect
    from tests.tui.store_fixture import build_store as build_fixture
    from tests.tui.store_fixture import bulk_markets

    build_fixture(path)
    db = connect(path)
    bulk_markets(db, MARKETS - 12)
    db.conn.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        build_store(db)
        runs = []
        for _ in range(3):
            script = DRIVER.format(root=str(ROOT), db=str(db))
            result = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp
            )
            runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    first = [r["first_screen_s"] for r in runs]
    keys = [k for r in runs for k in r["keystroke_ms"]]
    print(f"markets in store:               {runs[0]['total']:,} open (page of {runs[0]['rows_shown']} rows)")
    print(
        f"launch -> first screen:         median {statistics.median(first):.2f} s, max {max(first):.2f} s"
        "  (target <= 1.5 s)"
    )
    print(
        f"filter keystroke -> shown:      median {statistics.median(keys):.0f} ms, "
        f"p90 {sorted(keys)[int(len(keys) * 0.9)]:.0f} ms, max {max(keys):.0f} ms over {len(keys)} keys"
        "  (target <= 150 ms)"
    )
    print(
        f"price refresh of visible rows:  {statistics.median(r['refresh_ms'] for r in runs):.0f} ms; "
        f"cursor moved: {any(r['refresh_moved_cursor'] for r in runs)}, "
        f"scroll moved: {any(r['refresh_moved_scroll'] for r in runs)}"
    )
    print(f"peak RSS:                       {max(r['peak_rss_mb'] for r in runs):.0f} MB  (target <= 400 MB)")


if __name__ == "__main__":
    main()
