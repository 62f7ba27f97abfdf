"""What a backtest run is asked to do: strategies with their parameters, horizon, costs, filters.

`BacktestConfig` is plain data: the CLI builds it from options, the TUI from its form, and a stored
run keeps its JSON form (`to_json`) so a result can always be traced back to what produced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pmtui.config import BacktestSettings, ConfigError, Settings, parse_duration
from pmtui.polymarket.parsing import parse_time
from pmtui.strategies.base import Strategy

OPEN_HORIZON = "open"
ANCHOR_END = "end"
ANCHOR_CLOSE = "close"
ANCHORS = (ANCHOR_END, ANCHOR_CLOSE)
EARLIEST_DATE = 946_684_800
"""2000-01-01 UTC: no prediction market pmtui reads is older; nor can a window start earlier."""
LATEST_DATE = 4_133_980_799
"""2100-12-31 23:59:59 UTC."""


@dataclass(frozen=True, slots=True)
class StrategySpec:
    """One strategy to run, with its fully resolved parameters."""

    strategy: Strategy
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.strategy.name


@dataclass(frozen=True)
class BacktestConfig:
    strategies: tuple[StrategySpec, ...]
    horizon: str = "7d"
    """A duration ("7d", "24h", "90m", seconds) before the market's anchor, or "open"."""
    anchor: str = ANCHOR_END
    """"end": the scheduled end date (known in advance; default). "close": min(end date, closed
    time), which leaks when the outcome happened (see pmtui.backtest.engine)."""
    cost: float = 0.01
    max_staleness: float = 3 * 86400
    category: str | None = None
    """Only markets in this category or below it ("Crypto" includes "Crypto/BTC-Price")."""
    date_from: int | None = None
    date_to: int | None = None
    """Inclusive window on the decision time (unix seconds); `date_to` is the end of that day."""
    split: int | None = None
    """Report trades decided before / from this time side by side."""
    settled_band: float = 0.01
    kelly_fraction: float = 0.25
    kelly_bankroll: float = 100.0
    kelly_min_history: int = 30
    min_trades: int = 30
    """Below this many trades with an outcome a result carries the "too few trades" warning."""

    def __post_init__(self) -> None:
        horizon_seconds(self.horizon)  # raises ConfigError early on a bad horizon
        if self.anchor not in ANCHORS:
            raise ConfigError(
                "--anchor", "anchor", f"expected one of {', '.join(ANCHORS)}, got {self.anchor!r}"
            )
        if not self.strategies:
            raise ConfigError("backtest", "strategy", "no strategy to run")
        if not 0 <= self.cost < 1:
            raise ConfigError("--cost", "cost", f"must be in [0, 1), got {self.cost}")
        if self.max_staleness < 0:
            raise ConfigError("--max-staleness", "max_staleness", "must not be negative")
        if not 0 <= self.settled_band < 0.5:
            raise ConfigError("backtest", "settled_band", f"must be in [0, 0.5), got {self.settled_band}")
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            raise ConfigError(
                "--from",
                "from",
                f"{format_date(self.date_from)} is after --to {format_date(self.date_to)}: no decision "
                "time falls between them",
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "strategies": [{"name": s.name, "params": dict(s.params)} for s in self.strategies],
            "horizon": self.horizon,
            "anchor": self.anchor,
            "cost": self.cost,
            "max_staleness_s": self.max_staleness,
            "category": self.category,
            "from": format_date(self.date_from),
            "to": format_date(self.date_to),
            "split": format_date(self.split),
            "settled_band": self.settled_band,
            "kelly_fraction": self.kelly_fraction,
            "kelly_bankroll": self.kelly_bankroll,
            "kelly_min_history": self.kelly_min_history,
            "min_trades": self.min_trades,
        }


def horizon_seconds(horizon: str) -> int | None:
    """Seconds before the anchor, or None for "open" (decide at the market's first price)."""
    if horizon.strip().lower() == OPEN_HORIZON:
        return None
    try:
        return int(parse_duration(horizon.strip()))
    except ValueError as exc:
        raise ConfigError("--horizon", "horizon", f'{exc} (or "open" for the first price)') from None


def parse_date(value: str, option: str, *, end_of_day: bool = False) -> int:
    """Unix seconds from "YYYY-MM-DD" (start of that UTC day, or its last second) or any ISO time."""
    text = value.strip()
    t = parse_time(text)
    if t is None:
        raise ConfigError(option, option.lstrip("-"), f"expected a date like 2025-06-01, got {value!r}")
    if not EARLIEST_DATE <= t <= LATEST_DATE:
        raise ConfigError(
            option, option.lstrip("-"), f"expected a date between 2000-01-01 and 2100-12-31, got {value!r}"
        )
    if end_of_day and len(text) == 10:
        t += 86400 - 1
    return t


def format_date(t: int | None) -> str | None:
    if t is None:
        return None
    moment = datetime.fromtimestamp(t, UTC)
    if moment.hour == moment.minute == moment.second == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def config_from_settings(
    strategies: Sequence[StrategySpec], settings: BacktestSettings, **overrides: Any
) -> BacktestConfig:
    """A config with the user's `[backtest]` defaults, overridden by the non-None `overrides`."""
    values: dict[str, Any] = {
        "horizon": settings.horizon,
        "anchor": settings.anchor,
        "cost": settings.cost,
        "max_staleness": float(settings.max_staleness),
        "settled_band": settings.settled_band,
        "kelly_fraction": settings.kelly_fraction,
        "kelly_bankroll": settings.kelly_bankroll,
        "kelly_min_history": settings.kelly_min_history,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return BacktestConfig(strategies=tuple(strategies), **values)


def resolve_specs(
    names: Iterable[str],
    settings: Settings | None,
    param_items: Sequence[str] = (),
) -> list[StrategySpec]:
    """Strategies by name (the registry, then pmtui's baselines) with their resolved parameters.

    Raises ConfigError for an unknown strategy, a `--param` for a strategy not being run, or a bad
    parameter.
    """
    from pmtui.backtest.baselines import BASELINES
    from pmtui.strategies.params import parse_param_overrides, resolve_params
    from pmtui.strategies.registry import all_strategies

    overrides = parse_param_overrides(param_items)
    registered = all_strategies()
    chosen = list(dict.fromkeys(names))
    unknown_params = sorted(set(overrides) - set(chosen))
    if unknown_params:
        raise ConfigError("--param", unknown_params[0], "names a strategy that is not being run")
    specs: list[StrategySpec] = []
    for name in chosen:
        if name in registered:
            params = resolve_params(name, settings, overrides.get(name))
            specs.append(StrategySpec(registered[name], params))
        elif name in BASELINES:
            baseline = BASELINES[name]
            if overrides.get(name):
                key = next(iter(overrides[name]))
                raise ConfigError("--param", f"{name}.{key}", "this baseline has no parameters")
            specs.append(StrategySpec(baseline, {}))
        else:
            known = ", ".join([*registered, *BASELINES]) or "none"
            raise ConfigError("--strategy", name, f"unknown strategy (known: {known})")
    return specs


def config_from_json(stored: Mapping[str, Any]) -> BacktestConfig:
    """Rebuild the config of a stored run (`backtest_runs.config_json`) to run it again.

    Stored parameters are re-validated against the strategy's current defaults; raises ConfigError
    when a strategy no longer exists or a parameter no longer fits.
    """
    specs: list[StrategySpec] = []
    for entry in stored.get("strategies", []):
        name = str(entry["name"])
        params = dict(entry.get("params", {}))
        found = resolve_specs([name], None, [])
        if params:
            from pmtui.strategies.params import resolve_params

            found = [
                StrategySpec(
                    found[0].strategy, resolve_params(name, None, params, overrides_source="stored run")
                )
            ]
        specs.append(found[0])

    def when(key: str) -> int | None:
        text = stored.get(key)
        return None if text is None else parse_date(str(text), key)

    return BacktestConfig(
        strategies=tuple(specs),
        horizon=str(stored.get("horizon", "7d")),
        anchor=str(stored.get("anchor", ANCHOR_END)),
        cost=float(stored.get("cost", 0.01)),
        max_staleness=float(stored.get("max_staleness_s", 3 * 86400)),
        category=stored.get("category"),
        date_from=when("from"),
        date_to=when("to"),
        split=when("split"),
        settled_band=float(stored.get("settled_band", 0.01)),
        kelly_fraction=float(stored.get("kelly_fraction", 0.25)),
        kelly_bankroll=float(stored.get("kelly_bankroll", 100.0)),
        kelly_min_history=int(stored.get("kelly_min_history", 30)),
        min_trades=int(stored.get("min_trades", 30)),
    )


def available_strategy_names() -> list[str]:
    """Registered strategies first, then the baselines."""
    from pmtui.backtest.baselines import BASELINES
    from pmtui.strategies.registry import all_strategies

    return [*all_strategies(), *BASELINES]
