"""`pmtui import` skips every bad line with its line number and goes on (issue 15.7), and no stored date
can crash a display or stop an export (15.4). Real files, the real CLI, a real SQLite store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pmtui.backtest.importer import import_file
from pmtui.cli import main
from pmtui.store import connect

RECORDED_MARKET = Path(__file__).resolve().parents[1] / "data" / "polymarket" / "gamma_market_559651.json"


def history(market_id: str, **fields: Any) -> str:
    record: dict[str, Any] = {
        "id": market_id,
        "question": f"Will {market_id} happen by June 30?",
        "end_date": 1751241600,
        "outcomes": ["Yes", "No"],
        "winner": 0,
        "price_history": [[1751000000, 0.4], [1751100000, 0.45]],
    }
    record.update(fields)
    return json.dumps(record)


def gamma(**fields: Any) -> str:
    raw = json.loads(RECORDED_MARKET.read_text(encoding="utf-8"))
    raw.update(fields)
    return json.dumps(raw)


TOKEN = "32338220190071351435772801779725302244575775216413325951443816017994629993401"
DEEP = '{"id": "deep", "question": "Deep?", "end_date": 1751241600, "winner": 0, "tags": ' + "[" * 100_000
DEEP += "]" * 100_000 + "}"

# name: (the bad line, what its reason says, the line before it when the case needs one)
CASES: dict[str, tuple[str, str, str | None]] = {
    "end_date NaN": (history("x").replace("1751241600", "NaN"), "invalid JSON", None),
    "end_date 1e30": (history("x", end_date=1e30), "end_date: 1e+30 is outside 2000-01-01..2100-01-01", None),
    "Gamma endDate 1e20": (gamma(id="big", endDate=1e20), "endDate: 1e+20 is outside", None),
    "price time NaN": (history("x").replace("1751000000", "NaN"), "invalid JSON", None),
    "price time 1e30": (
        history("x", price_history=[[1e30, 0.5]]),
        "bad price_history point [1e+30, 0.5] (time outside 2000-01-01..2100-01-01)",
        None,
    ),
    "volume 1e400": (
        history("x").replace('"winner": 0', '"winner": 0, "volume": 1e400'),
        "out of range",
        None,
    ),
    "lone surrogate": (history("x").replace("happen", "hap\\ud800pen"), "invalid JSON", None),
    "100,000-deep nesting": (DEEP, "nested too deeply", None),
    "negative volume": (history("x", volume=-5), "volume must be a number >= 0", None),
    "Gamma negative volume": (
        gamma(id="neg", volumeNum=-1.5, volume="-1.5"),
        "volumeNum: -1.5 is negative",
        None,
    ),
    "outcomes Yes, Yes": (history("x", outcomes=["Yes", "Yes"]), "outcomes repeat a name", None),
    "tags that are objects": (
        history("x", tags=[{"slug": "politics"}]),
        "tags must be a list of strings",
        None,
    ),
    "a token shared by two markets": (
        gamma(id="other", clobTokenIds=json.dumps([TOKEN, "1" * 77])),
        "token 3233822019007135... already belongs to market 559651",
        gamma(),
    ),
}


def run_import(path: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["import", str(path), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("PMTUI_DB", str(path))
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_line_is_skipped_with_its_number_and_the_import_goes_on(
    case: str, db_path: Path, tmp_path: Path
) -> None:
    bad, reason, before = CASES[case]
    path = tmp_path / "markets.jsonl"
    path.write_text("\n".join([before or history("first"), bad, history("after")]) + "\n", encoding="utf-8")
    report = json.loads(run_import(path, "--json").output)
    assert [b["line"] for b in report["bad_lines"]] == [2], report["bad_lines"]
    assert reason in report["bad_lines"][0]["reason"]
    if before is not None:
        assert report["bad_lines"][0]["reason"].endswith("(line 1)")
    first_id = "559651" if before else "first"
    stored = {r[0] for r in connect(db_path).execute("SELECT id FROM markets")}
    assert stored == {first_id, "after"}  # the lines around it are imported
    errors = connect(db_path).execute("SELECT message FROM errors WHERE source = 'import'").fetchall()
    assert [e[0].split(": ", 1)[0] for e in errors] == [f"{path}:2"]


def test_every_case_in_one_file_through_the_real_command(db_path: Path, tmp_path: Path) -> None:
    lines = [history("good-0")]
    expected: dict[int, str] = {}
    for bad, reason, before in CASES.values():
        if before is not None:
            lines.append(before)
        lines.append(bad)
        expected[len(lines)] = reason
        lines.append(history(f"good-{len(lines)}"))
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", "import", str(path), "--json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert {b["line"]: b["reason"] for b in report["bad_lines"]}.keys() == expected.keys()
    for bad in report["bad_lines"]:
        assert expected[bad["line"]] in bad["reason"]
    goods = {json.loads(line)["id"] for line in lines if line.startswith('{"id": "good-')}
    stored = {r[0] for r in connect(db_path).execute("SELECT id FROM markets")}
    assert stored == goods | {"559651"} and len(goods) == len(CASES) + 1  # every good line, each once


def test_the_same_id_three_times_keeps_the_last_and_says_so(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "repeats.jsonl"
    lines = [history("r", question=f"Will version {n} happen?") for n in (1, 2, 3)]
    path.write_text("\n".join([*lines, history("other")]) + "\n", encoding="utf-8")
    report = json.loads(run_import(path, "--json").output)
    assert report["bad_lines"] == []
    assert report["repeated_ids"] == [
        {"line": 2, "record_id": "r", "first_line": 1},
        {"line": 3, "record_id": "r", "first_line": 1},
    ]
    db = connect(db_path)
    assert db.execute("SELECT question FROM markets WHERE id = 'r'").fetchone()[0] == "Will version 3 happen?"
    text = run_import(path).output
    assert "line 3: market r was already on line 1; the last line with this id is kept" in text


def test_bad_elements_of_a_json_array_are_skipped_too(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    elements = [history("a"), history("b", question="Will \udc00 be stored?"), history("c", end_date=1e20)]
    path.write_text("[\n" + ",\n".join([*elements, history("d")]) + "\n]\n", encoding="utf-8")
    report = import_file(connect(db_path), path)
    assert [(b.line, b.record_id) for b in report.bad_lines] == [(2, "b"), (3, "c")]
    assert {r[0] for r in connect(db_path).execute("SELECT id FROM markets")} == {"a", "d"}


def test_a_stored_date_beyond_any_calendar_neither_stops_export_nor_breaks_formatting(
    db_path: Path, tmp_path: Path
) -> None:
    """A store written before dates were checked (issue 15.4: `end_date: 1e20` was accepted)."""
    from pmtui.tui import formatting as fmt

    path = tmp_path / "ok.jsonl"
    path.write_text("\n".join(history(f"m{i}") for i in range(3)) + "\n", encoding="utf-8")
    run_import(path)
    db = connect(db_path)
    db.execute("UPDATE markets SET end_date = 100000000000000000000, closed_time = 9e999 WHERE id = 'm1'")
    for fmt_name in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"markets.{fmt_name}"
        result = CliRunner().invoke(
            main, ["export", "markets", "--format", fmt_name, "--out", str(out), "--json"]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["rows"] == 3
    lines = [json.loads(line) for line in (tmp_path / "markets.jsonl").read_text().splitlines()]
    assert {line["id"]: line["end_date"] for line in lines} == {
        "m0": "2025-06-30T00:00:00Z",
        "m1": None,
        "m2": "2025-06-30T00:00:00Z",
    }
    for value in (1e20, float("inf"), float("nan"), -1e20):
        assert fmt.utc_date(value) == fmt.DASH
        assert isinstance(fmt.span(value), str) and isinstance(fmt.time_to_close(int(1e20), 0).plain, str)
    assert fmt.time_ticks([0, float("inf")]) == ([], [])
