"""The six strategies on hand-built markets: they fire inside their thresholds and not outside,
at the exact edges, with the shipped default parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pmtui.config import ConfigError
from pmtui.strategies._common import common_filter_failure, fmt_price
from pmtui.strategies.base import DecisionContext, Proposal, Sibling
from pmtui.strategies.btc_time_bias import parse_hour_map, window_start_hour_et
from pmtui.strategies.params import resolve_params
from pmtui.strategies.registry import all_strategies, get_strategy

T = 1_770_000_000  # decision time used throughout
YES_NO = ("Yes", "No")


def rung(
    threshold: float, price: float, *, t: int = T, deadline: str = "2026-12-31", direction: str = "reach"
) -> Sibling:
    """A rung of "What price will Bitcoin hit in 2026?" as the strategy would see it (prices made up)."""
    features = {"asset": "BTC", "threshold": threshold, "direction": direction, "deadline": deadline}
    return Sibling(
        f"r{threshold:.0f}", f"Will Bitcoin reach ${threshold:,.0f} by December 31, 2026?", price, t, features
    )


LADDER = (rung(100_000, 0.80), rung(120_000, 0.55), rung(150_000, 0.30), rung(200_000, 0.10))
"""Crosses 50% between $120K (55¢) and $150K (30¢): median 120,000 × 1.25^0.2 = $125,477."""
LADDER_RUNG = {"asset": "BTC", "threshold": 250_000.0, "direction": "reach", "deadline": "2026-12-31"}


def ctx(
    category: str,
    yes_price: float,
    *,
    features: dict[str, Any] | None = None,
    outcomes: tuple[str, ...] = YES_NO,
    end_date: int | None = T + 86400,
    volume: float | None = None,
    liquidity: float | None = None,
    t: int = T,
    question: str = "hand-built",
    cluster: tuple[Sibling, ...] = (),
) -> DecisionContext:
    return DecisionContext(
        market_id="m1",
        question=question,
        category=category,
        outcomes=outcomes,
        yes_price=yes_price,
        t=t,
        end_date=end_date,
        features=features or {},
        volume=volume,
        liquidity=liquidity,
        cluster=cluster,
    )


def decide(name: str, context: DecisionContext, **overrides: Any) -> Proposal | None:
    return get_strategy(name).decide(context, resolve_params(name, None, overrides or None))


def test_all_six_are_registered_with_defaults() -> None:
    assert sorted(all_strategies()) == [
        "altcoin_fade_high",
        "btc_time_bias",
        "crypto_favorite_fade",
        "fade_longshots",
        "musk_fade_extremes",
        "weather_fade_longshots",
    ]
    for name in all_strategies():
        params = resolve_params(name)
        assert {"min_hours_to_close", "min_volume", "min_liquidity"} <= set(params)


# --- weather_fade_longshots ------------------------------------------------------------------------


@pytest.mark.parametrize(("price", "fires"), [(0.30, False), (0.2999, True), (0.05, True), (0.31, False)])
def test_weather_threshold_edge(price: float, fires: bool) -> None:
    proposal = decide("weather_fade_longshots", ctx("Weather/Temperature", price))
    assert (proposal is not None) is fires
    if proposal:
        assert proposal.outcome_index == 1
        assert proposal.rationale.endswith("fade it, buy NO")


def test_weather_needs_its_category() -> None:
    assert decide("weather_fade_longshots", ctx("Weather", 0.1)) is None
    assert decide("weather_fade_longshots", ctx("Crypto/BTC-Price", 0.1)) is None
    assert decide("weather_fade_longshots", ctx("Weather/Temperature", 0.1)) is not None


def test_no_side_is_found_by_name_not_position() -> None:
    # Outcomes listed No first: outcome 0 ("No") at 0.9 means YES is 0.10 → fade YES = buy outcome 0.
    proposal = decide("weather_fade_longshots", ctx("Weather/Temperature", 0.9, outcomes=("No", "Yes")))
    assert proposal is not None and proposal.outcome_index == 0
    assert "YES 10¢" in proposal.rationale and proposal.rationale.endswith("fade it, buy NO")


# --- altcoin_fade_high ---------------------------------------------------------------------------


@pytest.mark.parametrize(("price", "fires"), [(0.70, False), (0.7001, True), (0.95, True), (0.5, False)])
def test_fade_high_threshold_edge(price: float, fires: bool) -> None:
    features = {"asset": "SOL", "threshold": 150.0, "direction": "above"}
    proposal = decide("altcoin_fade_high", ctx("Crypto/Altcoins", price, features=features))
    assert (proposal is not None) is fires
    if proposal:
        assert proposal.outcome_index == 1
        assert "above 70¢" in proposal.rationale and "150" in proposal.rationale


def test_fade_high_needs_a_price_target() -> None:
    assert decide("altcoin_fade_high", ctx("Crypto/Altcoins", 0.9, features={})) is None
    ranged = {"range_low": 60.0, "range_high": 70.0}
    assert decide("altcoin_fade_high", ctx("Crypto/Altcoins", 0.9, features=ranged)) is None
    assert decide("altcoin_fade_high", ctx("Crypto/BTC-Price", 0.9, features={"threshold": 100.0})) is None


def test_min_yes_price_is_a_parameter() -> None:
    features = {"threshold": 100.0}
    assert decide("altcoin_fade_high", ctx("Crypto/Altcoins", 0.65, features=features)) is None
    assert decide("altcoin_fade_high", ctx("Crypto/Altcoins", 0.65, features=features), min_yes_price=0.6)


# --- crypto_favorite_fade ------------------------------------------------------------------------
# BTC price-target ladders, rung questions as Polymarket writes them; the prices are made up.


def rung_ctx(
    threshold: float, price: float, cluster: tuple[Sibling, ...] = LADDER, **kwargs: Any
) -> DecisionContext:
    question = f"Will Bitcoin reach ${threshold:,.0f} by December 31, 2026?"
    features = {"asset": "BTC", "threshold": threshold, "direction": "reach", "deadline": "2026-12-31"}
    return ctx("Crypto/BTC-Price", price, features=features, question=question, cluster=cluster, **kwargs)


def test_implied_median_by_hand() -> None:
    from pmtui.strategies.crypto_favorite_fade import implied_median

    rungs = [(s.features["threshold"], s.yes_price) for s in LADDER]
    median, exact = implied_median(rungs) or (0.0, False)
    assert exact and median == pytest.approx(120_000 * 1.25**0.2)  # 0.05 of the 0.25 drop past 50%
    # Every rung below 50%: the lowest rung bounds the median from above.
    assert implied_median([(150_000, 0.30), (200_000, 0.12)]) == (150_000, False)
    # Every rung at or above 50%: the median is above the ladder, nothing is known to be far from it.
    assert implied_median([(80_000, 0.9), (90_000, 0.5)]) is None


@pytest.mark.parametrize(
    ("threshold", "price", "fires"),
    [
        (250_000, 0.05, True),  # 99% above the median
        (200_000, 0.10, True),  # 59% above
        (157_000, 0.28, True),  # 25.1% above: just far enough
        (156_500, 0.28, False),  # 24.7% above: not far enough
        (150_000, 0.30, False),
        (100_000, 0.80, False),  # below the median: not an upside rung
    ],
)
def test_upside_rungs_far_above_the_implied_median_are_faded(
    threshold: float, price: float, fires: bool
) -> None:
    proposal = decide("crypto_favorite_fade", rung_ctx(threshold, price))
    assert (proposal is not None) is fires
    if proposal:
        assert proposal.outcome_index == 1
        assert proposal.rationale.startswith(f"BTC ${threshold:,.0f} (reach) is ")
        assert "above the ladder's implied median $125,477" in proposal.rationale
        assert proposal.rationale.endswith("fade it, buy NO")


def test_min_distance_is_a_parameter() -> None:
    assert decide("crypto_favorite_fade", rung_ctx(150_000, 0.30)) is None
    assert decide("crypto_favorite_fade", rung_ctx(150_000, 0.30), min_distance=0.15) is not None


def test_when_every_rung_is_below_half_the_lowest_rung_bounds_the_median() -> None:
    high = (rung(150_000, 0.30), rung(200_000, 0.12))
    proposal = decide("crypto_favorite_fade", rung_ctx(200_000, 0.12, cluster=high))
    assert proposal is not None and "lowest rung" in proposal.rationale and "33% above" in proposal.rationale
    assert decide("crypto_favorite_fade", rung_ctx(180_000, 0.15, cluster=high)) is None  # 20% above


def test_a_ladder_needs_rungs_known_at_the_decision_time() -> None:
    assert decide("crypto_favorite_fade", rung_ctx(250_000, 0.05, cluster=())) is None  # no ladder
    later = tuple(rung(s.features["threshold"], s.yes_price, t=T + 60) for s in LADDER)
    assert decide("crypto_favorite_fade", rung_ctx(250_000, 0.05, cluster=later)) is None  # priced after t
    # Rungs of another deadline or direction are another ladder.
    other = tuple(rung(s.features["threshold"], s.yes_price, deadline="2026-06-30") for s in LADDER)
    assert decide("crypto_favorite_fade", rung_ctx(250_000, 0.05, cluster=other)) is None
    dips = tuple(rung(s.features["threshold"], s.yes_price, direction="dip") for s in LADDER)
    assert decide("crypto_favorite_fade", rung_ctx(250_000, 0.05, cluster=dips)) is None


def test_a_rung_is_read_from_its_features() -> None:
    # Without stored features (threshold, direction, deadline) a market is no rung, whatever its question.
    bare = ctx(
        "Crypto/BTC-Price", 0.05, question="Will Bitcoin reach $250,000 by December 31, 2026?", cluster=LADDER
    )
    assert decide("crypto_favorite_fade", bare) is None
    unfeatured = tuple(Sibling(s.market_id, s.question, s.yes_price, s.t) for s in LADDER)
    assert decide("crypto_favorite_fade", rung_ctx(250_000, 0.05, cluster=unfeatured)) is None


# --- fade_longshots --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "fires"),
    [(0.0099, False), (0.01, True), (0.07, True), (0.10, True), (0.1001, False), (0.5, False)],
)
def test_fade_longshots_band_edges(price: float, fires: bool) -> None:
    proposal = decide("fade_longshots", ctx("Politics/Election", price))
    assert (proposal is not None) is fires


def test_fade_longshots_rationale_reads_like_a_trader() -> None:
    proposal = decide("fade_longshots", ctx("Other", 0.07))
    assert proposal == Proposal(1, "YES 7¢ is a longshot (1¢–10¢): fade it, buy NO")


def test_fade_longshots_any_category_and_team_outcomes() -> None:
    proposal = decide("fade_longshots", ctx("Sports/NBA", 0.06, outcomes=("Lakers", "Celtics")))
    assert proposal is not None and proposal.outcome_index == 1
    assert "Lakers 6¢" in proposal.rationale and proposal.rationale.endswith("buy Celtics")
    assert decide("fade_longshots", ctx("", 0.06)) is not None  # uncategorized too


def test_fade_longshots_only_binary_markets() -> None:
    assert decide("fade_longshots", ctx("Other", 0.05, outcomes=("A", "B", "C"))) is None


# --- musk_fade_extremes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "fires"),
    [
        (39.0, 59.0, True),  # low below 40
        (40.0, 59.0, False),  # low exactly 40: not extreme
        (180.0, 200.0, False),  # high exactly 200: not extreme
        (180.0, 201.0, True),  # high above 200
        (100.0, 119.0, False),
        (None, 19.0, True),  # "less than 20": open low side is 0
        (500.0, None, True),  # "500 or more": open high side is infinite
    ],
)
def test_musk_bucket_edges(low: float | None, high: float | None, fires: bool) -> None:
    features: dict[str, Any] = {"unit": "tweets"}
    if low is not None:
        features["range_low"] = low
    if high is not None:
        features["range_high"] = high
    proposal = decide("musk_fade_extremes", ctx("Tech/Musk-Tweets", 0.12, features=features))
    assert (proposal is not None) is fires
    if proposal:
        assert proposal.outcome_index == 1 and proposal.rationale.endswith("buy NO")


def test_musk_needs_a_bucket() -> None:
    assert decide("musk_fade_extremes", ctx("Tech/Musk-Tweets", 0.1, features={})) is None
    assert decide("musk_fade_extremes", ctx("Tech/AI", 0.1, features={"range_low": 0.0})) is None


def test_musk_bucket_parameters() -> None:
    features = {"range_low": 45.0, "range_high": 64.0}
    assert decide("musk_fade_extremes", ctx("Tech/Musk-Tweets", 0.1, features=features)) is None
    assert (
        decide("musk_fade_extremes", ctx("Tech/Musk-Tweets", 0.1, features=features), bucket_low_below=50.0)
        is not None
    )


# --- btc_time_bias ---------------------------------------------------------------------------------

UP_DOWN = ("Up", "Down")


@pytest.mark.parametrize(
    ("hour", "side"), [(0, "Down"), (7, "Up"), (10, "Up"), (12, "Down"), (21, "Down"), (8, None), (23, None)]
)
def test_btc_hour_map(hour: int, side: str | None) -> None:
    context = ctx("Crypto/BTC-UpDown", 0.52, outcomes=UP_DOWN, features={"start_hour_et": hour})
    proposal = decide("btc_time_bias", context)
    if side is None:
        assert proposal is None
    else:
        assert proposal is not None
        assert proposal.outcome_index == UP_DOWN.index(side)
        price = 0.52 if side == "Up" else 0.48
        assert f"buy {side} at {fmt_price(price)}" in proposal.rationale


def test_btc_up_down_found_by_name() -> None:
    context = ctx("Crypto/BTC-UpDown", 0.40, outcomes=("Down", "Up"), features={"start_hour_et": 7})
    proposal = decide("btc_time_bias", context)
    assert proposal is not None and proposal.outcome_index == 1  # "Up" is listed second here
    assert "buy Up at 60¢" in proposal.rationale
    weird = ctx("Crypto/BTC-UpDown", 0.4, outcomes=("Yes", "No"), features={"start_hour_et": 7})
    assert decide("btc_time_bias", weird) is None


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_btc_start_hour_from_end_date_handles_dst() -> None:
    # A 5-minute window ending 2026-07-24 00:00 UTC started 19:55 EDT (UTC-4): hour 19.
    summer = ctx(
        "Crypto/BTC-UpDown",
        0.5,
        outcomes=UP_DOWN,
        features={"window_minutes": 5},
        end_date=_utc(2026, 7, 24, 0, 0),
        t=_utc(2026, 7, 23, 12),
    )
    assert window_start_hour_et(summer) == 19
    # The same UTC time in February is 18:55 EST (UTC-5).
    winter = ctx(
        "Crypto/BTC-UpDown",
        0.5,
        outcomes=UP_DOWN,
        features={"window_minutes": 5},
        end_date=_utc(2026, 2, 8, 0, 0),
        t=_utc(2026, 2, 7, 12),
    )
    assert window_start_hour_et(winter) == 18
    # 11:00 UTC is 07:00 EDT in summer (→ Up) but 06:00 EST in winter (→ no mapping).
    summer_7 = ctx(
        "Crypto/BTC-UpDown",
        0.5,
        outcomes=UP_DOWN,
        features={"window_minutes": 60},
        end_date=_utc(2026, 7, 1, 12, 0),
        t=_utc(2026, 7, 1, 0),
    )
    winter_6 = ctx(
        "Crypto/BTC-UpDown",
        0.5,
        outcomes=UP_DOWN,
        features={"window_minutes": 60},
        end_date=_utc(2026, 1, 15, 12, 0),
        t=_utc(2026, 1, 15, 0),
    )
    up = decide("btc_time_bias", summer_7)
    assert up is not None and up.outcome_index == 0
    assert decide("btc_time_bias", winter_6) is None


def test_btc_hour_feature_wins_over_end_date() -> None:
    context = ctx(
        "Crypto/BTC-UpDown",
        0.5,
        outcomes=UP_DOWN,
        features={"start_hour_et": 12, "window_minutes": 60},
        end_date=_utc(2026, 7, 1, 12, 0),  # would be 07:00 EDT
        t=_utc(2026, 7, 1, 0),
    )
    proposal = decide("btc_time_bias", context)
    assert proposal is not None and proposal.outcome_index == 1  # 12 → Down


def test_btc_hour_map_is_configurable_and_validated() -> None:
    context = ctx("Crypto/BTC-UpDown", 0.5, outcomes=UP_DOWN, features={"start_hour_et": 8})
    proposal = decide("btc_time_bias", context, hour_map={"8": "down"})
    assert proposal is not None and proposal.outcome_index == 1
    assert parse_hour_map({"0": "Up", "23": "DOWN"}) == {0: "Up", 23: "Down"}
    with pytest.raises(ConfigError, match=r"hour_map\.24"):
        parse_hour_map({"24": "Up"})
    with pytest.raises(ConfigError, match='Up" or "Down'):
        parse_hour_map({"7": "Sideways"})


# --- common filters --------------------------------------------------------------------------------


def test_common_filters_apply_only_when_known() -> None:
    params = resolve_params("fade_longshots", None, {"min_hours_to_close": 24.0, "min_volume": 1000.0})
    ok = ctx("Other", 0.05, end_date=T + 25 * 3600)
    assert common_filter_failure(ok, params) is None
    soon = ctx("Other", 0.05, end_date=T + 23 * 3600)
    assert common_filter_failure(soon, params) == "closes in 23.0 h (< 24 h)"
    # Unknown end date, volume and liquidity (a backtest passes None): no filter applies.
    unknown = ctx("Other", 0.05, end_date=None)
    assert common_filter_failure(unknown, params) is None
    assert common_filter_failure(ctx("Other", 0.05, end_date=T + 90000, volume=999.0), params)
    assert common_filter_failure(ctx("Other", 0.05, end_date=T + 90000, volume=1000.0), params) is None
    liquidity = resolve_params("fade_longshots", None, {"min_liquidity": 50.0})
    assert common_filter_failure(ctx("Other", 0.05, liquidity=49.0), liquidity) == "liquidity 49 < 50"
    assert common_filter_failure(ctx("Other", 0.05, liquidity=None), liquidity) is None


@pytest.mark.parametrize("name", sorted(all_strategies()))
def test_every_strategy_skips_past_end_and_settled_prices(name: str) -> None:
    firing = {
        "altcoin_fade_high": ("Crypto/Altcoins", 0.9, YES_NO, {"threshold": 2.0}),
        "btc_time_bias": ("Crypto/BTC-UpDown", 0.5, UP_DOWN, {"start_hour_et": 7}),
        "crypto_favorite_fade": ("Crypto/BTC-Price", 0.05, YES_NO, LADDER_RUNG),
        "fade_longshots": ("Other", 0.05, YES_NO, {}),
        "musk_fade_extremes": ("Tech/Musk-Tweets", 0.05, YES_NO, {"range_low": 0.0, "range_high": 19.0}),
        "weather_fade_longshots": ("Weather/Temperature", 0.05, YES_NO, {}),
    }[name]
    category, price, outcomes, features = firing
    cluster = LADDER if name == "crypto_favorite_fade" else ()
    assert (
        decide(name, ctx(category, price, outcomes=outcomes, features=features, cluster=cluster)) is not None
    )
    past = ctx(category, price, outcomes=outcomes, features=features, end_date=T - 1, cluster=cluster)
    assert decide(name, past) is None
    at_end = ctx(category, price, outcomes=outcomes, features=features, end_date=T, cluster=cluster)
    assert decide(name, at_end) is not None  # 0 hours left is not less than the default 0
    thin = ctx(category, price, outcomes=outcomes, features=features, volume=10.0, cluster=cluster)
    assert decide(name, thin, min_volume=100.0) is None
    for settled in (0.0, 1.0):
        assert (
            decide(name, ctx(category, settled, outcomes=outcomes, features=features, cluster=cluster))
            is None
        )


def test_fmt_price() -> None:
    # Cents, the unit of every price on screen (issue 12.11: `Buy No at 99.8¢` beside `YES 0.0125`).
    assert [fmt_price(p) for p in (0.07, 0.93, 0.5, 0.2999, 0.0005, 1.0, 0.0125)] == [
        "7¢",
        "93¢",
        "50¢",
        "29.99¢",
        "0.05¢",
        "100¢",
        "1.25¢",
    ]
