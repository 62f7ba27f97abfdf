"""A new user's first commands: `pmtui info` before any file exists, `pmtui demo`'s next step, and
run ids that can be copied from `pmtui backtest runs` at any width (issue 12, items 12, 14, 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmtui.cli import main
from pmtui.cli.demo import NEXT_HINT


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "first.sqlite"
    monkeypatch.setenv("PMTUI_DB", str(path))
    return path


def test_info_reports_a_missing_config_named_by_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "new" / "config.toml"
    monkeypatch.setenv("PMTUI_CONFIG", str(config))
    monkeypatch.setenv("PMTUI_DB", str(tmp_path / "new" / "pmtui.sqlite"))
    result = CliRunner().invoke(main, ["info"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("config_file"))
    assert str(config) in line and "not found" in line and "PMTUI_CONFIG" in line
    database = next(line for line in result.output.splitlines() if line.startswith("database"))
    assert "will be created" in database

    document = json.loads(CliRunner().invoke(main, ["info", "--json"]).output)
    assert document["config_exists"] is False and document["config_state"].startswith("not found")
    assert document["database_state"] == "will be created"
    assert not config.exists()  # info only reports


def test_info_still_applies_the_environment_without_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMTUI_CONFIG", str(tmp_path / "missing.toml"))
    monkeypatch.setenv("PMTUI_GAMMA_URL", "http://127.0.0.1:9/gamma")
    document = json.loads(CliRunner().invoke(main, ["info", "--json"]).output)
    assert document["gamma_url"] == "http://127.0.0.1:9/gamma"
    monkeypatch.setenv("PMTUI_CLOB_URL", "not a url")
    bad = CliRunner().invoke(main, ["info"])
    assert bad.exit_code == 2 and "PMTUI_CLOB_URL" in bad.output


def test_other_commands_refuse_a_missing_config_with_the_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    monkeypatch.setenv("PMTUI_CONFIG", str(tmp_path / "missing.toml"))
    result = CliRunner().invoke(main, ["backtest", "runs"])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "pmtui info" in result.output
    assert "unset PMTUI_CONFIG" in result.output


def test_demo_points_to_the_offline_tour(db_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--markets", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert NEXT_HINT in result.output
    assert "pmtui --offline" in result.output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "pmtui demo && pmtui`" not in readme  # the tour is `pmtui demo && pmtui --offline`


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_backtest_runs_never_cuts_a_run_id(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--markets", "200", "--seed", "5"]).exit_code == 0
    for label in ("first", "a label long enough to need wrapping at eighty columns, and then some"):
        args = ["backtest", "--strategy", "fade_longshots", "--strategy", "baseline_yes", "--label", label]
        assert runner.invoke(main, [*args, "--json"]).exit_code == 0
    ids = [run["run_id"] for run in json.loads(runner.invoke(main, ["backtest", "runs", "--json"]).output)]
    monkeypatch.setenv("COLUMNS", str(columns))
    listed = runner.invoke(main, ["backtest", "runs"])  # not a terminal: as when piped
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    for run_id in ids:
        assert any(line.split()[:1] == [run_id] for line in lines), (run_id, listed.output)
        assert runner.invoke(main, ["backtest", "show", run_id, "--json"]).exit_code == 0
    assert "…" not in listed.output
