from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.fakes.telegram_server import FakeTelegram
from pmtui.store import connect
from tests.book_builders import make_settings

TOKEN = "7012345678:AAHsecretTOKEN-x9Yz_qwertyuiopasdfgh"
CHAT = "-1001234567890"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "alerts.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = connect(db_path)
    yield database
    database.close()


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API on 127.0.0.1, with PMTUI_TELEGRAM_* pointing at it."""
    with FakeTelegram(token=TOKEN) as fake:
        monkeypatch.setenv("PMTUI_TELEGRAM_URL", fake.url)
        monkeypatch.setenv("PMTUI_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("PMTUI_TELEGRAM_CHAT_ID", CHAT)
        yield fake


@pytest.fixture
def settings(db_path: Path, telegram: FakeTelegram) -> Settings:
    """Alert settings aimed at the fake server; rate limit off unless a test sets it."""
    return make_settings(
        db_path,
        alerts={
            "telegram_url": telegram.url,
            "telegram_token": TOKEN,
            "telegram_chat_id": CHAT,
            "min_interval": 0.0,
            "digest_interval": 300.0,
            "timeout": 5.0,
        },
    )
