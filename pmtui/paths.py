"""Where pmtui keeps its files: platform dirs (XDG on Linux) and the data shipped with the app."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from pmtui import APP_NAME

# The checkout/installation root: `data/` and `styles/` sit beside the `pmtui/` package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DATA_DIR = PROJECT_ROOT / "data"
STYLES_DIR = PROJECT_ROOT / "styles"


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
