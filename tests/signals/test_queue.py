"""Review queue transitions and refusals."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from pmtui.config import PaperSettings, Settings
from pmtui.paper.book import close_position
from pmtui.paper.ledger import check_ledger
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.queue import (
    QueueError,
    approve,
    decisions,
    expire_due,
    list_signals,
    reject,
    undo,
)
from pmtui.signals.store import get_signal
from tests.signals.helpers import T0, FixedEstimates, add_market, add_quote

NOW = T0 + 5
M = 1_000_000


def make_signals(db: Database, *market_ids: str) -> dict[str, int]:
    for market_id in market_ids:
        add_market(db, market_id, yes_price=0.25)
    report = run_signals(
        db, Settings(), FixedEstimates(), BatchOptions(strategies=("weather_fade_longshots",)), now=NOW
    )
    return {i.candidate.market_id: i.signal_id for i in report.items if i.signal_id is not None}


def test_approve_records_who_when_price_and_note(db: Database) -> None:
    ids = make_signals(db, "w1")  # NO at 0.75 (display price): not validated, so a size is given
    add_quote(db, "w1", 1, 0.70, 0.755, t=NOW + 1)  # the price has moved since the signal (within 1¢)
    signal = approve(db, ids["w1"], by="alice", note="looks right", now=NOW + 2, stake_micros=10 * M)
    assert (signal.status, signal.status_time, signal.note) == ("approved", NOW + 2, "looks right")
    assert signal.status_reason == "approved by alice"
    [decision] = decisions(db, ids["w1"])
    assert (decision.action, decision.decided_by, decision.t, decision.note) == (
        "approve",
        "alice",
        NOW + 2,
        "looks right",
    )
    assert decision.price == pytest.approx(0.755)  # the executable price at the decision, not the signal's


def test_reject_then_refusals(db: Database) -> None:
    ids = make_signals(db, "w1")
    reject(db, ids["w1"], by="bob", now=NOW + 1)
    with pytest.raises(
        QueueError, match=r"cannot approve signal #1: it is already rejected \(rejected by bob\)"
    ):
        approve(db, ids["w1"], by="bob", now=NOW + 2)
    with pytest.raises(QueueError, match="already rejected"):
        reject(db, ids["w1"], by="bob", now=NOW + 2)
    with pytest.raises(QueueError, match="no signal #99"):
        approve(db, 99, by="bob", now=NOW)
    assert [d.action for d in decisions(db, ids["w1"])] == ["reject"]


def test_approving_an_expired_signal_is_refused_and_marks_it_expired(db: Database) -> None:
    ids = make_signals(db, "w1")
    [signal] = list_signals(db, status="pending")
    with pytest.raises(QueueError, match=r"cannot approve signal #1: it has expired \(expiry time passed\)"):
        approve(db, ids["w1"], by="carol", now=signal.expires)
    [expired] = list_signals(db, status="expired")
    assert expired.status_reason == "expiry time passed"
    with pytest.raises(QueueError, match="already expired"):
        approve(db, ids["w1"], by="carol", now=signal.expires + 1)


def test_approving_on_a_resolved_market_is_refused(db: Database) -> None:
    ids = make_signals(db, "w1")
    add_market(db, "w1", yes_price=1.0, closed=True, resolution="resolved", winner=0, updated_at=NOW)
    with pytest.raises(QueueError, match="market resolved"):
        approve(db, ids["w1"], by="dan", now=NOW + 1)


def test_undo_within_the_window(db: Database) -> None:
    ids = make_signals(db, "w1", "w2")
    reject(db, ids["w1"], by="erin", now=NOW)
    signal = undo(db, ids["w1"], by="erin", now=NOW + 10)
    assert signal.status == "pending" and signal.note is None and signal.status_reason is None
    assert [d.action for d in decisions(db, ids["w1"])] == ["reject", "undo"]
    # Back to pending, so it can be decided again.
    assert reject(db, ids["w1"], by="erin", now=NOW + 11).status == "rejected"
    reject(db, ids["w2"], by="erin", now=NOW)
    with pytest.raises(
        QueueError, match=r"too late to undo signal #2: it was rejected 11 s ago \(undo window 10 s\)"
    ):
        undo(db, ids["w2"], by="erin", now=NOW + 11)
    with pytest.raises(QueueError, match="no signal #99"):
        undo(db, 99, by="erin", now=NOW)


def test_approve_opens_the_paper_position_and_undo_takes_the_fill_back(db: Database) -> None:
    ids = make_signals(db, "w1")
    add_quote(db, "w1", 1, 0.74, 0.755, t=NOW)
    approve(db, ids["w1"], by="erin", now=NOW + 1, settings=Settings(), stake_micros=10 * M)
    [position] = db.execute(
        "SELECT signal_id, market_id, outcome_index, status, shares_micros FROM paper_positions"
    ).fetchall()
    # Not validated (Kelly stake 0): it fills only the size given, $10 at 0.755.
    assert tuple(position) == (ids["w1"], "w1", 1, "open", 13_245_033)
    [fill] = db.execute("SELECT side, price_micros, price_source FROM paper_fills").fetchall()
    assert tuple(fill) == ("buy", 755_000, "book_ask")
    cash_after_fill = check_ledger(db).cash_micros

    signal = undo(db, ids["w1"], by="erin", now=NOW + 2)
    assert signal.status == "pending"
    assert db.execute("SELECT COUNT(*) FROM paper_positions").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM paper_fills").fetchone()[0] == 0
    ledger = check_ledger(db)
    assert ledger.ok, ledger.problems
    assert ledger.cash_micros == ledger.deposits_micros > cash_after_fill
    # Decided again, it fills again.
    approve(db, ids["w1"], by="erin", now=NOW + 3, settings=Settings(), stake_micros=10 * M)
    assert db.execute("SELECT COUNT(*) FROM paper_positions WHERE status = 'open'").fetchone()[0] == 1


def test_undo_is_refused_once_the_position_was_closed(db: Database) -> None:
    ids = make_signals(db, "w1")
    add_quote(db, "w1", 1, 0.74, 0.755, t=NOW)
    approve(db, ids["w1"], by="erin", now=NOW + 1, settings=Settings(), stake_micros=10 * M)
    [[position_id]] = db.execute("SELECT id FROM paper_positions").fetchall()
    close_position(db, position_id, Settings(), now=NOW + 2)
    with pytest.raises(QueueError, match=r"cannot undo signal #1: position #1 of signal #1 is closed"):
        undo(db, ids["w1"], by="erin", now=NOW + 3)
    assert list_signals(db, status="approved")[0].id == ids["w1"]


def test_a_refused_fill_leaves_the_signal_pending(db: Database) -> None:
    add_market(db, "w1", yes_price=0.04)
    report = run_signals(
        db,
        Settings(),
        FixedEstimates(),
        BatchOptions(strategies=("weather_fade_longshots", "fade_longshots")),
        now=NOW,
    )
    first, second = (i.signal_id for i in report.items)
    small = Settings(
        paper=PaperSettings(bankroll=10.0, max_per_market=0.6, max_per_cluster=1, max_per_category=1)
    )
    approve(db, first, by="h", now=NOW + 1, settings=small, stake_micros=5 * M)  # $5 of the $6 cap
    with pytest.raises(
        # The cap leaves under $1 of the $6 (60% of an equity marked just below $10).
        QueueError,
        match=r"cannot approve signal #\d: \$0\.\d\d buys \d\.\d\d shares at 97\.0¢, under the market's minimum order of 5",
    ):
        approve(db, second, by="h", now=NOW + 2, settings=small, stake_micros=5 * M)
    assert get_signal(db, second).status == "pending"
    assert [d.action for d in decisions(db, second)] == []


def test_undo_refused_for_pending_and_expired(db: Database) -> None:
    ids = make_signals(db, "w1")
    with pytest.raises(QueueError, match="nothing to undo: signal #1 is pending"):
        undo(db, ids["w1"], by="f", now=NOW)
    [signal] = list_signals(db)
    add_quote(db, "w1", 1, 0.74, 0.755, t=signal.expires - 3)  # a fill needs a fresh price
    approve(db, ids["w1"], by="f", now=signal.expires - 2, stake_micros=10 * M)
    with pytest.raises(QueueError, match="expired meanwhile"):
        undo(db, ids["w1"], by="f", now=signal.expires + 1)


def test_expire_due_and_listing(db: Database) -> None:
    ids = make_signals(db, "w1", "w2", "w3")
    add_market(db, "w3", yes_price=0.25, closed=True, updated_at=NOW)
    assert expire_due(db, NOW + 1) == [(ids["w3"], "market closed")]
    [signal] = [s for s in list_signals(db) if s.id == ids["w1"]]
    assert expire_due(db, signal.expires) == [
        (ids["w1"], "expiry time passed"),
        (ids["w2"], "expiry time passed"),
    ]
    assert expire_due(db, signal.expires) == []
    assert [d.action for d in decisions(db, ids["w1"])] == ["expire"]
    assert [d.decided_by for d in decisions(db, ids["w1"])] == ["pmtui"]
    assert {s.status for s in list_signals(db)} == {"expired"}
    assert list_signals(db, status="pending") == []
    assert len(list_signals(db, strategy="weather_fade_longshots")) == 3
    assert list_signals(db, strategy="fade_longshots") == []
    with pytest.raises(QueueError, match="unknown status 'done'"):
        list_signals(db, status="done")


def test_list_orders_pending_first(db: Database) -> None:
    ids = make_signals(db, "w1", "w2")
    reject(db, ids["w1"], by="g", now=NOW)
    assert [s.id for s in list_signals(db)] == [ids["w2"], ids["w1"]]
