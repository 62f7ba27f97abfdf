"""Fixtures shared by the live-books tests: a fake Polymarket with generated markets, and a store
holding those markets as the catalogue job would write them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pmtui.collect.ingest import parse_markets, store_batch
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.store import connect


@pytest.fixture
def server(make_fake_polymarket: Callable[..., FakePolymarket]) -> FakePolymarket:
    return make_fake_polymarket(recorded=False, generated=60)


@pytest.fixture
def store(server: FakePolymarket, tmp_path: Path) -> Path:
    path = tmp_path / "pmtui.sqlite"
    db = connect(path)
    store_batch(
        db,
        parse_markets([fm.raw for fm in server.markets()]),
        source="gamma:/markets/keyset",
        categorize=None,
    )
    db.close()
    return path
