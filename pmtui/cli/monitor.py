"""`pmtui monitor`: the live monitor, headless (the TUI runs the same loop as a background worker)."""

from __future__ import annotations

import sys

import click

from pmtui.cli.common import AppContext, echo, echo_json, pass_app, stop_on_signals


@click.command("monitor")
@click.option(
    "--aggressive",
    is_flag=True,
    help="Cycle every monitor.aggressive_interval (default 1 min) instead of monitor.interval (5 min).",
)
@click.option("--once", is_flag=True, help="Run one cycle, print its report and exit (1 if a step failed).")
@click.option("--json", "as_json", is_flag=True, help="Print each cycle's report as one JSON line.")
@pass_app
def monitor_command(app: AppContext, aggressive: bool, once: bool, as_json: bool) -> None:
    """Watch the markets: refresh prices, propose and expire signals, settle paper positions.

    Each cycle refreshes the order books of the candidate markets (for each strategy the most traded
    markets in its categories, plus every market with a pending signal, an open paper position or
    the watch flag) in batch calls under the shared rate limiter, runs the batch signal processor over them, expires
    what no longer holds, settles positions whose market resolved and queues the alerts. One line per
    cycle; a failing cycle is logged and the next one runs an interval later. Ctrl-C stops cleanly.
    With Telegram configured, alerts are sent in the background.
    """
    import asyncio

    from pmtui.alerts.background import background_alerts
    from pmtui.signals.monitor import CycleReport, Monitor

    settings = app.settings

    def show(report: CycleReport) -> None:
        if as_json:
            echo_json(report.to_dict())
        else:
            echo(report.line())

    monitor = Monitor(settings, on_cycle_done=[show], aggressive=aggressive)
    with background_alerts(settings, flush_on_exit=once):
        if once:
            report = asyncio.run(monitor.run_once())
            if not report.ok:
                sys.exit(1)
            return
        echo(f"monitoring {settings.database.path} every {monitor.interval:g} s (Ctrl-C to stop)", err=True)
        with stop_on_signals():
            try:
                asyncio.run(monitor.run_forever(asyncio.Event()))
            except KeyboardInterrupt:
                echo("stopped", err=True)


COMMANDS = [monitor_command]
