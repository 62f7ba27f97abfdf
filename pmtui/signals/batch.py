"""The batch signal processor: markets in, a ranked review queue out.

Markets are taken in batches (`settings.signals.batch_size`, default 200, 50–300), and each batch goes
through one pass: dedupe (same market id, same condition id), categorize (the store's category and
features, or the taxonomy in memory when the store has none), cluster, evaluate every strategy that
applies, rank, and enqueue (one write transaction per batch, so a concurrent reader sees progress and
a kill loses at most the batch in flight). `dry_run` evaluates without touching the queue.

**Evaluation time.** Everything is evaluated as of `at`: the strategies see the prices known at `at`,
no price observed after `at` is used, and a market whose newest price is older than
`settings.signals.max_price_age` before `at` is not evaluated. `at` defaults to the store's clock:
the time of the freshest price in the store. So two dry runs on the same store evaluate at the same
instant and print identical documents (the document carries no wall-clock time and no id that the
run itself made up), and a run right after a dry run enqueues what the dry run proposed. Rows written
by a real run carry the wall-clock time (`now`) as created/updated; their expiry is `at` +
`settings.signals.expiry` (never past the market's scheduled end).

**Estimate.** Each proposal gets the estimate of `pmtui.backtest.estimate` for its own all-in cost
and time to close (`pmtui.signals.estimates.TradeEstimate`): expected payout p, its interval, the
similar trades and run behind it, and whether it is validated. Only a validated signal is staked;
every other proposal is still queued, at stake 0, with the reason in words ("no edge: return
[-4.2%, +2.7%] on 23 similar trades"), so the trader sees what the strategy proposes and why pmtui
will not size it.

**Ranking.** score = edge × confidence, where edge = p − all-in cost per share and confidence =
1 − the width of p's 95% interval: a larger edge ranks higher, and the same edge ranks lower when
the estimate is less certain. Validated signals come first by score; the others come last, by 24h
volume.

**Next batch plan.** `stop_reason` is "all_markets_evaluated" or "max_batches" (more markets left);
`recommended_batch_size` is the size at which one batch would propose about one queue page
(`settings.signals.max_queue_items`) at this run's proposal rate, clamped to 50–300.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from pmtui.config import ConfigError, Settings
from pmtui.paper.stake import proposed_stake
from pmtui.signals.categorize import Categorized, categorize
from pmtui.signals.estimates import EstimateLookup
from pmtui.signals.market_state import MarketState, load_states
from pmtui.signals.pricing import buy_cost, decision_yes_price
from pmtui.signals.store import (
    Candidate,
    Key,
    QueueChange,
    SignalRow,
    change_kind,
    decided_keys,
    due_for_expiry,
    expire_signal,
    live_signals,
    store_clock,
    write_candidate,
)
from pmtui.store.db import write_tx
from pmtui.strategies._common import fmt_price
from pmtui.strategies.base import DecisionContext, Sibling, Strategy
from pmtui.strategies.params import resolve_params
from pmtui.strategies.registry import all_strategies

MIN_BATCH, MAX_BATCH = 50, 300
MEMBER_IDS_SHOWN = 20
"""A cluster lists at most this many member ids in the document (`size` is always the full count)."""


@dataclass(frozen=True, slots=True)
class BatchOptions:
    at: int | None = None
    """Evaluation time; None = the store's clock (time of its freshest price)."""
    batch_size: int | None = None
    """None = settings.signals.batch_size."""
    max_batches: int | None = None
    strategies: tuple[str, ...] = ()
    """Names to run; () = all."""
    param_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """--param NAME.KEY=VALUE, by strategy."""
    market_ids: tuple[str, ...] | None = None
    """Markets to evaluate; None = every open, unresolved market in the store, by 24h volume."""
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class QueueItem:
    candidate: Candidate
    change: QueueChange
    signal_id: int | None
    """None for a new signal in a dry run (nothing was written)."""


@dataclass(slots=True)
class Cluster:
    id: str
    category: str | None
    members: list[MarketState] = field(default_factory=list)

    def summary(self) -> str:
        """The event title most members share; else the shortest member question."""
        titles = Counter(m.event_title for m in self.members if m.event_title)
        if titles:
            return min(titles.items(), key=lambda item: (-item[1], item[0]))[0]
        return min((m.question for m in self.members), key=lambda q: (len(q), q))


@dataclass(slots=True)
class SignalReport:
    at: int | None
    dry_run: bool
    strategies: list[str]
    batch_size: int
    input_items: int = 0
    unique_items: int = 0
    duplicate_ids: int = 0
    duplicate_conditions: int = 0
    clusters: dict[str, Cluster] = field(default_factory=dict)
    items: list[QueueItem] = field(default_factory=list)
    expired: list[tuple[int, str]] = field(default_factory=list)
    """(signal id, reason) of signals expired by this run (or that would be, in a dry run)."""
    skipped: Counter[str] = field(default_factory=Counter)
    batches_run: int = 0
    markets_evaluated: int = 0
    remaining: int = 0
    stop_reason: str = "all_markets_evaluated"

    def ranked(self) -> list[QueueItem]:
        return sorted(self.items, key=lambda item: rank_key(item.candidate))

    def changes(self) -> dict[str, int]:
        counts = Counter(item.change for item in self.items)
        return {
            "new": counts["new"],
            "updated": counts["updated"],
            "unchanged": counts["unchanged"],
            "expired": len(self.expired),
        }

    def recommended_batch_size(self, max_queue_items: int) -> int:
        if not self.markets_evaluated or not self.items:
            return MAX_BATCH
        rate = len(self.items) / self.markets_evaluated
        return max(MIN_BATCH, min(MAX_BATCH, round(max_queue_items / rate)))


def rank_key(c: Candidate) -> tuple[Any, ...]:
    if c.estimate.validated and c.score is not None:
        head: tuple[Any, ...] = (0, -c.score)
    else:
        head = (1, -(c.volume_24h or 0.0))
    return (*head, c.market_id, c.strategy, c.outcome_index)


def selected_strategies(names: Sequence[str]) -> list[Strategy]:
    known = all_strategies()
    for name in names:
        if name not in known:
            raise ConfigError("--strategy", name, f"unknown strategy (known: {', '.join(known)})")
    return [s for n, s in known.items() if not names or n in names]


def strategy_params(
    strategies: Sequence[Strategy], settings: Settings, overrides: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    known = all_strategies()
    for name in overrides:
        if name not in known:
            raise ConfigError("--param", name, f"unknown strategy (known: {', '.join(known)})")
    return {s.name: resolve_params(s.name, settings, overrides.get(s.name)) for s in strategies}


def open_market_ids(db: Database) -> list[str]:
    """Every open, unresolved market, most traded first (ties by id, so the order is stable)."""
    rows = db.execute(
        "SELECT id FROM markets WHERE closed = 0 AND resolution = 'unresolved' "
        "ORDER BY COALESCE(volume_24h, 0) DESC, id"
    )
    return [r[0] for r in rows]


class BatchProcessor:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        estimates: EstimateLookup,
        options: BatchOptions = BatchOptions(),
        *,
        now: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.estimates = estimates
        self.options = options
        self.now = int(time.time()) if now is None else now
        self.strategies = selected_strategies(options.strategies)
        self.params = strategy_params(self.strategies, settings, options.param_overrides)
        self.batch_size = options.batch_size or settings.signals.batch_size
        self._clusters: dict[str, tuple[Sibling, ...]] = {}
        if not MIN_BATCH <= self.batch_size <= MAX_BATCH:
            raise ConfigError(
                "--batch-size", str(self.batch_size), f"must be between {MIN_BATCH} and {MAX_BATCH}"
            )

    def run(self) -> SignalReport:
        at = self.options.at if self.options.at is not None else store_clock(self.db)
        report = SignalReport(
            at=at,
            dry_run=self.options.dry_run,
            strategies=[s.name for s in self.strategies],
            batch_size=self.batch_size,
        )
        if at is None:  # an empty store: nothing to evaluate
            return report
        self._expire_due(report, at)
        requested = list(self.options.market_ids) if self.options.market_ids is not None else None
        ids = requested if requested is not None else open_market_ids(self.db)
        report.input_items = len(ids)
        unique_ids = list(dict.fromkeys(ids))
        report.duplicate_ids = len(ids) - len(unique_ids)
        seen_conditions: set[str] = set()
        batches = [unique_ids[i : i + self.batch_size] for i in range(0, len(unique_ids), self.batch_size)]
        for number, batch in enumerate(batches):
            if self.options.max_batches is not None and number >= self.options.max_batches:
                report.stop_reason = "max_batches"
                report.remaining = sum(len(b) for b in batches[number:])
                break
            self._run_batch(batch, at, seen_conditions, report)
            report.batches_run += 1
        return report

    # --- one pass ---------------------------------------------------------------------------------

    def _expire_due(self, report: SignalReport, at: int) -> None:
        """Expire pending signals whose market closed or whose expiry passed (dry run: only count)."""
        if self.options.dry_run:
            report.expired.extend(due_for_expiry(self.db, at))
            return
        with write_tx(self.db):
            for signal_id, reason in due_for_expiry(self.db, self.now):
                if expire_signal(self.db, signal_id, reason, now=self.now):
                    report.expired.append((signal_id, reason))

    def _run_batch(self, ids: list[str], at: int, seen_conditions: set[str], report: SignalReport) -> None:
        states = load_states(self.db, ids)
        markets: list[tuple[MarketState, Categorized]] = []
        for market_id in ids:  # keep the input order
            state = states.get(market_id)
            if state is None:
                report.skipped["not_in_store"] += 1
                continue
            if state.condition_id:
                if state.condition_id in seen_conditions:
                    report.duplicate_conditions += 1
                    continue
                seen_conditions.add(state.condition_id)
            report.unique_items += 1
            categorized = categorize(state)
            markets.append((state, categorized))
            cluster = report.clusters.setdefault(
                categorized.cluster_id, Cluster(categorized.cluster_id, categorized.category)
            )
            cluster.members.append(state)

        market_ids = [state.id for state, _ in markets]
        live = live_signals(self.db, market_ids)
        live_by_market: dict[str, list[SignalRow]] = {}
        for signal in live.values():
            live_by_market.setdefault(signal.market_id, []).append(signal)
        decided = decided_keys(self.db, market_ids)
        proposed: list[Candidate] = []
        stale: dict[Key, str] = {}
        for state, categorized in markets:
            context = self._context(state, categorized, at, report)
            if context is None:
                continue
            report.markets_evaluated += 1
            proposed_here: set[Key] = set()
            for strategy in self.strategies:
                if not strategy.applies_to(categorized.category):
                    continue
                candidate, why_not = self._evaluate(strategy, state, categorized, context, at)
                if candidate is not None:
                    proposed_here.add(candidate.key)
                    if candidate.key in decided:
                        report.skipped["already_decided"] += 1
                        continue
                    proposed.append(candidate)
                elif why_not is not None:
                    counter, outcome, reason = why_not
                    report.skipped[counter] += 1
                    stale[(state.id, strategy.name, outcome)] = reason
            for signal in live_by_market.get(state.id, []):
                if (
                    signal.strategy in self.params
                    and signal.key not in proposed_here
                    and signal.key not in stale
                ):
                    stale[signal.key] = (
                        f"condition no longer holds ({signal.strategy} does not propose "
                        f"{signal.outcome} at YES {fmt_price(context.yes_price)})"
                    )
        proposed.sort(key=rank_key)
        self._enqueue(proposed, live, stale, report)

    def _context(
        self, state: MarketState, categorized: Categorized, at: int, report: SignalReport
    ) -> DecisionContext | None:
        if state.closed or state.resolution != "unresolved":
            report.skipped["market_closed"] += 1
            return None
        price = decision_yes_price(state, at, self.settings.signals.max_price_age)
        if price is None:
            report.skipped["no_fresh_price"] += 1
            return None
        wants_cluster = any(s.uses_cluster and s.applies_to(categorized.category) for s in self.strategies)
        cluster = (
            self._cluster(categorized.cluster_id, at) if wants_cluster and categorized.cluster_id else ()
        )
        return DecisionContext(
            market_id=state.id,
            question=state.question,
            category=categorized.category or "",
            outcomes=state.outcomes,
            yes_price=price.value,
            t=at,
            end_date=state.end_date,
            features=categorized.features,
            volume=state.volume,
            liquidity=state.liquidity,
            cluster=cluster,
        )

    def _cluster(self, cluster_id: str, at: int) -> tuple[Sibling, ...]:
        """The cluster's markets with their decision prices at `at` (read once per cluster and run)."""
        if cluster_id not in self._clusters:
            ids = [r[0] for r in self.db.execute("SELECT id FROM markets WHERE cluster_id = ?", [cluster_id])]
            members: list[Sibling] = []
            for state in load_states(self.db, ids).values():
                price = decision_yes_price(state, at, self.settings.signals.max_price_age)
                if price is not None:
                    members.append(Sibling(state.id, state.question, price.value, price.t, state.features))
            self._clusters[cluster_id] = tuple(sorted(members, key=lambda m: m.market_id))
        return self._clusters[cluster_id]

    def _evaluate(
        self,
        strategy: Strategy,
        state: MarketState,
        categorized: Categorized,
        context: DecisionContext,
        at: int,
    ) -> tuple[Candidate | None, tuple[str, int, str] | None]:
        """(candidate, None); (None, None) when the strategy does not fire; or, when it fires but the
        trade is not worth queueing, (None, (skip counter, outcome index, reason a live one expires))."""
        proposal = strategy.decide(context, self.params[strategy.name])
        if proposal is None:
            return None, None
        index = proposal.outcome_index
        cost = buy_cost(state, index, at, self.settings.signals.max_price_age, self.settings.paper.cost)
        if cost is None:
            return None, ("no_executable_price", index, "no executable price known")
        hours_to_close = None if state.end_date is None else (state.end_date - at) / 3600
        estimate = self.estimates(
            self.db,
            strategy.name,
            params=self.params[strategy.name],
            cost=cost.all_in,
            hours_to_close=hours_to_close,
            generated=state.source == "demo",
            min_trades=self.settings.signals.min_backtest_trades,
        )
        edge = estimate.edge
        # Sized on the paper book's equity as of `at` (so a dry run stays deterministic), under the
        # per-market/cluster/category caps and the cash on hand.
        stake = proposed_stake(
            self.db,
            self.settings,
            market_id=state.id,
            cluster_id=categorized.cluster_id,
            category=categorized.category,
            p=estimate.p,
            cost=cost.all_in,
            validated=estimate.validated,
            now=at,
        )
        expires = at + int(self.settings.signals.expiry)
        if state.end_date is not None and state.end_date > at:
            expires = min(expires, state.end_date)
        candidate = Candidate(
            market_id=state.id,
            question=state.question,
            category=categorized.category,
            cluster_id=categorized.cluster_id,
            token_id=state.token_for(index),
            outcome_index=index,
            outcome=state.outcomes[index] if index < len(state.outcomes) else str(index),
            strategy=strategy.name,
            params=self.params[strategy.name],
            price=cost.price.value,
            price_source=cost.price.source,
            cost=cost.all_in,
            fee=cost.fee,
            estimate=estimate,
            edge=edge,
            stake_micros=stake.stake_micros,
            stake_limited_by=stake.limited_by,
            rationale=proposal.rationale,
            score=edge * estimate.confidence if edge is not None and estimate.validated else None,
            decision_t=at,
            expires=expires,
            volume_24h=state.volume_24h,
            source=state.source,
        )
        return candidate, None

    def _enqueue(
        self,
        proposed: list[Candidate],
        live: dict[Key, SignalRow],
        stale: dict[Key, str],
        report: SignalReport,
    ) -> None:
        expiring = [(live[key], reason) for key, reason in sorted(stale.items()) if key in live]
        if self.options.dry_run:
            for candidate in proposed:
                existing = live.get(candidate.key)
                report.items.append(
                    QueueItem(candidate, change_kind(existing, candidate), existing.id if existing else None)
                )
            report.expired.extend((signal.id, reason) for signal, reason in expiring)
            return
        with write_tx(self.db):
            for signal, reason in expiring:
                if expire_signal(self.db, signal.id, reason, now=self.now, price=signal.price):
                    report.expired.append((signal.id, reason))
            for candidate in proposed:
                kind, signal_id = write_candidate(self.db, candidate, live.get(candidate.key), now=self.now)
                report.items.append(QueueItem(candidate, kind, signal_id))


def run_signals(
    db: Database,
    settings: Settings,
    estimates: EstimateLookup,
    options: BatchOptions = BatchOptions(),
    *,
    now: int | None = None,
) -> SignalReport:
    return BatchProcessor(db, settings, estimates, options, now=now).run()
