"""Every broken config of the corpus (tests/data/hostile/configs.json) is one config error naming the
file and the key, exit 2, never a traceback, and never the value of a secret.

A case: {"id", "toml" (text, or [[piece, times], ...] parts), "key", "message" (a part of the
problem), optional "mode" (octal file mode, default "600"), optional "secret" (must not appear)}.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmtui.cli import main
from pmtui.config import ConfigError, load_settings
from pmtui.text import terminal_safe
from tests.hostile.corpus import Case, cases


def write_config(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(case.text("toml"), encoding="utf-8")
    os.chmod(path, int(case.get("mode", "600"), 8))
    return path


@pytest.mark.parametrize("case", cases("configs"))
def test_a_broken_config_is_one_error_naming_file_and_key(tmp_path: Path, case: Case) -> None:
    path = write_config(tmp_path, case)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    error = raised.value
    assert terminal_safe(error.key) == case["key"]
    assert case["message"] in error.problem
    if case.get("secret"):
        assert case["secret"] not in str(error)


@pytest.mark.parametrize("case", cases("configs"))
def test_the_cli_prints_the_config_error_as_one_safe_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    path = write_config(tmp_path, case)
    monkeypatch.setenv("PMTUI_CONFIG", str(path))
    monkeypatch.setenv("PMTUI_DB", str(tmp_path / "store.sqlite"))
    result = CliRunner().invoke(main, ["queue", "list"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"pmtui: config error: {path}: {case['key']}: ")
    assert case["message"] in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n")
    assert result.stderr[:-1].isprintable(), "a control character reached the terminal"
    if case.get("secret"):
        assert case["secret"] not in result.output
    assert not (tmp_path / "store.sqlite").exists()  # nothing ran on a bad config


def test_a_real_process_with_a_token_list_in_a_readable_file(tmp_path: Path) -> None:
    """The issue's case, end to end: the token is neither printed nor exempt from the 0600 check."""
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    path = tmp_path / "config.toml"
    path.write_text(f'[alerts]\ntelegram_token = ["{token}"]\n', encoding="utf-8")
    os.chmod(path, 0o644)
    env = {**os.environ, "PMTUI_CONFIG": str(path), "PMTUI_DB": str(tmp_path / "s.sqlite")}
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", "alerts", "status"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"pmtui: config error: {path}: alerts.telegram_token: file holding the token is readable by others "
        f"(mode 644); run: chmod 600 {path}\n"
    )
    os.chmod(path, 0o600)
    result = subprocess.run(
        [sys.executable, "-m", "pmtui", "alerts", "status"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "alerts.telegram_token: expected a string, got list (the value is not shown" in result.stderr
    assert token not in result.stderr + result.stdout
