"""The stake a signal would get now: fractional Kelly on the current paper equity, under the caps.

The signals queue calls `proposed_stake()` when it creates or updates a signal, so the trader sees the
stake before approving; `open_from_signal()` re-checks the caps at approval time.
"""

from __future__ import annotations

import time

from sqlite_utils import Database

from pmtui.config import PaperSettings, Settings
from pmtui.paper.exposure import current_exposure
from pmtui.paper.ledger import cash_or_bankroll
from pmtui.paper.portfolio import equity_micros
from pmtui.paper.sizing import Caps, StakeDecision, cap_room, size_stake


def caps_from(paper: PaperSettings) -> Caps:
    return Caps(
        per_market=paper.max_per_market,
        per_cluster=paper.max_per_cluster,
        per_category=paper.max_per_category,
    )


def proposed_stake(
    db: Database,
    settings: Settings,
    *,
    market_id: str,
    cluster_id: str | None,
    category: str | None,
    p: float | None,
    cost: float,
    validated: bool,
    now: int | None = None,
    equity: int | None = None,
) -> StakeDecision:
    """Stake in micro-dollars for buying at all-in `cost` per share (price + slippage + fee, see
    `pmtui.paper.fees.all_in_cost`) with estimated win probability `p`.

    `settings.paper.kelly_fraction` × f* of the current equity, f* = (p − cost)/(1 − cost), clipped
    so open cost basis stays under the per-market, per-cluster and per-category caps (fractions of
    equity), and to the cash on hand. Zero with limited_by "unvalidated" when `validated` is false or
    p is unknown, "no_edge" when p <= cost.

    Sizing many signals in one batch? Compute `pmtui.paper.portfolio.equity_micros(db, settings)` once
    and pass it as `equity` (micro-dollars): marking the book is the expensive part.
    """
    now = int(time.time()) if now is None else now
    if equity is None:
        equity = equity_micros(db, settings, now=now)
    exposure = current_exposure(db, market_id=market_id, cluster_id=cluster_id, category=category)
    decision = size_stake(
        p=p,
        cost=cost,
        bankroll_micros=equity,
        kelly_multiplier=settings.paper.kelly_fraction,
        caps=caps_from(settings.paper),
        exposure=exposure,
        validated=validated,
    )
    cash = max(0, cash_or_bankroll(db, settings.paper.bankroll))
    if decision.stake_micros > cash:
        return StakeDecision(cash, decision.full_kelly, "cash")
    return decision


def available_stake(
    db: Database,
    settings: Settings,
    *,
    market_id: str,
    cluster_id: str | None,
    category: str | None,
    now: int | None = None,
) -> tuple[int, str]:
    """The most that may be spent on this market now (micro-dollars) and which limit sets it: the
    room the per-market, per-cluster and per-category caps leave on the current equity, or the cash."""
    now = int(time.time()) if now is None else now
    equity = equity_micros(db, settings, now=now)
    exposure = current_exposure(db, market_id=market_id, cluster_id=cluster_id, category=category)
    room, binding = cap_room(bankroll_micros=equity, caps=caps_from(settings.paper), exposure=exposure)
    cash = max(0, cash_or_bankroll(db, settings.paper.bankroll))
    return (cash, "cash") if cash < room else (room, binding)
