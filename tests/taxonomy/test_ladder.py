"""Ladder order and consistency flags on hand-built clusters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pmtui.fakes.polymarket_data import read_json
from pmtui.taxonomy.features import extract_features
from pmtui.taxonomy.ladder import consistency_flags, ladder, level_text


@dataclass
class Row:
    id: str
    question: str
    yes_price: float | None
    features: dict[str, Any] = field(default_factory=dict)
    neg_risk: bool = False


def btc_reach(prices: dict[int, float], deadline: str = "December 31, 2026") -> list[Row]:
    return [Row(f"m{k}", f"Will Bitcoin reach ${k}K by {deadline}?", price) for k, price in prices.items()]


def test_ladder_orders_by_threshold() -> None:
    rows = btc_reach({200: 0.1, 150: 0.3, 175: 0.2})
    assert [r.market_id for r in ladder(rows)] == ["m150", "m175", "m200"]
    assert [r.threshold for r in ladder(rows)] == [150_000.0, 175_000.0, 200_000.0]


def test_ladder_orders_buckets_by_low_bound_open_low_first() -> None:
    base = "Will the highest temperature in NYC be {} on July 23, 2026?"
    rows = [
        Row("c", base.format("between 76-77°F"), 0.3),
        Row("top", base.format("82°F or higher"), 0.05),
        Row("a", base.format("73°F or below"), 0.1),
        Row("b", base.format("between 74-75°F"), 0.4),
    ]
    assert [r.market_id for r in ladder(rows)] == ["a", "b", "c", "top"]


def test_up_down_windows_of_a_day_are_in_time_order() -> None:
    questions = [
        "Bitcoin Up or Down - July 24, 10:00AM-10:05AM ET",
        "Bitcoin Up or Down - July 24, 9:55AM-10:00AM ET",
        "Bitcoin Up or Down - July 24, 12:00AM-12:05AM ET",
    ]
    rungs = ladder(
        [Row(str(i), q, 0.5, extract_features(q, end_date="2026-07-24")) for i, q in enumerate(questions)]
    )
    assert [level_text(r) for r in rungs] == ["00:00 ET", "09:55 ET", "10:00 ET"]
    assert consistency_flags([r.row for r in rungs]) == []


def test_stored_features_win_over_the_question() -> None:
    rows = [Row("x", "opaque", 0.5, {"threshold": 2.0}), Row("y", "opaque", 0.5, {"threshold": 1.0})]
    assert [r.market_id for r in ladder(rows)] == ["y", "x"]


def test_consistent_reach_ladder_has_no_flags() -> None:
    assert consistency_flags(btc_reach({150: 0.4, 175: 0.25, 200: 0.1})) == []


def test_reach_ladder_priced_upside_down_is_flagged_with_markets_and_numbers() -> None:
    flags = consistency_flags(btc_reach({150: 0.30, 175: 0.25, 200: 0.42}))
    assert len(flags) == 1
    flag = flags[0]
    assert flag.kind == "monotonic"
    assert flag.market_ids == ("m175", "m200")  # against the cheapest easier rung
    assert flag.values == (175_000.0, 0.25, 200_000.0, 0.42)
    assert flag.message == (
        "reach ladder (2026-12-31): $200,000 at 42¢ is priced over $175,000 at 25¢; "
        "the harder level cannot be likelier"
    )


def test_drift_within_tolerance_is_not_flagged_but_accumulated_drift_is() -> None:
    assert consistency_flags(btc_reach({150: 0.30, 175: 0.31}), tolerance=0.02) == []
    flags = consistency_flags(btc_reach({150: 0.30, 175: 0.315, 200: 0.33}), tolerance=0.02)
    assert [f.market_ids for f in flags] == [("m150", "m200")]


def test_different_deadlines_are_separate_ladders() -> None:
    rows = btc_reach({150: 0.2}, "June 30, 2026") + btc_reach({200: 0.3}, "December 31, 2026")
    assert consistency_flags(rows) == []


def test_dip_ladder_must_not_fall_with_the_threshold() -> None:
    rows = [
        Row("d90", "Will Bitcoin dip to $90K by December 31, 2026?", 0.5),
        Row("d80", "Will Bitcoin dip to $80K by December 31, 2026?", 0.6),
        Row("d70", "Will Bitcoin dip to $70K by December 31, 2026?", 0.1),
    ]
    flags = consistency_flags(rows)
    assert [f.market_ids for f in flags] == [("d90", "d80")]


def tweet_buckets(prices: list[float]) -> list[Row]:
    labels = ["less than 150", "150-174", "175-199", "200 or more"]
    return [
        Row(f"b{i}", f"Will Elon Musk post {label} tweets from July 18 to July 25, 2025?", price)
        for i, (label, price) in enumerate(zip(labels, prices, strict=True))
    ]


def test_buckets_summing_near_one_pass() -> None:
    assert consistency_flags(tweet_buckets([0.1, 0.4, 0.35, 0.2])) == []


@pytest.mark.parametrize(("prices", "word"), [([0.1, 0.2, 0.2, 0.2], "less"), ([0.3, 0.4, 0.3, 0.2], "more")])
def test_buckets_summing_far_from_one_are_flagged(prices: list[float], word: str) -> None:
    flags = consistency_flags(tweet_buckets(prices), bucket_tolerance=0.1)
    assert len(flags) == 1
    assert flags[0].kind == "bucket_sum"
    assert flags[0].market_ids == ("b0", "b1", "b2", "b3")
    assert flags[0].values[0] == pytest.approx(sum(prices))
    assert f"{sum(prices):.2f}" in flags[0].message and word in flags[0].message


def test_tolerance_is_configurable() -> None:
    assert consistency_flags(tweet_buckets([0.1, 0.2, 0.2, 0.2]), bucket_tolerance=0.5) == []


def test_incomplete_bucket_set_is_flagged_only_when_over_one() -> None:
    two = tweet_buckets([0.1, 0.4, 0.35, 0.2])[1:3]
    assert consistency_flags(two) == []  # a part of the buckets may sum below 1
    over = tweet_buckets([0.1, 0.7, 0.6, 0.2])[1:3]
    assert [f.kind for f in consistency_flags(over)] == ["bucket_sum"]


def test_neg_risk_event_outcomes_must_sum_to_one() -> None:
    rows = [
        Row("h", "Will Arsenal win on 2026-02-07?", 0.5, neg_risk=True),
        Row("d", "Will Arsenal vs. Chelsea end in a draw?", 0.3, neg_risk=True),
        Row("a", "Will Chelsea win on 2026-02-07?", 0.5, neg_risk=True),
    ]
    flags = consistency_flags(rows)
    assert [(f.kind, f.market_ids) for f in flags] == [("bucket_sum", ("d", "h", "a"))]
    assert consistency_flags(rows, neg_risk=False) == []


def test_neg_risk_outcomes_summing_below_one_may_be_a_partial_set() -> None:
    """Two candidates of a 20-candidate election in the store: 0.30 in all is no contradiction."""
    rows = [
        Row("a", "Will Alice win the 2026 election?", 0.2, neg_risk=True),
        Row("b", "Will Bob win the 2026 election?", 0.1, neg_risk=True),
    ]
    assert consistency_flags(rows) == []


def test_rows_without_prices_are_skipped_and_mappings_work() -> None:
    rows: list[Any] = [
        {"id": "m1", "question": "Will Bitcoin reach $150K by December 31, 2026?", "yes_price": None},
        {"id": "m2", "question": "Will Bitcoin reach $200K by December 31, 2026?", "yes_price": 0.5},
    ]
    assert consistency_flags(rows) == []
    assert [r.market_id for r in ladder(rows)] == ["m1", "m2"]


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("Will Bitcoin reach $150K by December 31, 2026?", "$150,000"),
        ("Will XRP be above $2.85 on September 8?", "$2.85"),
        ("Will the highest temperature in NYC be between 74-75°F on July 23?", "74–75°F"),
        ("Will the highest temperature in NYC be 73°F or below on July 23?", "≤ 73°F"),
        ("Will the highest temperature in London be 16°C or higher on July 23?", "≥ 16°C"),
        ("Will the highest temperature in Seoul be 27°C on July 23?", "27°C"),
        ("Will Elon Musk post 250-274 tweets from July 18 to July 25, 2025?", "250–274 tweets"),
        ("Will Joe Biden's approval rating be 53% or higher on June 10, 2021?", "53%"),
    ],
)
def test_level_text(question: str, level: str) -> None:
    assert level_text(ladder([Row("m", question, 0.5)])[0]) == level


def test_bucket_sum_message_names_the_numbers() -> None:
    flags = consistency_flags(tweet_buckets([0.1, 0.2, 0.2, 0.2]))
    assert flags[0].message == (
        "4 mutually exclusive buckets (2025-07-25): YES prices sum to 0.70, 0.30 less than 1 (tolerance 0.10)"
    )


def test_recorded_clusters_order_and_check(recorded_data: Path) -> None:
    """Every recorded family with numbers: rungs ordered by deadline then level; flags name only
    markets of their family and carry the numbers they quote."""
    import json

    from pmtui.taxonomy.clusters import cluster_id

    markets = read_json(recorded_data / "gamma_markets_600_mixed_2026-02.json.gz")
    markets += read_json(recorded_data / "gamma_markets_200_active_snapshot.json.gz")["markets"]
    families: dict[str, list[dict[str, Any]]] = {}
    for m in markets:
        prices = json.loads(m.get("outcomePrices") or "[]")
        event_id = str(m["events"][0]["id"]) if m.get("events") else None
        row = {
            "id": str(m["id"]),
            "question": m["question"],
            "yes_price": float(prices[0]) if prices else None,
            "features": extract_features(m["question"], end_date=m.get("endDate")),
            "neg_risk": bool(m.get("negRisk")),
        }
        key = cluster_id(market_id=row["id"], question=m["question"], category=None, event_id=event_id)
        families.setdefault(key, []).append(row)
    laddered = 0
    for rows in families.values():
        rungs = ladder(rows)
        numbered = [r for r in rungs if r.sort_value is not None]
        if len(numbered) < 2:
            continue
        laddered += 1
        keys = [(r.deadline or "", r.sort_value) for r in numbered]
        assert keys == sorted(keys)
        ids = {r["id"] for r in rows}
        for flag in consistency_flags(rows):
            assert set(flag.market_ids) <= ids
            assert flag.values
    assert laddered >= 5
