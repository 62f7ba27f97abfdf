"""Live order books under load (issue 13): prints figures, asserts nothing.

    .venv/bin/python tests/bench/bench_live.py [--seconds 60] [--rate 500] [--tokens 2000]

The fake Polymarket runs in a separate process (so its work is not counted), serving `--tokens`
tokens; its market channel sends `--rate` price_change messages a second to the subscribed books for
`--seconds`, then stops.

1. **Stream alone**: `LiveBooks` (socket, book state, quote writer into a SQLite file) subscribed to
   every token. Reported: messages applied, CPU time of this process per second of stream (share of
   one core), and whether every book equals the server's afterwards, level for level (REST /books).
2. **The app under the same stream**: `pmtui` headless (Textual's test driver, 120x35) with every
   market watched (so all tokens stream) and the same message rate. Reported: keystroke latency (`j`
   until the cursor moved and the frame was drawn; median, p90, max over the run), process CPU, and
   how long after a newly selected market's first snapshot arrived its book was on screen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


# --- the server process --------------------------------------------------------------------------------


def serve(tokens: int) -> None:
    """Run the fake server; stdin commands: `tick RATE SECONDS`, `quit`. Prints one JSON line per event."""
    from pmtui.fakes.polymarket_data import generate_markets
    from pmtui.fakes.polymarket_server import FakePolymarket

    markets = generate_markets(int(tokens * 1.2), seed=11)
    server = FakePolymarket(markets, budgets={}).start()
    open_ids = [fm.id for fm in server.markets() if fm.has_book and len(fm.token_ids) == 2][: tokens // 2 + 5]
    print(json.dumps({"env": server.env(), "markets": open_ids}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "tick":
            rate, seconds = float(words[1]), float(words[2])
            server.channel.start_ticker(rate, seed=5)
            time.sleep(seconds)
            server.channel.stop_ticker()
            time.sleep(0.5)
            print(json.dumps({"ticked": server.channel.stats.frames_sent}), flush=True)
        elif words[0] == "quit":
            break
    server.stop()


class ServerProcess:
    def __init__(self, tokens: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", str(tokens)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        first = json.loads(self.read())
        self.env: dict[str, str] = first["env"]
        self.markets: list[str] = first["markets"]

    def read(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def tick(self, rate: float, seconds: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"tick {rate} {seconds}\n")
        self.proc.stdin.flush()

    def wait_ticked(self) -> int:
        return int(json.loads(self.read())["ticked"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        self.proc.wait(10)


# --- helpers -------------------------------------------------------------------------------------------


def settings_for(workdir: Path, env: dict[str, str]) -> Any:
    os.environ.update(env)
    os.environ["PMTUI_DB"] = str(workdir / "pmtui.sqlite")
    os.environ["PMTUI_LIMITER_DB"] = str(workdir / "limiter.sqlite")
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    from pmtui.config import load_settings

    return load_settings()


async def server_books(
    settings: Any, tokens: list[str]
) -> dict[str, tuple[dict[float, float], dict[float, float]]]:
    from pmtui.polymarket.book_state import BookState
    from pmtui.polymarket.client import PolymarketClient

    state = BookState()
    async with PolymarketClient(settings) as client:
        state.apply(await client.get_order_books(tokens), "rest")
    return {t: levels for t in tokens if (levels := state.levels(t)) is not None}


def exact(state: Any, reference: dict[str, tuple[dict[float, float], dict[float, float]]]) -> tuple[int, int]:
    """(books equal level for level, books compared)."""
    equal = sum(1 for token, levels in reference.items() if state.levels(token) == levels)
    return equal, len(reference)


def store_markets(settings: Any, env: dict[str, str], markets: list[str]) -> list[str]:
    """The fake's markets in the store (as the catalogue job would); all of `markets` watched but
    five that sit deep in the Markets table's first page (to select later). Returns those five."""
    import httpx

    from pmtui.collect.ingest import parse_markets, store_batch
    from pmtui.store import connect
    from pmtui.store.markets import set_watched

    raws: list[Any] = []
    cursor = None
    with httpx.Client() as http:
        while True:
            params: dict[str, Any] = {"limit": 100, "closed": "false"}
            if cursor:
                params["after_cursor"] = cursor
            page = http.get(env["PMTUI_GAMMA_URL"] + "/markets/keyset", params=params).json()
            raws += page["markets"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
    db = connect(settings.database.path)
    store_batch(db, parse_markets(raws), source="bench", categorize=None)
    marks = ",".join("?" * len(markets))
    spare = [
        str(r[0])
        for r in db.execute(
            f"SELECT id FROM markets WHERE closed = 0 AND id IN ({marks})"
            " ORDER BY volume_24h DESC, id LIMIT 5 OFFSET 120",
            markets,
        )
    ]
    set_watched(db, [m for m in markets if m not in spare], True)
    db.close()
    return spare


# --- 1. the stream alone -------------------------------------------------------------------------------


async def stream_alone(server: ServerProcess, settings: Any, rate: float, seconds: float) -> dict[str, Any]:
    from pmtui.collect.live_books import LiveBooks, market_tokens
    from pmtui.store import connect

    db = connect(settings.database.path)
    refs = market_tokens(db, server.markets)
    db.close()
    live = LiveBooks(settings)
    live.set_tokens("bench", refs)
    stop = asyncio.Event()
    task = asyncio.create_task(live.run(stop))
    start = time.monotonic()
    while not live.channel.synced:
        await asyncio.sleep(0.05)
    synced_after = time.monotonic() - start
    events_before = live.channel.stats.events
    cpu0, wall0 = time.process_time(), time.monotonic()
    server.tick(rate, seconds)
    await asyncio.to_thread(server.wait_ticked)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    events = live.channel.stats.events - events_before
    # On a loaded machine the client may still be working through buffered frames: the books must
    # become equal to the server's once it has, and how long that took is part of the figure.
    reference = await server_books(settings, list(refs))
    caught_up = time.monotonic()
    equal, compared = exact(live.state, reference)
    while equal < compared and time.monotonic() - caught_up < 60:
        await asyncio.sleep(0.5)
        equal, compared = exact(live.state, reference)
    caught_up = time.monotonic() - caught_up
    connections = live.channel.connections
    stop.set()
    await task
    return {
        "tokens": len(refs),
        "connections": connections,
        "subscribe_to_synced_s": round(synced_after, 2),
        "events": events,
        "events_per_s": round(events / wall, 1),
        "cpu_s": round(cpu, 2),
        "cpu_share_of_a_core": round(cpu / wall, 3),
        "malformed": live.channel.stats.malformed,
        "books_equal": f"{equal}/{compared}",
        "equal_after_stream_end_s": round(caught_up, 1),
    }


# --- 2. the app under the stream -----------------------------------------------------------------------


async def app_under_stream(
    server: ServerProcess, settings: Any, rate: float, seconds: float, spare: list[str]
) -> dict[str, Any]:
    import dataclasses

    from textual import events

    from pmtui.tui.app import PmtuiApp
    from pmtui.tui.context import TuiContext
    from pmtui.tui.widgets.book import BookPanel
    from pmtui.tui.widgets.table import VimTable

    settings = dataclasses.replace(
        settings,
        ui=dataclasses.replace(settings.ui, run_collector=False, run_monitor=False, refresh_interval=3600),
    )
    app = PmtuiApp(TuiContext(settings=settings))
    latencies: list[float] = []
    select_ms: list[float] = []
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.query_one("#markets-table", VimTable)
        deadline = time.monotonic() + 60
        while not (
            app.live.running and app.live.status and app.live.status.tokens >= 2 * len(server.markets) - 10
        ):
            assert time.monotonic() < deadline, "the app did not subscribe every watched market"
            await pilot.pause(0.1)
        while not app.live.thread or not app.live.thread.books.channel.synced:  # type: ignore[union-attr]
            await pilot.pause(0.1)
        # A key event goes to the app the way the terminal driver sends it; the time counted ends when
        # the first frame drawn after the cursor moved has been written.
        frames: list[float] = []
        display = app._display

        def recording_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            frames.append(time.perf_counter())

        app._display = recording_display  # type: ignore[method-assign]
        cpu0, wall0 = time.process_time(), time.monotonic()
        events0 = app.live.thread.books.channel.stats.events  # type: ignore[union-attr]
        server.tick(rate, seconds)
        end = time.monotonic() + seconds
        while time.monotonic() < end - 0.5:
            before = table.cursor_coordinate
            key = "j" if table.cursor_row < table.row_count - 2 else "g"
            t0 = time.perf_counter()
            app.post_message(events.Key(key, key))
            while table.cursor_coordinate == before:
                await asyncio.sleep(0.001)
            moved = time.perf_counter()
            while not any(f > moved for f in frames):
                await asyncio.sleep(0.001)
            latencies.append((min(f for f in frames if f > moved) - t0) * 1000)
            await asyncio.sleep(0.5)
        await asyncio.to_thread(server.wait_ticked)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        events = app.live.thread.books.channel.stats.events - events0  # type: ignore[union-attr]
        # Selecting markets whose books are not streaming yet: first snapshot -> panel drawn.
        from pmtui.store import connect

        others = [m for m in spare if m in {str(key.value) for key in table.rows}]
        db = connect(settings.database.path)
        first_tokens = {
            m: json.loads(db.execute("SELECT token_ids_json FROM markets WHERE id = ?", [m]).fetchone()[0])[0]
            for m in others
        }
        db.close()
        panel = app.query_one("#detail-book", BookPanel)
        arrived: dict[str, float] = {}

        def seen(changed: set[str]) -> None:
            for token in changed:
                arrived.setdefault(token, time.perf_counter())

        app.live.state.add_listener(seen)
        for market_id in others:
            token = str(first_tokens[market_id])
            table.move_to_key(market_id)
            limit = time.monotonic() + 20
            while not (token in arrived and panel.drawn_token == token and panel.drawn_at >= arrived[token]):
                if time.monotonic() > limit:
                    break
                await asyncio.sleep(0.001)
            else:
                select_ms.append((panel.drawn_at - arrived[token]) * 1000)
        app.live.state.remove_listener(seen)
        await pilot.press("q")
    latencies.sort()
    return {
        "keystrokes": len(latencies),
        "keystroke_ms_median": round(statistics.median(latencies), 1),
        "keystroke_ms_p90": round(latencies[int(len(latencies) * 0.9) - 1], 1),
        "keystroke_ms_max": round(latencies[-1], 1),
        "events_per_s": round(events / wall, 1),
        "process_cpu_share_of_a_core": round(cpu / wall, 3),
        "select_first_snapshot_to_book_drawn_ms": [round(x, 1) for x in select_ms],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="pmtui-bench-live-"))
    server = ServerProcess(args.tokens)
    try:
        settings = settings_for(workdir, server.env)
        spare = store_markets(settings, server.env, server.markets)
        server.markets = [m for m in server.markets if m not in spare]
        one = asyncio.run(stream_alone(server, settings, args.rate, args.seconds))
        print("stream alone:", json.dumps(one), flush=True)
        two = asyncio.run(app_under_stream(server, settings, args.rate, args.seconds, spare))
        print("app under the stream:", json.dumps(two), flush=True)
    finally:
        server.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        main()
