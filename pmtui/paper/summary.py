"""Everything the Paper tab and `pmtui paper` show, in one typed read, plus its JSON form."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.money import to_micros, usd_number
from pmtui.paper.forward import BacktestSide, ForwardRow, LiveSide, forward_test
from pmtui.paper.ledger import LedgerCheck, cash_or_bankroll, check_ledger, deposits_micros, has_deposit
from pmtui.paper.models import Position
from pmtui.paper.portfolio import (
    EquityPoint,
    MarkedPosition,
    PnlGroup,
    closed_positions,
    equity_curve,
    marked_open_positions,
    pnl_by,
)


@dataclass(frozen=True, slots=True)
class PaperSummary:
    now: int
    started: bool
    """False until the first fill writes the initial deposit (figures then show the bankroll)."""
    deposits_micros: int
    cash_micros: int
    open_value_micros: int
    equity_micros: int
    realized_micros: int
    unrealized_micros: int
    open: list[MarkedPosition]
    closed: list[Position]
    by_strategy: list[PnlGroup]
    by_category: list[PnlGroup]
    forward: list[ForwardRow]
    equity_curve: list[EquityPoint]
    ledger: LedgerCheck

    @property
    def awaiting_settlement(self) -> int:
        """Open positions whose market already resolved (`settle_resolved` / `pmtui paper settle`)."""
        return sum(1 for m in self.open if m.awaiting_settlement)


def paper_summary(db: Database, settings: Settings, *, now: int | None = None) -> PaperSummary:
    now = int(time.time()) if now is None else now
    started = has_deposit(db)
    marked = marked_open_positions(db, settings, now=now)
    closed = closed_positions(db)
    cash = cash_or_bankroll(db, settings.paper.bankroll)
    open_value = sum(m.value_micros for m in marked)
    return PaperSummary(
        now=now,
        started=started,
        deposits_micros=deposits_micros(db) if started else to_micros(settings.paper.bankroll),
        cash_micros=cash,
        open_value_micros=open_value,
        equity_micros=cash + open_value,
        realized_micros=sum(p.realized_micros or 0 for p in closed),
        unrealized_micros=sum(m.unrealized_micros for m in marked),
        open=marked,
        closed=closed,
        by_strategy=pnl_by("strategy", marked, closed),
        by_category=pnl_by("category", marked, closed),
        forward=forward_test(db, settings),
        equity_curve=equity_curve(db, settings, now=now),
        ledger=check_ledger(db),
    )


def _position_json(p: Position) -> dict[str, Any]:
    return {
        "id": p.id,
        "signal_id": p.signal_id,
        "market_id": p.market_id,
        "question": p.question,
        "outcome": p.outcome,
        "outcome_index": p.outcome_index,
        "strategy": p.strategy,
        "category": p.category,
        "cluster_id": p.cluster_id,
        "market_source": p.market_source,
        "shares": usd_number(p.shares_micros),
        "entry_price": round(float(p.entry_price), 6),
        "cost": usd_number(p.cost_micros),
        "fees": usd_number(p.fee_micros),
        "opened": p.opened,
        "status": p.status,
    }


def _marked_json(m: MarkedPosition) -> dict[str, Any]:
    document = _position_json(m.position)
    document.update(
        {
            "mark_price": None if m.mark is None else m.mark.price,
            "mark_source": "cost" if m.mark is None else m.mark.source,
            "mark_t": None if m.mark is None else m.mark.t,
            "value": usd_number(m.value_micros),
            "unrealized_pnl": usd_number(m.unrealized_micros),
            "awaiting_settlement": m.awaiting_settlement,
        }
    )
    return document


def _closed_json(p: Position) -> dict[str, Any]:
    document = _position_json(p)
    document.update(
        {
            "closed": p.closed_t,
            "result": p.result,
            "exit_price": p.mark_price,
            "proceeds": usd_number(p.proceeds_micros),
            "realized_pnl": usd_number(p.realized_micros),
        }
    )
    return document


def _group_json(g: PnlGroup) -> dict[str, Any]:
    return {
        "key": g.key,
        "open": g.n_open,
        "closed": g.n_closed,
        "wins": g.wins,
        "losses": g.losses,
        "voids": g.voids,
        "sold": g.sold,
        "open_cost": usd_number(g.open_cost_micros),
        "realized_pnl": usd_number(g.realized_micros),
        "unrealized_pnl": usd_number(g.unrealized_micros),
        "total_pnl": usd_number(g.total_micros),
    }


def _ci(value: tuple[float, float] | None) -> list[float] | None:
    return None if value is None else [round(value[0], 6), round(value[1], 6)]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _live_json(live: LiveSide) -> dict[str, Any]:
    return {
        "n": live.n_settled,
        "wins": live.wins,
        "losses": live.losses,
        "voids": live.voids,
        "sold": live.sold,
        "open": live.n_open,
        "win_rate": _r(live.win_rate),
        "win_rate_ci": _ci(live.win_rate_ci),
        "mean_return": _r(live.mean_return),
        "mean_return_ci": _ci(live.mean_return_ci),
        "realized_pnl": usd_number(live.realized_micros),
    }


def _backtest_json(bt: BacktestSide | None) -> dict[str, Any] | None:
    if bt is None:
        return None
    return {
        "run_id": bt.run_id,
        "created": bt.created,
        "n": bt.trades,
        "win_rate": bt.win_rate,
        "win_rate_ci": _ci(bt.win_rate_ci),
        "mean_return": bt.mean_return,
        "mean_return_ci": _ci(bt.mean_return_ci),
        "generated_data": bt.generated_data,
        "cannot_speak": bt.cannot_speak,
    }


def summary_json(summary: PaperSummary) -> dict[str, Any]:
    """The `pmtui paper --json` document. Money in dollars (numbers), times in unix seconds."""
    return {
        "now": summary.now,
        "started": summary.started,
        "deposits": usd_number(summary.deposits_micros),
        "cash": usd_number(summary.cash_micros),
        "open_value": usd_number(summary.open_value_micros),
        "equity": usd_number(summary.equity_micros),
        "realized_pnl": usd_number(summary.realized_micros),
        "unrealized_pnl": usd_number(summary.unrealized_micros),
        "open_positions": [_marked_json(m) for m in summary.open],
        "closed_trades": [_closed_json(p) for p in summary.closed],
        "pnl_by_strategy": [_group_json(g) for g in summary.by_strategy],
        "pnl_by_category": [_group_json(g) for g in summary.by_category],
        "forward_test": [
            {
                "strategy": row.strategy,
                "live": _live_json(row.live),
                "backtest": _backtest_json(row.backtest),
                "verdict": row.verdict,
            }
            for row in summary.forward
        ],
        "equity_curve": [
            {"t": p.t, "equity": usd_number(p.equity_micros), "event": p.event} for p in summary.equity_curve
        ],
        "awaiting_settlement": summary.awaiting_settlement,
        "ledger_ok": summary.ledger.ok,
        "ledger_problems": list(summary.ledger.problems),
    }
