"""`pmtui alerts`: send a test message, show the outbox, run the sender headless."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from pmtui.cli.common import AppContext, echo_json, fail, pass_app, stop_on_signals


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
        click.echo(f"test message sent to chat {settings.telegram_chat_id} in {sent.seconds:.2f}s")


@alerts.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def status_command(app: AppContext, as_json: bool) -> None:
    """Show whether alerts are configured and what the outbox holds."""
    from pmtui.alerts.outbox import outbox_counts

    settings = app.settings.alerts
    counts = outbox_counts(app.open_db())
    document = {
        "configured": bool(settings.telegram_token and settings.telegram_chat_id),
        "enabled": settings.enabled,
        "telegram_url": settings.telegram_url,
        "chat_id": settings.telegram_chat_id,
        "pending": counts.pending,
        "sent": counts.sent,
        "failed": counts.failed,
        "last_sent": counts.last_sent,
        "last_error": counts.last_error,
    }
    if as_json:
        echo_json(document)
        return
    width = max(len(k) for k in document)
    for key, value in document.items():
        click.echo(f"{key:<{width}}  {'-' if value is None else value}")


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
            click.echo(
                f"{report.status}: delivered {report.delivered}, queued {report.queued}, expired {report.expired}"
            )
            if report.error:
                click.echo(f"error: {report.error}")
        return
    click.echo("sending alerts; Ctrl-C to stop", err=True)
    with stop_on_signals():
        try:
            sender.run()
        except KeyboardInterrupt:
            sender.close()


COMMANDS = [alerts]
