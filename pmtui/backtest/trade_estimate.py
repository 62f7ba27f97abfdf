"""What one trade is expected to pay, and whether the evidence supports buying it: `TradeEstimate`.

Made by `pmtui.backtest.estimate` from stored backtest trades; carried by a signal everywhere an
estimate appears (`pmtui signals --json`, the signals table, `pmtui queue list`, the Signals tab, the
Telegram digest) as `to_json()`. Pure data: no numpy, so the app can show it without loading the
backtest engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class TradeEstimate:
    """What one trade is expected to pay per share, and whether the evidence supports buying it."""

    cost: float
    """The all-in cost per share the estimate was made for (price + slippage + fee)."""
    p: float | None
    """Expected payout per share: the chance the outcome bought wins (a 50-50 resolution counting
    half), shrunk towards `cost`. None without a backtest. Never 1."""
    p_interval: tuple[float, float] | None
    """95% posterior interval of `p`."""
    n: int = 0
    """Similar trades behind it (wins + losses + 50-50 resolutions)."""
    wins: int = 0
    losses: int = 0
    voids: int = 0
    run_id: str | None = None
    generated_data: bool = False
    """The run used generated (demo) markets."""
    matched_on: Mapping[str, Any] = field(default_factory=dict)
    """How "similar" was decided: cost range, the run's horizon, the market's hours to close."""
    prior_trades: float = 0.0
    """Weight of the break-even prior, in trades."""
    validated: bool = False
    """True only when the run may speak, the market's horizon matches it, there are at least the
    minimum similar trades, and the whole 95% interval of the expected return is above 0."""
    reason: str = "no backtest yet"
    """One line in words: "no edge: return [-4.2%, +2.7%] on 23 similar trades", "edge: …"."""

    @property
    def edge(self) -> float | None:
        """Expected profit per share: p − cost."""
        return None if self.p is None else self.p - self.cost

    @property
    def return_interval(self) -> tuple[float, float] | None:
        """95% interval of the expected return per $1: p/cost − 1 at both ends of `p_interval`."""
        if self.p_interval is None or self.cost <= 0:
            return None
        return (self.p_interval[0] / self.cost - 1.0, self.p_interval[1] / self.cost - 1.0)

    @property
    def confidence(self) -> float:
        """1 − width of the interval of p: ranks validated signals (0 when not validated)."""
        if not self.validated or self.p_interval is None:
            return 0.0
        return max(0.0, 1.0 - (self.p_interval[1] - self.p_interval[0]))

    def to_json(self) -> dict[str, Any]:
        def r(x: float | None, places: int = 6) -> float | None:
            if x is None:
                return None
            rounded = round(float(x), places)
            # A chance below 1 never prints as 1: rounding must not claim certainty.
            return 1.0 - 10.0**-places if rounded >= 1.0 > x else rounded

        returns = self.return_interval
        return {
            "p": r(self.p),
            "p_interval": None if self.p_interval is None else [r(v) for v in self.p_interval],
            "return_interval": None if returns is None else [r(v) for v in returns],
            "cost": r(self.cost),
            "n": self.n,
            "wins": self.wins,
            "losses": self.losses,
            "voids": self.voids,
            "run_id": self.run_id,
            "generated_data": self.generated_data,
            "matched_on": dict(self.matched_on),
            "prior_trades": self.prior_trades,
            "validated": self.validated,
            "reason": self.reason,
        }


def no_backtest(cost: float, reason: str = "no backtest yet") -> TradeEstimate:
    return TradeEstimate(cost=cost, p=None, p_interval=None, reason=reason)
