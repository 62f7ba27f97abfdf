"""pmtui: a keyboard-driven terminal app for Polymarket traders."""

from __future__ import annotations

import sys

__version__ = "0.1.0"
APP_NAME = "pmtui"


def _import_sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils with pandas and numpy hidden from it.

    sqlite-utils imports pandas and numpy at import time only to map their scalar types to column
    types when it creates tables from Python values. pmtui's tables come from its migrations, so
    that mapping is never used, but the two imports cost about half a second of every start (the
    TUI's first screen, every CLI command). Hiding them makes sqlite-utils' own `try: import`
    fall back; they are unhidden right after, so the backtest still imports them when it needs them.
    """
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_import_sqlite_utils_without_pandas()
