"""The books balance after any sequence of fills, closes and settlements (random sequences, fixed seeds)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.paper.book import close_position, open_from_signal, settle_resolved
from pmtui.paper.ledger import cash_micros, check_ledger, deposits_micros
from pmtui.paper.models import PaperError
from pmtui.store import connect
from tests.book_builders import NOW, add_market, add_signal, make_settings, resolve, set_quote

M = 1_000_000


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_ledger_balances_after_random_sequences(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    db = connect(tmp_path / "book.sqlite")
    settings = make_settings(
        tmp_path / "book.sqlite",
        paper={"bankroll": 300.0, "max_per_market": 0.3, "max_per_cluster": 0.5, "max_per_category": 0.8},
    )
    markets: list[str] = []
    refusals = opened = closed = settled = 0
    now = NOW
    for step in range(120):
        now += rng.randint(1, 600)
        action = rng.random()
        if action < 0.45 or not markets:
            market = f"m{step}"
            fee = rng.choice([None, 0.04, 0.07, 0.25])
            tokens = add_market(
                db,
                market,
                prices=(round(rng.uniform(0.05, 0.95), 3),) * 2,
                fee_rate=fee,
                fee_exponent=2 if fee == 0.25 else 1,
                min_size=rng.choice([None, 5.0, 15.0]),
                cluster_id=rng.choice([None, "c1", "c2"]),
                category=rng.choice(["Crypto", "Sports", "Weather"]),
            )
            if rng.random() < 0.7:
                ask = round(rng.uniform(0.02, 0.97), 3)
                set_quote(db, tokens[1], bid=max(0.01, ask - 0.02), ask=ask, t=now)
            markets.append(market)
            signal = add_signal(db, market, stake_micros=rng.randint(0, 120) * M, created=now)
            try:
                open_from_signal(db, signal, settings, now=now)
                opened += 1
            except PaperError:
                refusals += 1
        elif action < 0.7:
            open_ids = [r[0] for r in db.execute("SELECT id FROM paper_positions WHERE status = 'open'")]
            if open_ids:
                try:
                    close_position(db, rng.choice(open_ids), settings, now=now)
                    closed += 1
                except PaperError:
                    refusals += 1
        else:
            market = rng.choice(markets)
            if (
                db.execute("SELECT resolution FROM markets WHERE id = ?", [market]).fetchone()[0]
                == "unresolved"
            ):
                resolve(db, market, rng.choice([0, 1, 1, None]))
            settled += len(settle_resolved(db, now=now))

        check = check_ledger(db)
        assert check.ok, (seed, step, check.problems)
        assert check.cash_micros == cash_micros(db) >= 0
        assert check.deposits_micros == 300 * M
        assert check.cash_micros == check.deposits_micros - check.open_cost_micros + check.realized_micros

    # The sequence exercised every path, including refusals (cash, caps, missing bids).
    assert opened and closed and settled and refusals, (opened, closed, settled, refusals)
    db.close()


def test_the_check_catches_a_tampered_book(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path)
    tokens = add_market(db, "m1")
    set_quote(db, tokens[1], ask=0.5)
    open_from_signal(db, add_signal(db, "m1", stake_micros=20 * M), settings, now=NOW)
    assert check_ledger(db).ok and deposits_micros(db) == 1000 * M

    db.execute("UPDATE paper_ledger SET cash_micros = cash_micros + 1 WHERE kind = 'fee'")
    problems = check_ledger(db).problems
    assert any("ledger fees" in p for p in problems)
    assert any("!= cash" in p for p in problems)

    db.execute("UPDATE paper_ledger SET cash_micros = cash_micros - 1 WHERE kind = 'fee'")
    db.execute("UPDATE paper_positions SET cost_micros = cost_micros - 5")
    assert any("cost basis" in p for p in check_ledger(db).problems)
