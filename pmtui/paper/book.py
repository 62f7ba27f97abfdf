"""The paper book's three writes: open a position from an approved signal, close it at the bid, and
settle positions whose market resolved. Each runs in one write transaction together with its ledger
rows and its alert (so a crash leaves either all of it or none of it).

Opening: the fill price is the one the approval re-priced at (`pmtui.signals.fill`), else the fresh
best ask of the outcome's token (`quotes`), else the last price plus `paper.cost`; the taker fee is
rate·shares·(q(1−q))^exponent from the market's fee schedule, rounded to 5 decimals (zero on fee-free
markets). The size is the stake the approval settled on (the signal's Kelly stake by default, fee
included), clipped to the room the caps leave now. The book never spends more than that: a stake of
zero (a signal that is not validated, approved without a size) or one too small for the market's
minimum order (`min_size` shares, 5 when unknown) is refused, as are fills the cash cannot pay, a
cap already full, a closed market, or no known price: each a `PaperError`, nothing written.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from pmtui.alerts import messages
from pmtui.alerts.outbox import enqueue
from pmtui.config import Settings
from pmtui.money import MICROS, to_micros
from pmtui.paper.exposure import current_exposure
from pmtui.paper.fees import notional_micros, price_to_micros, shares_for_stake, taker_fee_micros
from pmtui.paper.ledger import cash_micros, ensure_deposit, post, void_proceeds_micros
from pmtui.paper.models import POSITION_SELECT, PaperError, Position, PriceQuote
from pmtui.paper.portfolio import equity_micros, get_position
from pmtui.paper.prices import best_bid, buy_quote, last_quote_age, market_facts
from pmtui.paper.sizing import cap_room
from pmtui.paper.stake import caps_from
from pmtui.store.db import write_tx

DEFAULT_MIN_SHARES = 5.0
"""Polymarket's usual minimum order (shares) when the market does not say."""


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else int(now)


def _signal(db: Database, signal_id: int) -> dict[str, Any]:
    row = next(db.query("SELECT * FROM signals WHERE id = ?", [signal_id]), None)
    if row is None:
        raise PaperError(f"signal #{signal_id} does not exist")
    return row


def open_from_signal(
    db: Database,
    signal_id: int,
    settings: Settings,
    *,
    now: int | None = None,
    quote: PriceQuote | None = None,
    stake_micros: int | None = None,
) -> Position:
    """Fill an approved (or being-approved) signal as a paper position; idempotent per signal.

    `quote`: the price to fill at (the approval's re-pricing); `stake_micros`: what to spend (default
    the signal's stake). Raises PaperError (one clear line) when the book refuses; nothing is written.
    """
    now = _now(now)
    paper = settings.paper
    with write_tx(db):
        existing = next(db.query("SELECT id FROM paper_positions WHERE signal_id = ?", [signal_id]), None)
        if existing is not None:
            return get_position(db, int(existing["id"]))
        signal = _signal(db, signal_id)
        if signal["status"] not in ("pending", "approved"):
            raise PaperError(
                f"signal #{signal_id} is {signal['status']}; only an approved signal opens a position"
            )
        market = market_facts(db, str(signal["market_id"]))
        if market.resolution != "unresolved" or market.closed:
            raise PaperError(f"market {market.id} is closed ({market.resolution}); nothing to buy")
        index = int(signal["outcome_index"])
        if not 0 <= index < max(len(market.outcomes), 1):
            raise PaperError(
                f"signal #{signal_id} names outcome {index}, which market {market.id} does not have"
            )
        token = signal["token_id"] or market.token_for(index)
        if quote is None:
            quote = buy_quote(
                db,
                market,
                index,
                token_id=token,
                now=now,
                max_age=paper.quote_max_age,
                slippage=paper.cost,
                fallback_price=signal["price"],
            )
        ensure_deposit(db, paper.bankroll, now)

        # The stake was sized when the signal was made; other approvals since may have used the room.
        equity = equity_micros(db, settings, now=now)
        exposure = current_exposure(
            db, market_id=market.id, cluster_id=market.cluster_id, category=market.category
        )
        room, binding = cap_room(bankroll_micros=equity, caps=caps_from(paper), exposure=exposure)
        if room <= 0:
            limit = getattr(caps_from(paper), f"per_{binding}")
            raise PaperError(
                f"the {binding} cap is full: ${getattr(exposure, binding) / MICROS:,.2f} already open, "
                f"cap {limit:.0%} of equity ${equity / MICROS:,.2f}; signal #{signal_id} not filled"
            )
        stake = int(signal["stake_micros"] or 0) if stake_micros is None else int(stake_micros)
        notes: list[str] = []
        if stake <= 0:
            raise PaperError(
                f"signal #{signal_id} has no stake (not validated, sized at zero); approve it with a size"
            )
        if stake > room:
            stake = room
            notes.append(f"stake clipped by the {binding} cap")

        price = price_to_micros(quote.price)
        shares = shares_for_stake(stake, price, market.fee_rate, market.fee_exponent)
        min_shares = to_micros(
            market.min_size if market.min_size and market.min_size > 0 else DEFAULT_MIN_SHARES
        )
        if shares < min_shares:
            raise PaperError(
                f"${stake / MICROS:,.2f} buys {shares / MICROS:g} shares of signal #{signal_id}, under the "
                f"market's minimum order of {min_shares / MICROS:g}"
            )
        notional = notional_micros(shares, price)
        fee = taker_fee_micros(shares, price, market.fee_rate, market.fee_exponent)
        cash = cash_micros(db)
        if notional + fee > cash:
            raise PaperError(
                f"cash ${cash / MICROS:,.2f} cannot pay ${(notional + fee) / MICROS:,.2f} "
                f"for {shares / MICROS:g} shares of signal #{signal_id}"
            )
        outcome = market.outcomes[index] if index < len(market.outcomes) else str(signal["outcome"])
        cursor = db.execute(
            "INSERT INTO paper_positions (signal_id, market_id, token_id, outcome_index, outcome, strategy,"
            " category, cluster_id, event_id, shares_micros, cost_micros, fee_micros, opened, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
            [
                signal_id,
                market.id,
                token,
                index,
                outcome,
                signal["strategy"],
                market.category,
                market.cluster_id,
                market.event_id,
                shares,
                notional + fee,
                fee,
                now,
            ],
        )
        position_id = int(cursor.lastrowid or 0)
        db.execute(
            "INSERT INTO paper_fills (position_id, t, side, shares_micros, price_micros, fee_micros, price_source)"
            " VALUES (?, ?, 'buy', ?, ?, ?, ?)",
            [position_id, now, shares, price, fee, quote.source],
        )
        memo = "; ".join(notes)
        post(db, t=now, kind="buy", cash_micros=-notional, position_id=position_id, memo=memo)
        post(db, t=now, kind="fee", cash_micros=-fee, position_id=position_id, memo="taker fee (buy)")
        enqueue(
            db,
            kind="fill",
            dedupe_key=f"fill:{position_id}",
            text=messages.fill_text(
                position_id=position_id,
                question=market.question,
                outcome=outcome,
                strategy=str(signal["strategy"]),
                shares_micros=shares,
                price=price / MICROS,
                price_source=quote.source,
                cost_micros=notional + fee,
                fee_micros=fee,
                market_source=market.source,
                note=memo,
            ),
            now=now,
        )
        return get_position(db, position_id)


def close_position(db: Database, position_id: int, settings: Settings, *, now: int | None = None) -> Position:
    """Sell an open position at the fresh best bid (minus the taker fee). Raises PaperError."""
    now = _now(now)
    with write_tx(db):
        position = get_position(db, position_id)
        if position.status != "open":
            raise PaperError(f"position #{position_id} is already {position.status}")
        market = market_facts(db, position.market_id)
        if market.resolution != "unresolved":
            raise PaperError(
                f"market {market.id} has resolved ({market.resolution}); run `pmtui paper settle` instead"
            )
        token = position.token_id or market.token_for(position.outcome_index)
        bid = best_bid(db, token, now=now, max_age=settings.paper.quote_max_age)
        if bid is None:
            age = last_quote_age(db, token, now)
            seen = "never quoted" if age is None else f"last quote {age // 60} min old"
            raise PaperError(
                f"no fresh bid for position #{position_id} ({seen}; paper.quote_max_age is "
                f"{settings.paper.quote_max_age / 60:g} min); cannot close at a price nobody offers"
            )
        price = price_to_micros(bid.price)
        notional = notional_micros(position.shares_micros, price)
        fee = taker_fee_micros(position.shares_micros, price, market.fee_rate, market.fee_exponent)
        proceeds = notional - fee
        db.execute(
            "INSERT INTO paper_fills (position_id, t, side, shares_micros, price_micros, fee_micros, price_source)"
            " VALUES (?, ?, 'sell', ?, ?, ?, 'bid')",
            [position_id, now, position.shares_micros, price, fee],
        )
        post(db, t=now, kind="sell", cash_micros=notional, position_id=position_id, memo="closed at the bid")
        post(db, t=now, kind="fee", cash_micros=-fee, position_id=position_id, memo="taker fee (sell)")
        _finish(
            db, position_id, now=now, proceeds=proceeds, result="sold", exit_price=bid.price, extra_fee=fee
        )
        enqueue(
            db,
            kind="close",
            dedupe_key=f"close:{position_id}",
            text=messages.close_text(
                position_id=position_id,
                question=position.question,
                outcome=position.outcome,
                shares_micros=position.shares_micros,
                price=bid.price,
                proceeds_micros=proceeds,
                pnl_micros=proceeds - position.cost_micros,
                market_source=position.market_source,
            ),
            now=now,
        )
        return get_position(db, position_id)


def _finish(
    db: Database,
    position_id: int,
    *,
    now: int,
    proceeds: int,
    result: str,
    exit_price: float | None,
    extra_fee: int = 0,
) -> None:
    cursor = db.execute(
        "UPDATE paper_positions SET status = ?, closed_t = ?, proceeds_micros = ?, result = ?,"
        " fee_micros = fee_micros + ?, mark_price = ?, marked_t = ? WHERE id = ? AND status = 'open'",
        [
            "closed" if result == "sold" else "settled",
            now,
            proceeds,
            result,
            extra_fee,
            exit_price,
            now,
            position_id,
        ],
    )
    if cursor.rowcount != 1:  # another process got there first; the transaction rolls back
        raise PaperError(f"position #{position_id} changed while closing it; try again")


def settle_resolved(
    db: Database, *, now: int | None = None, market_ids: Iterable[str] | None = None
) -> list[Position]:
    """Settle every open position whose market resolved (only those of `market_ids` when given): a
    winning share pays $1, a losing one 0, and a share of either outcome of a market resolved 50-50
    ("void") pays $0.50, as Polymarket pays it (`void_proceeds_micros`).

    This is the only code that settles. It runs inside the caller's transaction when there is one
    (the collector settles in the very transaction that stores a resolution), and it is idempotent:
    the write lock is taken before the open positions are read and `_finish` only touches an open
    row, so two processes (the collector and the monitor) can never settle a position twice."""
    now = _now(now)
    settled: list[Position] = []
    wanted = None if market_ids is None else sorted(set(market_ids))
    if wanted is not None and not wanted:
        return settled
    with write_tx(db):
        sql = (
            POSITION_SELECT + " WHERE p.status = 'open' AND (m.resolution = 'void'"
            " OR (m.resolution = 'resolved' AND m.winner IS NOT NULL))"
        )
        params: list[str] = []
        if wanted is not None:
            sql += f" AND p.market_id IN ({','.join('?' * len(wanted))})"  # "?" markers only
            params = wanted
        rows = list(db.query(sql + " ORDER BY p.id", params))
        for row in rows:
            position = Position.from_row(row)
            market = market_facts(db, position.market_id)
            if market.resolution == "void":
                result, proceeds, exit_price, kind = (
                    "void",
                    void_proceeds_micros(position.shares_micros),
                    0.5,
                    "settle",
                )
            elif market.winner == position.outcome_index:
                result, proceeds, exit_price, kind = "win", position.shares_micros, 1.0, "settle"
            else:
                result, proceeds, exit_price, kind = "loss", 0, 0.0, "settle"
            memo = "market resolved 50-50: $0.50 a share" if result == "void" else f"market {result}"
            post(db, t=now, kind=kind, cash_micros=proceeds, position_id=position.id, memo=memo)
            _finish(db, position.id, now=now, proceeds=proceeds, result=result, exit_price=exit_price)
            enqueue(
                db,
                kind="settlement",
                dedupe_key=f"settle:{position.id}",
                text=messages.settlement_text(
                    position_id=position.id,
                    question=position.question,
                    outcome=position.outcome,
                    result=result,
                    proceeds_micros=proceeds,
                    pnl_micros=proceeds - position.cost_micros,
                    market_source=position.market_source,
                ),
                now=now,
            )
            settled.append(get_position(db, position.id))
    return settled


def cancel_fill(db: Database, signal_id: int, *, now: int | None = None) -> int | None:
    """Take back the paper fill an approval just made (the review queue's undo). Returns the id of
    the removed position, or None when the signal had none.

    Only a position that is still open with its single buy fill can be taken back; anything that
    happened after the fill (a close, a settlement) is refused with a PaperError. The position, its
    fill and its ledger rows are removed together, so the ledger balances exactly as before the
    approval; an alert about the fill that already went out is followed by a "fill undone" alert.
    """
    now = _now(now)
    with write_tx(db):
        row = db.execute("SELECT id, status FROM paper_positions WHERE signal_id = ?", [signal_id]).fetchone()
        if row is None:
            return None
        position_id, status = int(row[0]), str(row[1])
        sells = db.execute(
            "SELECT COUNT(*) FROM paper_fills WHERE position_id = ? AND side != 'buy'", [position_id]
        ).fetchone()[0]
        if status != "open" or sells:
            raise PaperError(
                f"position #{position_id} of signal #{signal_id} is {status}; a fill can only be taken "
                "back while the position is still open and untouched"
            )
        sent = db.execute(
            "SELECT status FROM alerts_outbox WHERE dedupe_key = ?", [f"fill:{position_id}"]
        ).fetchone()
        db.execute("DELETE FROM alerts_outbox WHERE dedupe_key = ?", [f"fill:{position_id}"])
        if sent is not None and sent[0] == "sent":
            enqueue(
                db,
                kind="fill",
                dedupe_key=f"unfill:{position_id}:{now}",
                text=f"Paper fill #{position_id} undone: signal #{signal_id} is back in the review queue.",
                now=now,
            )
        db.execute("DELETE FROM paper_ledger WHERE position_id = ?", [position_id])
        db.execute("DELETE FROM paper_fills WHERE position_id = ?", [position_id])
        db.execute("DELETE FROM paper_positions WHERE id = ?", [position_id])
    return position_id
