"""What the Backtests tab reads: the stored runs, one run's document and its equity curves.

Everything goes through `pmtui.backtest.runs` (the same code as `pmtui backtest runs/show`); this
module only gathers what one screen needs in one thread-worker call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

if TYPE_CHECKING:
    # pmtui.backtest.runs pulls in numpy and the engine (a quarter of a second): imported by the
    # functions below, in the tab's worker threads, so the app's first screen does not wait for it.
    from pmtui.backtest.runs import EquityCurve, RunSummary

RUN_LIMIT = 200


@dataclass(frozen=True)
class LoadedRun:
    """A stored run as the tab shows it."""

    run_id: str
    created: int
    label: str | None
    document: dict[str, Any]
    """What the run reported (the `--json` document), with its config."""
    curves: dict[str, EquityCurve] = field(default_factory=dict)
    """Strategy → cumulative P&L of its trades in resolution order (empty when no trades stored)."""

    @property
    def generated_data(self) -> bool:
        return bool(self.document.get("generated_data"))

    @property
    def config(self) -> dict[str, Any]:
        config = self.document.get("config")
        return config if isinstance(config, dict) else {}

    @property
    def results(self) -> list[dict[str, Any]]:
        results = self.document.get("results")
        return results if isinstance(results, list) else []


def read_runs(db: Database, limit: int = RUN_LIMIT) -> list[RunSummary]:
    """The most recent runs first. A run whose document lacks its config (older runs) takes the
    horizon from `config_json`, which every run has."""
    from pmtui.backtest.runs import list_runs

    runs = list_runs(db, limit=limit)
    out = []
    for run in runs:
        if run.horizon is None:
            row = db.execute(
                "SELECT config_json FROM backtest_runs WHERE run_id = ?", [run.run_id]
            ).fetchone()
            horizon = json.loads(row[0]).get("horizon") if row else None
            run = replace(run, horizon=None if horizon is None else str(horizon))
        out.append(run)
    return out


def read_run(db: Database, run_id: str) -> LoadedRun | None:
    from pmtui.backtest.runs import equity_curve

    row = db.execute(
        "SELECT created, label, generated_data, config_json, results_json FROM backtest_runs WHERE run_id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        return None
    created, label, generated, config_json, results_json = row
    document = json.loads(results_json)
    # The runs table is the source of truth for the config and the demo flag (older documents may
    # lack them in results_json).
    document.setdefault("config", json.loads(config_json))
    document["generated_data"] = bool(generated) or bool(document.get("generated_data"))
    curves = {}
    for result in document.get("results", []):
        name = str(result.get("strategy", ""))
        curves[name] = equity_curve(db, run_id, name)
    return LoadedRun(run_id, int(created), label, document, curves)
