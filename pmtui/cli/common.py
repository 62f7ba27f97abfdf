"""Shared CLI plumbing: settings loading with the one-line error, logging, and output.

Everything the CLI prints for people goes through `echo()` (lines) or `console()` (Rich tables and
styled lines, with `cell()` for each piece of text from outside): market questions, outcomes,
categories, ids and the errors quoting them are made terminal-safe there (pmtui/text.py), so an
escape sequence in a question is shown, never obeyed. `--json` documents keep the data as it came
(JSON escapes control characters). tests/hostile checks no command prints around these helpers.
"""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from sqlite_utils import Database

from pmtui.config import ConfigError, Settings, load_settings
from pmtui.logs import log_file, redact, register_secret, setup_logging
from pmtui.text import terminal_safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

log = logging.getLogger("pmtui.cli")

EXIT_CONFIG = 2
EXIT_STORE = 2
"""A file that cannot be the store, like a bad config, needs the user to fix the setup."""


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
        """The store, migrated; a file that cannot be the store ends the command with one line."""
        from pmtui.store import StoreError, connect

        settings = self.settings
        try:
            return connect(settings.database.path, busy_timeout=settings.database.busy_timeout)
        except StoreError as exc:
            fail_store(exc)


def fail_config(exc: ConfigError) -> NoReturn:
    echo(f"pmtui: config error: {redact(str(exc))}", err=True, one_line=True)
    sys.exit(EXIT_CONFIG)


def fail_store(exc: Exception) -> NoReturn:
    echo(f"pmtui: {redact(str(exc))}", err=True, one_line=True)
    sys.exit(EXIT_STORE)


@contextmanager
def exit_on_expected_errors() -> Iterator[None]:
    """Expected problems end the command with one line, not a traceback: a bad config (exit 2), a
    file that cannot be the store (exit 2), and a database error met later, e.g. a store made
    read-only while in use (exit 1; the traceback goes to the log file)."""
    try:
        yield
    except ConfigError as exc:
        fail_config(exc)
    except Exception as exc:
        # Only the store raises StoreError: when it was never imported there is none to catch, and
        # importing it here (sqlite-utils) would cost every command that opens no store its start.
        store = sys.modules.get("pmtui.store.db")
        if store is not None and isinstance(exc, store.StoreError):
            fail_store(exc)
        if not isinstance(exc, sqlite3.Error):
            raise
        log.error("database error", exc_info=exc)
        fail(f"database error: {type(exc).__name__}: {exc} (details in {log_file()})")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line and exit (no traceback for expected problems)."""
    echo(f"pmtui: {redact(message)}", err=True, one_line=True)
    sys.exit(code)


def echo(message: object = "", *, err: bool = False, one_line: bool = False) -> None:
    """Print a message for people, terminal-safe: control characters from outside show as `␛`,
    `␇`, `\\x9b`, bidi overrides and zero-width characters are dropped. Line breaks stay unless
    `one_line` (an error line must stay one line, whatever the text it quotes)."""
    text = redact(message if isinstance(message, str) else str(message))
    click.echo(terminal_safe(text, newlines=not one_line, limit=None), err=err)


def one_line(value: object) -> str:
    """Text from outside quoted inside an `echo()` line: terminal-safe and on one line (a newline in
    a question cannot forge the next output line)."""
    return terminal_safe(value)


def cell(value: object, style: str = "") -> Text:
    """A table cell or a piece of a line holding text from outside: literal (Rich markup is not
    parsed) and terminal-safe, on one line."""
    from rich.text import Text

    return Text(terminal_safe(value), style=style)


def console(*, piped_width: int | None = 160, **options: Any) -> Console:
    """The Rich console for human output (see pmtui/cli/safe_console.py). Piped output has no width
    of its own and Rich would squeeze tables into 80 columns: it gets `piped_width`."""
    from pmtui.cli.safe_console import SafeConsole

    out = SafeConsole(**options)
    if piped_width is not None and not out.is_terminal:
        out.width = piped_width
    return out


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
