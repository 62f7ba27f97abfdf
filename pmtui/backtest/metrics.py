"""The numbers a backtest reports, each a small pure function over numpy arrays.

- Win rate: wins / (wins + losses), voids excluded, with the 95% **Wilson** score interval (honest
  for small samples and for rates near 0 or 1, unlike the normal approximation).
- Mean return per $1 staked, voids (50-50 resolutions, paying 0.5 a share) included, with a 95%
  interval derived from the Wilson interval of the cost-weighted win rate (`pmtui.stats`), never a
  symmetric t interval: these returns are skewed, and with no loss observed a t interval claims an
  edge that 0 losses in n cannot show. "0 losses in n" is reported with its bound (rule of three).
- Maximum drawdown: the largest fall of cumulative P&L from its running peak (the peak starts at 0),
  trades taken in the order their outcomes became known.
- Calibration: YES prices at decision time in ten 10¢ buckets → n, mean price, share resolved YES;
  Brier score = mean((price − outcome)²).
- Fractional Kelly without look-ahead: see `kelly_stakes`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pmtui import stats


def wilson_interval(wins: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a binomial proportion; (nan, nan) when n = 0."""
    found = stats.wilson_interval(wins, n)
    return found if found is not None else (math.nan, math.nan)


def return_estimate(won: np.ndarray, cost: np.ndarray) -> stats.ReturnEstimate:
    """Mean return per $1 of trades held to resolution and its 95% interval (`pmtui.stats`).

    `won`: 1.0 win, 0.0 loss, NaN for a 50-50 (void) resolution, which pays 0.5 a share."""
    payouts = np.where(np.isnan(won), stats.VOID_PAYOUT, won)
    return stats.payout_return(payouts.tolist(), cost.tolist())


def max_drawdown(pnl_in_time_order: np.ndarray) -> float:
    """Largest drop of the cumulative P&L below its running peak (the peak starts at 0); ≥ 0."""
    if len(pnl_in_time_order) == 0:
        return 0.0
    equity = np.concatenate(([0.0], np.cumsum(pnl_in_time_order)))
    return float(np.max(np.maximum.accumulate(equity) - equity))


def brier(prices: np.ndarray, resolved_yes: np.ndarray) -> float:
    """Mean squared error of YES prices against outcomes (1 = YES); nan when empty."""
    if len(prices) == 0:
        return math.nan
    return float(np.mean((prices - resolved_yes) ** 2))


def calibration(prices: np.ndarray, resolved_yes: np.ndarray, buckets: int = 10) -> list[dict[str, Any]]:
    """Ten 10¢ buckets of YES price: n, mean price, share that resolved YES (with its Wilson interval)."""
    index = np.minimum((prices * buckets).astype(np.int64), buckets - 1)
    rows: list[dict[str, Any]] = []
    for b in range(buckets):
        in_bucket = index == b
        n = int(in_bucket.sum())
        yes = int(resolved_yes[in_bucket].sum()) if n else 0
        low, high = wilson_interval(yes, n)
        rows.append(
            {
                "bucket": f"{b / buckets:.1f}-{(b + 1) / buckets:.1f}",
                "low": b / buckets,
                "high": (b + 1) / buckets,
                "n": n,
                "mean_price": float(prices[in_bucket].mean()) if n else None,
                "share_yes": yes / n if n else None,
                "share_yes_ci": [low, high] if n else None,
            }
        )
    return rows


def kelly_stakes(
    decision_t: np.ndarray,
    resolve_t: np.ndarray,
    cost: np.ndarray,
    won: np.ndarray,
    *,
    fraction: float,
    bankroll: float,
    min_history: int,
) -> np.ndarray:
    """Stake of each trade under fractional Kelly, sized only from what was known when deciding.

    Using the strategy's own overall win rate would be look-ahead. Instead each trade's edge is
    estimated from the strategy's trades whose outcome was known strictly before this trade's decision
    time (an expanding window): ê = mean(won − cost) over those trades; the win probability is then
    p̂ = cost + ê, and the full-Kelly fraction f* = (p̂ − cost)/(1 − cost) (as
    `pmtui.paper.sizing.kelly_fraction`), floored at 0 and capped at 1. Stake = bankroll × fraction ×
    f*, on a fixed notional bankroll (not compounded, so overlapping trades stay comparable). With
    fewer than `min_history` earlier outcomes the stake is 0. `won` is 1/0, NaN for voids (which
    teach nothing about the edge).
    """
    decided = ~np.isnan(won)
    order = np.argsort(resolve_t[decided], kind="stable")
    known_t = resolve_t[decided][order]
    excess = (won[decided] - cost[decided])[order]
    cumulative = np.concatenate(([0.0], np.cumsum(excess)))
    seen = np.searchsorted(known_t, decision_t, side="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        edge = np.where(seen > 0, cumulative[seen] / np.maximum(seen, 1), 0.0)
        p_hat = np.clip(cost + edge, 0.0, 1.0)
        full = np.clip((p_hat - cost) / (1 - cost), 0.0, 1.0)
    full = np.where(seen >= max(min_history, 1), full, 0.0)
    return bankroll * fraction * full
