"""Where pmtui keeps its files: platform dirs (XDG on Linux) and the data shipped with the app."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import platformdirs

from pmtui import APP_NAME


def _shipped_dir(name: str) -> Path:
    """`data/` (default rules and parameters) or `styles/` (Textual CSS). They live at the top of the
    repository; the wheel carries them inside the package as `pmtui/data` and `pmtui/styles`
    (pyproject's force-include), read here through importlib.resources. In a source checkout, or an
    editable install, the package has no such folder and they sit beside it instead."""
    packaged = resources.files("pmtui") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


SHIPPED_DATA_DIR = _shipped_dir("data")
STYLES_DIR = _shipped_dir("styles")


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def state_dir() -> Path:
    return platformdirs.user_state_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def default_config_file() -> Path:
    return config_dir() / "config.toml"


def default_db_path() -> Path:
    return data_dir() / "pmtui.sqlite"


def default_limiter_path() -> Path:
    # Shared by every pmtui process of this user on this machine (the TUI and `pmtui collect`).
    return state_dir() / "ratelimit.sqlite"


def shipped(name: str) -> Path:
    """A file from the app's `data/` folder (default rules, strategy parameters)."""
    return SHIPPED_DATA_DIR / name
