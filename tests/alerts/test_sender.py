"""Every alert kind end to end through the outbox and the sender to the fake Telegram server."""

from __future__ import annotations

import dataclasses
import time

from sqlite_utils import Database

from pmtui.alerts.outbox import enqueue
from pmtui.alerts.sender import CLAIM_LEASE, AlertSender
from pmtui.config import Settings
from pmtui.fakes.telegram_server import FakeTelegram
from pmtui.paper.book import open_from_signal, settle_resolved
from pmtui.store import connect
from tests.book_builders import NOW, add_job_run, add_market, add_signal, resolve, set_quote

M = 1_000_000


def with_alerts(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, alerts=dataclasses.replace(settings.alerts, **changes))


def outbox(db: Database) -> list[tuple[str, str, int]]:
    return [
        (str(r[0]), str(r[1]), int(r[2]))
        for r in db.execute("SELECT kind, status, attempts FROM alerts_outbox ORDER BY id")
    ]


def test_fill_and_settlement_alerts(db: Database, settings: Settings, telegram: FakeTelegram) -> None:
    tokens = add_market(
        db, "m1", question="Highest temperature in NYC on Dec 3: 40-41°F?", category="Weather"
    )
    set_quote(db, tokens[1], ask=0.80)
    open_from_signal(db, add_signal(db, "m1", stake_micros=40 * M), settings, now=NOW)
    sender = AlertSender(settings, db=db)

    assert sender.run_once(now=NOW).status == "sent"
    resolve(db, "m1", 1)
    settle_resolved(db, now=NOW + 100)
    assert sender.run_once(now=NOW + 100).delivered == 1

    fill, settlement = telegram.texts()
    assert fill.startswith("Paper fill #1: bought 50 No @ 0.8000 (ask)\nCost $40.00 incl. fee $0.00")
    assert settlement == (
        "Paper settlement #1: No WON\nPaid $50.00 · P&L +$10.00\nHighest temperature in NYC on Dec 3: 40-41°F?"
    )
    assert outbox(db) == [("fill", "sent", 1), ("settlement", "sent", 1)]


def test_new_signals_arrive_as_one_digest(db: Database, settings: Settings, telegram: FakeTelegram) -> None:
    settings = with_alerts(settings, digest_max_items=3)
    for i in range(5):
        add_market(db, f"m{i}", question=f"Will BTC reach ${100 + i}k?")
        add_signal(
            db,
            f"m{i}",
            status="pending",
            score=float(i),
            edge=0.01 * i,
            stake_micros=i * M,
            created=NOW,
            est_source={"p_interval": [0.55, 0.65], "n": 120 + i, "reason": f"edge: return [+1.0%, +{i}.0%]"},
        )
    add_market(db, "gone")
    add_signal(db, "gone", status="expired")
    sender = AlertSender(settings, db=db)

    report = sender.run_once(now=NOW)

    assert (report.queued, report.delivered) == (1, 1)
    [digest] = telegram.texts()
    lines = digest.splitlines()
    assert lines[0] == "5 new signals waiting for review"
    # Best score first, three listed, the rest counted; the expired signal is not mentioned.
    # Every estimate with its interval and the number of similar backtest trades behind it.
    assert lines[1] == (
        "#5 fade_longshots: buy No @ 0.500, win 60.0% [55.0%-65.0%] n=124, edge +4.0pp, stake $4.00"
        " · Will BTC reach $104k?"
    )
    assert [line.split(" ")[0] for line in lines[1:4]] == ["#5", "#4", "#3"]
    assert lines[4] == "…and 2 more (pmtui queue list)"
    assert "gone" not in digest

    # Nothing new: no second digest. A new signal inside digest_interval waits, then gets its own.
    sender.run_once(now=NOW + 10)
    add_market(db, "late", question="Late market")
    add_signal(
        db,
        "late",
        status="pending",
        stake_micros=0,
        edge=-0.02,
        est_win_prob=0.48,
        validated=False,
        est_source={
            "p_interval": [0.40, 0.56],
            "n": 23,
            "reason": "no edge: return [-20.0%, +12.0%] on 23 similar trades",
        },
    )
    add_market(db, "never", question="Never backtested")
    add_signal(db, "never", status="pending", stake_micros=0, edge=None, est_win_prob=None, validated=False)
    assert sender.run_once(now=NOW + 60).queued == 0
    assert sender.run_once(now=NOW + 301).queued == 1
    assert telegram.texts()[1].splitlines() == [
        "2 new signals waiting for review",
        "#7 fade_longshots: buy No @ 0.500, win 48.0% [40.0%-56.0%] n=23, edge -2.0pp, stake $0 (no edge: return"
        " [-20.0%, +12.0%] on 23 similar trades) · Late market",
        "#8 fade_longshots: buy No @ 0.500, no backtest, edge ?, stake $0 · Never backtested",
    ]


def test_the_same_event_never_alerts_twice(db: Database, settings: Settings, telegram: FakeTelegram) -> None:
    assert enqueue(db, kind="fill", dedupe_key="fill:9", text="first", now=NOW)
    assert not enqueue(db, kind="fill", dedupe_key="fill:9", text="again", now=NOW + 1)
    sender = AlertSender(settings, db=db)
    sender.run_once(now=NOW)
    assert not enqueue(db, kind="fill", dedupe_key="fill:9", text="after sending", now=NOW + 2)
    sender.run_once(now=NOW + 5)
    assert telegram.texts() == ["first"]


def test_retries_after_429_honouring_retry_after(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    enqueue(db, kind="fill", dedupe_key="k", text="hello", now=NOW)
    telegram.fail_next(429, retry_after=30)
    sender = AlertSender(settings, db=db)

    first = sender.run_once(now=NOW)
    assert first.status == "retry" and "retry after 30" in (first.error or "")
    assert db.execute("SELECT status, attempts, next_attempt FROM alerts_outbox").fetchone() == (
        "pending",
        1,
        NOW + 30,
    )
    requests = telegram.requests
    enqueue(db, kind="fill", dedupe_key="k2", text="world", now=NOW + 5)  # due, but Telegram said wait
    assert sender.run_once(now=NOW + 29).status == "rate-limited"
    assert telegram.requests == requests  # waited: Telegram was not asked again
    assert sender.run_once(now=NOW + 30).status == "sent"
    assert telegram.texts() == ["hello\n\nworld"]
    assert outbox(db) == [("fill", "sent", 2), ("fill", "sent", 1)]


def test_server_errors_back_off_then_give_up(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    settings = with_alerts(settings, retry_base=30.0, retry_max=3600.0, max_attempts=3)
    enqueue(db, kind="fill", dedupe_key="k", text="hello", now=NOW)
    telegram.fail_next(500, times=3)
    sender = AlertSender(settings, db=db)

    assert sender.run_once(now=NOW).status == "retry"
    assert db.execute("SELECT next_attempt FROM alerts_outbox").fetchone()[0] == NOW + 30
    assert sender.run_once(now=NOW + 29).status == "idle"
    assert sender.run_once(now=NOW + 30).status == "retry"
    assert db.execute("SELECT next_attempt FROM alerts_outbox").fetchone()[0] == NOW + 30 + 60
    assert sender.run_once(now=NOW + 90).status == "failed"
    status, attempts, error = db.execute("SELECT status, attempts, last_error FROM alerts_outbox").fetchone()
    assert (status, attempts) == ("failed", 3) and error.startswith("Telegram server error (500)")
    assert telegram.texts() == []


def test_rate_limit_joins_alerts_into_one_message(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    settings = with_alerts(settings, min_interval=60.0)
    for i in range(3):
        enqueue(db, kind="fill", dedupe_key=f"k{i}", text=f"alert {i}", now=NOW)
    sender = AlertSender(settings, db=db)
    assert sender.run_once(now=NOW).delivered == 3
    enqueue(db, kind="fill", dedupe_key="k3", text="alert 3", now=NOW + 5)
    assert sender.run_once(now=NOW + 10).status == "rate-limited"
    # A second process's sender shares the limit through the store.
    other = AlertSender(settings, db=connect(settings.database.path))
    assert other.run_once(now=NOW + 20).status == "rate-limited"
    assert sender.run_once(now=NOW + 60).delivered == 1
    assert telegram.texts() == ["alert 0\n\nalert 1\n\nalert 2", "alert 3"]


def test_a_claimed_alert_is_not_sent_by_another_sender(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    enqueue(db, kind="fill", dedupe_key="k", text="once", now=NOW)
    crashed = AlertSender(settings, db=db)
    claim = crashed._claim(db, NOW)  # claimed, then the process died before sending
    assert not isinstance(claim, str)
    other = AlertSender(settings, db=connect(settings.database.path))
    assert other.run_once(now=NOW + 1).status == "idle"
    assert other.run_once(now=NOW + CLAIM_LEASE).status == "sent"  # the claim lapsed
    assert telegram.texts() == ["once"]


def test_stale_alerts_are_dropped_not_sent_late(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    enqueue(db, kind="fill", dedupe_key="old", text="yesterday", now=NOW - 2 * 86400)
    enqueue(db, kind="fill", dedupe_key="new", text="today", now=NOW)
    report = AlertSender(settings, db=db).run_once(now=NOW)
    assert (report.expired, report.delivered) == (1, 1)
    assert telegram.texts() == ["today"]


def test_not_configured_sends_nothing(db: Database, settings: Settings, telegram: FakeTelegram) -> None:
    settings = with_alerts(settings, telegram_token=None)
    enqueue(db, kind="fill", dedupe_key="k", text="x", now=NOW)
    add_market(db, "m1")
    add_signal(db, "m1", status="pending")
    assert AlertSender(settings, db=db).run_once(now=NOW).status == "not-configured"
    assert telegram.requests == 0
    assert outbox(db) == [("fill", "pending", 0)]


def test_failing_collector_alerts_once_and_reports_recovery(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    settings = with_alerts(settings, collector_failing_minutes=15)
    add_job_run(db, "catalog", started=NOW - 3600, status="ok")
    add_job_run(db, "snapshots", started=NOW - 600, status="error", error="boom")  # failing 10 min only
    first = add_job_run(db, "catalog", started=NOW - 1200, status="error", error="HTTP 503 from gamma")
    add_job_run(db, "catalog", started=NOW - 600, status="error", error="HTTP 503 from gamma")
    add_job_run(db, "catalog", started=NOW - 60, status="error", error="ConnectTimeout\nline two")
    add_job_run(db, "catalog", started=NOW, status="running")
    sender = AlertSender(settings, db=db)

    assert sender.run_once(now=NOW).delivered == 1
    assert sender.run_once(now=NOW + 30).queued == 0  # same failure streak: no repeat
    assert telegram.texts() == [
        "Background job 'catalog' has been failing for 20 min (3 failed runs)\nLast error: ConnectTimeout line two"
    ]
    assert db.execute("SELECT dedupe_key FROM alerts_outbox").fetchone()[0] == f"job-failing:catalog:{first}"

    add_job_run(db, "catalog", started=NOW + 100, status="ok")
    assert sender.run_once(now=NOW + 120).delivered == 1
    assert telegram.texts()[1] == "Background job 'catalog' recovered after 21 min of failures"
    # 'snapshots' never reached the threshold, so it neither alerted nor "recovered".
    assert all("snapshots" not in text for text in telegram.texts())


def test_background_loop_delivers_and_stops(db: Database, settings: Settings, telegram: FakeTelegram) -> None:
    sender = AlertSender(with_alerts(settings, poll_interval=0.02))
    thread = sender.start()
    enqueue(db, kind="fill", dedupe_key="k", text="from the loop", now=int(time.time()))
    deadline = time.monotonic() + 10
    while not telegram.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    sender.stop()
    assert telegram.texts() == ["from the loop"]
    assert not thread.is_alive()


def test_signals_that_expired_unseen_do_not_delay_the_next_digest(
    db: Database, settings: Settings, telegram: FakeTelegram
) -> None:
    sender = AlertSender(settings, db=db)
    add_market(db, "a")
    add_signal(db, "a", status="pending")
    assert sender.run_once(now=NOW).queued == 1
    add_market(db, "b")
    add_signal(db, "b", status="expired")
    assert sender.run_once(now=NOW + 400).queued == 0
    add_market(db, "c", question="Fresh one")
    add_signal(db, "c", status="pending")
    assert sender.run_once(now=NOW + 410).queued == 1  # 410 s since the last digest: not held back
    assert telegram.texts()[-1].endswith("· Fresh one")
