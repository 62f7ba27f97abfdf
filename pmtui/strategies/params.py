"""Strategy parameters: shipped defaults (`data/strategies.toml`), user config, command-line overrides.

Every parameter has a default in the shipped file, which fixes its type; an override of a name that
has no default, or of the wrong type, is a `ConfigError` naming the file (or `--param`) and the key.
So is a value that makes no sense for what the parameter means (`RANGES`): a price outside [0, 1],
a negative volume, NaN or infinity anywhere, a `min_X` above its `max_X`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pmtui import paths
from pmtui.config import ConfigError, Settings

DEFAULTS_FILE = "strategies.toml"


@cache
def shipped_defaults(path: Path | None = None) -> dict[str, dict[str, Any]]:
    path = path or paths.shipped(DEFAULTS_FILE)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
    return {name: dict(table) for name, table in document.items() if isinstance(table, dict)}


def _coerce_like(default: Any, value: Any, source: str, key: str) -> Any:
    """`value` converted to the type of `default`; raises ConfigError if it cannot be."""
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError
        if isinstance(default, int):
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, int):
                return value
            if isinstance(value, str):
                return int(value)
            raise ValueError
        if isinstance(default, float):
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, int | float):
                return float(value)
            if isinstance(value, str):
                return float(value)
            raise ValueError
        if isinstance(default, str):
            if isinstance(value, str):
                return value
            raise ValueError
        if isinstance(default, Mapping):
            if isinstance(value, Mapping):
                return dict(value)
            raise ValueError
        if isinstance(default, list):
            if isinstance(value, list):
                return list(value)
            raise ValueError
    except ValueError:
        raise ConfigError(
            source, key, f"expected {type(default).__name__} like {default!r}, got {value!r}"
        ) from None
    return value


@dataclass(frozen=True)
class Range:
    """The values a numeric parameter may take, and what it is (for the error message)."""

    low: float
    high: float
    meaning: str

    def problem(self, value: float) -> str | None:
        if not self.low <= value <= self.high:
            return f"must be {self.meaning} ({self.low:g} to {self.high:g}), got {value:g}"
        return None


PRICE = Range(0.0, 1.0, "a price")
HOURS = Range(0.0, 24.0 * 366 * 10, "hours")
DOLLARS = Range(0.0, 1e12, "an amount of dollars")
COUNT = Range(0.0, 1e12, "a non-negative count")

RANGES: dict[str, Range] = {
    "min_price": PRICE,
    "max_price": PRICE,
    "min_yes_price": PRICE,
    "max_yes_price": PRICE,
    "min_hours_to_close": HOURS,
    "min_volume": DOLLARS,
    "min_liquidity": DOLLARS,
    "bucket_low_below": COUNT,
    "bucket_high_above": COUNT,
}
"""Ranges by parameter name. A parameter not named here but ending in `_price` is a price; every
numeric parameter must be finite."""


def _range_of(key: str) -> Range | None:
    if key in RANGES:
        return RANGES[key]
    if key.endswith("_price"):
        return PRICE
    return None


def check_meaning(params: Mapping[str, Any], sources: Mapping[str, tuple[str, str]]) -> None:
    """Raise ConfigError when a value makes no sense for its parameter. `sources` maps each
    overridden key to (source, dotted key) for the message; defaults are trusted."""
    for key, (source, dotted) in sources.items():
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            raise ConfigError(source, dotted, f"must be a finite number, got {value}")
        declared = _range_of(key)
        problem = declared.problem(float(value)) if declared is not None else None
        if problem:
            raise ConfigError(source, dotted, problem)
    for key in params:
        if not key.startswith("min_"):
            continue
        partner = "max_" + key[4:]
        low, high = params[key], params.get(partner)
        if not isinstance(high, int | float) or isinstance(high, bool) or isinstance(low, bool):
            continue
        if low > high:
            blamed = key if key in sources else partner
            source, dotted = sources.get(blamed, ("defaults", blamed))
            raise ConfigError(source, dotted, f"{key} ({low:g}) is above {partner} ({high:g})")


def resolve_params(
    name: str,
    settings: Settings | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    overrides_source: str = "--param",
) -> dict[str, Any]:
    """Parameters of strategy `name`: defaults < settings.strategies[name] < overrides."""
    defaults = shipped_defaults().get(name)
    if defaults is None:
        raise ConfigError(paths.shipped(DEFAULTS_FILE), name, "no default parameters for this strategy")
    params = dict(defaults)
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if settings is not None and name in settings.strategies:
        source = str(settings.source) if settings.source else "config"
        layers.append((source, settings.strategies[name]))
    if overrides:
        layers.append((overrides_source, overrides))
    sources: dict[str, tuple[str, str]] = {}
    for source, layer in layers:
        for key, value in layer.items():
            dotted = f"strategies.{name}.{key}" if source != overrides_source else f"{name}.{key}"
            if key not in defaults:
                known = ", ".join(sorted(defaults))
                raise ConfigError(source, dotted, f"unknown parameter (known: {known})")
            params[key] = _coerce_like(defaults[key], value, source, dotted)
            sources[key] = (source, dotted)
    check_meaning(params, sources)
    return params


def parse_param_overrides(items: Sequence[str]) -> dict[str, dict[str, str]]:
    """`["fade_longshots.max_price=0.08", ...]` → {"fade_longshots": {"max_price": "0.08"}}."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        name_key, sep, value = item.partition("=")
        name, dot, key = name_key.partition(".")
        if not sep or not dot or not name or not key:
            raise ConfigError("--param", item, "expected NAME.KEY=VALUE, e.g. fade_longshots.max_price=0.08")
        out.setdefault(name.strip(), {})[key.strip()] = value.strip()
    return out
