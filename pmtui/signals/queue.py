"""The review queue: what the trader approves or rejects, one signal at a time.

Functions the TUI and the CLI call (each takes its own connection's `db`):
`list_signals`, `approve`, `reject`, `undo`, `expire_due`, `decisions`. A refusal raises `QueueError`
whose message says what is wrong in one line; nothing is written then (except that a signal found
past its expiry, or on a closed market, is marked expired before the refusal). Every decision is a
row in signal_decisions: who, when, the executable price at that moment, the note.

Approving opens the paper position (`pmtui.paper.book.open_from_signal`) in the same transaction:
either the signal is approved and filled, or (the book refused: cap full, no cash, no price) it stays
pending and the refusal says why. A fill cannot be undone; undo works for rejections, and for an
approval only while no position exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.config import Settings, SignalSettings, load_settings
from pmtui.money import MICROS
from pmtui.paper.book import cancel_fill, open_from_signal
from pmtui.paper.models import PaperError
from pmtui.signals.estimates import EstimateLookup, backtest_estimates
from pmtui.signals.fill import plan_fill
from pmtui.signals.market_state import load_states
from pmtui.signals.pricing import executable_price
from pmtui.signals.store import (
    SIGNAL_SELECT,
    SignalRow,
    due_for_expiry,
    expire_signal,
    get_signal,
    row_to_signal,
)
from pmtui.store.db import write_tx

STATUSES = ("pending", "approved", "rejected", "expired")
DEFAULT_UNDO_WINDOW = float(SignalSettings().undo_window)
DEFAULT_MAX_PRICE_AGE = float(SignalSettings().max_price_age)


class QueueError(Exception):
    """A queue action that was refused; `str()` is the one line to show."""


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    signal_id: int
    t: int
    action: str
    """approve, reject, undo or expire."""
    decided_by: str
    price: float | None
    note: str | None


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else int(now)


def list_signals(db: Database, status: str | None = None, strategy: str | None = None) -> list[SignalRow]:
    """Signals, pending first (best score first, unvalidated last by 24h volume), then the rest,
    most recently decided first."""
    if status is not None and status not in STATUSES:
        raise QueueError(f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
    where, args = [], []
    if status is not None:
        where.append("s.status = ?")
        args.append(status)
    if strategy is not None:
        where.append("s.strategy = ?")
        args.append(strategy)
    sql = SIGNAL_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    # Pending as the batch ranks them (validated by score, then unvalidated by 24h volume); decided
    # and expired ones after, latest first.
    sql += """
        ORDER BY s.status != 'pending',
                 CASE WHEN s.status = 'pending' THEN 0 ELSE -s.status_time END,
                 s.score IS NULL, s.score DESC, COALESCE(m.volume_24h, 0) DESC, s.id
    """
    return [row_to_signal(row) for row in db.execute(sql, args)]


def decisions(db: Database, signal_id: int) -> list[Decision]:
    rows = db.execute(
        "SELECT id, signal_id, t, action, decided_by, price, note FROM signal_decisions "
        "WHERE signal_id = ? ORDER BY t, id",
        [signal_id],
    )
    return [Decision(*row) for row in rows]


def expire_due(db: Database, now: int) -> list[tuple[int, str]]:
    """Expire pending signals whose time is up or whose market closed/resolved; (id, reason) each."""
    expired: list[tuple[int, str]] = []
    with write_tx(db):
        for signal_id, reason in due_for_expiry(db, now):
            if expire_signal(db, signal_id, reason, now=now):
                expired.append((signal_id, reason))
    return expired


def price_now(
    db: Database, signal: SignalRow, now: int, max_age: float = DEFAULT_MAX_PRICE_AGE
) -> float | None:
    """The executable price of the signal's outcome at `now` (fresh book or Gamma price), if known."""
    state = load_states(db, [signal.market_id]).get(signal.market_id)
    if state is None:
        return None
    found = executable_price(state, signal.outcome_index, now, max_age)
    return found[0].value if found else None


def approve(
    db: Database,
    signal_id: int,
    *,
    by: str,
    note: str | None = None,
    now: int | None = None,
    settings: Settings | None = None,
    estimates: EstimateLookup | None = None,
    stake_micros: int | None = None,
    seen_price: float | None = None,
) -> SignalRow:
    """Approve a pending, unexpired signal and fill its paper position, in one transaction, after
    re-pricing, re-estimating and re-sizing it now (`pmtui.signals.fill.plan_fill`): refused (the
    signal stays pending) when the price moved against the trader by more than
    `signals.approve_tolerance` from `seen_price` (default: the signal's price), when its edge is
    gone, or when it is not validated and no `stake_micros` was given.

    `settings` sizes the fill (paper caps, bankroll) and None reads the user's; `estimates` is the
    backtest lookup (default: the stored backtests).
    """
    at = _now(now)
    settings = settings or load_settings()
    lookup = estimates or backtest_estimates()
    refusal: str | None = None
    with write_tx(db):
        signal = get_signal(db, signal_id)
        if signal is None:
            raise QueueError(f"no signal #{signal_id}")
        due = dict(due_for_expiry(db, at))
        if signal.status == "pending" and signal_id in due:
            # Written before refusing, so the queue shows the truth from now on.
            expire_signal(db, signal_id, due[signal_id], now=at, price=signal.price)
            refusal = f"cannot approve signal #{signal_id}: it has expired ({due[signal_id]})"
        else:
            plan = plan_fill(
                db, signal_id, settings, lookup, now=at, stake_micros=stake_micros, seen_price=seen_price
            )
            if plan.refusal is not None:
                raise QueueError(plan.refusal)
            _record(db, signal_id, "approve", "approved", by=by, note=note, now=at, price=plan.price)
            try:
                open_from_signal(
                    db, signal_id, settings, now=at, quote=plan.quote(), stake_micros=plan.stake_micros
                )
            except PaperError as exc:
                # Raising inside the transaction rolls the approval back: the signal stays pending.
                raise QueueError(
                    f"cannot approve signal #{signal_id}: the paper book refused: {exc}"
                ) from None
    if refusal:
        raise QueueError(refusal)
    updated = get_signal(db, signal_id)
    assert updated is not None
    return updated


def reject(
    db: Database, signal_id: int, *, by: str, note: str | None = None, now: int | None = None
) -> SignalRow:
    """Reject a pending, unexpired signal. A rejected trade is not proposed again."""
    at = _now(now)
    refusal: str | None = None
    with write_tx(db):
        signal = get_signal(db, signal_id)
        if signal is None:
            raise QueueError(f"no signal #{signal_id}")
        if signal.status != "pending":
            why = f" ({signal.status_reason})" if signal.status_reason else ""
            raise QueueError(f"cannot reject signal #{signal_id}: it is already {signal.status}{why}")
        due = dict(due_for_expiry(db, at))
        if signal_id in due:
            expire_signal(db, signal_id, due[signal_id], now=at, price=signal.price)
            refusal = f"cannot reject signal #{signal_id}: it has expired ({due[signal_id]})"
        else:
            price = price_now(db, signal, at, DEFAULT_MAX_PRICE_AGE)
            _record(db, signal_id, "reject", "rejected", by=by, note=note, now=at, price=price)
    if refusal:
        raise QueueError(refusal)
    updated = get_signal(db, signal_id)
    assert updated is not None
    return updated


def _record(
    db: Database,
    signal_id: int,
    action: str,
    status: str,
    *,
    by: str,
    note: str | None,
    now: int,
    price: float | None,
) -> None:
    """The decision: the signal's new status and its row in signal_decisions (inside a transaction)."""
    signal = get_signal(db, signal_id)
    assert signal is not None
    db.execute(
        "UPDATE signals SET status = ?, status_time = ?, status_reason = ?, note = ? WHERE id = ?",
        [status, now, f"{status} by {by}", note, signal_id],
    )
    db.execute(
        "INSERT INTO signal_decisions (signal_id, t, action, decided_by, price, note) VALUES (?, ?, ?, ?, ?, ?)",
        [signal_id, now, action, by, price if price is not None else signal.price, note],
    )


def fill_text(db: Database, signal_id: int) -> str | None:
    """The paper fill an approval made, in one line ("52.36 No @ 95.5¢ for $50.00 incl. fee $0.00"),
    or None when the signal has no position."""
    row = db.execute(
        "SELECT p.shares_micros, p.outcome, f.price_micros, p.cost_micros, p.fee_micros FROM paper_positions p "
        "JOIN paper_fills f ON f.position_id = p.id AND f.side = 'buy' WHERE p.signal_id = ?",
        [signal_id],
    ).fetchone()
    if row is None:
        return None
    shares, outcome, price, cost, fee = row
    return (
        f"{shares / MICROS:,.2f} {outcome} @ {price / MICROS * 100:.1f}¢ for ${cost / MICROS:,.2f} "
        f"incl. fee ${fee / MICROS:,.2f}"
    )


def undo(
    db: Database, signal_id: int, *, by: str, now: int | None = None, window: float | None = None
) -> SignalRow:
    """Put an approved or rejected signal back to pending, within `window` seconds of the decision
    (settings.signals.undo_window, 10 s by default) and while the signal has not expired."""
    at = _now(now)
    window = DEFAULT_UNDO_WINDOW if window is None else window
    with write_tx(db):
        signal = get_signal(db, signal_id)
        if signal is None:
            raise QueueError(f"no signal #{signal_id}")
        if signal.status not in ("approved", "rejected"):
            raise QueueError(f"nothing to undo: signal #{signal_id} is {signal.status}")
        last = db.execute(
            "SELECT t, action FROM signal_decisions WHERE signal_id = ? AND action IN ('approve', 'reject') "
            "ORDER BY t DESC, id DESC LIMIT 1",
            [signal_id],
        ).fetchone()
        if last is None:
            raise QueueError(f"nothing to undo: signal #{signal_id} has no recorded decision")
        age = at - int(last[0])
        if age > window:
            raise QueueError(
                f"too late to undo signal #{signal_id}: it was {signal.status} {age} s ago "
                f"(undo window {window:g} s)"
            )
        if signal.expires <= at:
            raise QueueError(f"cannot undo signal #{signal_id}: it has expired meanwhile")
        if last[1] == "approve":
            # The approval filled a paper position; undo takes that fill back with it.
            try:
                cancel_fill(db, signal_id, now=at)
            except PaperError as exc:
                raise QueueError(f"cannot undo signal #{signal_id}: {exc}") from None
        db.execute(
            "UPDATE signals SET status = 'pending', status_time = ?, status_reason = NULL, note = NULL "
            "WHERE id = ?",
            [at, signal_id],
        )
        db.execute(
            "INSERT INTO signal_decisions (signal_id, t, action, decided_by, price, note) "
            "VALUES (?, ?, 'undo', ?, NULL, ?)",
            [signal_id, at, by, f"undid {last[1]}"],
        )
    updated = get_signal(db, signal_id)
    assert updated is not None
    return updated
