"""The numbers a backtest reports, each a small pure function over numpy arrays.

- Win rate: wins / (wins + losses), voids excluded, with the 95% **Wilson** score interval (honest
  for small samples and for rates near 0 or 1, unlike the normal approximation).
- Mean return per $1 staked, voids included (they return 0), with a 95% **Student t** interval
  (mean ± t(0.975, n−1)·s/√n).
- Maximum drawdown: the largest fall of cumulative P&L from its running peak (the peak starts at 0),
  trades taken in the order their outcomes became known.
- Calibration: YES prices at decision time in ten 10¢ buckets → n, mean price, share resolved YES;
  Brier score = mean((price − outcome)²).
- Fractional Kelly without look-ahead: see `kelly_stakes`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

Z95 = 1.959963984540054


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval of a binomial proportion; (nan, nan) when n = 0."""
    if n <= 0:
        return math.nan, math.nan
    p = wins / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _normal_quantile(p: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9 after a
    Newton step)."""
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)  # fmt: skip
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    low = 0.02425
    if p < low:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p <= 1 - low:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    else:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    error = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    return x - error * math.sqrt(2 * math.pi) * math.exp(x * x / 2)


def _t_cdf(t: float, df: int) -> float:
    """CDF of Student's t for a whole number of degrees of freedom (the classical finite series)."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 1:
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 0.5 + (theta + (s * math.cos(theta) * total if df > 1 else 0.0)) / math.pi
    term, total = 1.0, 1.0
    for k in range(1, df // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return 0.5 + 0.5 * s * total


@cache
def t_quantile(p: float, df: int) -> float:
    """Quantile of Student's t with `df` degrees of freedom: solved on the exact CDF up to df = 200
    (bisection, to 1e-12), the Cornish–Fisher expansion in 1/df beyond (error < 1e-7 there)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if not 0 < p < 1:
        raise ValueError("p must be in (0, 1)")
    if df <= 200:
        low, high = -1e6, 1e6
        for _ in range(200):
            mid = (low + high) / 2
            if _t_cdf(mid, df) < p:
                low = mid
            else:
                high = mid
            if high - low < 1e-12:
                break
        return (low + high) / 2
    z = _normal_quantile(p)
    n = float(df)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): the 95% Student t interval of the mean; bounds are nan below 2 values."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(values))
    if n < 2:
        return mean, math.nan, math.nan
    half = t_quantile(0.975, n - 1) * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


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
