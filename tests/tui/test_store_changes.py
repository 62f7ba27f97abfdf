"""The app follows the store (issue 12.7, 12.8, 12.10; issue 14's status bar without full scans).

- The status bar's reads go through indexes and the `store_versions` counters, never a whole table.
- Offline is judged from the latest API calls of any job, the first failed one included.
- Tabs reload when the store changes behind them (another process, the in-app jobs), hidden ones
  when next shown; markets appear page by page while the catalogue still runs, with its progress.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from pmtui.config import load_settings
from pmtui.fakes.polymarket_server import FakePolymarket, FaultRule
from pmtui.store import connect, write_tx
from pmtui.tui.app import PmtuiApp
from pmtui.tui.context import TuiContext
from pmtui.tui.messages import CatalogProgressed, JobFinished, MarketsPageLoaded
from pmtui.tui.queries.changes import read_versions
from pmtui.tui.queries.status import RECENT, read_connectivity, read_status
from pmtui.tui.widgets.status import OfflineBanner, StatusBar
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import plain, rendered_text, settle
from tests.tui.store_fixture import NOW, bulk_markets, market
from tests.tui.test_jobs import wait_until, with_jobs

AppFactory = Callable[..., PmtuiApp]


def plans(db: Database, run: Callable[[], object]) -> list[str]:
    """The query plan lines of every statement `run` executes on `db`."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        db.conn.set_trace_callback(None)
    lines: list[str] = []
    for sql in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        params = [0] * sql.count("?")
        lines += [str(row[3]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]
    return lines


def test_status_reads_scan_no_table(store: Path) -> None:
    db = connect(store)
    bulk_markets(db, 3000)
    lines = plans(db, lambda: read_status(db, NOW))
    scans = [line for line in lines if line.startswith("SCAN") and not line.startswith("SCAN names")]
    assert not scans, lines
    status = read_status(db, NOW)
    # The same answers the full scans gave.
    newest = db.execute("SELECT max(updated_at) FROM markets WHERE source = 'api'").fetchone()[0]
    assert status.freshest_price == newest
    assert status.has_demo is True
    assert status.errors_24h == 1 and status.errors_recent == 0
    assert set(status.jobs) == {"catalog", "snapshots"} and status.jobs["catalog"].status == "ok"


def test_versions_move_with_every_writer(store: Path) -> None:
    db = connect(store)
    before = read_versions(db)
    with write_tx(db):
        db["markets"].insert(market("n1", "Will something new happen?", category="Other"))
    after = read_versions(db)
    assert after["markets"] == before["markets"] + 1
    with write_tx(db):
        db.execute("UPDATE markets SET history_fetched_at = 1 WHERE id = 'n1'")  # bookkeeping only
    assert read_versions(db)["markets"] == after["markets"]
    with write_tx(db):
        db.execute("UPDATE signals SET note = 'x' WHERE id = 1")
        db.execute("INSERT INTO job_runs (job, started, status) VALUES ('catalog', ?, 'running')", [NOW])
    latest = read_versions(db)
    assert latest["signals"] == after["signals"] + 1 and latest["jobs"] == after["jobs"] + 1


def add_calls(db: Database, *calls: tuple[float, int | None, str | None]) -> None:
    with write_tx(db):
        db.conn.executemany(
            "INSERT INTO api_calls (t, api, endpoint, status, ms, error) VALUES (?, 'gamma', 'x', ?, 1, ?)",
            calls,
        )


def test_offline_from_the_first_failed_call(store: Path) -> None:
    db = connect(store)
    assert read_connectivity(db, NOW).offline_since is None  # no calls: nothing to say
    add_calls(db, (NOW - 30, 200, None), (NOW - 20, None, "ConnectError: refused"))
    seen = read_connectivity(db, NOW)
    assert seen.offline_since == NOW - 20 and seen.reason == "ConnectError: refused"
    add_calls(db, (NOW - 10, 503, "service unavailable"))
    assert read_connectivity(db, NOW).offline_since == NOW - 20  # since the first failure
    add_calls(db, (NOW - 5, 200, None))
    assert read_connectivity(db, NOW).offline_since is None  # answered again
    add_calls(db, (NOW - 4, 429, "slow down"))
    assert read_connectivity(db, NOW).offline_since is None  # a 429 is an answer
    later = NOW + RECENT + 60
    add_calls(db, (NOW - 3, None, "timeout"))
    assert read_connectivity(db, later).offline_since is None  # old failures say nothing about now


def test_a_long_streak_of_failures_dates_from_its_start(store: Path) -> None:
    db = connect(store)
    add_calls(db, (NOW - 500, 200, None), *[(NOW - 400 + i, None, "refused") for i in range(300)])
    assert read_connectivity(db, NOW).offline_since == NOW - 400


def add_market_behind_the_apps_back(store: Path, mid: str, category: str) -> None:
    db = sqlite3.connect(store)
    db.close()
    writer = connect(store)
    with write_tx(writer):
        writer["markets"].insert(
            market(mid, f"Will the new market {mid} resolve YES?", category=category, volume_24h=9e9)
        )
    writer.conn.close()


async def test_tabs_follow_writes_made_elsewhere(make_app: AppFactory, store: Path) -> None:
    app = make_app(watch=0.1)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        assert table.row_count == 11
        table.move_to_key("101")
        add_market_behind_the_apps_back(store, "n1", "Science/Space")
        await wait_until(pilot, lambda: table.row_count == 12, seconds=10)
        assert table.cursor_key == "101"  # the cursor stays on its market
        # Clusters was hidden meanwhile: it catches up when shown, no `r` needed.
        await pilot.press("2")
        tree = app.query_one("#cluster-tree")
        await wait_until(pilot, lambda: "Science/Space" in rendered_text(tree), seconds=10)
        add_market_behind_the_apps_back(store, "n2", "Science/Biology")
        await wait_until(pilot, lambda: "Science/Biology" in rendered_text(tree), seconds=15)


async def test_clusters_counts_update_in_place_with_a_category_open(
    make_app: AppFactory, store: Path
) -> None:
    app = make_app(watch=0.1)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("G", "l")  # Weather/Temperature, opened
        await settle(pilot)
        tree = app.query_one("#cluster-tree")
        before = rendered_text(tree)
        assert "1 cluster · 3 markets" in before
        add_market_behind_the_apps_back(store, "n3", "Weather/Temperature")
        await wait_until(pilot, lambda: "2 clusters · 4 markets" in rendered_text(tree), seconds=15)
        assert "Highest temperature in NYC" in rendered_text(tree)  # still open


async def test_first_start_shows_markets_as_pages_land(
    make_fake_polymarket: Callable[..., FakePolymarket], tmp_path: Path
) -> None:
    """An empty store: rows appear while the catalogue job still runs (slow pages), and the status
    bar counts its markets and pages; they used to wait for the whole job."""
    server = make_fake_polymarket(recorded=True, generated=1500)
    server.set_faults(FaultRule("slow", endpoint="gamma:/markets/keyset", every=1, delay=0.4))
    settings = with_jobs(load_settings())
    settings = dataclasses.replace(settings, ui=dataclasses.replace(settings.ui, run_monitor=False))
    seen: list[object] = []
    app = PmtuiApp(TuiContext(settings=settings, rest_delay=0, watch_interval=0.2))
    async with app.run_test(size=(120, 35), message_hook=seen.append) as pilot:
        table = app.query_one("#markets-table", VimTable)
        status = app.query_one(StatusBar)
        await wait_until(pilot, lambda: table.row_count > 0, seconds=60)
        finished = [m for m in seen if isinstance(m, JobFinished) and m.job == "catalog"]
        assert not finished, "rows appeared only when the catalogue job had ended"
        assert any(isinstance(m, CatalogProgressed) for m in seen)
        await wait_until(pilot, lambda: "markets, page" in rendered_text(status), seconds=10)
        assert "catalog ◐ " in rendered_text(status)
        summary = plain(app.query_one("#markets-summary").render())  # type: ignore[arg-type]
        assert not summary.startswith("0 of 0")
        pages = [m for m in seen if isinstance(m, MarketsPageLoaded) and m.page.rows]
        assert pages
        await pilot.press("q")
        await pilot.pause()


async def test_offline_shows_from_the_first_failed_call_not_the_job_end(
    make_fake_polymarket: Callable[..., FakePolymarket], tmp_path: Path
) -> None:
    """With retries that take minutes, the banner still shows within seconds of the first refused
    call (it used to wait for the job to give up)."""
    server = make_fake_polymarket(recorded=True)
    server.go_offline("refuse")
    settings = with_jobs(load_settings())
    api = dataclasses.replace(settings.api, max_retries=8, backoff_base=5, backoff_max=60)  # type: ignore[arg-type]
    settings = dataclasses.replace(settings, api=api)
    seen: list[object] = []
    app = PmtuiApp(TuiContext(settings=settings, rest_delay=0, watch_interval=0.2))
    async with app.run_test(size=(120, 35), message_hook=seen.append) as pilot:
        banner = app.query_one(OfflineBanner)
        await wait_until(pilot, lambda: banner.display, seconds=20)
        assert not [m for m in seen if isinstance(m, JobFinished) and m.job != "monitor"]  # none gave up
        await pilot.pause()
        assert "unreachable" in rendered_text(banner)
        await pilot.press("q")
        await pilot.pause()


async def test_with_the_jobs_off_old_failures_are_not_red(make_app: AppFactory, store: Path) -> None:
    db = connect(store)
    with write_tx(db):
        db.execute(
            "INSERT INTO job_runs (job, started, finished, status, error) VALUES "
            "('resolutions', ?, ?, 'error', 'ConnectError: refused')",
            [NOW - 7200, NOW - 7190],
        )
    add_calls(db, (NOW - 7190, None, "ConnectError: refused"))
    db.conn.close()
    app = make_app()  # the jobs off, as `pmtui --offline`
    async with app.run_test(size=(250, 40)) as pilot:
        await settle(pilot)
        bar = app.query_one(StatusBar)
        text = rendered_text(bar)
        assert "offline mode" in text and "resolutions ✗ failed" in text
        assert not app.query_one(OfflineBanner).display
        line = bar.render()
        assert not any("red" in str(span.style) for span in getattr(line, "spans", [])), line
