"""Markets search at scale: the page plan chosen by how many rows match, and the match count drawn
after the page (in the background, interrupted by a newer keystroke)."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.messages import MarketsCounted
from pmtui.tui.queries import stop_when
from pmtui.tui.queries.markets import (
    SORT_COLUMNS,
    MarketFilter,
    count_matches,
    few_matches,
    fts_query,
    load_page,
)
from pmtui.tui.tabs.markets import MarketsTab
from tests.tui.conftest import rendered_text, settle
from tests.tui.store_fixture import bulk_markets, market, write_tx

AppFactory = Callable[..., PmtuiApp]

WORDS = ["alpha", "alps", "bravo", "brave", "charlie", "delta", "Échelle", "zulu"]
CATEGORIES = [None, "Crypto", "Crypto/BTC", "crypto/eth", "Sports", "Sports/NBA"]


def varied_markets(count: int) -> list[dict[str, object]]:
    """Markets with ties and NULLs in every sort column, repeated questions, mixed-case categories,
    closed and watched ones: whatever could make two plans order rows differently."""
    rows = []
    for n in range(count):
        words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7)[: 1 + n % 3])
        row = market(
            f"v{(n * 7919) % count:05d}",  # ids not in rowid order
            f"Will {words} {n % 13} happen?" if n % 11 else "Will alpha happen?",
            category=CATEGORIES[n % len(CATEGORIES)],  # type: ignore[arg-type]
            yes=None if n % 9 == 0 else round((n % 5) / 5, 2),
            change=None if n % 4 == 0 else (n % 3 - 1) / 100,
            volume_24h=None if n % 5 == 0 else float(n % 7) * 1000,
            liquidity=None if n % 6 == 0 else float(n % 4) * 500,
            closes_in=None if n % 8 == 0 else float(3600 * (n % 10)),
            closed=n % 4 == 1,
            watched=n % 6 == 2,
        )
        rows.append(row)
    return rows


@pytest.fixture
def varied_store(tmp_path: Path) -> Database:
    db = connect(tmp_path / "varied.sqlite")
    with write_tx(db):
        db["markets"].insert_all(varied_markets(3000), batch_size=1000)
    return db


def test_both_page_plans_return_the_same_rows_in_the_same_order(varied_store: Database) -> None:
    """Reading each match by rowid and walking the sort index must be indistinguishable: every
    sort, both directions, with text, category, watched-only, closed and page-size filters."""
    texts = ["", "a", "al", "alp", "alpha br", "b", "brav", "ech", "echelle", "zulu 1", "zz", "happen"]
    sorts = [(key, descending) for key in SORT_COLUMNS for descending in (True, False)]
    compared = tied = nulls = 0
    for i, (text, (sort, descending)) in enumerate(itertools.product(texts, sorts)):
        flt = MarketFilter(
            text=text,
            category=CATEGORIES[i % len(CATEGORIES)] if i % 3 else None,
            watched_only=i % 5 == 0,
            include_closed=i % 2 == 0,
            sort=sort,
            descending=descending,
            limit=[37, 1, 3000, 500][i % 4],
        )
        by_rows = load_page(varied_store, flt, plan="rows")
        by_index = load_page(varied_store, flt, plan="index")
        chosen = load_page(varied_store, flt)
        assert [r.id for r in by_rows.rows] == [r.id for r in by_index.rows], flt
        assert chosen.rows == by_index.rows and chosen.total == by_index.total, flt
        compared += 1
        values = [getattr(r, _ROW_FIELD[sort]) for r in by_index.rows]
        tied += len(values) != len(set(values))
        nulls += None in values
    # The comparison covered pages where ties and NULLs decide the order.
    assert compared == len(texts) * len(sorts)
    assert tied > 50 and nulls > 20


_ROW_FIELD = {
    "volume_24h": "volume_24h",
    "liquidity": "liquidity",
    "yes_price": "yes_price",
    "change": "change_24h",
    "end_date": "end_date",
    "question": "question",
    "category": "category",
}


def test_the_probe_says_whether_fewer_rows_match_than_it_reads(varied_store: Database) -> None:
    for text in ("happen", "zulu 1", "alp"):
        match = fts_query(text)
        assert match is not None
        n = varied_store.execute(
            "SELECT count(*) FROM markets_fts WHERE markets_fts MATCH ?", [match]
        ).fetchone()[0]
        assert n > 0
        assert few_matches(varied_store, match, probe=n + 1)
        assert not few_matches(varied_store, match, probe=n)


def test_a_full_page_leaves_the_count_to_count_matches(varied_store: Database) -> None:
    """A keystroke never counts every match of a huge store: the page comes without a total when it
    is full, and the count stops past its cap (the summary then says `N+`)."""
    db = varied_store
    open_markets = db.execute("SELECT count(*) FROM markets WHERE closed = 0").fetchone()[0]
    full = load_page(db, MarketFilter(limit=3))
    assert len(full.rows) == 3 and full.total is None
    assert count_matches(db, MarketFilter(limit=3), cap=5) == (5, True)
    assert count_matches(db, MarketFilter(limit=3)) == (open_markets, False)
    rare = MarketFilter(text="zulu 1", limit=3000)
    page = load_page(db, rare)
    assert page.total == len(page.rows) > 0
    assert count_matches(db, rare) == (page.total, False)


def test_a_cancelled_query_stops(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite")
    endless = "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n) SELECT count(*) FROM n"
    stop_when(conn, lambda: True, every=1000)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        conn.execute(endless).fetchone()
    stop_when(conn, lambda: False)
    assert conn.execute("SELECT count(*) FROM (SELECT 1 UNION ALL SELECT 2)").fetchone() == (2,)


def summary(app: PmtuiApp) -> str:
    return rendered_text(app.query_one("#markets-summary"))


async def test_the_count_follows_the_page_and_a_stale_count_is_dropped(
    make_app: AppFactory, store: Path
) -> None:
    db = connect(store)
    bulk_markets(db, 300)
    app = make_app(page_size=50)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        tab = app.query_one(MarketsTab)
        await pilot.press("slash", *"alpha")
        await settle(pilot)
        alpha = count_matches(db, MarketFilter(text="alpha"))[0]
        assert alpha > 50
        assert f"50 of {alpha} markets" in summary(app)
        # A count of an earlier filter arriving late never overwrites the newer one's.
        tab.post_message(MarketsCounted(MarketFilter(text="a", limit=50), 9999, False))
        await settle(pilot)
        assert f"50 of {alpha} markets" in summary(app)
        # Another sort shows the same matches: the count stays on screen while it is redone.
        await pilot.press("enter", "s")
        await settle(pilot)
        assert f"50 of {alpha} markets" in summary(app)


async def test_a_newer_keystroke_cancels_the_older_count(make_app: AppFactory, store: Path) -> None:
    bulk_markets(connect(store), 300)
    app = make_app(page_size=50)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        tab = app.query_one(MarketsTab)
        await pilot.press("slash", "a")
        await settle(pilot)
        # A count still running (held here until released, as a long count on a big store would be):
        release = threading.Event()
        running = tab.run_in_thread(
            lambda: release.wait(10), group="markets-count", description="a long count"
        )
        await pilot.press("l")
        assert running.is_cancelled
        release.set()
        await settle(pilot)
        expected = count_matches(connect(store), MarketFilter(text="al"))[0]
        assert expected > 50
        assert f"50 of {expected} markets" in summary(app)
