from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmtui.cli import main
from pmtui.config import ConfigError, load_settings, parse_duration


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert settings.api.gamma_url == "https://gamma-api.polymarket.com"
    assert settings.database.path.name == "pmtui.sqlite"
    assert settings.limits.effective_budget("gamma:/markets") == 150


def test_file_values_and_durations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(
        tmp_path / "c.toml",
        '[collect]\nsnapshot_interval = "2h"\nsnapshot_top_n = 50\n[limits.budgets]\n"clob:/books" = 100\n',
    )
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    settings = load_settings()
    assert settings.collect.snapshot_interval == 7200
    assert settings.collect.snapshot_top_n == 50
    assert settings.limits.budgets["clob:/books"] == 100
    assert settings.limits.budgets["gamma:/markets"] == 300  # unnamed budgets keep their defaults


def test_env_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path / "c.toml", '[api]\ngamma_url = "http://a.example"\n')
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    monkeypatch.setenv("PMTUI_GAMMA_URL", "http://127.0.0.1:8080/gamma/")
    monkeypatch.setenv("PMTUI_DB", str(tmp_path / "x.sqlite"))
    settings = load_settings()
    assert settings.api.gamma_url == "http://127.0.0.1:8080/gamma"  # path prefix kept, slash trimmed
    assert settings.database.path == tmp_path / "x.sqlite"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[api]\ngamma_url = 5\n", "api.gamma_url", "expected a string"),
        ('[api]\ngamma_url = "ftp://x"\n', "api.gamma_url", "expected an http(s) URL"),
        ('[collect]\nsnapshot_interval = "soon"\n', "collect.snapshot_interval", "expected a duration"),
        ("[collect]\nsnapshot_top_n = -1\n", "collect.snapshot_top_n", "must not be negative"),
        ("[collect]\nsnapshot_topn = 5\n", "collect.snapshot_topn", "unknown key"),
        ("[nonsense]\nx = 1\n", "nonsense", "unknown section"),
        ("[signals]\nbatch_size = 10\n", "signals.batch_size", "between 50 and 300"),
        ("[limits]\nsafety_factor = 2.0\n", "limits.safety_factor", "(0, 1]"),
        ("[api\n", "(file)", "not valid TOML"),
    ],
)
def test_bad_values_name_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, key: str, problem: str
) -> None:
    cfg = write(tmp_path / "bad.toml", text)
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{cfg}: {key}: ")
    assert problem in message
    assert "\n" not in message


def test_bad_env_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMTUI_CLOB_URL", "not a url")
    with pytest.raises(ConfigError, match=r"^\$PMTUI_CLOB_URL: api.clob_url: expected an http"):
        load_settings()


def test_cli_prints_one_line_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path / "bad.toml", "[monitor]\ninterval = true\n")
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    result = CliRunner().invoke(main, ["info", "--json"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert lines == [
        f'pmtui: config error: {cfg}: monitor.interval: expected a duration such as 30, "5m", "24h" or "7d"'
    ]


def test_token_in_world_readable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = "123456:SECRET-token-value"
    cfg = write(tmp_path / "c.toml", f'[alerts]\ntelegram_token = "{token}"\n', mode=0o644)
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "readable by others" in str(info.value)
    assert token not in str(info.value)
    os.chmod(cfg, 0o600)
    assert load_settings().alerts.telegram_token == token


@pytest.mark.parametrize(
    ("text", "seconds"), [(30, 30.0), ("90s", 90.0), ("5m", 300.0), ("24h", 86400.0), ("7d", 604800.0)]
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_missing_file_named_by_env_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMTUI_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()
