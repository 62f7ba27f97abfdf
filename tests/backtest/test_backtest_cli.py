"""The commands end to end: `pmtui import`, `pmtui backtest` (+ runs, show, export), `pmtui demo`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pmtui.cli import main
from pmtui.store import connect
from tests.backtest.helpers import DAY, T0, market, store

RESULT_KEYS = {
    "strategy": str,
    "considered": int,
    "skipped": dict,
    "trades": int,
    "wins": int,
    "losses": int,
    "voids": int,
    "win_rate": (float, type(None)),
    "win_rate_ci": (list, type(None)),
    "avg_cost": (float, type(None)),
    "edge": (float, type(None)),
    "mean_return": (float, type(None)),
    "mean_return_ci": (list, type(None)),
    "total_pnl": (float, int),
    "max_drawdown": (float, int),
    "by_category": list,
    "too_few_trades": bool,
    "kelly_pnl": (float, int),
    "verdict": str,
    "zero_losses": (dict, type(None)),
}


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite"
    monkeypatch.setenv("PMTUI_DB", str(path))
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_result_shape(entry: dict[str, Any]) -> None:
    for key, kind in RESULT_KEYS.items():
        assert isinstance(entry[key], kind), (key, entry[key])
    for reason, count in entry["skipped"].items():
        assert isinstance(reason, str) and isinstance(count, int) and count > 0
    for ci in ("win_rate_ci", "mean_return_ci"):
        if entry[ci] is not None:
            assert len(entry[ci]) == 2 and entry[ci][0] <= entry[ci][1]
    low = entry["mean_return_ci"][0] if entry["mean_return_ci"] else None
    assert entry["verdict"] == ("edge" if low is not None and low > 0 else "no evidence of edge")
    assert (entry["zero_losses"] is not None) == (entry["losses"] == 0 and entry["wins"] > 0)


def test_backtest_json_schema_runs_show_export(db_path: Path, tmp_path: Path) -> None:
    assert invoke("demo", "--markets", "300", "--seed", "4", "--json").exit_code == 0
    run = invoke(
        "backtest", "--strategy", "baseline_favourite", "--strategy", "fade_longshots",
        "--param", "fade_longshots.max_price=0.2", "--horizon", "24h", "--split", "2025-06-01", "--json",
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    document = json.loads(run.output)
    assert {"run_id", "config", "results", "calibration"} <= set(document)
    assert document["generated_data"] is True
    assert document["config"]["horizon"] == "24h" and document["config"]["split"] == "2025-06-01"
    assert document["config"]["strategies"][1] == {
        "name": "fade_longshots",
        "params": {**document["config"]["strategies"][1]["params"], "max_price": 0.2},
    }
    assert [r["strategy"] for r in document["results"]] == ["baseline_favourite", "fade_longshots"]
    for entry in document["results"]:
        check_result_shape(entry)
        for category in entry["by_category"]:
            assert isinstance(category["category"], str)
            check_result_shape({**category, "strategy": entry["strategy"], "by_category": []})
        check_result_shape({**entry["split"]["before"], "strategy": "x", "by_category": []})
    assert len(document["calibration"]) == 10
    assert {"bucket", "n", "mean_price", "share_yes"} <= set(document["calibration"][0])

    listed = json.loads(invoke("backtest", "runs", "--json").output)
    assert listed[0]["run_id"] == document["run_id"] and listed[0]["generated_data"] is True
    shown = json.loads(invoke("backtest", "show", document["run_id"], "--json").output)
    assert shown == document
    out = tmp_path / "run.csv"
    exported = invoke("backtest", "export", document["run_id"], "--out", str(out), "--json")
    assert json.loads(exported.output)["rows"] == sum(r["considered"] for r in document["results"])
    assert out.read_text().splitlines()[0].startswith("run_id,strategy,market_id")
    missing = CliRunner().invoke(main, ["backtest", "show", "bt-missing"])
    assert missing.exit_code == 1 and "no backtest run 'bt-missing'" in missing.output


def test_the_table_says_generated_and_too_few(db_path: Path) -> None:
    db = connect(db_path)
    store(db, *[market(f"m{k}", [(T0 + 3 * DAY, 0.7)], end=T0 + 10 * DAY, source="demo") for k in range(5)])
    output = invoke("backtest", "--strategy", "baseline_favourite", "--no-store").output
    assert "GENERATED DEMO DATA" in output
    assert "too few trades" in output
    assert "Wilson" in output and "Calibration" in output
    assert db.execute("SELECT count(*) FROM backtest_runs").fetchone()[0] == 0


def test_bad_options_are_one_line_errors(db_path: Path) -> None:
    unknown = CliRunner().invoke(main, ["backtest", "--strategy", "no_such"])
    assert (
        unknown.exit_code == 2 and "unknown strategy" in unknown.output and "fade_longshots" in unknown.output
    )
    horizon = CliRunner().invoke(main, ["backtest", "--strategy", "fade_longshots", "--horizon", "soon"])
    assert horizon.exit_code == 2 and "--horizon" in horizon.output
    param = CliRunner().invoke(
        main, ["backtest", "--strategy", "fade_longshots", "--param", "fade_longshots.nope=1"]
    )
    assert param.exit_code == 2 and "fade_longshots.nope" in param.output
    date = CliRunner().invoke(main, ["backtest", "--strategy", "fade_longshots", "--from", "someday"])
    assert date.exit_code == 2 and "--from" in date.output


def test_import_command(db_path: Path, tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "question": "A?",
                "end_date": 1700000000,
                "winner": 0,
                "price_history": [[1699990000, 0.5]],
            }
        ),
        "not json",
        json.dumps({"id": "b", "question": "B?", "end_date": 1700000000, "winner": 2}),
    ]
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines))
    first = json.loads(invoke("import", str(path), "--json").output)
    assert (first["inserted"], first["price_points_written"]) == (1, 1)
    assert [(b["line"], b["record_id"]) for b in first["bad_lines"]] == [(2, None), (3, "b")]
    text = invoke("import", str(path)).output
    assert "0 inserted, 0 updated, 1 unchanged" in text
    assert "line 2: invalid JSON" in text and "line 3 (market b): winner must be 0, 1 or null" in text


def test_demo_command_and_an_offline_first_look(db_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", "demo", "--markets", "120", "--seed", "9", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["generated_data"] is True and summary["markets"] == 120
    assert summary["resolved"] + summary["void"] + summary["open"] == 120
    db = connect(db_path)
    assert db.execute("SELECT count(*) FROM markets WHERE source != 'demo'").fetchone()[0] == 0
