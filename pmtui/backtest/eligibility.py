"""Which stored backtest runs may speak for a live strategy: validate its signals, size its stakes,
stand beside its forward test.

A run may speak for strategy S run live with parameters P only when
- it ran on real markets (no generated demo data);
- it decided at a fixed time before each market's scheduled end (`anchor = end`): `--anchor close`
  knows when the outcome happened and manufactures edge (README, "anchor"), and horizon "open"
  decides at each market's first price, so no live horizon can be matched against it;
- its whole configuration is the live one: S's parameters all equal to P (its own filters such as
  `min_hours_to_close` included), and no narrower category or date window than the whole store.

Any other run is still shown (every estimate names the run it came from) but never validates. A
market on generated demo data (`pmtui demo`'s tour) may be spoken for by a run on generated data,
which is then labelled as such; a real market never is.

Pure Python and JSON: the forward test (pmtui.paper) and the signal estimates both call it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pmtui.config import parse_duration


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What decides whether a stored run may speak for a strategy."""

    run_id: str
    created: int
    generated_data: bool
    anchor: str
    horizon: str
    horizon_s: float | None
    """Seconds before the end date each trade was decided; None for horizon "open"."""
    category: str | None
    date_from: str | None
    date_to: str | None
    params: Mapping[str, Mapping[str, Any]]
    """Each strategy of the run: its parameters."""


def run_facts(run_id: str, created: int, generated: bool, config_json: str | None) -> RunFacts:
    """Read a `backtest_runs` row. A config that cannot be read describes a run that never speaks."""
    try:
        config = json.loads(config_json or "{}")
    except ValueError:
        config = {}
    if not isinstance(config, dict):
        config = {}
    params: dict[str, Mapping[str, Any]] = {}
    for entry in config.get("strategies") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            used = entry.get("params")
            params[entry["name"]] = dict(used) if isinstance(used, Mapping) else {}
    horizon = str(config.get("horizon", "?"))
    try:
        horizon_s: float | None = None if horizon == "open" else float(parse_duration(horizon))
    except ValueError:
        horizon_s = None
    return RunFacts(
        run_id=run_id,
        created=int(created),
        generated_data=bool(generated),
        anchor=str(config.get("anchor") or "end"),  # runs stored before --anchor existed used the end date
        horizon=horizon,
        horizon_s=horizon_s,
        category=config.get("category") or None,
        date_from=config.get("from") or None,
        date_to=config.get("to") or None,
        params=params,
    )


def _differences(used: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    keys = sorted(set(used) | set(live))
    return [
        f"{k} {used.get(k, '(none)')!r} ≠ live {live.get(k, '(none)')!r}"
        for k in keys
        if used.get(k) != live.get(k)
    ]


def run_cannot_speak(run: RunFacts, *, generated_market: bool = False) -> str | None:
    """Why `run` may speak for no strategy at all (one short phrase), or None."""
    if run.generated_data and not generated_market:
        return "it ran on generated demo data"
    if run.anchor != "end":
        return f"it used --anchor {run.anchor}"
    if run.horizon_s is None:
        return f"horizon {run.horizon}: no fixed time before the end to match"
    if run.category:
        return f"it was narrowed to category {run.category}"
    if run.date_from or run.date_to:
        return f"it was narrowed to decisions {run.date_from or '…'} to {run.date_to or '…'}"
    return None


def why_not(
    run: RunFacts, strategy: str, live_params: Mapping[str, Any], *, generated_market: bool = False
) -> str | None:
    """Why `run` may not speak for `strategy` with `live_params` (one short phrase), or None."""
    reason = run_cannot_speak(run, generated_market=generated_market)
    if reason is not None:
        return reason
    used = run.params.get(strategy)
    if used is None:
        return f"it did not run {strategy}"
    differences = _differences(used, live_params)
    if differences:
        return "other parameters: " + "; ".join(differences[:2])
    return None


def may_speak(
    run: RunFacts, strategy: str, live_params: Mapping[str, Any], *, generated_market: bool = False
) -> bool:
    return why_not(run, strategy, live_params, generated_market=generated_market) is None
