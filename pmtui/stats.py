"""The interval arithmetic behind every win rate, return and estimate pmtui shows. Pure Python.

The backtest, the forward test and a signal's win estimate all use these, so the same trades give
the same interval wherever they appear (and the app's first screen does not have to import numpy).

- `wilson_interval(wins, n)`: 95% Wilson score interval of a proportion. Honest near 0 and 1 and for
  small n; `wins` and `n` may be fractional (an effective sample size).
- `payout_return(payouts, costs)`: mean return per $1 of binary bets held to resolution, with a 95%
  interval derived from the Wilson interval of the win rate (never a symmetric Student t interval:
  returns of a bet that wins 97% of the time are skewed, and with no loss observed their sample
  standard deviation pretends there is no risk at all). A trade bought at all-in cost c per share
  pays 1 (win), 0 (loss) or 0.5 (a 50-50 resolution) per share, so its return is payout/c − 1.
  With weights w = 1/c the mean return is p_w·Σw/N + (voids' Σ 0.5·w)/N − 1, where p_w is the
  w-weighted win rate of the trades that won or lost; its interval is the Wilson interval of p_w at
  the Kish effective size (Σw)²/Σw², mapped through the same line. With equal costs this is exactly
  [low/c − 1, high/c − 1]. When the win chance varies from trade to trade the true variance is at
  most the binomial one at the pooled rate, so the interval errs wide, never narrow.
- `zero_loss_bound(n)`: with 0 losses in n trades the loss rate may still be up to 1 − 0.05^(1/n)
  (one-sided 95%, ≈ 3/n: the "rule of three"); 78 wins in 78 trades allow a 3.8% loss rate.
- `beta_interval(a, b)`: the 95% central interval of a Beta(a, b) posterior (a signal's estimate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
VOID_PAYOUT = 0.5
"""What a share of either outcome pays when a market resolves 50-50 (Polymarket's rule)."""


def wilson_interval(wins: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval of wins / n; None when n is 0."""
    if n <= 0:
        return None
    p = min(1.0, max(0.0, wins / n))
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def zero_loss_bound(n: int) -> float:
    """One-sided 95% upper bound of the loss rate after 0 losses in n trades (Clopper-Pearson)."""
    return 1.0 - 0.05 ** (1.0 / n) if n > 0 else 1.0


@dataclass(frozen=True, slots=True)
class ZeroLosses:
    """Every trade with an outcome won: what that does and does not show."""

    n: int
    loss_rate_upper: float
    """The loss rate the data still allow (95%, one-sided): 1 − 0.05^(1/n)."""
    chance_without_edge: float
    """How likely n wins in a row were if each trade won exactly as often as its cost (no edge)."""

    def text(self) -> str:
        return (
            f"0 losses in {self.n}: the loss rate may still be up to {self.loss_rate_upper * 100:.1f}% "
            f"(95%); {self.n} wins in a row happen with probability {self.chance_without_edge:.2f} "
            "with no edge at these prices"
        )


@dataclass(frozen=True, slots=True)
class ReturnEstimate:
    n: int
    """Trades (wins + losses + voids)."""
    wins: int
    losses: int
    voids: int
    mean: float | None
    """Mean return per $1 staked (voids included at 0.5/cost − 1); None without trades."""
    interval: tuple[float, float] | None
    """95% interval of the mean; None when no trade won or lost."""
    zero_losses: ZeroLosses | None
    """Set when trades won or lost and none lost."""

    @property
    def verdict(self) -> str:
        return verdict(self.interval)


def verdict(interval: Sequence[float] | None) -> str:
    """ "edge" only when the whole 95% return interval is above zero."""
    return "edge" if interval is not None and interval[0] > 0 else "no evidence of edge"


def payout_return(payouts: Sequence[float], costs: Sequence[float]) -> ReturnEstimate:
    """See the module docstring. `payouts[i]` is 1, 0 or 0.5 per share, `costs[i]` the all-in cost
    per share (0 < c); both are plain sequences of the same length."""
    n = len(payouts)
    if n != len(costs):
        raise ValueError("payouts and costs differ in length")
    weight = weight2 = won_weight = void_weight = 0.0
    wins = losses = voids = 0
    product = 1.0
    for payout, cost in zip(payouts, costs, strict=True):
        w = 1.0 / cost
        if payout == VOID_PAYOUT:
            voids += 1
            void_weight += VOID_PAYOUT * w
            continue
        weight += w
        weight2 += w * w
        product *= min(1.0, cost)
        if payout >= 1.0:
            wins += 1
            won_weight += w
        else:
            losses += 1
    if n == 0:
        return ReturnEstimate(0, 0, 0, 0, None, None, None)
    mean = (won_weight + void_weight) / n - 1.0
    interval: tuple[float, float] | None = None
    zero: ZeroLosses | None = None
    if weight > 0:
        effective = weight * weight / weight2
        found = wilson_interval(won_weight / weight * effective, effective)
        assert found is not None
        low, high = found
        interval = ((low * weight + void_weight) / n - 1.0, (high * weight + void_weight) / n - 1.0)
        if losses == 0:
            zero = ZeroLosses(wins, zero_loss_bound(wins), product)
    return ReturnEstimate(n, wins, losses, voids, mean, interval, zero)


def chance_text(x: float, digits: int = 1) -> str:
    """A probability as a percentage that never reads 100% (or 0%) unless it is exactly that: more
    digits are shown until it does not round to the bound ("99.96%", not "100.0%")."""
    for places in range(digits, 7):
        text = f"{x * 100:.{places}f}"
        if (x < 1 and float(text) >= 100) or (x > 0 and float(text) <= 0):
            continue
        return f"{text}%"
    return f"{x * 100:.{digits}f}%"


# --- the Beta distribution -------------------------------------------------------------------------


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """Lentz's continued fraction for the incomplete beta function (Numerical Recipes, betacf)."""
    tiny = 1e-300

    def guard(value: float) -> float:
        return value if abs(value) > tiny else tiny

    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 / guard(1.0 - qab * x / qap)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 / guard(1.0 + aa * d)
        c = guard(1.0 + aa / c)
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 / guard(1.0 + aa * d)
        c = guard(1.0 + aa / c)
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-14:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """P(X ≤ x) for X ~ Beta(a, b), a, b > 0 (the regularized incomplete beta function)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(x, a, b) / a
    return 1.0 - front * _beta_continued_fraction(1.0 - x, b, a) / b


def beta_quantile(q: float, a: float, b: float) -> float:
    """The x with P(X ≤ x) = q for X ~ Beta(a, b), to 1e-12: Newton steps on the CDF, kept inside a
    shrinking bracket (a bisection step whenever Newton would leave it), from the mean."""
    if not 0.0 < q < 1.0:
        raise ValueError("q must be in (0, 1)")
    low, high = 0.0, 1.0
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    x = a / (a + b)
    for _ in range(200):
        error = beta_cdf(x, a, b) - q
        if error < 0:
            low = x
        else:
            high = x
        if abs(error) < 1e-14 or high - low < 1e-12:
            return x
        density = math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x)) if 0 < x < 1 else 0.0
        step = x - error / density if density > 0 else -1.0
        x = step if low < step < high else (low + high) / 2
    return x


def beta_interval(a: float, b: float, level: float = 0.95) -> tuple[float, float]:
    """Central `level` interval of Beta(a, b)."""
    tail = (1.0 - level) / 2
    return beta_quantile(tail, a, b), beta_quantile(1.0 - tail, a, b)


# --- the normal distribution -----------------------------------------------------------------------


def normal_quantile(p: float) -> float:
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
