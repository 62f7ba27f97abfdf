"""A runaway regex in a user rule file (issue 15.5): refused when the file is loaded, with the file, the
line and the reason, instead of freezing `import`, `categorize` and the app on the first question."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmtui.taxonomy.regex_safety import REGEX_TEXT_LIMIT, regex_problem
from pmtui.taxonomy.rules import (
    Rule,
    RuleFileError,
    Rules,
    default_rules_path,
    parse_rule_file,
    parse_rules_text,
    reset_default_rules,
    user_rules_path,
)

PATHOLOGICAL = r"(\w+\s?)+$"  # the rule from the issue: exponential on any question ending in "?"


@pytest.fixture(autouse=True)
def fresh_default_rules() -> Iterator[None]:
    reset_default_rules()
    yield
    reset_default_rules()


def test_the_cli_refuses_the_pathological_rule_instead_of_hanging(tmp_path: Path) -> None:
    # Before the check, each command below held the GIL in re.search for hours on the first question.
    rules = user_rules_path()
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text(
        f"# my rules\n\n[rule.whole_question]\ncategory = \"Culture\"\npriority = 100\nregex = ['{PATHOLOGICAL}']\n",
        encoding="utf-8",
    )
    questions = [
        "Will the highest temperature in Wellington be 15°C or below on February 5?",
        "Will Elon Musk post 400-419 tweets from March 1 to March 8?",
    ]
    markets = tmp_path / "markets.jsonl"
    markets.write_text(
        "".join(
            json.dumps({"id": str(i), "question": q, "outcomes": '["Yes", "No"]'}) + "\n"
            for i, q in enumerate(questions)
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PMTUI_DB": str(tmp_path / "store.sqlite")}
    for args in (["categorize", "--input", str(markets), "--json"], ["import", str(markets)], ["categorize"]):
        result = subprocess.run(
            [sys.executable, "-m", "pmtui", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,  # a hang fails the test here
            check=False,
        )
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(
            f"pmtui: rule file error: {rules}:3: rule 'whole_question': regex {PATHOLOGICAL!r} can take "
            "exponential time: a repeated group holds another unbounded repeat (nested quantifiers); "
        ), lines[0]


@pytest.mark.parametrize(
    "pattern",
    [
        PATHOLOGICAL,
        r"(a+)+$",
        r"(a*)*b",
        r"(x+x+)+y",
        r"(.*a){20}",
        r"^(([a-z])+.)+[A-Z]([a-z])+$",
        r"(a|aa)+b",
        r"(aa?)+b",
        r"(a|a)*b",
        r"(\d+|\d+\.\d+)+x",
        r"(?:\s*,\s*)*$",
        r"\w*\w*\w*!",
    ],
)
def test_runaway_shapes_are_refused_with_the_line_and_the_reason(pattern: str) -> None:
    assert regex_problem(pattern) is not None
    text = f'[rule.ok]\ncategory = "Sports"\nphrases = ["x"]\n\n[rule.slow]\ncategory = "Sports"\nregex = [\'{pattern}\']\n'
    with pytest.raises(RuleFileError) as caught:
        parse_rules_text(text, "mine.toml")
    assert caught.value.line == 5
    assert "can take exponential time" in caught.value.reason


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bnine[- ]darter\b",
        r"-?\d+(?:\.\d+)?\s*°\s*[FC]\b",
        r"^will\s+(?:[a-z]+\s+){0,2}?(?:biden|trump)\b[^?]{0,40}?\b(?:say|says)\b",
        r"(?:ab)+c",
        r"\w+\s\w+",
        r"[a-z]+@[a-z]+\.com",
        r"(?:\d{1,3},)*\d{3}",
        r"(?-i:\$[A-Z][A-Z\d]{1,9}\b)",
        r"(?>\w+\s?)+$",  # atomic: never backtracks into itself
    ],
)
def test_ordinary_regexes_pass(pattern: str) -> None:
    assert regex_problem(pattern) is None


def test_every_shipped_regex_passes_the_check() -> None:
    patterns = [p for rule in parse_rule_file(default_rules_path()) for p in rule.regex]
    assert len(patterns) >= 10
    assert [p for p in patterns if regex_problem(p)] == []


def test_regexes_read_only_the_start_of_an_overlong_question() -> None:
    # What passes the check can still be quadratic: a hostile 100,000-character question is cut for
    # the regexes (phrases still read all of it).
    tail_rules = Rules([Rule(name="tail", category="Culture", priority=50, regex=(r"\bzebra\b",))])
    near = "x " * ((REGEX_TEXT_LIMIT - 10) // 2) + "zebra?"
    far = "x " * REGEX_TEXT_LIMIT + "zebra?"
    assert tail_rules.best(near) is not None
    assert tail_rules.best(far) is None
    assert re.search(r"\bzebra\b", far)  # the cut, not the pattern, is why
