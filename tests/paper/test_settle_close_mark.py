"""Settlement of wins, losses and voids; closing at the bid; marks and unrealized P&L."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.paper.book import close_position, open_from_signal, settle_resolved
from pmtui.paper.ledger import cash_micros, check_ledger
from pmtui.paper.models import PaperError, Position
from pmtui.paper.portfolio import equity_curve, equity_micros, marked_open_positions
from tests.book_builders import NOW, WIDE_OPEN, add_market, add_signal, make_settings, resolve, set_quote

M = 1_000_000


def open_no(
    db: Database, settings: Settings, market: str, *, ask: float = 0.40, dollars: int = 40, **kwargs: Any
) -> Position:
    """Buy $`dollars` of NO at `ask` (fee-free unless kwargs say otherwise)."""
    tokens = add_market(db, market, **kwargs)
    set_quote(db, tokens[1], ask=ask)
    return open_from_signal(db, add_signal(db, market, stake_micros=dollars * M), settings, now=NOW)


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return make_settings(db_path, paper=WIDE_OPEN)


def test_settles_wins_losses_and_voids(db: Database, settings: Settings) -> None:
    win = open_no(db, settings, "win")  # 100 shares at 0.40
    loss = open_no(db, settings, "loss")
    void = open_no(db, settings, "void", fee_rate=0.04, fee_exponent=1)
    untouched = open_no(db, settings, "open")
    resolve(db, "win", 1)
    resolve(db, "loss", 0)
    resolve(db, "void", None)
    cash_before = cash_micros(db)

    settled = {p.id: p for p in settle_resolved(db, now=NOW + 3600)}

    assert set(settled) == {win.id, loss.id, void.id}
    assert (settled[win.id].result, settled[win.id].proceeds_micros) == ("win", 100 * M)
    assert settled[win.id].realized_micros == 60 * M
    assert (settled[loss.id].result, settled[loss.id].proceeds_micros) == ("loss", 0)
    assert settled[loss.id].realized_micros == -40 * M
    # A market resolved 50-50 pays $0.50 a share of either outcome, as Polymarket pays it: the $40
    # stake bought 97.65625 NO shares at 0.40 plus the 0.04-rate fee; they pay $48.828125.
    assert void.shares_micros == 97_656_250
    assert (settled[void.id].result, settled[void.id].proceeds_micros) == ("void", 48_828_125)
    assert (
        settled[void.id].realized_micros == 48_828_125 - 40 * M == void.shares_micros // 2 - void.cost_micros
    )
    assert all(p.status == "settled" and p.closed_t == NOW + 3600 for p in settled.values())
    assert cash_micros(db) == cash_before + 100 * M + 48_828_125
    assert (
        db.execute("SELECT status FROM paper_positions WHERE id = ?", [untouched.id]).fetchone()[0] == "open"
    )
    assert check_ledger(db).ok


def test_settlement_is_idempotent(db: Database, settings: Settings) -> None:
    open_no(db, settings, "m1")
    resolve(db, "m1", 1)
    assert len(settle_resolved(db, now=NOW)) == 1
    cash = cash_micros(db)
    rows = db["paper_ledger"].count
    assert settle_resolved(db, now=NOW + 60) == []
    assert (cash_micros(db), db["paper_ledger"].count) == (cash, rows)
    assert [r[0] for r in db.execute("SELECT dedupe_key FROM alerts_outbox ORDER BY id")] == [
        "fill:1",
        "settle:1",
    ]


def test_a_resolved_market_without_a_winner_waits(db: Database, settings: Settings) -> None:
    open_no(db, settings, "m1")
    db.execute("UPDATE markets SET resolution = 'resolved', winner = NULL WHERE id = 'm1'")
    assert settle_resolved(db, now=NOW) == []


def test_settlement_alert_text(db: Database, settings: Settings) -> None:
    open_no(db, settings, "m1", question="Will it rain in NYC?")
    resolve(db, "m1", 1)
    settle_resolved(db, now=NOW)
    text = db.execute("SELECT text FROM alerts_outbox WHERE kind = 'settlement'").fetchone()[0]
    assert text.splitlines() == [
        "Paper settlement #1: No WON",
        "Paid $100.00 · P&L +$60.00",
        "Will it rain in NYC?",
    ]


def test_close_at_the_bid_pays_the_taker_fee(db: Database, settings: Settings) -> None:
    position = open_no(db, settings, "m1", fee_rate=0.04, fee_exponent=1)
    set_quote(db, f"m1-tok{1}", bid=0.55, ask=0.56, t=NOW + 100)

    closed = close_position(db, position.id, settings, now=NOW + 120)

    shares = position.shares_micros / M
    notional = round(shares * 0.55 * M)
    fee = round(shares * 0.04 * 0.55 * 0.45, 5) * M
    assert closed.status == "closed" and closed.result == "sold" and closed.mark_price == 0.55
    assert closed.proceeds_micros == pytest.approx(notional - fee, abs=1)
    assert closed.fee_micros == pytest.approx(position.fee_micros + fee, abs=1)
    assert db.execute("SELECT side, price_source FROM paper_fills WHERE side = 'sell'").fetchone() == (
        "sell",
        "bid",
    )
    assert check_ledger(db).ok
    assert db.execute("SELECT COUNT(*) FROM alerts_outbox WHERE dedupe_key = 'close:1'").fetchone()[0] == 1


def test_close_refused_without_a_fresh_bid(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "quote_max_age": 600.0})
    position = open_no(db, settings, "m1")  # the quote has an ask but no bid
    with pytest.raises(PaperError, match=r"no fresh bid for position #1 \(last quote 0 min old"):
        close_position(db, position.id, settings, now=NOW)
    set_quote(db, "m1-tok1", bid=0.5, t=NOW - 3600)
    with pytest.raises(PaperError, match=r"last quote 60 min old; paper\.quote_max_age is 10 min"):
        close_position(db, position.id, settings, now=NOW)
    db.execute("DELETE FROM quotes")
    with pytest.raises(PaperError, match="never quoted"):
        close_position(db, position.id, settings, now=NOW)
    assert db.execute("SELECT status FROM paper_positions").fetchone()[0] == "open"
    assert check_ledger(db).ok


def test_close_refused_twice_and_after_resolution(db: Database, settings: Settings) -> None:
    position = open_no(db, settings, "m1")
    set_quote(db, "m1-tok1", bid=0.45)
    close_position(db, position.id, settings, now=NOW)
    with pytest.raises(PaperError, match="already closed"):
        close_position(db, position.id, settings, now=NOW)
    with pytest.raises(PaperError, match="no paper position #42"):
        close_position(db, 42, settings, now=NOW)
    other = open_no(db, settings, "m2")
    set_quote(db, "m2-tok1", bid=0.45)
    resolve(db, "m2", 1)
    with pytest.raises(PaperError, match="has resolved"):
        close_position(db, other.id, settings, now=NOW)


def test_marks_use_the_bid_then_the_display_price_then_the_resolution(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "quote_max_age": 600.0})
    bid = open_no(db, settings, "bid", fee_rate=0.04, fee_exponent=1)
    set_quote(db, "bid-tok1", bid=0.50, ask=0.52, t=NOW)
    display = open_no(db, settings, "display", prices=(0.35, 0.65))
    db.execute("DELETE FROM quotes WHERE token_id = 'display-tok1'")
    resolved = open_no(db, settings, "resolved")
    resolve(db, "resolved", 1)
    fifty = open_no(db, settings, "fifty")
    resolve(db, "fifty", None)  # 50-50, not settled yet: worth $0.50 a share, not its cost

    marks = {m.position.id: m for m in marked_open_positions(db, settings, now=NOW)}

    m = marks[bid.id]
    assert m.mark is not None and (m.mark.price, m.mark.source) == (0.50, "bid")
    shares = bid.shares_micros / M
    assert m.value_micros == pytest.approx((shares * 0.5 - round(shares * 0.04 * 0.25, 5)) * M, abs=1)
    assert m.unrealized_micros == m.value_micros - bid.cost_micros
    m = marks[display.id]
    assert m.mark is not None and (m.mark.price, m.mark.source) == (0.65, "display")
    assert m.unrealized_micros == 25 * M  # 100 shares bought at 0.40, shown at 0.65
    m = marks[resolved.id]
    assert m.mark is not None and (m.mark.price, m.mark.source) == (1.0, "resolution")
    assert m.value_micros == 100 * M
    m = marks[fifty.id]
    assert m.mark is not None and (m.mark.price, m.mark.source, m.value_micros) == (0.5, "resolution", 50 * M)
    assert m.awaiting_settlement
    expected = cash_micros(db) + sum(x.value_micros for x in marks.values())
    assert equity_micros(db, settings, now=NOW) == expected


def test_a_book_written_when_voids_refunded_still_balances(db: Database, settings: Settings) -> None:
    # Books written before pmtui paid 50-50 resolutions as Polymarket does hold a 'refund' of the cost.
    position = open_no(db, settings, "old")
    resolve(db, "old", None)
    db.execute(
        "INSERT INTO paper_ledger (t, kind, cash_micros, position_id, memo) VALUES (?, 'refund', ?, ?, '')",
        [NOW, position.cost_micros, position.id],
    )
    db.execute(
        "UPDATE paper_positions SET status = 'settled', result = 'void', proceeds_micros = ?, closed_t = ?"
        " WHERE id = ?",
        [position.cost_micros, NOW, position.id],
    )
    assert check_ledger(db).ok
    db.execute("UPDATE paper_ledger SET cash_micros = cash_micros - 1 WHERE kind = 'refund'")
    assert not check_ledger(db).ok


def test_equity_curve_steps_at_each_close(db: Database, settings: Settings) -> None:
    open_no(db, settings, "a")
    open_no(db, settings, "b")
    resolve(db, "a", 1)
    settle_resolved(db, now=NOW + 10)
    resolve(db, "b", 0)
    settle_resolved(db, now=NOW + 20)
    curve = equity_curve(db, settings, now=NOW + 30)
    assert [(p.t, p.equity_micros, p.event) for p in curve] == [
        (NOW, 1000 * M, "deposit"),
        (NOW + 10, 1060 * M, "win"),
        (NOW + 20, 1020 * M, "loss"),
        (NOW + 30, 1020 * M, "now"),
    ]
