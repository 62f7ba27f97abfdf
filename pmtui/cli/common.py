"""Shared CLI plumbing: settings loading with the one-line error, logging, JSON output."""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click
from sqlite_utils import Database

from pmtui.config import ConfigError, Settings, load_settings
from pmtui.logs import redact, register_secret, setup_logging

log = logging.getLogger("pmtui.cli")

EXIT_CONFIG = 2


@dataclass
class AppContext:
    """What every command needs, built lazily so `--help` never reads the config."""

    verbose: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as exc:
                fail_config(exc)
            register_secret(self._settings.alerts.telegram_token)
            setup_logging(verbose=self.verbose)
        return self._settings

    def open_db(self) -> Database:
        from pmtui.store import connect

        settings = self.settings
        return connect(settings.database.path, busy_timeout=settings.database.busy_timeout)


def fail_config(exc: ConfigError) -> NoReturn:
    click.echo(f"pmtui: config error: {redact(str(exc))}", err=True)
    sys.exit(EXIT_CONFIG)


@contextmanager
def exit_on_config_error() -> Iterator[None]:
    try:
        yield
    except ConfigError as exc:
        fail_config(exc)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line and exit (no traceback for expected problems)."""
    click.echo(f"pmtui: {redact(message)}", err=True)
    sys.exit(code)


def echo_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=None, sort_keys=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


pass_app = click.make_pass_decorator(AppContext)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Let SIGINT and SIGTERM stop a long-running headless command the way Ctrl-C does (the command
    catches KeyboardInterrupt, finishes the transaction in progress and says "stopped").

    SIGINT is set back to Python's handler because a non-interactive shell starts background jobs
    with SIGINT ignored, and Python then never raises KeyboardInterrupt; SIGTERM is what `kill`,
    `timeout` and service managers send. Both handlers are restored on the way out."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
