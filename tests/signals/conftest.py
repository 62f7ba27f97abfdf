from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.store import connect


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pmtui.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = connect(db_path)
    yield database
    database.conn.close()
