"""pmtui: a keyboard-driven terminal app for Polymarket traders."""

from __future__ import annotations

import importlib.machinery
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Loader
    from types import ModuleType

__version__ = "0.1.0"
APP_NAME = "pmtui"


class _WithoutPandas:
    """Runs sqlite-utils' own loader with pandas and numpy hidden.

    sqlite-utils imports pandas and numpy at import time only to map their scalar types to column
    types when it creates tables from Python values. pmtui's tables come from its migrations, so
    that mapping is never used, but the two imports cost about half a second of every start (the
    TUI's first screen, every CLI command). Hiding them makes sqlite-utils' own `try: import` fall
    back; they are unhidden right after, so the backtest still imports them when it needs them.
    """

    def __init__(self, loader: Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
        try:
            self._loader.exec_module(module)
        finally:
            for name in hidden:
                if sys.modules.get(name) is None:
                    del sys.modules[name]


class _SqliteUtilsFinder:
    """Applies `_WithoutPandas` when sqlite-utils is first imported, wherever that happens, rather
    than importing it with pmtui: the TUI's first screen reads SQLite without it (~50 ms of CPU)."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sqlite_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _WithoutPandas(spec.loader)  # type: ignore[assignment]
        return spec


if "sqlite_utils" not in sys.modules and not any(isinstance(f, _SqliteUtilsFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _SqliteUtilsFinder())
