"""Test-wide fixtures. Every test runs with its own config/data/state/log dirs, so nothing touches the
developer's real pmtui files and no test depends on another's leftovers."""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pmtui.fakes.polymarket_data import generate_markets, load_recorded
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.paths import default_config_file

RECORDED_DATA = Path(__file__).resolve().parent / "data" / "polymarket"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    for var in (
        "PMTUI_CONFIG",
        "PMTUI_DB",
        "PMTUI_GAMMA_URL",
        "PMTUI_CLOB_URL",
        "PMTUI_DATA_URL",
        "PMTUI_LIMITER_DB",
        "PMTUI_TELEGRAM_TOKEN",
        "PMTUI_TELEGRAM_CHAT_ID",
        "PMTUI_TELEGRAM_URL",
        "PMTUI_WS_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture
def recorded_data() -> Path:
    """The recorded real Polymarket responses the tests use (tests/data/polymarket, checked in)."""
    assert RECORDED_DATA.is_dir(), f"recorded data not found at {RECORDED_DATA}"
    return RECORDED_DATA


# --- the fake Polymarket server (pmtui/fakes/polymarket_server.py) ------------------------------------

FAST_RETRY_CONFIG = """\
# Written by the fake_polymarket fixture: retries and timeouts short enough for a test suite.
[api]
timeout = 5
backoff_base = 0.02
backoff_max = 0.2
"""


@pytest.fixture
def make_fake_polymarket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., FakePolymarket]]:
    """Factory: `make_fake_polymarket(recorded=True, generated=0, budgets=None, seed=7)` starts a fake
    server and points this test's environment at it (PMTUI_GAMMA_URL / CLOB_URL / DATA_URL, a tmp
    PMTUI_LIMITER_DB and PMTUI_DB, and a config with fast retries unless the test wrote its own)."""
    started: list[FakePolymarket] = []

    def start(
        *, recorded: bool = True, generated: int = 0, budgets: dict[str, int] | None = None, seed: int = 7
    ) -> FakePolymarket:
        markets: list[dict[str, Any]] = []
        if recorded:
            markets += load_recorded(RECORDED_DATA)
        if generated:
            markets += generate_markets(generated, seed=seed)
        server = FakePolymarket(markets, budgets=budgets).start()
        started.append(server)
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("PMTUI_LIMITER_DB", str(tmp_path / "limiter.sqlite"))
        monkeypatch.setenv("PMTUI_DB", str(tmp_path / "pmtui.sqlite"))
        config = default_config_file()
        if not config.exists() and "PMTUI_CONFIG" not in os.environ:
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(FAST_RETRY_CONFIG, encoding="utf-8")
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def fake_polymarket(make_fake_polymarket: Callable[..., FakePolymarket]) -> FakePolymarket:
    """A fake Polymarket serving every recorded real market once, with this test's env pointed at it."""
    return make_fake_polymarket(recorded=True)


# --- `make test-fast`: which tests are slow ----------------------------------------------------------

# A test that starts a process (the CLI, a pseudo-terminal), drives the app (a Pilot, a snapshot) or
# runs end to end against the fake Polymarket server is marked `slow` here, so `make test-fast`
# (-m "not slow") keeps the unit tests only, and a new test is classified without anyone
# remembering to mark it.
_SLOW_CALLS = re.compile(r"\b(pmtui|run_test|snap_compare|Popen|subprocess\.run|pty\.fork)\(")
_SLOW_FIXTURES = {"fake_polymarket", "make_fake_polymarket"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        if function is None or item.get_closest_marker("slow"):
            continue
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            continue
        slow_fixture = not _SLOW_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
        if slow_fixture or _SLOW_CALLS.search(source) or "/tests/tui/" in str(item.path):
            item.add_marker(pytest.mark.slow)
