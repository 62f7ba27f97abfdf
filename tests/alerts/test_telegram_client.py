"""The Telegram client against the fake Bot API: plain text, errors classified, token never shown."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from pmtui.alerts.telegram import NotConfigured, TelegramClient, TelegramError
from pmtui.config import Settings
from pmtui.fakes.telegram_server import FakeTelegram
from tests.alerts.conftest import CHAT, TOKEN


def assert_token_free(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), *map(str, exc.args)):
        assert TOKEN not in text
    # Raised outside the handler: no chained httpx exception (whose message holds the URL).
    assert exc.__cause__ is None and exc.__context__ is None


def test_sends_plain_text_so_market_text_cannot_inject_markup(
    settings: Settings, telegram: FakeTelegram
) -> None:
    text = "Will <b>X</b> win? [click](https://evil.example) *bold* _it_"
    with TelegramClient(settings.alerts) as client:
        sent = client.send(text)
    assert sent.message_id == 1
    [message] = telegram.messages
    assert (message.chat_id, message.text, message.parse_mode) == (CHAT, text, None)
    assert "parse_mode" not in message.payload


def test_wrong_token_is_a_permanent_error_without_the_token(
    settings: Settings, telegram: FakeTelegram
) -> None:
    wrong = "7012345678:WRONG-token-value-abcdefghijk"
    alerts = dataclasses.replace(settings.alerts, telegram_token=wrong)
    with TelegramClient(alerts) as client, pytest.raises(TelegramError) as info:
        client.send("hi")
    assert info.value.permanent
    assert str(info.value) == "Telegram refused the message (401): Unauthorized (check the bot token)"
    assert wrong not in repr(info.value)
    assert_token_free(info.value)


def test_429_carries_retry_after_and_5xx_is_transient(settings: Settings, telegram: FakeTelegram) -> None:
    telegram.fail_next(429, retry_after=7)
    telegram.fail_next(503)
    with TelegramClient(settings.alerts) as client:
        with pytest.raises(TelegramError) as limited:
            client.send("one")
        with pytest.raises(TelegramError) as down:
            client.send("two")
        client.send("three")
    assert (limited.value.retry_after, limited.value.permanent) == (7, False)
    assert "Too Many Requests: retry after 7" in str(limited.value)
    assert (down.value.retry_after, down.value.permanent) == (None, False)
    assert str(down.value).startswith("Telegram server error (503)")
    assert telegram.texts() == ["three"]
    assert_token_free(limited.value)
    assert_token_free(down.value)


def test_unreachable_server_error_is_scrubbed(settings: Settings) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    alerts = dataclasses.replace(settings.alerts, telegram_url=f"http://127.0.0.1:{port}", timeout=2.0)
    with TelegramClient(alerts) as client, pytest.raises(TelegramError) as info:
        client.send("hi")
    assert str(info.value).startswith("cannot reach Telegram: ConnectError")
    assert not info.value.permanent
    assert_token_free(info.value)


def test_missing_token_or_chat_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(NotConfigured, match="set PMTUI_TELEGRAM_TOKEN"):
        TelegramClient(dataclasses.replace(settings.alerts, telegram_token=None))
    with pytest.raises(NotConfigured, match="set PMTUI_TELEGRAM_CHAT_ID"):
        TelegramClient(dataclasses.replace(settings.alerts, telegram_chat_id=None))
