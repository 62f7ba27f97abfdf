"""Telegram Bot API `sendMessage` over httpx, with the token kept out of every error and log line.

The token is part of the URL (`/bot<token>/sendMessage`), and httpx puts the URL in its exceptions
and its INFO log lines. So: the token is registered with `pmtui.logs.register_secret`, the httpx and
httpcore loggers get a redacting filter, and every failure is re-raised as a `TelegramError` built
outside the `except` block (no chained httpx exception) from a scrubbed message.

Messages are sent as plain text (no `parse_mode`): market questions cannot inject markup or links.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from pmtui import __version__
from pmtui.config import AlertSettings
from pmtui.logs import RedactingFilter, redact, register_secret

log = logging.getLogger("pmtui.alerts")


class TelegramError(Exception):
    """A failed send. `retry_after` (seconds) is set on 429; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class NotConfigured(TelegramError):
    def __init__(self, missing: str) -> None:
        super().__init__(
            f"Telegram alerts are not configured: set {missing} "
            "(environment, or [alerts] in the config file with mode 0600)",
            permanent=True,
        )


_HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int | None
    seconds: float


def install_log_redaction() -> None:
    """httpx logs every request URL at INFO; make sure a registered token never survives that.

    A logger's filters do not apply to its children's records, so each httpcore logger is named.
    """
    for name in _HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


class TelegramClient:
    """A synchronous client (the sender runs in its own thread). Use as a context manager or close()."""

    def __init__(self, settings: AlertSettings) -> None:
        if not settings.telegram_token:
            raise NotConfigured("PMTUI_TELEGRAM_TOKEN")
        if not settings.telegram_chat_id:
            raise NotConfigured("PMTUI_TELEGRAM_CHAT_ID")
        self._token = settings.telegram_token
        self._chat_id = settings.telegram_chat_id
        register_secret(self._token)
        install_log_redaction()
        self._url = f"{settings.telegram_url.rstrip('/')}/bot{self._token}/sendMessage"
        self._http = httpx.Client(
            timeout=float(settings.timeout),
            headers={"User-Agent": f"pmtui/{__version__}"},
            follow_redirects=False,
        )

    def __enter__(self) -> TelegramClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _scrub(self, text: str) -> str:
        return redact(text.replace(self._token, "***"))

    def send(self, text: str) -> Sent:
        """Send one plain-text message. Raises TelegramError (token-free) on any failure."""
        started = time.monotonic()
        payload = {"chat_id": self._chat_id, "text": text, "disable_web_page_preview": True}
        failure: str | None = None
        response: httpx.Response | None = None
        try:
            response = self._http.post(self._url, json=payload)
        except httpx.TimeoutException:
            failure = "Telegram did not answer in time"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            failure = f"cannot reach Telegram: {type(exc).__name__}: {self._scrub(str(exc))}"
        if failure is not None or response is None:
            # Raised outside the except block: no chained httpx exception carrying the URL.
            raise TelegramError(failure or "no response from Telegram")
        return self._check(response, time.monotonic() - started)

    def _check(self, response: httpx.Response, seconds: float) -> Sent:
        body: dict[str, Any] = {}
        try:
            parsed = response.json()
            if isinstance(parsed, dict):
                body = parsed
        except ValueError:
            pass
        if response.status_code == 200 and body.get("ok") is True:
            result = body.get("result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return Sent(message_id if isinstance(message_id, int) else None, seconds)
        description = self._scrub(str(body.get("description") or response.reason_phrase or "no description"))
        status = response.status_code
        if status == 429:
            parameters = body.get("parameters")
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            if not isinstance(retry_after, int | float):
                try:
                    retry_after = float(response.headers.get("Retry-After", ""))
                except ValueError:
                    retry_after = None
            raise TelegramError(f"Telegram rate limit (429): {description}", retry_after=retry_after)
        if status >= 500:
            raise TelegramError(f"Telegram server error ({status}): {description}")
        hint = {
            401: " (check the bot token)",
            404: " (check the bot token and telegram_url)",
            400: " (check the chat id; the bot must have been started in that chat)",
            403: " (the bot was blocked or removed from the chat)",
        }.get(status, "")
        raise TelegramError(f"Telegram refused the message ({status}): {description}{hint}", permanent=True)
