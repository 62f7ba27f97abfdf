"""Alerts are neither lost nor sent twice (issue 15.6), against the fake Telegram server on 127.0.0.1:

- a refused token (401) or chat (403) pauses the sender and keeps the alerts queued; fixing the
  setting sends them, once;
- a request that reached Telegram but got no answer in time (the fake delivers, then stalls past
  the client's timeout) is marked `uncertain`, not re-sent on its own, counted by
  `pmtui alerts status`, and re-sent only by `pmtui alerts requeue --uncertain`;
- a request that never left (connection refused) is retried and delivered once;
- `pmtui alerts requeue --failed` queues given-up alerts again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.alerts.outbox import enqueue, outbox_counts
from pmtui.alerts.sender import AlertSender
from pmtui.config import Settings
from pmtui.fakes.telegram_server import FakeTelegram
from tests.alerts.conftest import TOKEN
from tests.book_builders import NOW

PROJECT = Path(__file__).resolve().parents[2]
WRONG = "7012345678:not-the-right-token-abcdef"


def with_alerts(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, alerts=dataclasses.replace(settings.alerts, **changes))


def rows(db: Database) -> list[tuple[str, int]]:
    return [
        (str(r[0]), int(r[1])) for r in db.execute("SELECT status, attempts FROM alerts_outbox ORDER BY id")
    ]


def queue_three(db: Database, now: int = NOW) -> None:
    for i in range(3):
        enqueue(db, kind="fill", dedupe_key=f"k{i}", text=f"alert {i}", now=now)


def test_a_refused_token_pauses_and_the_fixed_token_sends_the_queue(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    queue_three(db)
    wrong = AlertSender(with_alerts(settings, telegram_token=WRONG), db=db)

    refused = wrong.run_once(now=NOW)
    assert refused.status == "paused" and "(401)" in (refused.error or "")
    assert rows(db) == [("pending", 0)] * 3  # kept, no attempt counted
    requests = telegram.requests
    assert wrong.run_once(now=NOW + 60).status == "paused"
    assert telegram.requests == requests  # paused: Telegram is not asked again with the same token
    assert outbox_counts(db).pending == 3

    fixed = AlertSender(settings, db=db).run_once(now=NOW + 120)
    assert (fixed.status, fixed.delivered) == ("sent", 3)
    assert telegram.texts() == ["alert 0\n\nalert 1\n\nalert 2"]
    assert rows(db) == [("sent", 1)] * 3


def test_a_paused_sender_tries_again_after_retry_max(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    """The same settings may start working (a bot unblocked in the chat): one try per retry_max."""
    settings = with_alerts(settings, retry_max=600.0)
    enqueue(db, kind="fill", dedupe_key="k", text="hello", now=NOW)
    sender = AlertSender(settings, db=db)
    telegram.fail_next(403)
    assert sender.run_once(now=NOW).status == "paused"
    assert sender.run_once(now=NOW + 599).status == "paused"
    assert sender.run_once(now=NOW + 600).status == "sent"
    assert telegram.texts() == ["hello"]


def test_no_answer_after_sending_is_uncertain_and_never_resent_on_its_own(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    settings = with_alerts(settings, timeout=0.3)
    queue_three(db)
    telegram.stall_next(1.5)
    sender = AlertSender(settings, db=db)

    report = sender.run_once(now=NOW)

    assert report.status == "uncertain" and "it may have been delivered" in (report.error or "")
    assert telegram.texts() == ["alert 0\n\nalert 1\n\nalert 2"]  # Telegram did deliver it
    assert rows(db) == [("uncertain", 1)] * 3
    for later in (NOW + 60, NOW + 3600, NOW + 86400 - 1):
        assert sender.run_once(now=later).status == "idle"
    assert len(telegram.messages) == 1  # not delivered twice
    assert outbox_counts(db).uncertain == 3


def test_a_request_that_never_left_is_retried_and_delivered_once(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    enqueue(db, kind="fill", dedupe_key="k", text="hello", now=NOW)
    offline = AlertSender(with_alerts(settings, telegram_url=dead, retry_base=10.0), db=db)
    assert offline.run_once(now=NOW).status == "retry"
    assert rows(db) == [("pending", 1)]
    assert AlertSender(settings, db=db).run_once(now=NOW + 10).status == "sent"
    assert telegram.texts() == ["hello"]


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


def test_the_cli_shows_and_requeues_uncertain_failed_and_paused_alerts(
    tmp_path: Path, db: Database, db_path: Path, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real processes: status counts what went wrong, requeue sends it again when asked."""
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nmin_interval = 0\nretry_base = 0\ntimeout = 0.3\nmax_attempts = 1\n")
    monkeypatch.setenv("PMTUI_CONFIG", str(config))
    monkeypatch.setenv("PMTUI_DB", str(db_path))
    now = int(time.time())
    enqueue(db, kind="fill", dedupe_key="stalled", text="stalled one", now=now)
    telegram.stall_next(1.5)
    assert json.loads(pmtui("alerts", "run", "--once", "--json").stdout)["status"] == "uncertain"
    enqueue(db, kind="fill", dedupe_key="failing", text="failing one", now=now)
    telegram.fail_next(500)
    assert json.loads(pmtui("alerts", "run", "--once", "--json").stdout)["status"] == "failed"
    enqueue(db, kind="fill", dedupe_key="refused", text="refused one", now=now)
    monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", WRONG)
    assert json.loads(pmtui("alerts", "run", "--once", "--json").stdout)["status"] == "paused"

    status = json.loads(pmtui("alerts", "status", "--json").stdout)
    assert (status["pending"], status["failed"], status["uncertain"]) == (1, 1, 1)
    assert "(401)" in status["paused"]
    shown = pmtui("alerts", "status").stdout
    assert "pmtui alerts requeue --uncertain" in shown and "The sender is paused" in shown
    assert TOKEN not in shown and WRONG not in shown

    assert pmtui("alerts", "requeue").returncode == 2  # which ones must be said
    monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", TOKEN)  # the token is fixed
    requeued = json.loads(pmtui("alerts", "requeue", "--failed", "--json").stdout)
    assert requeued == {"requeued": 1, "resumed": True}
    assert json.loads(pmtui("alerts", "run", "--once", "--json").stdout)["delivered"] == 2
    assert telegram.texts() == ["stalled one", "failing one\n\nrefused one"]
    assert pmtui("alerts", "requeue", "--uncertain").stdout.startswith("requeued 1 alert (uncertain)")
    assert json.loads(pmtui("alerts", "run", "--once", "--json").stdout)["delivered"] == 1
    assert telegram.texts()[-1] == "stalled one"  # sent again because the user asked
    assert json.loads(pmtui("alerts", "status", "--json").stdout)["sent"] == 3
