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
    """A failed send. `retry_after` (seconds) is set on 429; `permanent` when retrying the same
    request cannot help. `setup` when the cause is the configuration (token, chat), not the message:
    every other message would fail the same way until it is fixed. `uncertain` when the request may
    have reached Telegram (no answer after it was sent): sendMessage has no idempotency key, so
    sending it again could deliver it twice."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        setup: bool = False,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent or setup
        self.setup = setup
        self.uncertain = uncertain


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


_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
"""Failures before any byte of the request left: safe to send again."""


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
        uncertain = False
        response: httpx.Response | None = None
        try:
            response = self._http.post(self._url, json=payload)
        except _NOT_SENT as exc:
            failure = f"cannot reach Telegram: {type(exc).__name__}: {self._scrub(str(exc))}"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # The connection was up and the request (maybe all of it) went out: Telegram may have
            # delivered the message and only the answer was lost.
            uncertain = isinstance(exc, httpx.TransportError)
            failure = (
                f"no answer from Telegram after the message was sent ({type(exc).__name__}): "
                "it may have been delivered"
                if uncertain
                else f"cannot reach Telegram: {type(exc).__name__}: {self._scrub(str(exc))}"
            )
        if failure is not None or response is None:
            # Raised outside the except block: no chained httpx exception carrying the URL.
            raise TelegramError(failure or "no response from Telegram", uncertain=uncertain)
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
        # Token and chat problems are the setup's, not this message's: every message would fail.
        setup = status in (401, 403, 404) or (status == 400 and "chat" in description.lower())
        raise TelegramError(
            f"Telegram refused the message ({status}): {description}{hint}", permanent=True, setup=setup
        )
