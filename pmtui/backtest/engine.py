"""The backtest engine: every resolved market, each strategy's own `decide`, held to resolution.

For each market considered (resolved or void, inside the category and date filters):

1. Decision time = the market's scheduled end date minus the horizon (anchor "end", the default),
   or min(end date, closed time) minus the horizon (anchor "close"), or the market's first price
   point (horizon "open"). A market already resolved at its decision time: skip `closed_early`.

   Why "end" by default: the end date is known in advance, the closed time is not. Anchoring on
   min(end, closed) picks the decision time with knowledge of when the outcome happened: every
   early YES ("... by Dec 31" hit in June) is then bought exactly N days before it happened, while
   every NO is bought N days before the deadline. On calibrated generated data that manufactures
   a large fake edge for buying YES (docs/backtesting.md, "Look-ahead"); "close" is kept for comparison.
2. Price at decision = the last outcome-0 point at or before the decision time (one vectorised
   `np.searchsorted` over all points), never a later one. None: skip `no_price`; older than
   max-staleness: skip `stale`; YES outside [band, 1 − band]: skip `settled` (the outcome was
   effectively known already).
3. The strategy sees a `DecisionContext` with that price, the market's question, category and
   features, and no volume or liquidity (only lifetime values are stored, and those were not known
   at decision time); a strategy that reads its market's cluster (a ladder's other rungs) sees each
   sibling's price at its own decision time, and only those observed at or before this one's. Not its category: skip `category`; no proposal: `no_signal`; `decide`
   raised: `error` (counted and logged, never hidden).
4. Buying outcome k costs q = its price (p for outcome 0, 1 − p for outcome 1) + `cost` per share
   + the taker fee rate·(q(1 − q))^exponent on that price paid (q + `cost`), of the fee schedule in force at the decision time
   (`pmtui.polymarket.fees.fee_schedule_at`: nothing before 2026, only 15-minute crypto markets
   before 2026-03-30, the market's own schedule since). Cost ≥ 1: skip `no_edge`.
5. $1 per trade held to resolution: a win returns 1/cost − 1, a loss −1, and a 50-50 resolution
   ("void") pays $0.50 a share of either outcome, so it returns 0.5/cost − 1. Voids are counted apart
   from wins and losses and are part of every return figure.

Skip reasons are checked in the order of `SKIP_REASONS`; the first that applies is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pmtui.backtest.config import BacktestConfig, StrategySpec, horizon_seconds
from pmtui.backtest.loader import (
    BacktestCancelled,
    Cancelled,
    MarketData,
    Progress,
    decision_times,
    focus_key,
)
from pmtui.backtest.metrics import kelly_stakes
from pmtui.polymarket.fees import fee_schedule_at
from pmtui.stats import VOID_PAYOUT
from pmtui.strategies.base import DecisionContext, Sibling

log = logging.getLogger("pmtui.backtest")

TRADE = 0
SKIP_REASONS = (
    "not_binary",
    "no_date",
    "closed_early",
    "category",
    "no_price",
    "stale",
    "settled",
    "error",
    "no_signal",
    "no_edge",
)
"""Index + 1 is the code stored in `StrategyRows.reason` (0 means a trade)."""
_CODE = {name: i + 1 for i, name in enumerate(SKIP_REASONS)}
_LOW32 = np.int64(0xFFFFFFFF)
_CANCEL_EVERY = 2000


@dataclass(slots=True)
class Decisions:
    """What is the same for every strategy of a run: which markets, when, at what price."""

    index: np.ndarray
    """int64 indices (into MarketData) of the markets considered."""
    decision_t: np.ndarray
    """float64, NaN when there is no decision time (no dates, or no price with horizon "open")."""
    yes_price: np.ndarray
    """float64, NaN when no point at or before the decision time."""
    price_t: np.ndarray
    """float64, time of the point used."""
    pre_reason: np.ndarray
    """int8: not_binary / no_date, before the strategy's category check."""
    post_reason: np.ndarray
    """int8: no_price / stale / settled, after it."""
    contexts: list[DecisionContext | None]
    """Per considered market, the context a strategy sees (None when it never gets to decide)."""


@dataclass(slots=True)
class StrategyRows:
    """One strategy's decision for every considered market (parallel arrays)."""

    spec: StrategySpec
    market_index: np.ndarray
    reason: np.ndarray
    """int8: 0 = trade, else 1 + index into SKIP_REASONS."""
    outcome: np.ndarray
    """int8 outcome bought, -1 when no trade."""
    price: np.ndarray
    """Price of the outcome bought (q), NaN when no trade."""
    cost: np.ndarray
    won: np.ndarray
    """1.0 win, 0.0 loss, NaN void or no trade."""
    ret: np.ndarray
    """Return per $1: 1/cost − 1, −1, 0.5/cost − 1 for a void (50-50); NaN when no trade."""
    kelly_stake: np.ndarray
    kelly_pnl: np.ndarray
    decision_t: np.ndarray
    resolve_t: np.ndarray
    yes_price: np.ndarray
    price_t: np.ndarray
    categories: np.ndarray
    errors: list[str] = field(default_factory=list)
    """The first few `decide` failures, "market id: error"."""

    @property
    def traded(self) -> np.ndarray:
        return self.reason == TRADE

    @property
    def void(self) -> np.ndarray:
        return self.traded & np.isnan(self.won)


def _category_mask(categories: np.ndarray, wanted: str | None) -> np.ndarray:
    if not wanted:
        return np.ones(len(categories), dtype=bool)
    wanted = wanted.strip().rstrip("/")
    unique, inverse = np.unique(categories.astype(str), return_inverse=True)
    keep = np.array([c == wanted or c.startswith(wanted + "/") for c in unique], dtype=bool)
    return keep[inverse] if len(unique) else np.zeros(len(categories), dtype=bool)


def prepare(data: MarketData, config: BacktestConfig) -> Decisions:
    """Considered markets, decision times and prices at decision (vectorised, no look-ahead)."""
    everyone = np.arange(data.size, dtype=np.int64)
    horizon = horizon_seconds(config.horizon)
    first = data.first_point()
    has_points = data.has_points()
    if data.focus is not None and data.focus != focus_key(horizon, config.anchor):
        raise ValueError(f"market data was loaded for {data.focus}, not {focus_key(horizon, config.anchor)}")
    if horizon is None:
        safe_first = np.minimum(first, max(data.points - 1, 0))
        first_t = (data.key[safe_first] & _LOW32).astype(np.float64) if data.points else np.zeros(data.size)
        decision_all = np.where(has_points, first_t, np.nan)
    else:
        decision_all = decision_times(data.end_date, data.anchor, horizon, config.anchor)
    # Date filters and the split use the decision time; a market that never gets one (no price
    # with horizon "open") is placed at its anchor.
    placed = np.where(np.isnan(decision_all), data.anchor, decision_all)
    keep = _category_mask(data.categories, config.category)
    if config.date_from is not None:
        keep &= placed >= config.date_from
    if config.date_to is not None:
        keep &= placed <= config.date_to
    index = everyone[keep]
    decision_t = decision_all[keep]

    # The last point at or before the decision time: one searchsorted over the composite keys.
    has_time = ~np.isnan(decision_t)
    t_query = np.clip(np.nan_to_num(decision_t, nan=-1.0), -1, float(_LOW32)).astype(np.int64)
    query = (index << 32) | np.maximum(t_query, 0)
    position = np.searchsorted(data.key, query, side="right") - 1
    safe = np.maximum(position, 0)
    found = has_time & (t_query >= 0) & (position >= 0)
    if data.points:
        found &= (data.key[safe] >> 32) == index
    else:
        found &= False
    yes_price = np.where(found, data.price[safe] if data.points else np.nan, np.nan)
    price_t = np.where(found, (data.key[safe] & _LOW32).astype(np.float64) if data.points else np.nan, np.nan)

    binary = data.binary[index]
    dated = ~np.isnan(decision_t) | (horizon is None)
    with np.errstate(invalid="ignore"):
        # Resolved at or before the decision time: no longer open to trade then.
        closed_early = has_time & (data.resolve_t[index] <= decision_t)
    pre = np.zeros(len(index), dtype=np.int8)
    pre[closed_early] = _CODE["closed_early"]
    pre[~dated] = _CODE["no_date"]
    pre[~binary] = _CODE["not_binary"]
    post = np.zeros(len(index), dtype=np.int8)
    stale = found & (decision_t - price_t > config.max_staleness)
    band = config.settled_band
    with np.errstate(invalid="ignore"):
        settled = found & ((yes_price <= 0) | (yes_price >= 1) | (yes_price < band) | (yes_price > 1 - band))
    post[settled] = _CODE["settled"]
    post[stale] = _CODE["stale"]
    post[~found] = _CODE["no_price"]

    ready = (pre == 0) & (post == 0)
    contexts: list[DecisionContext | None] = [None] * len(index)
    end_dates = data.end_date[index]
    clusters: dict[str, tuple[Sibling, ...]] = {}
    if any(spec.strategy.uses_cluster for spec in config.strategies):
        clusters = _cluster_prices(data, index, yes_price, price_t)
    for j in np.flatnonzero(ready).tolist():
        i = int(index[j])
        end = end_dates[j]
        cluster = data.clusters[i]
        contexts[j] = DecisionContext(
            market_id=data.ids[i],
            question=data.questions[i],
            category=str(data.categories[i]),
            outcomes=data.outcomes[i],
            yes_price=float(yes_price[j]),
            t=int(decision_t[j]),
            end_date=None if np.isnan(end) else int(end),
            features=data.features[i],
            volume=None,
            liquidity=None,
            cluster=clusters.get(cluster, ()) if cluster else (),
        )
    return Decisions(index, decision_t, yes_price, price_t, pre, post, contexts)


def _cluster_prices(
    data: MarketData, index: np.ndarray, yes_price: np.ndarray, price_t: np.ndarray
) -> dict[str, tuple[Sibling, ...]]:
    """Every considered market with a price, grouped by cluster: one shared tuple per cluster. Each
    carries the time of its price point; `DecisionContext.siblings` shows a strategy only those
    observed at or before its decision time (a sibling decided later, on a later price, is unseen)."""
    grouped: dict[str, list[Sibling]] = {}
    for j in np.flatnonzero(~np.isnan(yes_price)).tolist():
        i = int(index[j])
        cluster = data.clusters[i]
        if cluster:
            grouped.setdefault(cluster, []).append(
                Sibling(
                    market_id=data.ids[i],
                    question=data.questions[i],
                    yes_price=float(yes_price[j]),
                    t=int(price_t[j]),
                    features=data.features[i],
                )
            )
    return {cluster: tuple(members) for cluster, members in grouped.items() if len(members) > 1}


def evaluate(
    data: MarketData,
    decisions: Decisions,
    spec: StrategySpec,
    config: BacktestConfig,
    *,
    cancelled: Cancelled | None = None,
) -> StrategyRows:
    """Run one strategy's `decide` over the prepared markets and price the trades it proposes."""
    index = decisions.index
    n = len(index)
    categories = data.categories[index]
    strategy = spec.strategy
    unique, inverse = np.unique(categories.astype(str), return_inverse=True)
    applies = np.array([strategy.applies_to(c) for c in unique], dtype=bool)
    in_scope = applies[inverse] if len(unique) else np.zeros(0, dtype=bool)

    reason = decisions.pre_reason.copy()
    reason[(reason == 0) & ~in_scope] = _CODE["category"]
    reason = np.where(reason == 0, decisions.post_reason, reason).astype(np.int8)
    outcome = np.full(n, -1, dtype=np.int8)
    errors: list[str] = []
    params = spec.params
    contexts = decisions.contexts
    for count, j in enumerate(np.flatnonzero(reason == 0).tolist()):
        if cancelled is not None and count % _CANCEL_EVERY == 0 and cancelled():
            raise BacktestCancelled
        ctx = contexts[j]
        assert ctx is not None  # every market still undecided has a context
        try:
            proposal = strategy.decide(ctx, params)
        except Exception as exc:  # a strategy bug on one market must not sink the run: count it
            reason[j] = _CODE["error"]
            if len(errors) < 5:
                errors.append(f"{ctx.market_id}: {type(exc).__name__}: {exc}")
                log.warning("strategy %s failed on market %s", strategy.name, ctx.market_id, exc_info=True)
            continue
        if proposal is None:
            reason[j] = _CODE["no_signal"]
        elif proposal.outcome_index not in (0, 1):
            reason[j] = _CODE["error"]
            if len(errors) < 5:
                errors.append(f"{ctx.market_id}: outcome_index {proposal.outcome_index} is not 0 or 1")
        else:
            outcome[j] = proposal.outcome_index

    proposed = outcome >= 0
    yes = decisions.yes_price
    price = np.where(proposed, np.where(outcome == 0, yes, 1 - yes), np.nan)
    rate, exponent = _fee_schedules(data, index, decisions.decision_t, proposed)
    # The fee is charged on the price actually paid (price + the per-share cost), as a paper fill and
    # a signal's all-in cost charge it (`pmtui.paper.fees.all_in_cost`).
    paid = price + config.cost
    with np.errstate(invalid="ignore"):
        fee = rate * np.power(np.clip(paid * (1 - paid), 0.0, None), exponent)
    cost = paid + fee
    with np.errstate(invalid="ignore"):
        reason[proposed & (cost >= 1)] = _CODE["no_edge"]
    traded = reason == TRADE
    outcome[~traded] = -1
    price = np.where(traded, price, np.nan)
    cost = np.where(traded, cost, np.nan)

    winner = data.winner[index]
    void = traded & (winner < 0)
    won = np.where(traded & ~void, (winner == outcome).astype(np.float64), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ret = np.where(won == 1.0, 1.0 / cost - 1.0, -1.0)
        ret = np.where(void, VOID_PAYOUT / cost - 1.0, np.where(traded, ret, np.nan))

    resolve_t = data.resolve_t[index]
    stake = np.zeros(n)
    if traded.any():
        stake[traded] = kelly_stakes(
            decisions.decision_t[traded],
            resolve_t[traded],
            cost[traded],
            won[traded],
            fraction=config.kelly_fraction,
            bankroll=config.kelly_bankroll,
            min_history=config.kelly_min_history,
        )
    kelly_pnl = np.where(traded, stake * ret, np.nan)
    return StrategyRows(
        spec=spec,
        market_index=index,
        reason=reason,
        outcome=outcome,
        price=price,
        cost=cost,
        won=won,
        ret=ret,
        kelly_stake=np.where(traded, stake, np.nan),
        kelly_pnl=kelly_pnl,
        decision_t=decisions.decision_t,
        resolve_t=resolve_t,
        yes_price=decisions.yes_price,
        price_t=decisions.price_t,
        categories=categories,
        errors=errors,
    )


def _fee_schedules(
    data: MarketData, index: np.ndarray, decision_t: np.ndarray, proposed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Taker fee rate and exponent of each proposed trade, as charged at its decision time."""
    rate = np.zeros(len(index))
    exponent = np.ones(len(index))
    for j in np.flatnonzero(proposed).tolist():
        i = int(index[j])
        stored = data.fee_rate[i]
        schedule = fee_schedule_at(
            float(decision_t[j]),
            rate=None if np.isnan(stored) else float(stored),
            exponent=float(data.fee_exponent[i]),
            fifteen_minute_crypto=bool(data.crypto_15m[i]),
        )
        rate[j], exponent[j] = schedule.rate, schedule.exponent
    return rate, exponent


def evaluate_all(
    data: MarketData,
    config: BacktestConfig,
    specs: Sequence[StrategySpec] | None = None,
    *,
    decisions: Decisions | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> tuple[Decisions, list[StrategyRows]]:
    """`prepare` once, then `evaluate` each strategy (those of `config` unless `specs` is given)."""
    decisions = decisions or prepare(data, config)
    chosen = list(specs if specs is not None else config.strategies)
    rows: list[StrategyRows] = []
    for number, spec in enumerate(chosen, start=1):
        if cancelled is not None and cancelled():
            raise BacktestCancelled
        rows.append(evaluate(data, decisions, spec, config, cancelled=cancelled))
        if progress is not None:
            progress(number / len(chosen), f"ran {spec.name} ({number}/{len(chosen)})")
    return decisions, rows


def reason_name(code: int) -> str | None:
    return None if code == TRADE else SKIP_REASONS[code - 1]


def reason_counts(reason: np.ndarray) -> dict[str, int]:
    """{skip reason: n} for the reasons that occur, in `SKIP_REASONS` order."""
    counts = np.bincount(reason.astype(np.int64), minlength=len(SKIP_REASONS) + 1)
    return {name: int(counts[i + 1]) for i, name in enumerate(SKIP_REASONS) if counts[i + 1]}
