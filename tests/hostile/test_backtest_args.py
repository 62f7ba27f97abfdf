"""`pmtui backtest` with nothing to backtest, and with the corpus's absurd options
(tests/data/hostile/backtest_args.json): a clear result or one clear error, never a traceback.

An args case: {"id", "args" (after `backtest --strategy fade_longshots`, or after "command"),
"message" (part of the error)}; every case exits 2 and stores no run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmtui.cli import main
from pmtui.store import connect
from tests.hostile.corpus import Case, cases

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", cases("backtest_args"))
def test_absurd_options_are_one_clear_error(tmp_path: Path, case: Case) -> None:
    store = tmp_path / "store.sqlite"
    command = case.get("command") or ["backtest", "--strategy", "fade_longshots"]
    result = CliRunner().invoke(main, [*command, *case["args"]], env={"PMTUI_DB": str(store)})
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert case["message"] in result.stderr, result.stderr
    if store.exists():
        assert connect(store).execute("SELECT COUNT(*) FROM backtest_runs").fetchone()[0] == 0


def pmtui(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PMTUI_DB": str(store)}
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def test_nothing_to_backtest_is_said_plainly_and_the_run_can_be_shown(tmp_path: Path) -> None:
    """A fresh store, and an unknown category: a run with no market, stored and shown, no crash."""
    store = tmp_path / "fresh.sqlite"
    for extra in ([], ["--category", "Nonsense/Nothing"]):
        ran = pmtui(store, "backtest", "--strategy", "fade_longshots", *extra)
        assert ran.returncode == 0, ran.stderr
        assert "0 resolved markets considered" in ran.stdout
        assert "Nothing to backtest: no resolved market matches" in ran.stdout
    runs = json.loads(pmtui(store, "backtest", "runs", "--json").stdout)
    assert len(runs) == 2
    for run in runs:
        shown = pmtui(store, "backtest", "show", run["run_id"])
        assert shown.returncode == 0, shown.stderr
        assert "Nothing to backtest" in shown.stdout
        as_json = json.loads(pmtui(store, "backtest", "show", run["run_id"], "--json").stdout)
        assert as_json["markets"]["considered"] == 0 and as_json["brier"] is None
    listed = pmtui(store, "backtest", "runs")
    assert listed.returncode == 0 and "bt-" in listed.stdout
