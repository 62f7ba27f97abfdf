"""The settings added for the paper book and alerts are validated with file and key named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pmtui.config import ConfigError, load_settings


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[paper]\nbankroll = 0\n", "paper.bankroll", "must be a positive amount"),
        ("[paper]\ncost = 1.5\n", "paper.cost", "must be below 1"),
        ("[paper]\nmax_per_cluster = 1.5\n", "paper.max_per_cluster", "must be in (0, 1]"),
        ("[paper]\nmax_per_market = 0\n", "paper.max_per_market", "must be in (0, 1]"),
        ('[paper]\nquote_max_age = "soon"\n', "paper.quote_max_age", "expected a duration"),
        ('[alerts]\ntelegram_url = "telegram"\n', "alerts.telegram_url", "expected an http(s) URL"),
        ("[alerts]\nmax_attempts = 0\n", "alerts.max_attempts", "at least 1"),
        ("[alerts]\ntelegram_chat_id = 12345\n", "alerts.telegram_chat_id", "expected a string"),
    ],
)
def test_bad_paper_and_alert_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, key: str, problem: str
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    os.chmod(cfg, 0o600)
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(f"{cfg}: {key}: ")
    assert problem in str(info.value)


def test_durations_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[paper]\nquote_max_age = "10m"\n[alerts]\nmin_interval = "2m"\nretry_max = "1h"\n')
    os.chmod(cfg, 0o600)
    monkeypatch.setenv("PMTUI_CONFIG", str(cfg))
    settings = load_settings()
    assert settings.paper.quote_max_age == 600
    assert (settings.alerts.min_interval, settings.alerts.retry_max) == (120, 3600)
    assert settings.paper.kelly_fraction == 0.25 and settings.alerts.digest_interval == 300
