"""pmtui: a keyboard-driven terminal app for Polymarket traders."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import ModuleType

__version__ = "0.1.0"
APP_NAME = "pmtui"

_HIDDEN_FROM_SQLITE_UTILS = frozenset({"pandas", "numpy"})


class _NoPandasForSqliteUtils:
    """Import sqlite-utils with pandas and numpy hidden from it, whenever it is first imported.

    sqlite-utils imports pandas and numpy at import time only to map their scalar types to column
    types when it creates tables from Python values. pmtui's tables come from its migrations, so
    that mapping is never used, but the two imports cost about half a second of every start that
    opens the database. This finder makes them fail while a sqlite_utils module runs its top-level
    code (sqlite-utils' own `try: import` then falls back), and only then: the backtest still
    imports them when it needs them. It sits on sys.meta_path instead of importing sqlite-utils up
    front, so commands that never open a database (`pmtui categorize --input`, `--help`) do not pay
    for sqlite-utils either. A pandas already imported is left as it is.
    """

    @staticmethod
    def find_spec(name: str, path: Sequence[str] | None = None, target: ModuleType | None = None) -> None:
        if name not in _HIDDEN_FROM_SQLITE_UTILS:
            return None
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == "<module>" and str(frame.f_globals.get("__name__", "")).startswith(
                "sqlite_utils"
            ):
                raise ModuleNotFoundError(f"No module named {name!r} (hidden from sqlite_utils)", name=name)
            frame = frame.f_back  # type: ignore[assignment]
        return None


if not any(isinstance(f, type) and f.__name__ == "_NoPandasForSqliteUtils" for f in sys.meta_path):
    sys.meta_path.insert(0, _NoPandasForSqliteUtils)
