"""Rules as data: the shipped file, the user's file (extends and overrides), and bad files reported
with file, line and reason (the CLI prints that in one line and exits 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmtui.taxonomy.classify import classify
from pmtui.taxonomy.rules import (
    RuleFileError,
    default_rules,
    default_rules_path,
    load_rules,
    parse_rule_file,
    reset_default_rules,
    user_rules_path,
)


@pytest.fixture(autouse=True)
def fresh_default_rules() -> Iterator[None]:
    reset_default_rules()  # the per-process cache must not leak another test's user file
    yield
    reset_default_rules()


def write_user_rules(text: str) -> Path:
    path = user_rules_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_rules_load_and_name_the_required_categories() -> None:
    rules = parse_rule_file(default_rules_path())
    categories = {r.category for r in rules}
    for required in (
        "Politics/Election",
        "Crypto/BTC-UpDown",
        "Sports/Esports",
        "Tech/Musk-Tweets",
        "Culture",
    ):
        assert required in categories
    assert len({r.name for r in rules}) == len(rules)


def test_the_user_file_lives_beside_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmtui.paths import config_dir

    assert user_rules_path() == config_dir() / "taxonomy.toml"
    monkeypatch.setenv("PMTUI_CONFIG", str(tmp_path / "elsewhere" / "config.toml"))
    assert user_rules_path() == tmp_path / "elsewhere" / "taxonomy.toml"


def test_a_user_rule_adds_a_category_and_one_of_the_same_name_overrides() -> None:
    question = "Will Luke Littler win the PDC World Darts Championship?"
    assert classify(question, rules=load_rules()) == "Sports"
    write_user_rules(
        """
# my rules
[rule.darts]
category = "Sports/Darts"
priority = 70
phrases = ["darts", "pdc"]

[rule.btc_updown]  # same name as a shipped rule: replaces it
category = "Crypto/BTC-Price"
priority = 100
phrases = ["bitcoin up or down"]

[rule.temperature]
enabled = false
"""
    )
    rules = load_rules()
    assert classify(question, rules=rules) == "Sports/Darts"
    assert classify("Bitcoin Up or Down - July 23, 7:55PM-8:00PM ET", rules=rules) == "Crypto/BTC-Price"
    assert "temperature" not in rules.names()
    # The shipped file alone is unchanged.
    assert classify(question, rules=load_rules(include_user=False)) == "Sports"
    # classify() without rules uses shipped + user rules.
    assert classify(question) == "Sports/Darts"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('[rule.a]\ncategory = "Crypto"\nphrases = ["x"\n', 3, "not valid TOML"),
        (
            '[rule.a]\ncategory = "Crypto"\npriority = "high"\nphrases = ["x"]\n',
            1,
            "priority must be a whole number",
        ),
        (
            '\n\n[rule.ok]\ncategory = "Crypto"\nphrases = ["x"]\n\n[rule.bad]\ncategory = "Crypto/"\nphrases = ["y"]\n',
            7,
            "category must be",
        ),
        ('[rule.a]\ncategory = "Finance"\nphrases = ["x"]\n', 1, "unknown top-level category 'Finance'"),
        ('[rule.a]\ncategory = "Crypto"\nphrase = ["x"]\n', 1, "unknown key 'phrase'"),
        ('[rule.a]\ncategory = "Crypto"\nregex = ["(unclosed"]\n', 1, "regex '(unclosed' is invalid"),
        ('[rule.a]\ncategory = "Crypto"\ncased = ["two words"]\n', 1, "must be one word"),
        ('[rule.a]\ncategory = "Crypto"\npriority = 3\n', 1, "has no matcher"),
        (
            '[rule.a]\ncategory = "Crypto"\nphrases = "x"\ntags = [1]\n',
            1,
            "tags must be a list of non-empty strings",
        ),
        ('[rules.a]\ncategory = "Crypto"\n', 1, "unknown top-level key 'rules'"),
    ],
)
def test_a_bad_user_file_names_the_file_the_line_and_the_reason(text: str, line: int, reason: str) -> None:
    path = write_user_rules(text)
    with pytest.raises(RuleFileError) as caught:
        load_rules()
    error = caught.value
    assert (error.path, error.line) == (str(path), line)
    assert reason in error.reason
    assert str(error).startswith(f"{path}:{line}: ")
    assert "\n" not in str(error)


def test_the_cli_prints_a_bad_rule_file_in_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write_user_rules('[rule.mine]\ncategory = "Sports/Darts"\npriority = 70\nphrases = ["darts"\n')
    market = tmp_path / "m.jsonl"
    market.write_text('{"id": "1", "question": "Darts?", "outcomes": "[\\"Yes\\", \\"No\\"]"}\n')
    env = {**os.environ, "PMTUI_DB": str(tmp_path / "db.sqlite")}
    for args in (["categorize"], ["categorize", "--input", str(market), "--json"], ["import", str(market)]):
        result = subprocess.run(
            [sys.executable, "-m", "pmtui", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"pmtui: rule file error: {path}:4: not valid TOML")
        assert result.stdout == ""


def test_default_rules_are_cached_until_reset() -> None:
    first = default_rules()
    assert default_rules() is first
    write_user_rules('[rule.darts]\ncategory = "Sports/Darts"\nphrases = ["darts"]\n')
    assert "darts" not in default_rules().names()
    reset_default_rules()
    assert "darts" in default_rules().names()


def test_the_documented_example_is_a_valid_user_file() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    start = page.index("```toml\n# ~/.config/pmtui/taxonomy.toml")
    example = page[start + len("```toml\n") : page.index("```", start + 8)]
    write_user_rules(example)
    rules = load_rules()
    assert classify("Will Luke Littler hit a nine-darter at the PDC final?", rules=rules) == "Sports/Darts"
    assert "temperature" not in rules.names()


def test_pmtui_info_names_the_user_rule_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", "info", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["taxonomy_rules"] == str(user_rules_path())
