"""The Backtests tab's form as plain data: what was typed → a `BacktestConfig`, or one error per field.

No widgets here. The config is built exactly the way `pmtui backtest` builds it (the user's
`[backtest]` defaults, `resolve_specs`, `config_from_settings`), so a run from the form and the same
options on the command line give the same numbers. A stored run's config can be turned back into
form values (re-run); the strategy parameters and anchor it used, which the form has no fields for,
are carried along and reported in the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pmtui.backtest.config import (
    BacktestConfig,
    StrategySpec,
    config_from_settings,
    horizon_seconds,
    parse_date,
    resolve_specs,
)
from pmtui.config import ConfigError, Settings, parse_duration

FIELDS: tuple[tuple[str, str, str], ...] = (
    # (field, label, placeholder)
    ("horizon", "Horizon", '7d, 24h, 90m or "open"'),
    ("cost", "Cost ¢", "1 (cents a share)"),
    ("max_staleness", "Staleness", "3d"),
    ("date_from", "From", "YYYY-MM-DD (any)"),
    ("date_to", "To", "YYYY-MM-DD (any)"),
    ("category", "Category", "Crypto, Weather/… (all)"),
    ("split", "Split at", "YYYY-MM-DD (none)"),
)
STRATEGIES = "strategies"
"""The field name errors about the strategy selection are reported under."""
GENERAL = "form"
"""The field name of an error that belongs to no single field."""


@dataclass(frozen=True)
class FormValues:
    strategies: tuple[str, ...] = ()
    horizon: str = ""
    cost: str = ""
    max_staleness: str = ""
    date_from: str = ""
    date_to: str = ""
    category: str = ""
    split: str = ""

    def text(self, name: str) -> str:
        return str(getattr(self, name)).strip()


@dataclass(frozen=True)
class Carried:
    """What a re-run keeps from the stored run although the form has no field for it."""

    run_id: str
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Strategy name → the parameters the stored run used."""
    anchor: str | None = None

    def describe(self) -> str:
        parts = []
        if self.params:
            parts.append("parameters")
        if self.anchor:
            parts.append(f"anchor {self.anchor}")
        return f"{' and '.join(parts) or 'settings'} from {self.run_id}"


def default_values(settings: Settings, strategies: tuple[str, ...]) -> FormValues:
    """The form as it opens: every registered strategy and the user's `[backtest]` defaults."""
    defaults = settings.backtest
    return FormValues(
        strategies=strategies,
        horizon=defaults.horizon,
        cost=cents_text(defaults.cost),
        max_staleness=duration_text(float(defaults.max_staleness)),
        split="",
    )


def duration_text(seconds: float) -> str:
    """The shortest exact way to write a duration: 259200 → "3d", 5400 → "90m"."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}"
    for size, unit in ((604800, "w"), (86400, "d"), (3600, "h"), (60, "m")):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def _check(errors: dict[str, str], name: str, check: Any) -> Any:
    """Run `check()`; a ValueError or ConfigError becomes the field's error (None is returned)."""
    try:
        return check()
    except ConfigError as exc:
        errors[name] = exc.problem
    except ValueError as exc:
        errors[name] = str(exc)
    return None


def cents_text(dollars: float) -> str:
    """A cost per share as the form shows it, in cents like every price in the app: 0.01 → "1"."""
    return f"{round(dollars * 100, 6):g}"


def _cost(text: str) -> float:
    """The form's cost in cents, as the dollars the backtest takes: "1" → 0.01, "0.5" → 0.005."""
    try:
        value = float(text.strip().removesuffix("¢"))
    except ValueError:
        raise ValueError(f"expected cents such as 1 or 0.5, got {text!r}") from None
    if not 0 <= value < 100:
        raise ValueError(f"must be at least 0¢ and below 100¢, got {value:g}¢")
    return value / 100


def _specs(values: FormValues, settings: Settings, carried: Carried | None) -> list[StrategySpec]:
    if not values.strategies:
        raise ValueError("pick at least one strategy (space toggles)")
    specs = resolve_specs(values.strategies, settings)
    if carried is None or not carried.params:
        return specs
    from pmtui.strategies.params import resolve_params

    out: list[StrategySpec] = []
    for spec in specs:
        stored = carried.params.get(spec.name)
        if stored:
            # The stored run's values win, as `config_from_json` does for a re-run from the CLI.
            params = resolve_params(spec.name, settings, stored, overrides_source=f"run {carried.run_id}")
            spec = StrategySpec(spec.strategy, params)
        out.append(spec)
    return out


def parse_form(
    values: FormValues, settings: Settings, carried: Carried | None = None
) -> tuple[BacktestConfig | None, dict[str, str]]:
    """The config to run, or None and every problem found (field → one line)."""
    errors: dict[str, str] = {}
    specs = _check(errors, STRATEGIES, lambda: _specs(values, settings, carried))
    horizon = values.text("horizon") or None
    if horizon is not None:
        _check(errors, "horizon", lambda: horizon_seconds(horizon))
    cost = None
    if values.text("cost"):
        cost = _check(errors, "cost", lambda: _cost(values.text("cost")))
    staleness = None
    if values.text("max_staleness"):
        staleness = _check(errors, "max_staleness", lambda: parse_duration(values.text("max_staleness")))
    dates: dict[str, int | None] = {}
    for name, end_of_day in (("date_from", False), ("date_to", True), ("split", False)):
        text = values.text(name)
        dates[name] = None
        if text:
            dates[name] = _check(
                errors, name, lambda t=text, n=name, e=end_of_day: parse_date(t, n, end_of_day=e)
            )
    start, end = dates["date_from"], dates["date_to"]
    if start is not None and end is not None and start > end:
        errors["date_to"] = "must not be before From"
    if errors:
        return None, errors
    try:
        config = config_from_settings(
            specs,
            settings.backtest,
            horizon=horizon,
            anchor=carried.anchor if carried else None,
            cost=cost,
            max_staleness=staleness,
            category=values.text("category") or None,
            date_from=start,
            date_to=end,
            split=dates["split"],
            min_trades=settings.signals.min_backtest_trades,
        )
    except ConfigError as exc:
        return None, {GENERAL: str(exc)}
    return config, {}


def values_from_stored(
    run_id: str, stored: Mapping[str, Any]
) -> tuple[FormValues, Carried | None, str | None]:
    """Form values from a stored run's config (`backtest_runs.config_json` / document["config"]).

    Returns the values, what the form cannot show (parameters, anchor) and, for a config written by
    an older version that lacks a key, a one-line note; never raises on odd stored data.
    """
    names: list[str] = []
    params: dict[str, dict[str, Any]] = {}
    for entry in stored.get("strategies", []) or []:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, Mapping) and "name" in entry:
            names.append(str(entry["name"]))
            if entry.get("params"):
                params[str(entry["name"])] = dict(entry["params"])
    staleness = stored.get("max_staleness_s")
    labels = {"horizon": "Horizon", "cost": "Cost ¢", "max_staleness_s": "Staleness"}
    missing = [label for key, label in labels.items() if key not in stored]
    values = FormValues(
        strategies=tuple(dict.fromkeys(names)),
        horizon=str(stored.get("horizon") or ""),
        cost="" if stored.get("cost") is None else cents_text(float(stored["cost"])),
        max_staleness="" if staleness is None else duration_text(float(staleness)),
        date_from=str(stored.get("from") or ""),
        date_to=str(stored.get("to") or ""),
        category=str(stored.get("category") or ""),
        split=str(stored.get("split") or ""),
    )
    anchor = stored.get("anchor")
    carried = Carried(run_id, params, str(anchor) if anchor else None) if (params or anchor) else None
    note = f"{', '.join(missing)}: not in the stored run (empty = your default)" if missing else None
    return values, carried, note
