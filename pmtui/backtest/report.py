"""Turning a run's rows into the reported numbers (the `--json` document and what tables show)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from pmtui.backtest.config import BacktestConfig, format_date
from pmtui.backtest.engine import Decisions, StrategyRows, reason_counts
from pmtui.backtest.loader import MarketData
from pmtui.backtest.metrics import brier, calibration, max_drawdown, return_estimate, wilson_interval
from pmtui.stats import ZeroLosses

METHODS = {
    "win_rate": "wins / (wins + losses); 50-50 resolutions (voids) excluded",
    "win_rate_ci": "95% Wilson score interval",
    "edge": "win_rate - avg_cost (avg_cost over trades with an outcome)",
    "mean_return": (
        "mean return per $1 staked: 1/cost - 1 for a win, -1 for a loss, 0.5/cost - 1 for a 50-50 "
        "resolution (it pays $0.50 a share)"
    ),
    "mean_return_ci": (
        "95%: the Wilson interval of the win rate weighted by 1/cost (Kish effective n), mapped "
        "through return = weighted win rate x mean(1/cost) - 1; not a symmetric t interval"
    ),
    "zero_losses": "with 0 losses in n: the 95% upper bound of the loss rate, 1 - 0.05^(1/n)",
    "verdict": "edge only when the whole 95% return interval is above 0, else no evidence of edge",
    "fees": (
        "taker fee of the schedule in force at the decision time: none before 2026, only 15-minute "
        "crypto markets before 2026-03-30, the market's own schedule since"
    ),
    "total_pnl": "sum of returns at $1 flat per trade",
    "kelly_pnl": (
        "fractional Kelly on a fixed notional bankroll, each stake sized from the strategy's trades "
        "resolved before that decision (expanding window), 0 until kelly_min_history outcomes"
    ),
    "max_drawdown": "largest fall of cumulative P&L from its running peak, trades in resolution order",
    "brier": "mean (yes_price - outcome)^2 of the YES prices at decision time",
}


def _num(value: float | np.floating[Any] | None, digits: int = 6) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else round(number, digits)


def _pair(low: float, high: float) -> list[float | None] | None:
    if math.isnan(low) or math.isnan(high):
        return None
    return [_num(low), _num(high)]


def _zero_losses(found: ZeroLosses | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "n": found.n,
        "loss_rate_upper": _num(found.loss_rate_upper),
        "chance_without_edge": _num(found.chance_without_edge),
        "text": found.text(),
    }


def summarize(rows: StrategyRows, mask: np.ndarray, min_trades: int) -> dict[str, Any]:
    """Every reported number for the considered markets selected by `mask`."""
    traded = rows.traded & mask
    decided = traded & ~np.isnan(rows.won)
    n_trades = int(traded.sum())
    n_decided = int(decided.sum())
    wins = int((rows.won[decided] == 1.0).sum())
    win_rate = wins / n_decided if n_decided else math.nan
    avg_cost = float(rows.cost[decided].mean()) if n_decided else math.nan
    returns = return_estimate(rows.won[traded], rows.cost[traded])
    order = np.lexsort((rows.market_index[traded], rows.decision_t[traded], rows.resolve_t[traded]))
    flat = rows.ret[traded][order]
    kelly = rows.kelly_pnl[traded][order]
    yes_won = np.where(rows.outcome == 0, rows.won, 1.0 - rows.won)
    return {
        "considered": int(mask.sum()),
        "skipped": reason_counts(rows.reason[mask]),
        "trades": n_trades,
        "wins": wins,
        "losses": n_decided - wins,
        "voids": n_trades - n_decided,
        "win_rate": _num(win_rate),
        "win_rate_ci": _pair(*wilson_interval(wins, n_decided)),
        "avg_cost": _num(avg_cost),
        "edge": _num(win_rate - avg_cost),
        "mean_return": _num(returns.mean),
        "mean_return_ci": None if returns.interval is None else _pair(*returns.interval),
        "zero_losses": _zero_losses(returns.zero_losses),
        "verdict": returns.verdict,
        "total_pnl": _num(flat.sum()) if n_trades else 0.0,
        "kelly_pnl": _num(kelly.sum()) if n_trades else 0.0,
        "max_drawdown": _num(max_drawdown(flat)),
        "kelly_max_drawdown": _num(max_drawdown(kelly)),
        "brier": _num(brier(rows.yes_price[decided], yes_won[decided])),
        "too_few_trades": n_decided < min_trades,
    }


def strategy_result(rows: StrategyRows, config: BacktestConfig) -> dict[str, Any]:
    everything = np.ones(len(rows.reason), dtype=bool)
    result: dict[str, Any] = {
        "strategy": rows.spec.name,
        "description": rows.spec.strategy.description,
        "params": dict(rows.spec.params),
    }
    result.update(summarize(rows, everything, config.min_trades))
    by_category = []
    for category in sorted(set(rows.categories.tolist())):
        mask = rows.categories == category
        entry = {"category": category, **summarize(rows, mask, config.min_trades)}
        if entry["considered"] and entry["skipped"].get("category", 0) < entry["considered"]:
            by_category.append(entry)
    by_category.sort(key=lambda e: (-e["trades"], e["category"]))
    result["by_category"] = by_category
    if config.split is not None:
        when = np.nan_to_num(rows.decision_t, nan=np.inf)
        before = when < config.split
        result["split"] = {
            "date": format_date(config.split),
            "before": summarize(rows, before, config.min_trades),
            "after": summarize(rows, ~before, config.min_trades),
        }
    result["errors"] = list(rows.errors)
    return result


def market_calibration(data: MarketData, decisions: Decisions) -> tuple[list[dict[str, Any]], float, int]:
    """Calibration table and Brier score of the YES prices at decision time of every considered
    market that had a usable price and a YES/NO outcome (voids have none)."""
    usable = (decisions.pre_reason == 0) & (decisions.post_reason == 0)
    winner = data.winner[decisions.index]
    usable &= winner >= 0
    prices = decisions.yes_price[usable]
    resolved_yes = (winner[usable] == 0).astype(np.float64)
    return calibration(prices, resolved_yes), brier(prices, resolved_yes), int(usable.sum())


def build_document(
    data: MarketData,
    decisions: Decisions,
    rows: Sequence[StrategyRows],
    config: BacktestConfig,
    *,
    run_id: str | None,
    created: str,
    duration_s: float,
) -> dict[str, Any]:
    table, score, scored = market_calibration(data, decisions)
    considered_generated = data.generated[decisions.index]
    ready = (decisions.pre_reason == 0) & (decisions.post_reason == 0)
    return {
        "run_id": run_id,
        "created": created,
        "generated_data": bool(considered_generated.any()),
        "duration_s": round(duration_s, 3),
        "config": config.to_json(),
        "markets": {
            "loaded": data.size,
            "considered": len(decisions.index),
            "with_price": int(ready.sum()),
            "generated": int(considered_generated.sum()),
            "price_points_read": data.points,
            "all_points_loaded": data.focus is None,
        },
        "results": [strategy_result(r, config) for r in rows],
        "calibration": table,
        "brier": _num(score),
        "brier_n": scored,
        "methods": METHODS,
    }
