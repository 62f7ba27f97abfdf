"""proposed_stake: fractional Kelly on the current paper equity, under caps read from the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from pmtui.config import Settings
from pmtui.paper.book import open_from_signal, settle_resolved
from pmtui.paper.fees import all_in_cost
from pmtui.paper.stake import proposed_stake
from tests.book_builders import NOW, WIDE_OPEN, add_market, add_signal, make_settings, resolve, set_quote

M = 1_000_000


def stake(db: Database, settings: Settings, **kwargs: Any) -> tuple[int, str | None]:
    args: dict[str, Any] = {
        "market_id": "new",
        "cluster_id": None,
        "category": "Weather",
        "p": 0.6,
        "cost": 0.5,
        "validated": True,
    }
    args.update(kwargs)
    decision = proposed_stake(db, settings, now=NOW, **args)
    return decision.stake_micros, decision.limited_by


def test_quarter_kelly_of_the_bankroll_before_first_use(db: Database, db_path: Path) -> None:
    # p = 0.60 at cost 0.50: f* = 0.2; a quarter of it on $1000 is $50.
    assert stake(db, make_settings(db_path, paper=WIDE_OPEN)) == (50 * M, None)
    assert stake(db, make_settings(db_path, paper={**WIDE_OPEN, "kelly_fraction": 0.5})) == (100 * M, None)


def test_the_worked_example_of_the_readme(db: Database, db_path: Path) -> None:
    # Buy NO at 0.40 + 0.01 slippage on a 4%-fee market, p(NO wins) = 0.55:
    # c = 0.41 + 0.04 × 0.41 × 0.59 = 0.419676; f* = (0.55 − 0.419676)/(1 − 0.419676) = 0.224571…
    cost = all_in_cost(0.40, fee_rate=0.04, fee_exponent=1, slippage=0.01)
    assert cost == pytest.approx(0.419676)
    decision = proposed_stake(
        db,
        make_settings(db_path),
        market_id="new",
        cluster_id=None,
        category="Weather",
        p=0.55,
        cost=cost,
        validated=True,
        now=NOW,
    )
    assert decision.full_kelly == pytest.approx(0.224571, abs=1e-6)
    # A quarter: 5.61% of $1000 = $56.14, but the 5% market cap allows $50.
    assert (decision.stake_micros, decision.limited_by) == (50 * M, "market")


def test_zero_when_unvalidated_or_without_edge(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    assert stake(db, settings, validated=False) == (0, "unvalidated")
    assert stake(db, settings, p=None) == (0, "unvalidated")
    assert stake(db, settings, p=0.5, cost=0.5) == (0, "no_edge")
    assert stake(db, settings, p=0.45, cost=0.5) == (0, "no_edge")


def _open(db: Database, settings: Settings, market: str, dollars: int, **market_kwargs: Any) -> None:
    tokens = add_market(db, market, **market_kwargs)
    set_quote(db, tokens[1], bid=0.50, ask=0.50)
    open_from_signal(db, add_signal(db, market, stake_micros=dollars * M), settings, now=NOW)


def test_market_cap_counts_what_is_already_open_there(db: Database, db_path: Path) -> None:
    settings = make_settings(
        db_path, paper={"max_per_market": 0.05, "max_per_cluster": 1.0, "max_per_category": 1.0}
    )
    _open(db, settings, "m1", 30, category="Weather")
    # Equity is still $1000 (bid 0.50 marks the position at cost), the cap $50, $30 used.
    assert stake(db, settings, market_id="m1") == (20 * M, "market")
    assert stake(db, settings, market_id="other") == (50 * M, None)


def test_cluster_cap_covers_correlated_markets(db: Database, db_path: Path) -> None:
    settings = make_settings(
        db_path, paper={"max_per_market": 1.0, "max_per_cluster": 0.10, "max_per_category": 1.0}
    )
    _open(db, settings, "a", 60, cluster_id="btc-dec", category="Crypto")
    _open(db, settings, "b", 25, cluster_id="btc-dec", category="Crypto")
    assert stake(db, settings, market_id="c", cluster_id="btc-dec", category="Crypto") == (15 * M, "cluster")
    assert stake(db, settings, market_id="c", cluster_id="eth-dec", category="Crypto") == (50 * M, None)


def test_category_cap(db: Database, db_path: Path) -> None:
    settings = make_settings(
        db_path, paper={"max_per_market": 1.0, "max_per_cluster": 1.0, "max_per_category": 0.25}
    )
    for market in ("w1", "w2", "w3", "w4", "w5"):
        _open(db, settings, market, 48, category="Weather")
    assert stake(db, settings, category="Weather") == (10 * M, "category")
    assert stake(db, settings, category="Sports") == (50 * M, None)


def test_stake_follows_equity_after_a_loss(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    _open(db, settings, "m1", 200, category="Sports")
    resolve(db, "m1", 0)  # we held NO: lost $200
    settle_resolved(db, now=NOW)
    # Equity $800 → a quarter of 20% = $40.
    assert stake(db, settings) == (40 * M, None)


def test_a_precomputed_equity_is_used_as_given(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    assert stake(db, settings, equity=2000 * M) == (100 * M, None)


def test_never_more_than_the_cash_on_hand(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 100.0, "kelly_fraction": 1.0})
    _open(db, settings, "m1", 90, category="Sports")
    # Equity $100 (position marked at its $90 cost), full Kelly 20% = $20, but only $10 in cash.
    assert stake(db, settings, category="Weather") == (10 * M, "cash")
