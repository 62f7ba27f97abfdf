"""Finding strategies and resolving their parameters.

Every module in pmtui/strategies/ (other than base/registry/params) defines one `Strategy` subclass;
they are discovered by name. Parameters: defaults from the shipped `data/strategies.toml`, then the
user's `[strategies.<name>]` tables in config.toml, then `--param NAME.KEY=VALUE` on the command line.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pmtui.strategies.base import Strategy

_NOT_STRATEGIES = {"base", "registry", "params"}


@cache
def all_strategies() -> dict[str, Strategy]:
    """Name → instance, for every strategy module, sorted by name."""
    import pmtui.strategies as package

    found: dict[str, Strategy] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_STRATEGIES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            defined_here = isinstance(value, type) and value.__module__ == module.__name__
            if defined_here and issubclass(value, Strategy) and value is not Strategy:
                instance = value()
                found[instance.name] = instance
    return dict(sorted(found.items()))


def get_strategy(name: str) -> Strategy:
    strategies = all_strategies()
    if name not in strategies:
        known = ", ".join(strategies) or "none"
        raise KeyError(f"unknown strategy {name!r} (known: {known})")
    return strategies[name]
