"""A small, deterministic store for the TUI tests and snapshots, written with plain SQL.

Everything is relative to NOW (2026-01-15 12:00 UTC), the fixed clock the tests inject, so no
snapshot ever shows a drifting "3s ago". It holds a BTC ladder with an inconsistent rung, weather
buckets, a match, a market whose question is full of Rich markup, a generated (demo) market, a
resolved market, signals in every state and two stored backtest runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pmtui.backtest.metrics import wilson_interval
from pmtui.signals.estimates import TradeEstimate
from pmtui.stats import payout_return
from pmtui.store import connect, write_tx
from pmtui.strategies.params import resolve_params

NOW = 1_768_478_400
"""2026-01-15 12:00:00 UTC."""
DAY = 86_400
HOUR = 3_600

INJECTION = "Will [bold]X[/] win? [link=x]"
"""A question that would turn bold and become a link if anything parsed it as markup."""


def market(
    mid: str,
    question: str,
    *,
    category: str,
    cluster: str | None = None,
    yes: float | None = 0.5,
    change: float | None = 0.0,
    volume_24h: float | None = 1000.0,
    liquidity: float | None = 5000.0,
    closes_in: float | None = 30 * DAY,
    outcomes: tuple[str, str] = ("Yes", "No"),
    features: dict[str, Any] | None = None,
    source: str = "api",
    watched: bool = False,
    closed: bool = False,
    resolution: str = "unresolved",
    winner: int | None = None,
    event_title: str | None = None,
    fee_rate: float | None = 0.0,
) -> dict[str, Any]:
    """One market row; fee-free unless `fee_rate` says otherwise (None: fees on, schedule unknown)."""
    prices = [yes, None if yes is None else round(1 - yes, 4)]
    return {
        "id": mid,
        "condition_id": f"0xcond{mid}",
        "question": question,
        "slug": f"market-{mid}",
        "event_id": f"ev-{cluster or mid}",
        "event_title": event_title,
        "outcomes_json": json.dumps(list(outcomes)),
        "token_ids_json": json.dumps([f"{mid}1", f"{mid}2"]),
        "prices_json": json.dumps(prices),
        "yes_price": yes,
        "best_bid": None if yes is None else round(yes - 0.01, 4),
        "best_ask": None if yes is None else round(yes + 0.01, 4),
        "one_day_change": change,
        "volume": None if volume_24h is None else volume_24h * 20,
        "volume_24h": volume_24h,
        "liquidity": liquidity,
        "end_date": None if closes_in is None else int(NOW + closes_in),
        "closed_time": int(NOW - DAY) if closed else None,
        "created_at": NOW - 60 * DAY,
        "active": 0 if closed else 1,
        "closed": int(closed),
        "resolution": resolution,
        "winner": winner,
        "category": category,
        "cluster_id": cluster,
        "features_json": json.dumps(features or {}),
        "fee_rate": fee_rate,
        "fee_exponent": None if fee_rate is None else 1.0,
        "source": source,
        "watched": int(watched),
        "first_seen": NOW - 30 * DAY,
        "updated_at": NOW - 120,
    }


def fixture_markets() -> list[dict[str, Any]]:
    btc = "crypto-btc-reach-2026-03-31"
    nyc = "weather-nyc-high-2026-01-16"
    return [
        market(
            "101",
            "Will Bitcoin reach $120,000 by March 31?",
            category="Crypto/BTC-Price",
            cluster=btc,
            yes=0.41,
            change=0.03,
            volume_24h=250_000,
            liquidity=90_000,
            closes_in=75 * DAY,
            features={"asset": "BTC", "threshold": 120000.0, "direction": "reach", "deadline": "2026-03-31"},
            event_title="Bitcoin price targets by March 31",
        ),
        market(
            "102",
            "Will Bitcoin reach $150,000 by March 31?",
            category="Crypto/BTC-Price",
            cluster=btc,
            yes=0.12,
            change=-0.02,
            volume_24h=180_000,
            liquidity=60_000,
            closes_in=75 * DAY,
            features={"asset": "BTC", "threshold": 150000.0, "direction": "reach", "deadline": "2026-03-31"},
            event_title="Bitcoin price targets by March 31",
            watched=True,
        ),
        market(
            "103",
            "Will Bitcoin reach $200,000 by March 31?",
            category="Crypto/BTC-Price",
            cluster=btc,
            yes=0.19,
            change=0.05,
            volume_24h=95_000,
            liquidity=30_000,
            closes_in=75 * DAY,
            features={"asset": "BTC", "threshold": 200000.0, "direction": "reach", "deadline": "2026-03-31"},
            event_title="Bitcoin price targets by March 31",
        ),
        market(
            "201",
            "Highest temperature in NYC on January 16? 30-31°F",
            category="Weather/Temperature",
            cluster=nyc,
            yes=0.22,
            change=0.0,
            volume_24h=12_000,
            liquidity=4_000,
            closes_in=30 * HOUR,
            features={"place": "NYC", "range_low": 30.0, "range_high": 31.0, "unit": "F"},
            event_title="Highest temperature in NYC on January 16?",
        ),
        market(
            "202",
            "Highest temperature in NYC on January 16? 32-33°F",
            category="Weather/Temperature",
            cluster=nyc,
            yes=0.48,
            change=0.06,
            volume_24h=15_000,
            liquidity=5_000,
            closes_in=30 * HOUR,
            features={"place": "NYC", "range_low": 32.0, "range_high": 33.0, "unit": "F"},
            event_title="Highest temperature in NYC on January 16?",
        ),
        market(
            "203",
            "Highest temperature in NYC on January 16? 34°F or higher",
            category="Weather/Temperature",
            cluster=nyc,
            yes=0.45,
            change=-0.04,
            volume_24h=9_000,
            liquidity=3_000,
            closes_in=30 * HOUR,
            features={"place": "NYC", "range_low": 34.0, "unit": "F"},
            event_title="Highest temperature in NYC on January 16?",
        ),
        market(
            "301",
            "Lakers vs. Celtics",
            category="Sports/NBA",
            cluster="sports-nba-lal-bos-2026-01-16",
            yes=0.44,
            change=0.01,
            volume_24h=410_000,
            liquidity=120_000,
            closes_in=20 * HOUR,
            outcomes=("Lakers", "Celtics"),
            features={"teams": ["Lakers", "Celtics"]},
        ),
        market(
            "401",
            INJECTION,
            category="Politics/Election",
            cluster="politics-injection",
            yes=0.07,
            change=0.0,
            volume_24h=52_000,
            liquidity=8_000,
            closes_in=200 * DAY,
            outcomes=("Yes [b]", "No [/]"),
        ),
        market(
            "501",
            "Will the demo token launch by June 30?",
            category="Crypto/Tokens",
            cluster="crypto-demo-token",
            yes=0.63,
            change=0.02,
            volume_24h=3_000,
            liquidity=1_000,
            closes_in=160 * DAY,
            source="demo",
        ),
        market(
            "601",
            "Will the Fed cut rates in January?",
            category="Economy/Fed",
            cluster="economy-fed-jan",
            yes=0.05,
            change=-0.01,
            volume_24h=700_000,
            liquidity=300_000,
            closes_in=14 * DAY,
        ),
        market(
            "701",
            "Will Elon Musk post 250-274 tweets Jan 9-16?",
            category="Tech/Musk-Tweets",
            cluster="tech-musk-jan-9-16",
            yes=0.08,
            change=None,
            volume_24h=None,
            liquidity=None,
            closes_in=None,
            features={"range_low": 250.0, "range_high": 274.0, "unit": "tweets"},
        ),
        market(
            "801",
            "Will Bitcoin close above $90,000 on January 10?",
            category="Crypto/BTC-Price",
            cluster="crypto-btc-above-2026-01-10",
            yes=1.0,
            change=0.0,
            volume_24h=0,
            liquidity=0,
            closes_in=-5 * DAY,
            closed=True,
            resolution="resolved",
            winner=0,
        ),
    ]


def price_points() -> Iterable[tuple[str, int, float]]:
    """Two weeks of hourly prices for the BTC $120K rung and the Lakers match (smooth, deterministic)."""
    for token, base, amp in (("1011", 0.35, 0.06), ("3011", 0.47, 0.04)):
        for hour in range(14 * 24):
            t = NOW - (14 * 24 - hour) * HOUR
            p = base + amp * math.sin(hour / 19) + 0.02 * hour / (14 * 24)
            yield (token, t, round(p, 4))


def estimate(cost: float, p: float, low: float, high: float, n: int, *, reason: str | None = None) -> str:
    """`signals.est_source_json` as pmtui.signals.estimates writes it; validated when the whole
    return interval is above 0 (and no other `reason` is given)."""
    validated = reason is None and low > cost
    returns = (
        f"return [{(low / cost - 1) * 100:+.1f}%, {(high / cost - 1) * 100:+.1f}%] on {n} similar trades"
    )
    found = TradeEstimate(
        cost=cost,
        p=p,
        p_interval=(low, high),
        n=n,
        wins=round(p * n),
        losses=n - round(p * n),
        run_id="run-a",
        matched_on={
            "cost": [round(cost - 0.02, 4), round(cost + 0.02, 4)],
            "horizon": "7d",
            "hours_to_close": 150.0,
        },
        prior_trades=10.0,
        validated=validated,
        reason=reason or f"{'edge' if validated else 'no edge'}: {returns}",
    )
    return json.dumps(found.to_json())


def fixture_signals() -> list[dict[str, Any]]:
    def signal(
        sid: int, market_id: str, strategy: str, outcome: str, index: int, **extra: Any
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": sid,
            "created": NOW - 3 * HOUR,
            "updated": NOW - 3 * HOUR,
            "market_id": market_id,
            "token_id": f"{market_id}{index + 1}",
            "outcome_index": index,
            "outcome": outcome,
            "strategy": strategy,
            "params_json": json.dumps(resolve_params(strategy), sort_keys=True, separators=(",", ":")),
            "price": 0.5,
            "price_source": "book_ask",
            "est_win_prob": None,
            "est_source_json": "{}",
            "validated": 0,
            "edge": None,
            "stake_micros": 0,
            "rationale": "",
            "score": 0.0,
            "status": "pending",
            "status_time": NOW - 3 * HOUR,
            "expires": NOW + 3 * HOUR,
            "source": "api",
        }
        row.update(extra)
        return row

    return [
        signal(
            1,
            "103",
            "crypto_favorite_fade",
            "No",
            1,
            price=0.82,
            est_win_prob=0.91,
            validated=1,
            edge=0.08,
            stake_micros=12_500_000,
            score=0.08,
            est_source_json=estimate(0.83, 0.91, 0.88, 0.93, 412),
            cost=0.83,
            fee=0.0,
            rationale="YES at 19¢ above the $150K rung at 12¢: ladder inconsistent, fade the higher rung",
        ),
        signal(
            2,
            "201",
            "weather_fade_longshots",
            "No",
            1,
            price=0.79,
            est_win_prob=0.84,
            validated=1,
            edge=0.04,
            stake_micros=6_000_000,
            score=0.04,
            est_source_json=estimate(0.80, 0.84, 0.81, 0.87, 96),
            cost=0.80,
            fee=0.0,
            rationale="YES 22¢ < 30¢ on a 2°F bucket a day out: longshot fade",
        ),
        signal(
            3,
            "401",
            "fade_longshots",
            "No [/]",
            1,
            price=0.94,
            est_win_prob=0.92,
            validated=0,
            edge=-0.03,
            stake_micros=0,
            score=None,
            est_source_json=estimate(
                0.95,
                0.92,
                0.65,
                0.99,
                12,
                reason="too few similar trades (12 < 30): return [-31.6%, +4.2%] on 12 similar trades",
            ),
            cost=0.95,
            fee=0.0,
            rationale="YES at 7¢ in [1¢, 10¢]: [bold]longshot[/] fade",
        ),
        signal(
            4,
            "601",
            "fade_longshots",
            "No",
            1,
            price=0.96,
            est_win_prob=0.97,
            validated=0,
            edge=0.0,
            stake_micros=0,
            status="approved",
            status_time=NOW - HOUR,
            score=0.005,
            est_source_json=estimate(0.97, 0.97, 0.96, 0.98, 1200),
            cost=0.97,
            fee=0.0,
            rationale="YES at 5¢ in [1¢, 10¢]: longshot fade",
            note="small size",
        ),
        signal(
            5,
            "202",
            "weather_fade_longshots",
            "No",
            1,
            price=0.75,
            est_win_prob=0.84,
            validated=1,
            edge=0.06,
            stake_micros=0,
            status="expired",
            status_time=NOW - 2 * HOUR,
            status_reason="YES rose to 48¢, above 30¢",
            score=0.06,
            rationale="YES 24¢ < 30¢: longshot fade",
        ),
    ]


def run_config(strategy: str, **config: Any) -> dict[str, Any]:
    """A stored run's config as `pmtui backtest` writes it (the strategy's default parameters)."""
    return {
        "strategies": [{"name": strategy, "params": resolve_params(strategy)}],
        "anchor": "end",
        "category": None,
        "from": None,
        "to": None,
        **config,
    }


def fixture_runs() -> list[dict[str, Any]]:
    def result(strategy: str, trades: int, wins: int, avg_cost: float) -> dict[str, Any]:
        # Numbers that agree with each other as the engine's would: one void (a 50-50 resolution),
        # the rate and its Wilson interval over wins + losses, the return, its interval and verdict
        # from pmtui.stats, skips that add up to what was considered.
        decided = trades - 1
        rate = wins / decided if decided else None
        returns = payout_return([1.0] * wins + [0.0] * (decided - wins) + [0.5], [avg_cost] * trades)
        zero = returns.zero_losses
        pnl = (returns.mean or 0.0) * trades
        return {
            "strategy": strategy,
            "considered": trades + trades + trades // 2,
            "skipped": {"no_price": trades, "stale": trades // 2},
            "trades": trades,
            "wins": wins,
            "losses": decided - wins,
            "voids": 1,
            "win_rate": rate,
            "win_rate_ci": list(wilson_interval(wins, decided)) if decided else None,
            "avg_cost": avg_cost,
            "edge": None if rate is None else rate - avg_cost,
            "mean_return": returns.mean,
            "mean_return_ci": list(returns.interval) if returns.interval else None,
            "verdict": returns.verdict,
            "zero_losses": None if zero is None else {"n": zero.n, "loss_rate_upper": zero.loss_rate_upper},
            "total_pnl": pnl,
            "kelly_pnl": pnl * 0.4,
            "max_drawdown": 3.5,
            "by_category": [],
        }

    calibration = [
        {"bucket": "0-10", "n": 120, "mean_price": 0.05, "share_yes": 0.03},
        {"bucket": "10-30", "n": 80, "mean_price": 0.2, "share_yes": 0.17},
        {"bucket": "30-70", "n": 60, "mean_price": 0.5, "share_yes": 0.52},
        {"bucket": "70-90", "n": 70, "mean_price": 0.8, "share_yes": 0.84},
        {"bucket": "90-100", "n": 110, "mean_price": 0.95, "share_yes": 0.97},
    ]
    return [
        {
            "run_id": "run-a",
            "created": NOW - 2 * DAY,
            "config_json": json.dumps(run_config("fade_longshots", horizon="7d", cost=0.01)),
            "results_json": json.dumps(
                {"results": [result("fade_longshots", 412, 395, 0.93)], "calibration": calibration}
            ),
            "generated_data": 0,
            "duration_s": 1.4,
            "label": "longshots 7d",
        },
        {
            "run_id": "run-b",
            "created": NOW - DAY,
            "config_json": json.dumps(run_config("musk_fade_extremes", horizon="24h", cost=0.02)),
            "results_json": json.dumps(
                {"results": [result("musk_fade_extremes", 14, 13, 0.8)], "calibration": calibration}
            ),
            "generated_data": 1,
            "duration_s": 0.3,
            "label": "musk 24h (demo)",
        },
    ]


def add_validating_runs(path: Path) -> None:
    """Stored backtests allowed to speak for the two validated signals, so that approving them
    re-validates at the fill: #1 crypto_favorite_fade (NO at 82¢, 75 days out) and #2
    weather_fade_longshots (NO at 79¢, 30 hours out). SYNTHETIC trades, written here by hand."""
    db = connect(path)
    try:
        with write_tx(db):
            for run_id, strategy, horizon, cost, wins, n in (
                ("run-cff", "crypto_favorite_fade", "60d", 0.82, 380, 412),
                ("run-wx", "weather_fade_longshots", "24h", 0.79, 352, 400),
            ):
                config = run_config(strategy, horizon=horizon)
                db["backtest_runs"].insert(
                    {
                        "run_id": run_id,
                        "created": NOW - 3 * DAY,
                        "config_json": json.dumps(config),
                        "results_json": json.dumps({"results": [{"strategy": strategy, "trades": n}]}),
                        "generated_data": 0,
                    }
                )
                db["backtest_trades"].insert_all(
                    {
                        "run_id": run_id,
                        "strategy": strategy,
                        "market_id": f"{run_id}-{i}",
                        "cost": cost,
                        "won": int(i < wins),
                    }
                    for i in range(n)
                )
    finally:
        db.conn.close()


def build_store(path: Path) -> Path:
    db = connect(path)
    try:
        fill(db)
    finally:
        db.conn.close()
    return path


def fill(db: Database) -> None:
    with write_tx(db):
        db["markets"].insert_all(fixture_markets())
        db["prices"].insert_all(({"token_id": k, "t": t, "p": p} for k, t, p in price_points()))
        db["signals"].insert_all(fixture_signals())
        db["backtest_runs"].insert_all(fixture_runs())
        db["job_runs"].insert_all(
            [
                {"job": "catalog", "started": NOW - 600, "finished": NOW - 590, "status": "ok"},
                {"job": "snapshots", "started": NOW - 1200, "finished": NOW - 1190, "status": "ok"},
            ]
        )
        db["errors"].insert(
            {
                "t": NOW - 3600,
                "source": "gamma",
                "kind": "bad_record",
                "record_id": "x",
                "message": "no outcomes",
            }
        )


def bulk_markets(db: Database, count: int, *, seed_offset: int = 0) -> None:
    """`count` more open markets with varied, deterministic values (tables that scroll, benchmarks)."""
    categories = [
        "Crypto/BTC-Price",
        "Sports/NBA",
        "Politics/Election",
        "Weather/Temperature",
        "Culture",
        "Other",
    ]
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    rows = []
    for i in range(count):
        n = i + seed_offset
        rows.append(
            market(
                f"b{n:06d}",
                f"Will {words[n % 10]} {words[(n // 10) % 10]} hit {n % 997} by {2026 + n % 3}?",
                category=categories[n % len(categories)],
                cluster=f"bulk-{n // 5}",
                yes=round(((n * 7919) % 1000) / 1000, 3),
                change=round((((n * 31) % 200) - 100) / 1000, 3),
                volume_24h=float((n * 104729) % 1_000_000),
                liquidity=float((n * 15485863) % 500_000),
                closes_in=float(HOUR * (1 + (n * 37) % 5000)),
            )
        )
    with write_tx(db):
        db["markets"].insert_all(rows, batch_size=2000)
