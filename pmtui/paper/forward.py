"""Forward test: each strategy's live paper results next to its latest backtest.

Live side: positions held to resolution (wins and losses; 50-50 resolutions ("voids", paid $0.50 a
share) and sales are counted apart, as in the backtest), win rate with its 95% Wilson interval, mean
return per $1 staked ((proceeds − cost) / cost) of the positions held to resolution, voids included,
with the 95% interval `pmtui.stats.payout_return` gives the backtest too, and realized P&L of every
closed position.

Backtest side: the newest stored run (`backtest_runs.results_json`) allowed to speak for the strategy as it runs live, by the
rule signals use too (`pmtui.backtest.eligibility`: real data, anchor "end", the live parameters,
no narrower window). Without one, the newest run of the strategy is shown with why it may not speak
(`cannot_speak`) and the verdict is "no eligible backtest". Otherwise the verdict compares the
intervals: "consistent" when they overlap, "worse"/"better than backtest" when they do not, "too few
live trades" below `MIN_LIVE_TRADES` settled trades.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from pmtui.backtest.eligibility import run_facts, why_not
from pmtui.config import ConfigError, Settings
from pmtui.stats import VOID_PAYOUT, payout_return, wilson_interval

MIN_LIVE_TRADES = 10
Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class LiveSide:
    n_settled: int
    """Wins + losses (positions held to resolution)."""
    wins: int
    losses: int
    voids: int
    sold: int
    n_open: int
    win_rate: float | None
    win_rate_ci: Interval | None
    mean_return: float | None
    mean_return_ci: Interval | None
    realized_micros: int


@dataclass(frozen=True, slots=True)
class BacktestSide:
    run_id: str
    created: int
    trades: int | None
    win_rate: float | None
    win_rate_ci: Interval | None
    mean_return: float | None
    mean_return_ci: Interval | None
    generated_data: bool
    """True when the run used generated (demo) markets: not evidence about real markets."""
    cannot_speak: str | None = None
    """Why this run may not speak for the strategy as it runs live (None: it may)."""


@dataclass(frozen=True, slots=True)
class ForwardRow:
    strategy: str
    live: LiveSide
    backtest: BacktestSide | None
    verdict: str


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _interval(value: Any) -> Interval | None:
    if isinstance(value, Mapping):
        low = value.get("low", value.get("lo", value.get("lower")))
        high = value.get("high", value.get("hi", value.get("upper")))
        value = [low, high]
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = _number(value[0]), _number(value[1])
        if low is not None and high is not None and low <= high:
            return (low, high)
    return None


def _strategy_results(document: Any) -> list[Mapping[str, Any]]:
    """The per-strategy entries of a stored run: `{"results": [...]}` or a bare list."""
    if isinstance(document, Mapping):
        document = document.get("results")
    if not isinstance(document, list):
        return []
    return [item for item in document if isinstance(item, Mapping) and isinstance(item.get("strategy"), str)]


def _live_params(strategy: str, settings: Settings | None) -> dict[str, Any] | None:
    """The parameters the strategy runs with live; None for names that are not strategies."""
    from pmtui.strategies.params import resolve_params
    from pmtui.strategies.registry import all_strategies

    if strategy not in all_strategies():
        return None
    try:
        return resolve_params(strategy, settings)
    except ConfigError:
        return None


def demo_only_strategies(db: Database) -> set[str]:
    """Strategies whose paper positions are all on generated (demo) markets: `pmtui demo`'s tour,
    where a run on generated data may stand beside them (flagged), as it may for demo signals."""
    rows = db.execute(
        "SELECT p.strategy, MIN(COALESCE(m.source, '') = 'demo') FROM paper_positions p"
        " LEFT JOIN markets m ON m.id = p.market_id GROUP BY p.strategy"
    )
    return {str(strategy) for strategy, demo in rows if demo}


def latest_backtests(
    db: Database,
    settings: Settings | None = None,
    *,
    demo_strategies: set[str] | frozenset[str] = frozenset(),
) -> dict[str, BacktestSide]:
    """Per strategy, the newest run allowed to speak for it as it runs live (`settings`' parameters),
    else its newest run with why it may not. Malformed runs and entries are skipped. A strategy in
    `demo_strategies` trades only generated markets, so a run on generated data may speak for it."""
    allowed: dict[str, BacktestSide] = {}
    newest: dict[str, BacktestSide] = {}
    params: dict[str, dict[str, Any] | None] = {}
    rows = db.execute(
        "SELECT run_id, created, results_json, generated_data, config_json FROM backtest_runs"
        " ORDER BY created DESC, run_id DESC"
    )
    for run_id, created, results_json, generated, config_json in rows:
        try:
            document = json.loads(results_json)
        except (TypeError, ValueError):
            continue
        facts = run_facts(str(run_id), int(created), bool(generated), config_json)
        for item in _strategy_results(document):
            name = str(item["strategy"])
            if name in allowed:
                continue
            if name not in params:
                params[name] = _live_params(name, settings)
            live = params[name]
            demo_market = name in demo_strategies
            reason = (
                "not a live strategy"
                if live is None
                else why_not(facts, name, live, generated_market=demo_market)
            )
            if reason is not None and name in newest:
                continue
            trades = _number(item.get("trades"))
            side = BacktestSide(
                run_id=str(run_id),
                created=int(created),
                trades=None if trades is None else int(trades),
                win_rate=_number(item.get("win_rate")),
                win_rate_ci=_interval(item.get("win_rate_ci")),
                mean_return=_number(item.get("mean_return")),
                mean_return_ci=_interval(item.get("mean_return_ci")),
                generated_data=bool(generated),
                cannot_speak=reason,
            )
            if reason is None:
                allowed[name] = side
            else:
                newest[name] = side
    return {**newest, **allowed}


def _live_sides(db: Database) -> dict[str, LiveSide]:
    by_strategy: dict[str, dict[str, Any]] = {}
    for strategy, status, result, cost, proceeds, shares in db.execute(
        "SELECT strategy, status, result, cost_micros, proceeds_micros, shares_micros FROM paper_positions"
        " ORDER BY id"
    ):
        acc = by_strategy.setdefault(
            str(strategy),
            {"wins": 0, "losses": 0, "voids": 0, "sold": 0, "open": 0, "payouts": [], "costs": [], "pnl": 0},
        )
        if status == "open":
            acc["open"] += 1
            continue
        acc["pnl"] += int(proceeds) - int(cost)
        if result in ("win", "loss", "void") and shares:
            acc[{"win": "wins", "loss": "losses", "void": "voids"}[result]] += 1
            acc["payouts"].append({"win": 1.0, "loss": 0.0, "void": VOID_PAYOUT}[result])
            acc["costs"].append(int(cost) / int(shares))
        else:
            acc["sold"] += 1
    sides: dict[str, LiveSide] = {}
    for strategy, acc in by_strategy.items():
        n = acc["wins"] + acc["losses"]
        returns = payout_return(acc["payouts"], acc["costs"])
        sides[strategy] = LiveSide(
            n_settled=n,
            wins=acc["wins"],
            losses=acc["losses"],
            voids=acc["voids"],
            sold=acc["sold"],
            n_open=acc["open"],
            win_rate=acc["wins"] / n if n else None,
            win_rate_ci=wilson_interval(acc["wins"], n),
            mean_return=returns.mean,
            mean_return_ci=returns.interval,
            realized_micros=acc["pnl"],
        )
    return sides


def _compare(live: Interval | None, backtest: Interval | None) -> str | None:
    if live is None or backtest is None:
        return None
    if live[1] < backtest[0]:
        return "worse than backtest"
    if live[0] > backtest[1]:
        return "better than backtest"
    return "consistent"


def verdict(live: LiveSide, backtest: BacktestSide | None) -> str:
    if backtest is None:
        return "no backtest"
    if backtest.cannot_speak is not None:
        return "no eligible backtest"
    if live.n_settled < MIN_LIVE_TRADES:
        return "too few live trades"
    # Mean return is what the money sees; the win rate when either side lacks a return interval.
    return (
        _compare(live.mean_return_ci, backtest.mean_return_ci)
        or _compare(live.win_rate_ci, backtest.win_rate_ci)
        or "not comparable"
    )


EMPTY_LIVE = LiveSide(0, 0, 0, 0, 0, 0, None, None, None, None, 0)


def forward_test(db: Database, settings: Settings | None = None) -> list[ForwardRow]:
    """One row per strategy that has paper positions or a stored backtest, sorted by name.
    `settings` gives the live parameters a backtest must have been run with (None: the defaults)."""
    live = _live_sides(db)
    backtests = latest_backtests(db, settings, demo_strategies=demo_only_strategies(db))
    rows = []
    for strategy in sorted(set(live) | set(backtests)):
        side = live.get(strategy, EMPTY_LIVE)
        bt = backtests.get(strategy)
        rows.append(ForwardRow(strategy, side, bt, verdict(side, bt)))
    return rows
