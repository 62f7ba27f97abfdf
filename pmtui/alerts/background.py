"""Running the alert sender beside a headless command (`pmtui monitor`, `pmtui collect`).

    with background_alerts(settings):
        ...  # the command's own work; alerts go out meanwhile from a daemon thread

Nothing happens when Telegram is not configured. On the way out the thread is stopped and, with
`flush_on_exit` (a `--once` run), one last pass sends what the command just queued, so a one-shot
run does not leave its alerts waiting for the next process. The sender never raises into the command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pmtui.alerts.sender import AlertSender
from pmtui.config import Settings
from pmtui.logs import redact

log = logging.getLogger("pmtui.alerts")


@contextmanager
def background_alerts(settings: Settings, *, flush_on_exit: bool = False) -> Iterator[AlertSender | None]:
    """Yield the running sender (None when Telegram is not configured)."""
    sender = AlertSender(settings)
    if not sender.configured:
        yield None
        return
    sender.start()
    try:
        yield sender
    finally:
        sender.stop()
        if flush_on_exit:
            try:
                sender.run_once()
            except Exception as exc:  # a last pass that fails leaves the alerts queued for later
                log.error("final alert pass failed: %s", redact(f"{type(exc).__name__}: {exc}"))
            finally:
                sender.close()
