"""Every recorded real market is classified; the few in Other are listed with the reason."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pmtui.taxonomy.classify import classify, top_level
from pmtui.taxonomy.rules import TOP_LEVELS, load_rules
from tests.taxonomy.recorded import recorded_markets

COVID = "public-health statistic or vaccine approval (COVID-19): no category covers health"
EVER_GIVEN = "a container ship stuck in the Suez Canal: an accident, none of the categories"
TRIAL = "the criminal trial of a police officer: not a politician, not a celebrity"

# The exact ids that land in Other, each with why Other is right for it.
EXPECTED_OTHER: dict[str, str] = {
    **dict.fromkeys(
        [
            "42", "48", "101", "11991", "46928", "75266", "98626", "100252", "100582", "101857",
            "101862", "102122", "104027", "106135", "106175", "108559", "112349", "112491", "112492",
            "112920", "114358", "114954", "117445", "119008", "125291", "132510", "142141", "147257",
            "161502", "184109", "201358", "201440", "201773", "202099", "203283",
        ],
        COVID,
    ),
    **dict.fromkeys(["110525", "125285", "147154", "201775"], EVER_GIVEN),
    "112380": TRIAL,
}  # fmt: skip


def test_every_recorded_market_gets_a_category_and_few_land_in_other(recorded_data: Path) -> None:
    rules = load_rules(include_user=False)
    markets = recorded_markets(recorded_data)
    assert len(markets) >= 1580
    counts: Counter[str] = Counter()
    other: set[str] = set()
    for m in markets.values():
        category = classify(
            m.question, tags=m.tags, event_slug=m.event_slug, series_slug=m.series_slug, rules=rules
        )
        assert top_level(category) in TOP_LEVELS, (m.id, category)
        counts[category] += 1
        if category == "Other":
            other.add(m.id)
    print(f"{len(markets)} recorded markets, {len(other)} in Other; by category: {counts.most_common()}")
    assert other == set(EXPECTED_OTHER), (
        f"unexpected in Other: {sorted(other - set(EXPECTED_OTHER))}; "
        f"no longer in Other: {sorted(set(EXPECTED_OTHER) - other)}"
    )
    assert len(other) / len(markets) < 0.03
    # The BTC 5-minute file is all "Bitcoin Up or Down".
    btc_files = [k for k in markets if k[0].startswith("BTC-5m")]
    assert len(btc_files) == 292
    assert {classify(markets[k].question, rules=rules) for k in btc_files} == {"Crypto/BTC-UpDown"}
