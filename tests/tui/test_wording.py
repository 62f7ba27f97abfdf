"""Small wording on screen (issue 12.13): counts agree with their nouns, an ended market says so."""

from __future__ import annotations

from pmtui.tui.queries.markets import MarketDetail, OutcomeQuote
from pmtui.tui.tabs.markets import detail_facts
from tests.tui.store_fixture import DAY, NOW


def detail(**changes: object) -> MarketDetail:
    values: dict[str, object] = {
        "id": "1",
        "question": "Will it?",
        "category": "Other",
        "cluster_id": "solo",
        "cluster_size": 1,
        "event_title": None,
        "slug": None,
        "outcomes": [OutcomeQuote("Yes", 0.4), OutcomeQuote("No", 0.6)],
        "volume": 10.0,
        "volume_24h": 1.0,
        "liquidity": 5.0,
        "end_date": NOW + 2 * DAY,
        "closed": False,
        "resolution": "unresolved",
        "winner": None,
        "source": "api",
        "watched": False,
        "updated_at": NOW - 60,
    }
    values.update(changes)
    return MarketDetail(**values)  # type: ignore[arg-type]


def test_cluster_of_one_market_is_singular() -> None:
    assert "(1 market)" in detail_facts(detail(), NOW).plain
    assert "(3 markets)" in detail_facts(detail(cluster_size=3), NOW).plain


def test_closes_in_the_future_and_after_the_end_date() -> None:
    assert "(in 2d 0h)" in detail_facts(detail(), NOW).plain
    ended = detail_facts(detail(end_date=NOW - 3 * 3600), NOW).plain
    assert "(in " not in ended
    assert "ended 3h 0m ago, not closed yet" in ended
