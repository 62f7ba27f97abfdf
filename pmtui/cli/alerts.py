"""`pmtui alerts`: send a test message, show the outbox, run the sender headless."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from pmtui.cli.common import AppContext, echo, echo_json, fail, one_line, pass_app, stop_on_signals


@click.group()
def alerts() -> None:
    """Telegram alerts: new signals (a digest), fills, settlements, failing background jobs.

    Configure with PMTUI_TELEGRAM_TOKEN and PMTUI_TELEGRAM_CHAT_ID, or [alerts] telegram_token /
    telegram_chat_id in the config file (which must then be mode 0600).
    """


@alerts.command("test")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def test_command(app: AppContext, as_json: bool) -> None:
    """Send one test message now (not through the outbox) and report the result."""
    from pmtui.alerts.messages import probe_text
    from pmtui.alerts.telegram import TelegramClient, TelegramError

    settings = app.settings.alerts
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    outcome: TelegramError | None = None
    try:
        with TelegramClient(settings) as client:
            sent = client.send(probe_text(stamp))
    except TelegramError as exc:
        outcome = exc
    if outcome is not None:
        fail(str(outcome), code=2 if outcome.permanent else 1)
    if as_json:
        echo_json({"sent": True, "message_id": sent.message_id, "seconds": round(sent.seconds, 3)})
    else:
        echo(f"test message sent to chat {settings.telegram_chat_id} in {sent.seconds:.2f}s")


@alerts.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def status_command(app: AppContext, as_json: bool) -> None:
    """Show whether alerts are configured and what the outbox holds: pending, sent, failed, and
    uncertain (sent without an answer: maybe delivered, not re-sent on their own); whether the
    sender is paused because Telegram refused the token or the chat."""
    from pmtui.alerts.outbox import outbox_counts
    from pmtui.alerts.sender import pause_state

    settings = app.settings.alerts
    db = app.open_db()
    counts = outbox_counts(db)
    paused = pause_state(db)
    document = {
        "configured": bool(settings.telegram_token and settings.telegram_chat_id),
        "enabled": settings.enabled,
        "telegram_url": settings.telegram_url,
        "chat_id": settings.telegram_chat_id,
        "pending": counts.pending,
        "sent": counts.sent,
        "failed": counts.failed,
        "uncertain": counts.uncertain,
        "paused": None if paused is None else paused.get("reason"),
        "paused_since": None if paused is None else paused.get("since"),
        "last_sent": counts.last_sent,
        "last_error": counts.last_error,
    }
    if as_json:
        echo_json(document)
        return
    width = max(len(k) for k in document)
    for key, value in document.items():
        echo(f"{key:<{width}}  {'-' if value is None else one_line(value)}")
    if paused is not None:
        echo(
            "The sender is paused: Telegram refused the token or the chat. Queued alerts are kept and "
            "go out once the setting is fixed (or run `pmtui alerts requeue` to try now)."
        )
    if counts.uncertain:
        echo(
            f"{counts.uncertain} alert(s) got no answer after being sent and may have been delivered; "
            "check the chat, then `pmtui alerts requeue --uncertain` to send them again."
        )
    if counts.failed:
        echo(f"{counts.failed} alert(s) failed; `pmtui alerts requeue --failed` queues them again.")


@alerts.command("requeue")
@click.option("--failed", is_flag=True, help="Requeue alerts that failed (gave up, or dropped as too old).")
@click.option(
    "--uncertain", is_flag=True, help="Requeue alerts sent without an answer (they may arrive twice)."
)
@click.argument("ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def requeue_command(
    app: AppContext, failed: bool, uncertain: bool, ids: tuple[int, ...], as_json: bool
) -> None:
    """Queue failed or uncertain alerts (all of them, or only IDS) to be sent again, and end a pause
    (Telegram refused the token or chat: the next pass tries again now)."""
    import time

    from pmtui.alerts.outbox import requeue
    from pmtui.alerts.sender import resume

    if not (failed or uncertain):
        fail("say which alerts to requeue: --failed, --uncertain, or both", code=2)
    statuses = [s for s, on in (("failed", failed), ("uncertain", uncertain)) if on]
    db = app.open_db()
    now = int(time.time())
    count = requeue(db, statuses, now=now, ids=ids)
    resumed = resume(db, now)
    if as_json:
        echo_json({"requeued": count, "resumed": resumed})
        return
    echo(f"requeued {count} alert{'' if count == 1 else 's'} ({' and '.join(statuses)})")
    if resumed:
        echo("the paused sender will try Telegram again on its next pass")


@alerts.command("run")
@click.option("--once", is_flag=True, help="One pass (scan, send what is due) and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the pass report as JSON.")
@pass_app
def run_command(app: AppContext, once: bool, as_json: bool) -> None:
    """Drain the alerts outbox to Telegram (the TUI and the collector run this in the background)."""
    from pmtui.alerts.sender import AlertSender

    sender = AlertSender(app.settings)
    if not sender.configured:
        fail(
            "Telegram alerts are not configured: set PMTUI_TELEGRAM_TOKEN and PMTUI_TELEGRAM_CHAT_ID", code=2
        )
    if once:
        report = sender.run_once()
        sender.close()
        if as_json:
            echo_json(
                {
                    "status": report.status,
                    "expired": report.expired,
                    "queued": report.queued,
                    "delivered": report.delivered,
                    "error": report.error,
                }
            )
        else:
            echo(
                f"{report.status}: delivered {report.delivered}, queued {report.queued}, expired {report.expired}"
            )
            if report.error:
                echo(f"error: {report.error}")
        return
    echo("sending alerts; Ctrl-C to stop", err=True)
    with stop_on_signals():
        try:
            sender.run()
        except KeyboardInterrupt:
            sender.close()


COMMANDS = [alerts]
