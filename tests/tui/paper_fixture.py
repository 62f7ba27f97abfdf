"""A paper book on top of the TUI fixture store, written by the paper core itself (fills, a sale at the
bid, a win and a loss settled), so the Paper tab shows what `pmtui paper` would.

Timeline (relative to NOW): deposit and two fills 5 and 4 days ago, the Fed position 3 days ago,
settlements of the ETH win and the Chicago loss, a sale at the bid a day ago, then two fresh fills two
hours ago (one on the markup-injection market) and one on a generated (demo) market. Quotes are at
most NOW − 300 s old, so the status bar's "freshest price" (markets updated NOW − 120) is unchanged.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlite_utils import Database

from pmtui.config import DatabaseSettings, PaperSettings, Settings
from pmtui.paper.book import close_position, open_from_signal, settle_resolved
from pmtui.store import connect, write_tx
from tests.tui.store_fixture import DAY, HOUR, NOW, market

BID_TOKEN = "1032"
"""The NO token of market 103: the open position with a fresh bid (what `x` closes)."""


def paper_settings(db_path: Path) -> Settings:
    return Settings(database=DatabaseSettings(path=db_path), paper=dataclasses.replace(PaperSettings()))


def quote(db: Database, token_id: str, market_id: str, bid: float, ask: float, t: int) -> None:
    db.execute(
        "INSERT INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, NULL, ?)"
        " ON CONFLICT (token_id) DO UPDATE SET best_bid = excluded.best_bid,"
        " best_ask = excluded.best_ask, t = excluded.t",
        [token_id, market_id, bid, ask, t],
    )


def signal(
    db: Database, market_id: str, index: int, outcome: str, strategy: str, price: float, stake: float
) -> int:
    cursor = db.execute(
        "INSERT INTO signals (created, updated, market_id, token_id, outcome_index, outcome, strategy, price,"
        " price_source, est_win_prob, validated, edge, stake_micros, rationale, score, status, status_time,"
        " expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'book_ask', 0.9, 1, 0.03, ?, 'fixture', 0.03, 'approved', ?, ?)",
        [NOW - 6 * DAY, NOW - 6 * DAY, market_id, f"{market_id}{index + 1}", index, outcome, strategy,
         price, int(stake * 1_000_000), NOW - 6 * DAY, NOW - 6 * DAY + 6 * HOUR],
    )  # fmt: skip
    return int(cursor.lastrowid or 0)


def add_paper_book(path: Path) -> Path:
    db = connect(path)
    settings = paper_settings(path)
    try:
        with write_tx(db):
            db["markets"].insert_all(
                [
                    market(
                        "901",
                        "Will ETH close above $3,000 on January 12?",
                        category="Crypto/ETH-Price",
                        cluster="crypto-eth-above-2026-01-12",
                        yes=0.88,
                        closes_in=-3 * DAY,
                    ),
                    market(
                        "902",
                        "Highest temperature in Chicago on January 13? 20-21°F",
                        category="Weather/Temperature",
                        cluster="weather-chi-high-2026-01-13",
                        yes=0.15,
                        closes_in=-2 * DAY,
                    ),
                ]
            )
            db.execute("UPDATE signals SET status = 'approved' WHERE id IN (1, 3)")
            eth = signal(db, "901", 0, "Yes", "crypto_favorite_fade", 0.88, 20)
            chi = signal(db, "902", 1, "No", "weather_fade_longshots", 0.85, 15)
            demo = signal(db, "501", 0, "Yes", "fade_longshots", 0.64, 8)
            quote(db, "9011", "901", 0.87, 0.89, NOW - 5 * DAY)
            quote(db, "9022", "902", 0.84, 0.86, NOW - 4 * DAY)
            quote(db, "6012", "601", 0.94, 0.95, NOW - 3 * DAY)
        open_from_signal(db, eth, settings, now=NOW - 5 * DAY)
        open_from_signal(db, chi, settings, now=NOW - 4 * DAY)
        # Signals #3 and #4 were never validated (stake 0): the trader gave a size, 5 shares' worth.
        open_from_signal(db, 4, settings, now=NOW - 3 * DAY, stake_micros=4_750_000)
        with write_tx(db):
            db.execute("UPDATE markets SET closed = 1, resolution = 'resolved', winner = 0 WHERE id = '901'")
        settle_resolved(db, now=NOW - 3 * DAY + HOUR)
        with write_tx(db):
            db.execute("UPDATE markets SET closed = 1, resolution = 'resolved', winner = 0 WHERE id = '902'")
        settle_resolved(db, now=NOW - 2 * DAY)
        with write_tx(db):
            quote(db, "6012", "601", 0.96, 0.97, NOW - DAY)
        close_position(db, 3, settings, now=NOW - DAY)
        with write_tx(db):
            quote(db, BID_TOKEN, "103", 0.80, 0.82, NOW - 2 * HOUR)
        open_from_signal(db, 1, settings, now=NOW - 2 * HOUR)
        open_from_signal(db, 3, settings, now=NOW - 2 * HOUR, stake_micros=4_700_000)
        open_from_signal(db, demo, settings, now=NOW - 2 * HOUR)
        with write_tx(db):
            quote(db, BID_TOKEN, "103", 0.84, 0.86, NOW - 300)
    finally:
        db.conn.close()
    return path
