"""In-app background jobs: the collector runs the core scheduler, reports through messages, shows the
offline banner when the API cannot be reached (and hides it when it can again), and stops on `q`."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from pmtui.config import ApiSettings, DatabaseSettings, LimitSettings, Settings, load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.store import connect, write_tx
from pmtui.tui.app import PmtuiApp
from pmtui.tui.clock import fixed_clock
from pmtui.tui.context import TuiContext
from pmtui.tui.widgets.status import OfflineBanner, StatusBar
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import rendered_text, settle
from tests.tui.store_fixture import NOW

FAST_JOBS = {
    "catalog_interval": 1.0,
    "resolutions_interval": 1.0,
    "snapshot_interval": 1.0,
    "history_interval": 3600.0,
    "failure_retry": 0.3,
}


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_jobs(settings: Settings) -> Settings:
    ui = dataclasses.replace(settings.ui, run_collector=True, run_monitor=True, refresh_interval=3600)  # type: ignore[arg-type]
    collect = dataclasses.replace(settings.collect, **FAST_JOBS)  # type: ignore[arg-type]
    # Never the real network: the live books run only when the fake server's channel is configured.
    live = dataclasses.replace(settings.live, enabled=settings.live.ws_url.startswith("ws://127.0.0.1"))
    return dataclasses.replace(settings, ui=ui, collect=collect, live=live)


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


async def test_dead_api_shows_the_offline_banner_and_keeps_stored_data(store: Path, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    settings = with_jobs(
        Settings(
            database=DatabaseSettings(path=store),
            api=ApiSettings(gamma_url=dead, clob_url=dead, data_url=dead, max_retries=0, timeout=2),  # type: ignore[arg-type]
            limits=LimitSettings(state_file=tmp_path / "limiter.sqlite"),
        )
    )
    app = PmtuiApp(TuiContext(settings=settings, clock=fixed_clock(NOW), rest_delay=0))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        banner = app.query_one(OfflineBanner)
        await wait_until(pilot, lambda: banner.display)
        # The banner shows from the first failed call; the job itself fails once its retries end.
        await wait_until(pilot, lambda: "catalog" in app.jobs and app.jobs["catalog"].state == "failed")
        text = rendered_text(banner)
        assert "OFFLINE" in text and "Polymarket API unreachable since" in text
        assert "connection failed" in text
        # the app keeps working on what the store holds
        assert app.query_one("#markets-table", VimTable).row_count == 11
        await pilot.press("5")
        await settle(pilot)
        status = rendered_text(app.query_one(StatusBar))
        # Failed, or already running its retry (failure_retry is 0.3 s here): never shown as done.
        assert ("catalog ✗" in status or "catalog ◐" in status) and "OFFLINE" in status
        assert app.jobs["catalog"].state == "failed"
        assert "connection failed" in (app.jobs["catalog"].last_error or "")
        threads = list(app.background.threads.values())
        assert len(threads) == 2 and all(thread.running for thread in threads)  # collector, monitor
        await pilot.press("q")
        await pilot.pause()
    assert not any(thread.running for thread in threads)
    assert app.return_code == 0


async def test_the_monitor_alone_also_raises_the_offline_banner(store: Path, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    settings = with_jobs(
        Settings(
            database=DatabaseSettings(path=store),
            api=ApiSettings(gamma_url=dead, clob_url=dead, data_url=dead, max_retries=0, timeout=2),  # type: ignore[arg-type]
            limits=LimitSettings(state_file=tmp_path / "limiter.sqlite"),
        )
    )
    settings = dataclasses.replace(settings, ui=dataclasses.replace(settings.ui, run_collector=False))
    app = PmtuiApp(TuiContext(settings=settings, clock=fixed_clock(NOW), rest_delay=0))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert list(app.background.threads) == ["monitor"]
        await wait_until(pilot, lambda: app.query_one(OfflineBanner).display)
        await wait_until(pilot, lambda: app.jobs["monitor"].state == "failed")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_live_data_fills_the_markets_tab_and_the_banner_follows_the_api(
    make_fake_polymarket: Callable[..., FakePolymarket], tmp_path: Path
) -> None:
    server = make_fake_polymarket(recorded=True)
    settings = with_jobs(load_settings())
    assert settings.database.path == tmp_path / "pmtui.sqlite"  # a fresh, empty store
    app = PmtuiApp(TuiContext(settings=settings, rest_delay=0))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        banner = app.query_one(OfflineBanner)
        await wait_until(pilot, lambda: table.row_count > 0)
        assert not banner.display
        await wait_until(pilot, lambda: app.jobs["catalog"].state == "idle")
        assert app.jobs["catalog"].last_run is not None
        assert server.stats.requests  # the rows came through the API
        db = connect(settings.database.path, migrate=False)
        categorized = db.execute("SELECT count(*) FROM markets WHERE cluster_id IS NOT NULL").fetchone()[0]
        db.conn.close()
        assert categorized > 0  # the taxonomy hook ran after the collector's jobs, as in `pmtui collect`
        await wait_until(pilot, lambda: "monitor" in app.jobs and app.jobs["monitor"].last_run is not None)
        assert app.jobs["monitor"].state == "idle", app.jobs["monitor"]

        server.go_offline("refuse")
        await wait_until(pilot, lambda: banner.display)
        server.go_online()
        await wait_until(pilot, lambda: not banner.display)
        assert table.row_count > 0
        threads = list(app.background.threads.values())
        await pilot.press("q")
        await pilot.pause()
    assert app.background.threads == {} and not any(thread.running for thread in threads)


async def test_no_background_jobs_when_turned_off(make_app: Callable[..., PmtuiApp]) -> None:
    app = make_app()  # ui.run_collector = false, as `pmtui tui --no-jobs` sets it
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.background.threads == {} and app.jobs == {}
        assert not app.query_one(OfflineBanner).display


def test_a_dead_job_thread_is_reported_and_restarted_later(tmp_path: Path) -> None:
    from pmtui.config import CollectSettings, UiSettings
    from pmtui.tui.jobs import COLLECTOR, BackgroundJobs

    unusable = tmp_path / "a-directory"  # the collector cannot open its database: its thread dies
    unusable.mkdir()
    settings = Settings(
        database=DatabaseSettings(path=unusable),
        ui=UiSettings(run_collector=True, run_monitor=False),
        collect=CollectSettings(failure_retry=0.2),  # type: ignore[arg-type]
        limits=LimitSettings(state_file=tmp_path / "limiter.sqlite"),
    )
    posted: list[object] = []
    jobs = BackgroundJobs(settings, posted.append)
    jobs.start()
    first = jobs.collector
    assert first is not None
    deadline = time.monotonic() + 10
    while first.running:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    down = jobs.check()
    assert COLLECTOR in down and "collector stopped" in down[COLLECTOR]
    assert jobs.collector is first  # not before collect.failure_retry
    time.sleep(0.25)
    assert jobs.check() == {}
    assert jobs.collector is not first  # a fresh thread was started
    jobs.stop(timeout=5)
    assert jobs.threads == {}


def test_the_monitor_job_name_is_the_one_it_records() -> None:
    from pmtui.signals.monitor import JOB
    from pmtui.tui.jobs import MONITOR

    assert MONITOR == JOB


def test_the_first_catalogue_pass_wakes_the_monitor(
    make_fake_polymarket: Callable[..., FakePolymarket], tmp_path: Path
) -> None:
    """On a new store the monitor's first cycle can run before the catalogue has stored anything; the
    first catalogue pass that stores markets makes it cycle again at once, not 5 minutes later."""
    from pmtui.config import UiSettings
    from pmtui.tui.jobs import BackgroundJobs
    from pmtui.tui.messages import JobFinished

    make_fake_polymarket(recorded=True)
    settings = load_settings()
    settings = dataclasses.replace(settings, ui=UiSettings(run_collector=True, run_monitor=True))
    assert settings.monitor.interval >= 60  # the default interval: a second cycle can only be the wake
    posted: list[object] = []
    jobs = BackgroundJobs(settings, posted.append)
    jobs.start()
    try:
        deadline = time.monotonic() + 60

        def monitor_cycles() -> list[JobFinished]:
            return [m for m in posted if isinstance(m, JobFinished) and m.job == "monitor"]

        while len(monitor_cycles()) < 2:
            assert time.monotonic() < deadline, posted
            time.sleep(0.1)
        catalog = [m for m in posted if isinstance(m, JobFinished) and m.job == "catalog"]
        assert catalog and catalog[0].markets_new > 0
        assert posted.index(catalog[0]) < posted.index(monitor_cycles()[1])
    finally:
        jobs.stop(timeout=10)


def test_queued_alerts_go_out_from_the_app_when_telegram_is_configured(
    make_fake_polymarket: Callable[..., FakePolymarket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jobs queue alerts; in the app the sender runs beside them (as beside `pmtui collect`)."""
    from pmtui.alerts.outbox import enqueue
    from pmtui.config import UiSettings
    from pmtui.fakes.telegram_server import FakeTelegram
    from pmtui.tui.jobs import BackgroundJobs

    token = "7012345678:AAHsecretTOKEN-x9Yz_qwertyuiopasdfgh"
    make_fake_polymarket(recorded=True)
    with FakeTelegram(token=token) as telegram:
        monkeypatch.setenv("PMTUI_TELEGRAM_URL", telegram.url)
        monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", token)
        monkeypatch.setenv("PMTUI_TELEGRAM_CHAT_ID", "-100123")
        settings = dataclasses.replace(load_settings(), ui=UiSettings(run_collector=True, run_monitor=False))
        db = connect(settings.database.path)
        with write_tx(db):
            enqueue(db, kind="test", dedupe_key="app-test", text="hello from the app", now=int(time.time()))
        db.conn.close()
        jobs = BackgroundJobs(settings, lambda message: None)
        jobs.start()
        try:
            assert jobs.alerts is not None
            deadline = time.monotonic() + 30
            while not any("hello from the app" in text for text in telegram.texts()):
                assert time.monotonic() < deadline
                time.sleep(0.1)
        finally:
            jobs.stop(timeout=10)
        assert jobs.alerts is None


def test_no_alert_sender_without_telegram(make_fake_polymarket: Callable[..., FakePolymarket]) -> None:
    from pmtui.config import UiSettings
    from pmtui.tui.jobs import BackgroundJobs

    make_fake_polymarket(recorded=True)
    settings = dataclasses.replace(load_settings(), ui=UiSettings(run_collector=True, run_monitor=False))
    jobs = BackgroundJobs(settings, lambda message: None)
    jobs.start()
    try:
        assert jobs.alerts is None
    finally:
        jobs.stop(timeout=10)
