"""One live trade's estimate from a strategy's stored backtest trades (`TradeRecords.estimate`).

A pooled win rate is not the win probability of a particular trade: how often a bought outcome wins
depends on what it cost (the favourite-longshot bias, docs/backtesting.md) and on how long before
the close it was bought. So for a live trade of strategy S at all-in cost c, in a market that closes
in h hours:

1. **The run.** Among S's stored runs, those allowed to speak for S with its live parameters
   (`pmtui.backtest.eligibility`: real data, anchor "end", the whole configuration equal, no
   narrower window). Of those, the one whose horizon is nearest h (ratio, newest on a tie). It
   matches when h is within a factor `HORIZON_RATIO` (2) of its horizon; if not, the estimate still
   comes from it but says so and does not validate. Without an allowed run, the newest run of S is
   used, named, and never validates.
2. **Similar trades.** That run's trades of S whose all-in cost lies within `COST_WINDOW` (0.4) of c
   on the log-odds scale (c = 0.955: 0.935–0.969; c = 0.50: 0.40–0.60), widened once to twice that
   when fewer than `MIN_SIMILAR` (10) fall inside. A trade that won pays 1 a share, one that lost 0,
   a 50-50 resolution 0.5; k = their sum over the n similar trades.
3. **Shrinkage.** A Beta prior centred on break-even (mean c) worth s trades, s = the larger of
   `PRIOR_TRADES` (10) and 1/(1 − c), 1/c: at least one loss (and one win) at break-even odds.
   Posterior Beta(s·c + k, s·(1 − c) + n − k); p = its mean, the expected payout per share; its 95%
   interval is the interval of p. Why not a flat 10 trades: at c = 0.978 that prior holds 0.22 of a
   loss, and 78 wins in 78 would then "prove" an edge that 0 losses in 78 cannot show (the rule of
   three allows a 3.8% loss rate; break-even is 2.2%). With one prior loss the posterior after 78/78
   is Beta(122.5, 1), whose 2.5% quantile (0.970) is below the cost: no edge, as it should be.
   Five straight wins at c = 0.95 (s = 20) move p from 0.950 to 0.960; p can never reach 1.
4. **Validation.** Expected return per $1 = p/c − 1, with the interval at both ends of p's. The
   trade is validated only when the run may speak, the horizon matches, at least
   `signals.min_backtest_trades` similar trades exist, and the lower end of that return interval is
   above 0. Otherwise it is sized at zero and `reason` says why in words:
   "no edge: return [-4.2%, +2.7%] on 23 similar trades".

Edge = p − c and the Kelly stake are computed on the shrunk p.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlite_utils import Database

from pmtui.backtest.eligibility import RunFacts, run_facts, why_not
from pmtui.backtest.trade_estimate import TradeEstimate, no_backtest
from pmtui.stats import VOID_PAYOUT, beta_interval

PRIOR_TRADES = 10.0
COST_WINDOW = 0.4
MIN_SIMILAR = 10
HORIZON_RATIO = 2.0


def _logit(p: np.ndarray | float) -> Any:
    return np.log(p) - np.log1p(-p)


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def prior_strength(cost: float) -> float:
    """Weight of the break-even prior in trades: `PRIOR_TRADES`, or more so that it holds at least one
    loss and one win at break-even odds."""
    return max(PRIOR_TRADES, 1.0 / cost, 1.0 / (1.0 - cost))


def hours_text(hours: float) -> str:
    """A time to close the way the app writes spans: "2d 7h", "5h 20m", "40m"."""
    minutes = max(0, round(hours * 60))
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return f"{days}d {rest // 60}h"
    return f"{rest // 60}h {rest % 60}m" if rest >= 60 else f"{rest}m"


def pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


class TradeRecords:
    """Stored runs and trades, read once each (one `pmtui signals` run, monitor cycle, approval)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._runs: dict[str, list[RunFacts]] = {}
        self._trades: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._logits: dict[tuple[str, str], np.ndarray] = {}

    def runs_of(self, strategy: str) -> list[RunFacts]:
        """Every stored run that traded `strategy`, newest first."""
        if strategy not in self._runs:
            rows = self.db.execute(
                "SELECT r.run_id, r.created, r.generated_data, r.config_json FROM backtest_runs r "
                "WHERE EXISTS (SELECT 1 FROM backtest_trades t WHERE t.run_id = r.run_id AND t.strategy = ?) "
                "ORDER BY r.created DESC, r.run_id DESC",
                [strategy],
            ).fetchall()
            self._runs[strategy] = [run_facts(*row) for row in rows]
        return self._runs[strategy]

    def trades(self, run_id: str, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        """(all-in cost, payout per share) of every trade of `strategy` in `run_id`."""
        key = (run_id, strategy)
        if key not in self._trades:
            rows = self.db.execute(
                "SELECT cost, won FROM backtest_trades WHERE run_id = ? AND strategy = ? "
                "AND skip_reason IS NULL AND cost > 0 AND cost < 1",
                [run_id, strategy],
            ).fetchall()
            cost = np.array([r[0] for r in rows], dtype=np.float64)
            payout = np.array([VOID_PAYOUT if r[1] is None else float(r[1]) for r in rows], dtype=np.float64)
            self._trades[key] = (cost, payout)
        return self._trades[key]

    def choose_run(
        self,
        strategy: str,
        params: Mapping[str, Any],
        hours_to_close: float | None,
        *,
        generated_market: bool,
    ) -> tuple[RunFacts, str | None] | None:
        """The run to speak for this trade and, when it may not validate it, why (words)."""
        runs = self.runs_of(strategy)
        if not runs:
            return None
        speaking = [
            r for r in runs if why_not(r, strategy, params, generated_market=generated_market) is None
        ]
        if not speaking:
            newest = runs[0]
            reason = why_not(newest, strategy, params, generated_market=generated_market)
            return newest, f"{newest.run_id} cannot validate: {reason}"
        if hours_to_close is None or hours_to_close <= 0:
            return speaking[0], "the market has no time left to close to match a horizon against"
        seconds = hours_to_close * 3600

        def distance(run: RunFacts) -> float:
            assert run.horizon_s is not None  # runs that may speak have one
            return abs(math.log(seconds / max(run.horizon_s, 1.0)))

        best = min(speaking, key=lambda r: (distance(r), -r.created))
        if distance(best) > math.log(HORIZON_RATIO):
            return best, (
                f"no run decided near this horizon: {best.run_id} decided {best.horizon} before the end, "
                f"this market ends in {hours_text(hours_to_close)}"
            )
        return best, None

    def estimate(
        self,
        strategy: str,
        params: Mapping[str, Any],
        *,
        cost: float,
        hours_to_close: float | None,
        generated_market: bool = False,
        min_trades: int = 30,
    ) -> TradeEstimate:
        if not 0.0 < cost < 1.0:
            return no_backtest(cost, f"all-in cost {cost:.3f}: nothing to win")
        chosen = self.choose_run(strategy, params, hours_to_close, generated_market=generated_market)
        if chosen is None:
            return no_backtest(cost)
        run, blocked = chosen
        costs, payouts = self.trades(run.run_id, strategy)
        key = (run.run_id, strategy)
        if key not in self._logits:  # once per run: a batch asks for hundreds of estimates
            self._logits[key] = _logit(np.clip(costs, 1e-9, 1 - 1e-9))
        centre = float(_logit(cost))
        width = COST_WINDOW
        distance = np.abs(self._logits[key] - centre)
        similar = distance <= width
        if int(similar.sum()) < MIN_SIMILAR:
            width = 2 * COST_WINDOW
            similar = distance <= width
        n = int(similar.sum())
        payout = payouts[similar]
        k = float(payout.sum())
        strength = prior_strength(cost)
        a = strength * cost + k
        b = strength * (1.0 - cost) + n - k
        p = a / (a + b)
        interval = beta_interval(a, b)
        low_return, high_return = interval[0] / cost - 1.0, interval[1] / cost - 1.0
        evidence = (
            f"return [{pct(low_return)}, {pct(high_return)}] on {n} similar trade{'s' if n != 1 else ''}"
        )
        if blocked is not None:
            # With no similar trade the interval is the prior's alone: it says nothing worth quoting.
            reason = f"not validated: {blocked}" + (f"; {evidence}" if n else "")
        elif n == 0:
            traded = f"{costs.min() * 100:.1f}–{costs.max() * 100:.1f}¢" if len(costs) else "nothing"
            reason = f"no similar trades in {run.run_id} (it traded at costs {traded})"
        elif n < min_trades:
            reason = f"too few similar trades ({n} < {min_trades}): {evidence}"
        elif interval[0] <= cost:
            reason = f"no edge: {evidence}"
        else:
            reason = f"edge: {evidence}"
        validated = blocked is None and n >= min_trades and interval[0] > cost
        return TradeEstimate(
            cost=cost,
            p=p,
            p_interval=interval,
            n=n,
            wins=int((payout == 1.0).sum()),
            losses=int((payout == 0.0).sum()),
            voids=int((payout == VOID_PAYOUT).sum()),
            run_id=run.run_id,
            generated_data=run.generated_data,
            matched_on={
                "cost": [round(_expit(centre - width), 4), round(_expit(centre + width), 4)],
                "horizon": run.horizon,
                "hours_to_close": None if hours_to_close is None else round(hours_to_close, 1),
            },
            prior_trades=round(strength, 2),
            validated=validated,
            reason=reason,
        )
