"""Strategy parameters: shipped defaults (`data/strategies.toml`), user config, command-line overrides.

Every parameter has a default in the shipped file, which fixes its type; an override of a name that
has no default, or of the wrong type, is a `ConfigError` naming the file (or `--param`) and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
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
    for source, layer in layers:
        for key, value in layer.items():
            dotted = f"strategies.{name}.{key}" if source != overrides_source else f"{name}.{key}"
            if key not in defaults:
                known = ", ".join(sorted(defaults))
                raise ConfigError(source, dotted, f"unknown parameter (known: {known})")
            params[key] = _coerce_like(defaults[key], value, source, dotted)
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
