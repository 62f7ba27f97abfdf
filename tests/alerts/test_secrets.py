"""The token file-permission refusal end to end, and the token never appearing anywhere.

Real `pmtui` subprocesses (so logging, stderr and exit codes are the real ones) against the fake
Telegram server; then the log file, the database file bytes (and its WAL) and captured log records
are scanned for the token.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from pmtui.alerts.outbox import enqueue
from pmtui.cli import main
from pmtui.config import Settings
from pmtui.fakes.telegram_server import FakeTelegram
from tests.alerts.conftest import CHAT, TOKEN
from tests.book_builders import NOW, add_job_run

PROJECT = Path(__file__).resolve().parents[2]


def pmtui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmtui", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def config_with_token(path: Path, url: str, mode: int) -> Path:
    path.write_text(
        f'[alerts]\ntelegram_url = "{url}"\ntelegram_token = "{TOKEN}"\ntelegram_chat_id = "{CHAT}"\n'
    )
    os.chmod(path, mode)
    return path


def unset_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PMTUI_TELEGRAM_TOKEN", "PMTUI_TELEGRAM_CHAT_ID", "PMTUI_TELEGRAM_URL"):
        monkeypatch.delenv(var, raising=False)


def test_config_file_with_the_token_must_be_0600(
    tmp_path: Path, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    unset_env_token(monkeypatch)
    config = config_with_token(tmp_path / "config.toml", telegram.url, 0o644)
    monkeypatch.setenv("PMTUI_CONFIG", str(config))
    monkeypatch.setenv("PMTUI_DB", str(tmp_path / "db.sqlite"))

    refused = pmtui("alerts", "test")

    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"pmtui: config error: {config}: alerts.telegram_token: file holding the token is readable by others "
        f"(mode 644); run: chmod 600 {config}"
    )
    assert TOKEN not in refused.stdout + refused.stderr
    assert telegram.requests == 0

    os.chmod(config, 0o600)
    accepted = pmtui("alerts", "test", "--json")
    assert accepted.returncode == 0, accepted.stderr
    assert '"sent": true' in accepted.stdout
    [message] = telegram.messages
    assert message.chat_id == CHAT and message.text.startswith("pmtui test message")


def test_group_readable_is_refused_even_when_the_env_also_sets_the_token(
    tmp_path: Path, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_with_token(tmp_path / "config.toml", telegram.url, 0o640)
    monkeypatch.setenv("PMTUI_CONFIG", str(config))
    result = CliRunner().invoke(main, ["alerts", "test"])
    assert result.exit_code == 2
    assert "readable by others (mode 640)" in result.output
    assert TOKEN not in result.output


def scan_for_token(home: Path, db_file: Path) -> None:
    files = [p for p in home.rglob("*") if p.is_file()]
    files += [p for p in db_file.parent.glob(db_file.name + "*") if p.is_file()]
    assert any(p.name == "pmtui.log" for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path


def test_the_token_never_appears_in_output_logs_errors_or_the_database(
    tmp_path: Path,
    isolated_dirs: Path,
    telegram: FakeTelegram,
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unset_env_token(monkeypatch)
    config = config_with_token(tmp_path / "config.toml", telegram.url, 0o600)
    with config.open("a") as extra:
        extra.write("min_interval = 0\nretry_base = 0\n")
    db_file = settings.database.path
    monkeypatch.setenv("PMTUI_CONFIG", str(config))
    monkeypatch.setenv("PMTUI_DB", str(db_file))
    outputs: list[str] = []

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = pmtui("-v", *args, env=env)
        outputs.extend([result.stdout, result.stderr])
        return result

    # A server error, a refused token, an unreachable server and a success, through the real CLI.
    telegram.fail_next(500)
    failed = run("alerts", "test")
    assert failed.returncode == 1 and "Telegram server error (500)" in failed.stderr
    wrong = run("alerts", "test", env={"PMTUI_TELEGRAM_TOKEN": TOKEN + "x"})
    assert wrong.returncode == 2 and "(401)" in wrong.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = run("alerts", "test", env={"PMTUI_TELEGRAM_URL": dead})
    assert unreachable.returncode == 1 and "cannot reach Telegram" in unreachable.stderr
    assert run("alerts", "test").returncode == 0

    # The background sender through a failure and a retry: errors land in the outbox and the log.
    add_job_run(db, "catalog", started=NOW - 3600, status="error", error="boom")
    enqueue(db, kind="fill", dedupe_key="k", text="hello", now=int(time.time()))
    telegram.fail_next(503)
    assert '"status": "retry"' in run("alerts", "run", "--once", "--json").stdout
    assert '"status": "sent"' in run("alerts", "run", "--once", "--json").stdout
    run("alerts", "status", "--json")
    run("paper", "--json")
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    log_text = (isolated_dirs / "state" / "pmtui" / "log" / "pmtui.log").read_text()
    assert (
        "alert send failed (retry): Telegram server error (503)" in log_text
    )  # the scan below means something
    for text in outputs:
        assert TOKEN not in text
    scan_for_token(isolated_dirs, db_file)
    assert len(telegram.messages) == 2  # the test message, then "hello" joined with the failing-job alert
    assert "hello" in telegram.messages[1].text and "'catalog' has been failing" in telegram.messages[1].text


def test_http_client_log_records_are_redacted(
    settings: Settings, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    from pmtui.alerts.telegram import TelegramClient

    caplog.set_level(logging.DEBUG)
    with TelegramClient(settings.alerts) as client:
        client.send("hello")
    httpx_lines = [r.getMessage() for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]
    assert any("/bot***/sendMessage" in line for line in httpx_lines), httpx_lines
    assert TOKEN not in caplog.text
