"""Every CLI command that prints market text shows the corpus's escape sequences, bidi controls and
zero-width characters harmlessly (tests/data/hostile/text.json), in real `pmtui` processes; `--json`
keeps the data exactly as stored.

Also: no CLI module prints around the terminal-safe helpers of pmtui/cli/common.py.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pmtui.store import connect
from tests.book_builders import add_job_run
from tests.hostile.corpus import Case, load
from tests.signals.helpers import add_market

PROJECT = Path(__file__).resolve().parents[2]
T0 = int(time.time()) - 60
ISSUE_PAYLOADS = {
    "osc0-window-title": "PWNED-TITLE␇",
    "csi-clear-screen": "␛[2J␛[H",
    "osc52-clipboard": "␛]52;c;",
    "osc8-hyperlink": "␛]8;;https://evil.example/",
    "c1-csi": "\\x9b2J",
}
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What must never reach a terminal from outside: C0 (line breaks aside), DEL, C1, bidi controls."""


def assert_terminal_safe(output: str) -> None:
    offenders = sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN.findall(output)})
    assert not offenders, f"control characters reached the terminal: {offenders}"


def pmtui(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PMTUI_DB": str(store), "USER": "tester", "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=PROJECT,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def _storable(text: str) -> bool:
    """SQLite holds UTF-8 only: a lone surrogate is refused at the import boundary, never stored."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return bool(text)


def text_cases() -> list[Case]:
    return [case for case in load("text") if not case.id.startswith("huge") and _storable(case.text())]


@pytest.fixture
def hostile_store(tmp_path: Path) -> Path:
    """One longshot market per corpus string (question, event title, outcome), which
    fade_longshots proposes to fade, and a failing job whose error quotes the first payload."""
    store = tmp_path / "store.sqlite"
    db = connect(store)
    for index, case in enumerate(text_cases()):
        add_market(
            db,
            f"h{index:02d}",
            question=case.text(),
            event_title=case.text(),
            category="Politics/Election",
            outcomes=("Yes", f"No {case.text()}"),
            yes_price=0.03,
            volume_24h=50.0 + index,
            updated_at=T0,
            end_date=T0 + 7 * 86400,
        )
    add_job_run(db, "catalog", started=T0, status="error", error=load("text")[0].text())
    db.conn.close()
    return store


def test_signals_queue_and_paper_show_escape_sequences_visibly(hostile_store: Path) -> None:
    proposed = pmtui(hostile_store, "signals")
    assert proposed.returncode == 0, proposed.stderr
    assert_terminal_safe(proposed.stdout + proposed.stderr)
    for visible in ISSUE_PAYLOADS.values():
        assert visible in proposed.stdout

    listed = pmtui(hostile_store, "queue", "list")
    assert listed.returncode == 0, listed.stderr
    assert_terminal_safe(listed.stdout + listed.stderr)
    for visible in ISSUE_PAYLOADS.values():
        assert visible in listed.stdout

    queued = json.loads(pmtui(hostile_store, "queue", "list", "--json").stdout)
    by_question = {signal["question"]: signal for signal in queued}
    first = load("text")[0].text()
    assert first in by_question  # --json keeps the data as stored, escapes and all
    # Not validated (no backtest): approved with a size of its own, from the stored prices.
    approved = pmtui(
        hostile_store, "queue", "approve", str(by_question[first]["id"]), "--offline", "--stake", "10"
    )
    assert approved.returncode == 0, approved.stderr
    assert_terminal_safe(approved.stdout)
    assert "Will ␛]0;PWNED-TITLE␇ title change?" in approved.stdout
    newline = load("text")[[c.id for c in load("text")].index("newline-forges-a-line")].text()
    rejected = pmtui(hostile_store, "queue", "reject", str(by_question[newline]["id"]), "--note", "\x1b[2Jno")
    assert rejected.returncode == 0, rejected.stderr
    assert rejected.stdout.count("\n") == 1 and "Q?␤signal #99 approved" in rejected.stdout

    book = pmtui(hostile_store, "paper")
    assert book.returncode == 0, book.stderr
    assert_terminal_safe(book.stdout)
    assert "PWNED-TITLE␇" in book.stdout

    status = pmtui(hostile_store, "alerts", "status")
    assert_terminal_safe(status.stdout + status.stderr)


def test_import_and_categorize_report_bad_lines_visibly(tmp_path: Path) -> None:
    lines = []
    for case in text_cases():
        # An id from outside on a record that is rejected (no question): the report quotes it.
        lines.append(json.dumps({"id": case.text(), "outcomes": "nope"}))
    source = tmp_path / "markets.jsonl.gz"
    source.write_bytes(gzip.compress("\n".join(lines).encode("utf-8", "surrogatepass")))
    store = tmp_path / "store.sqlite"

    imported = pmtui(store, "import", str(source))
    assert_terminal_safe(imported.stdout + imported.stderr)
    assert "(market Will ␛]0;PWNED-TITLE␇ title change?)" in imported.stdout

    categorized = pmtui(store, "categorize", "--input", str(source))
    assert_terminal_safe(categorized.stdout + categorized.stderr)
    assert "(market Will ␛]0;PWNED-TITLE␇ title change?)" in categorized.stderr
    as_json = pmtui(store, "categorize", "--input", str(source), "--json")
    assert_terminal_safe(as_json.stdout)


def test_no_cli_module_prints_around_the_safe_helpers() -> None:
    """`click.echo`, `print` and a bare Rich `Console` would skip terminal_safe: only
    pmtui/cli/common.py (and the console it builds) may use them."""
    allowed = {"common.py", "safe_console.py"}
    offenders = []
    for path in sorted((PROJECT / "pmtui" / "cli").glob("*.py")):
        if path.name in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"click\.echo\(|(?<![\w.])print\(|\bConsole\(|sys\.std(out|err)\.write", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_categorize_json_lines_escape_controls_and_keep_the_text(tmp_path: Path) -> None:
    # Hostile questions among plain ones, in batches of lines: every line that holds a C1 or bidi
    # control must come out escaped (\u0085), the rest as is, and each decode to the question read.
    plain = "Will Bitcoin reach $150K by December 31?"
    questions = [case.text() for case in text_cases() if case.text().strip()]
    questions = [q for pair in zip([plain] * len(questions), questions, strict=True) for q in pair] * 400
    lines = [
        json.dumps(
            {
                "id": f"m{i}",
                "question": question,
                "outcomes": '["Yes","No"]',
                "outcomePrices": '["0.4","0.6"]',
                "clobTokenIds": '["1","2"]',
                "endDate": "2026-12-31T00:00:00Z",
            }
        )
        for i, question in enumerate(questions)
    ]
    source = tmp_path / "markets.jsonl"
    source.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    result = pmtui(tmp_path / "store.sqlite", "categorize", "--input", str(source), "--json")
    assert result.returncode == 0, result.stderr
    assert_terminal_safe(result.stdout)
    out = [json.loads(line) for line in result.stdout.split("\n")[:-1]]  # U+2028 is not a line end
    assert [line["id"] for line in out] == [f"m{i}" for i in range(len(questions))]
    assert [line["question"] for line in out] == [q.strip() for q in questions]
    assert "\\u0085" in result.stdout or "\\u202e" in result.stdout
