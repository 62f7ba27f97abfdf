"""Cluster ids: stable across processes, one per family, different families apart."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pmtui.taxonomy.clusters import cluster_id, question_template


def cid(question: str, event_id: str | None = None, market_id: str = "1") -> str:
    return cluster_id(market_id=market_id, question=question, category=None, event_id=event_id)


def test_same_id_in_another_process() -> None:
    """Python's hash() is salted per process; the id must not be."""
    question = "Will Bitcoin reach $150K by December 31?"
    code = (
        "from pmtui.taxonomy.clusters import cluster_id;"
        f"print(cluster_id(market_id='9', question={question!r}, category=None, event_id=None));"
        "print(cluster_id(market_id='9', question='x', category=None, event_id='2890'))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout.split()
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] == [cid(question), cid("x", "2890")]


def test_different_thresholds_share_a_cluster() -> None:
    assert cid("Will Bitcoin reach $150K by December 31?") == cid(
        "Will Bitcoin reach $200,000 by December 31?"
    )
    assert cid("Will Bitcoin reach $150K by December 31?") == cid(
        "Will Bitcoin reach $1.2M by December 31, 2026?"
    )


def test_buckets_share_a_cluster() -> None:
    base = "Will the highest temperature in NYC be {} on July 23?"
    ids = {cid(base.format(b)) for b in ("between 74-75°F", "73°F or below", "84°F or higher", "80°F")}
    assert len(ids) == 1
    tweets = "Will Elon Musk post {} tweets from July 18 to July 25, 2025?"
    assert len({cid(tweets.format(b)) for b in ("250–274", "less than 150", "450 or more")}) == 1


def test_dates_share_a_cluster() -> None:
    assert cid("Will Trump visit China by June 30?") == cid("Will Trump visit China by December 31, 2026?")


def test_different_assets_places_and_directions_are_apart() -> None:
    assert cid("Will Bitcoin reach $150K by December 31?") != cid("Will Ethereum reach $5K by December 31?")
    assert cid("Will the highest temperature in NYC be 80°F on July 23?") != cid(
        "Will the highest temperature in London be 80°F on July 23?"
    )
    assert cid("Will Bitcoin reach $150K by December 31?") != cid("Will Bitcoin dip to $50K by December 31?")


def test_markets_of_one_event_share_a_cluster_whatever_their_questions() -> None:
    a = cid("Will Arsenal win on 2026-02-07?", event_id="77", market_id="1")
    b = cid("Will Arsenal vs. Chelsea end in a draw?", event_id="77", market_id="2")
    assert a == b != cid("Will Arsenal win on 2026-02-07?", event_id="78")
    assert a.startswith("ev-")


def test_up_down_windows_cluster_per_asset_length_and_day() -> None:
    # each window is its own Gamma event; the day's series is the family
    one = cid("Bitcoin Up or Down - July 24, 7:55PM-8:00PM ET", event_id="100")
    two = cid("Bitcoin Up or Down - July 24, 8:00PM-8:05PM ET", event_id="101")
    assert one == two and one.startswith("ud-")
    assert one != cid("Bitcoin Up or Down - July 25, 7:55PM-8:00PM ET", event_id="102")  # another day
    assert one != cid("Bitcoin Up or Down - July 24, 7PM ET", event_id="103")  # hourly series
    assert one != cid("Solana Up or Down - July 24, 7:55PM-8:00PM ET", event_id="104")


def test_template_normalises_numbers_money_dates_and_buckets() -> None:
    assert (
        question_template("Will Bitcoin reach $150K by December 31?")
        == "will bitcoin reach <bucket> by <date>?"
    )
    assert (
        question_template("Will Elon Musk post 250-274 tweets from July 18 to July 25, 2025?")
        == "will elon musk post <bucket> tweets from <date>?"
    )
    assert (
        question_template("Bitcoin Up or Down - July 24, 7:55PM-8:00PM ET")
        == "bitcoin up or down - <date>, <time>"
    )
    # names that contain digits keep them
    assert question_template("Will T1 win 2 maps?") == "will t1 win <bucket> maps?"


def test_recorded_5m_windows_cluster_by_eastern_day(recorded_data: Path) -> None:
    """292 recorded 5-minute windows, each its own Gamma event: one family per US-Eastern day."""
    eastern = ZoneInfo("America/New_York")
    with gzip.open(recorded_data / "BTC-5m-markets-2026-07-24.jsonl.gz", "rt") as handle:
        lines = [json.loads(line) for line in handle]
    families: dict[str, set[str]] = {}
    for line in lines:
        raw = line["raw"]
        event_id = str(raw["events"][0]["id"]) if raw.get("events") else None
        family = cid(raw["question"], event_id=event_id, market_id=str(raw["id"]))
        families.setdefault(family, set()).add(
            datetime.fromtimestamp(line["start_sec"], eastern).date().isoformat()
        )
    days = {datetime.fromtimestamp(line["start_sec"], eastern).date() for line in lines}
    assert len(families) == len(days)
    assert all(len(members) == 1 for members in families.values())  # a family never spans two days
