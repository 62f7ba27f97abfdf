"""Logging: a rotating file in the platform log dir; `--verbose` also echoes to stderr.

Secrets registered with `register_secret()` (the Telegram token) are replaced by `***` in every
record, whatever logger or exception message carries them. Control characters in a record (a
question quoted in an error) are written visibly (pmtui/text.py), never as escape sequences.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from urllib.parse import quote

from pmtui import paths
from pmtui.text import terminal_safe

_secrets: set[str] = set()
_lock = threading.Lock()
LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def register_secret(value: str | None) -> None:
    """Never let `value` reach a log line, in any of the encodings it travels in: as written,
    stripped, percent-encoded (in a URL, which is how httpx logs and reports it) and JSON-escaped."""
    if not value or len(value.strip()) < 6:
        return
    with _lock:
        _secrets.update(v for v in _encodings(value) if len(v) >= 6)


def _encodings(value: str) -> set[str]:
    forms = {value, value.strip()}
    for form in list(forms):
        forms.add(quote(form, safe=""))
        forms.add(quote(form, safe="/:@"))  # a URL path segment keeps these as they are
        forms.add(json.dumps(form)[1:-1])
        forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
    return forms


def redact(text: str) -> str:
    # Longest first: a secret's encoded form may contain its plain form as a prefix.
    for secret in sorted(_secrets, key=len, reverse=True):
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
    """Redacts secrets, and makes the line terminal-safe: log lines quote questions and errors, and
    are read in terminals (`--verbose` on stderr, `tail -f pmtui.log`)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(redact(super().format(record)), newlines=True, limit=None)


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
