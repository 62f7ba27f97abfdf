"""Test-wide fixtures. Every test runs with its own config/data/state/log dirs, so nothing touches the
developer's real pmtui files and no test depends on another's leftovers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polymarket"


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
    ):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture
def shared_data() -> Path:
    """The recorded real Polymarket responses in ../shared (read in place, never copied)."""
    assert SHARED_DATA.is_dir(), f"recorded data not found at {SHARED_DATA}"
    return SHARED_DATA
