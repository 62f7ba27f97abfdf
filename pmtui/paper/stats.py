"""Interval estimates for small samples: Wilson for win rates, Student t for mean returns."""

from __future__ import annotations

import math
from collections.abc import Sequence

Z95 = 1.959963984540054
# Two-sided 95% Student t critical values for 1..30 degrees of freedom.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval of a win rate; None when n == 0."""
    if n <= 0:
        return None
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_critical(df: int) -> float:
    """95% two-sided t quantile; beyond 30 df the Cornish–Fisher expansion (error < 0.001)."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if df <= len(_T95):
        return _T95[df - 1]
    return Z95 + (Z95**3 + Z95) / (4 * df)


def mean_interval(values: Sequence[float]) -> tuple[float | None, tuple[float, float] | None]:
    """Mean and its 95% t interval; the interval is None below two values."""
    n = len(values)
    if n == 0:
        return None, None
    mean = sum(values) / n
    if n < 2:
        return mean, None
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_critical(n - 1) * math.sqrt(variance / n)
    return mean, (mean - half, mean + half)
