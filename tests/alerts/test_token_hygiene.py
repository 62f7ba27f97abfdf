"""The Telegram token as people paste it (a trailing space or newline) is cleaned before use, a value
that is not a token's shape is refused without being echoed, and every encoding of a registered token
(raw, percent-encoded as in a URL, JSON-escaped) is redacted.

Real `pmtui` processes against the fake Telegram server; the log file, the output and the database
bytes are scanned for the token afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.alerts.outbox import enqueue
from pmtui.config import ConfigError, load_settings
from pmtui.fakes.telegram_server import FakeTelegram
from pmtui.logs import redact, register_secret
from tests.alerts.conftest import CHAT, TOKEN

PROJECT = Path(__file__).resolve().parents[2]


def pmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmtui", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )


def scan(paths: list[Path], *texts: str) -> None:
    secret = TOKEN.encode()
    for path in paths:
        assert secret not in path.read_bytes(), path
    for text in texts:
        assert TOKEN not in text


def test_a_pasted_token_with_a_trailing_space_is_cleaned_and_never_leaks(
    tmp_path: Path,
    isolated_dirs: Path,
    telegram: FakeTelegram,
    db: Database,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("PMTUI_TELEGRAM_TOKEN", "PMTUI_TELEGRAM_CHAT_ID"):
        monkeypatch.delenv(var)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[alerts]\ntelegram_token = "{TOKEN} "\ntelegram_chat_id = "{CHAT}"\n'
        "min_interval = 0\nretry_base = 0\n",
        encoding="utf-8",
    )
    os.chmod(config, 0o600)
    monkeypatch.setenv("PMTUI_CONFIG", str(config))
    monkeypatch.setenv("PMTUI_DB", str(db_path))
    enqueue(db, kind="fill", dedupe_key="k1", text="filled", now=int(time.time()))
    telegram.fail_next(500)

    failed = pmtui("-v", "alerts", "run", "--once", "--json")
    sent = pmtui("-v", "alerts", "run", "--once", "--json")

    assert json.loads(failed.stdout)["status"] == "retry"
    assert json.loads(sent.stdout)["status"] == "sent"  # the cleaned token is the right one
    assert telegram.texts() == ["filled"]
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    log = isolated_dirs / "state" / "pmtui" / "log" / "pmtui.log"
    assert "alert send failed (retry): Telegram server error (500)" in log.read_text()
    scan(
        [log, *db_path.parent.glob(db_path.name + "*")],
        failed.stdout,
        failed.stderr,
        sent.stdout,
        sent.stderr,
    )


def test_a_token_from_the_environment_is_cleaned_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", f"  {TOKEN}\n")
    assert load_settings().alerts.telegram_token == TOKEN
    monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", f"{TOKEN} extra words")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value).startswith(
        "$PMTUI_TELEGRAM_TOKEN: alerts.telegram_token: does not look like a bot token"
    )
    assert TOKEN not in str(raised.value)


def test_every_encoding_of_a_registered_secret_is_redacted() -> None:
    secret = '424242:odd token/with "quotes" '
    register_secret(secret)
    url = "https://api.telegram.org/bot424242%3Aodd%20token%2Fwith%20%22quotes%22%20/sendMessage"
    path = "/bot424242:odd%20token/with%20%22quotes%22%20/sendMessage"
    body = '{"token": "424242:odd token/with \\"quotes\\" "}'
    for text in (url, path, body, f"raw {secret} end", f"stripped {secret.strip()}!"):
        cleaned = redact(text)
        assert "odd" not in cleaned and "***" in cleaned, cleaned
