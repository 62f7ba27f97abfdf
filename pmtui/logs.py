"""Logging: a rotating file in the platform log dir; `--verbose` also echoes to stderr.

Secrets registered with `register_secret()` (the Telegram token) are replaced by `***` in every
record, whatever logger or exception message carries them.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

from pmtui import paths

_secrets: set[str] = set()
_lock = threading.Lock()
LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def register_secret(value: str | None) -> None:
    """Never let `value` reach a log line."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """Redacts a record at its source logger (for third-party loggers such as httpx, whose records
    reach handlers we do not own, e.g. the root logger or pytest's log capture)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_file() -> Path:
    return paths.log_dir() / "pmtui.log"


def setup_logging(*, verbose: bool = False, file: Path | None = None) -> Path:
    """Configure the `pmtui` logger once per process; returns the log file path."""
    target = file or log_file()
    logger = logging.getLogger("pmtui")
    if getattr(logger, "_pmtui_configured", False):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    if verbose:
        echo = logging.StreamHandler(sys.stderr)
        echo.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(echo)
        logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger._pmtui_configured = True  # type: ignore[attr-defined]
    return target
