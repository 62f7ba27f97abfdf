"""Features read from questions: one test per feature kind, with questions at the edges."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from pmtui.fakes.polymarket_data import read_json
from pmtui.taxonomy.features import extract_features


def features(question: str, category: str | None = None, end_date: str | None = None) -> dict[str, Any]:
    result = extract_features(question, category, end_date=end_date)
    json.dumps(result)  # the contract: JSON-serialisable
    return result


# --- asset ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "asset"),
    [
        ("Will Bitcoin reach $150K by December 31?", "BTC"),
        ("Will bitcoin hit $1m before GTA VI?", "BTC"),
        ("Will $BTC break $20k before 2021?", "BTC"),
        ("Will Ethereum reach $6,500 by December 31, 2026?", "ETH"),
        ("Will ETH be above $1,500 on January 27th?", "ETH"),
        ("Solana all time high by September 30, 2026?", "SOL"),
        ("Will $SOL (Solana) be above $50 on May 24, 2021?", "SOL"),
        ("Will XRP reach $2.00 December 15-21?", "XRP"),
        ("Will Dogecoin be above $0.10 on February 15, 2021?", "DOGE"),
        ("Will $DOGE be above 15c on April 29, 2021?", "DOGE"),
        ("Will Chainlink dip to $4 by December 31, 2026?", "LINK"),
        ("Will BNB dip to $500 by December 31, 2026?", "BNB"),
        ("Will Hyperliquid reach $60 by July 31?", "HYPE"),
        ("Will NVIDIA (NVDA) close above $180 on July 23?", "NVDA"),
    ],
)
def test_asset(question: str, asset: str) -> None:
    assert features(question).get("asset") == asset


@pytest.mark.parametrize(
    "question",
    [
        "Will the sol shine on the solstice?",  # "sol" is a word, SOL a ticker in capitals only
        "Will Ada Lovelace be on the new banknote?",
        "Will the link between them be confirmed?",
        "Will MegaETH perform an airdrop by June 30?",  # ETH inside another name
        "Will Elon and DOGE cut between $100-150b in federal spending in 2025?",  # the agency
        "Will the union vote pass?",
    ],
)
def test_no_asset_from_ordinary_words(question: str) -> None:
    assert "asset" not in features(question)


def test_a_bracketed_abbreviation_is_not_a_ticker() -> None:
    # Issue 12: "(FDV)" is what the dollars measure, not the asset.
    got = features("MegaETH market cap (FDV) >$2B one day after launch?", "Crypto/Tokens")
    assert "asset" not in got
    assert got["threshold"] == 2e9 and got["direction"] == "above"
    assert features("Will NVIDIA (NVDA) close above $180 on July 23?")["asset"] == "NVDA"


def test_dominance_is_a_share_not_a_price_target() -> None:
    # Issue 12: "Bitcoin Dominance hit 70%" read as a BTC price target of 70.
    got = features("Will Bitcoin Dominance hit 70% in 2025?", "Crypto")
    assert "asset" not in got
    assert got["unit"] == "%" and got["threshold"] == 70.0


# --- thresholds and direction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "threshold", "direction"),
    [
        ("Will Bitcoin reach $110,000 by December 31?", 110_000.0, "reach"),
        ("Will Bitcoin reach $150K by December 31?", 150_000.0, "reach"),
        ("Will Bitcoin dip to $40,000 in February?", 40_000.0, "dip"),
        ("Bitcoin above $122K on September 3?", 122_000.0, "above"),
        ("EdgeX FDV above $1.2B one day after launch?", 1.2e9, "above"),
        ("Will Dogecoin be above $.069 on February 2nd?", 0.069, "above"),
        ("Will XRP be below $0.50 on March 3?", 0.5, "below"),
        ("Will BTC break $15k before 2021?", 15_000.0, "reach"),
        ("Will Gold (GC) hit (HIGH) $6,200 by end of February?", 6200.0, "reach"),
        ("Will Gold (GC) hit (LOW) $4,200 by end of June?", 4200.0, "dip"),
        ("Will Meta (META) finish week of November 17 above $550?", 550.0, "above"),
        ("Will Andy Warhol’s “Marilyn Monroe” sell for more than $3 million at Sotheby’s?", 3e6, "above"),
        ("Will GTA 6 cost $100+?", 100.0, "above"),
        ("Will the Powerball jackpot exceed $1B before July 1?", 1e9, "above"),
        ("Will the federal minimum wage be $9.50 per hour or higher by April 1?", 9.5, "above"),
    ],
)
def test_money_threshold_and_direction(question: str, threshold: float, direction: str) -> None:
    found = features(question)
    assert found["threshold"] == pytest.approx(threshold)
    assert found["direction"] == direction
    assert found["unit"] == "usd"


def test_threshold_in_other_currency_is_labelled() -> None:
    found = features("Will Zao Wou-Ki’s “24.01.63” sell for more than HK$80M at Christie’s?")
    assert found["threshold"] == 80e6
    assert found["unit"] == "hkd"


def test_percent_threshold() -> None:
    found = features("Will Joe Biden's approval rating be 53% or higher on June 10, 2021?")
    assert (found["threshold"], found["unit"], found["direction"]) == (53.0, "%", "above")
    below = features("Trump approval rating below 40% on July 4, 2026?")
    assert (below["threshold"], below["direction"]) == (40.0, "below")


# --- ranges and buckets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Will Elon Musk post 250–274 tweets from July 18 to July 25, 2025?",
            {"range_low": 250.0, "range_high": 274.0, "direction": "between", "unit": "tweets"},
        ),
        (
            "Will Elon Musk post less than 150 tweets from July 18 to July 25, 2025?",
            {"range_high": 149.0, "direction": "below", "unit": "tweets"},
        ),
        (
            "Will Elon Musk post 450 or more tweets from July 18 to July 25, 2025?",
            {"range_low": 450.0, "direction": "above", "unit": "tweets"},
        ),
        (
            "Will the highest temperature in NYC be between 74-75°F on July 23?",
            {"range_low": 74.0, "range_high": 75.0, "direction": "between", "unit": "F"},
        ),
        (
            "Will the highest temperature in London be 16°C or higher on July 23?",
            {"range_low": 16.0, "direction": "above", "unit": "C"},
        ),
        (
            "Will the highest temperature in Chicago be 19°F or below on January 3?",
            {"range_high": 19.0, "direction": "below", "unit": "F"},
        ),
        (
            "Will the highest temperature in Seoul be 27°C on July 23?",
            {"range_low": 27.0, "range_high": 27.0, "direction": "between", "unit": "C"},
        ),
        (
            "Will the lowest temperature in Toronto be -3°C or below on January 9?",
            {"range_high": -3.0, "direction": "below", "unit": "C"},
        ),
        (
            "Will Elon and DOGE cut between $100-150b in federal spending in 2025?",
            {"range_low": 100e9, "range_high": 150e9, "direction": "between", "unit": "usd"},
        ),
        (
            "Will OpenAI’s market cap be between $750B and $1T at market close on IPO day?",
            {"range_low": 750e9, "range_high": 1e12, "direction": "between", "unit": "usd"},
        ),
        (
            "Will Super Bowl LX have between 136M and 140M viewers?",
            {"range_low": 136e6, "range_high": 140e6, "direction": "between", "unit": "viewers"},
        ),
        (
            "Will MrBeast's next video get 1.5 million or more views on week 1?",
            {"range_low": 1.5e6, "direction": "above", "unit": "views"},
        ),
        (
            # "less than N" is N-1 for a plain count, but not for a rounded "60 million"
            "Will MrBeast's next video get less than 60 million views on week 1?",
            {"range_high": 60e6, "direction": "below", "unit": "views"},
        ),
        (
            "Will global temperature increase by between 1.20-1.24ºC in January 2025?",  # º, not °
            {"range_low": 1.2, "range_high": 1.24, "direction": "between", "unit": "C"},
        ),
        (
            # Issue 12: read as 1.1–1.1 (the first degree sign only).
            "Will global temperature increase by between 1.10ºC and 1.14ºC in March 2026?",
            {"range_low": 1.1, "range_high": 1.14, "direction": "between", "unit": "C"},
        ),
        (
            "Will the highest temperature in Miami be between 74 and 75°F on May 3?",
            {"range_low": 74.0, "range_high": 75.0, "direction": "between", "unit": "F"},
        ),
        (
            "Will the highest temperature in Paris be between 20°C and 21°C on June 3?",
            {"range_low": 20.0, "range_high": 21.0, "direction": "between", "unit": "C"},
        ),
        (
            'Will Dell say "Nvidia" 5+ times during earnings call?',
            {"range_low": 5.0, "direction": "above", "unit": "times"},
        ),
        (
            "Trump margin of victory in New Hampshire Primary 0-2.5%",
            {"range_low": 0.0, "range_high": 2.5, "direction": "between", "unit": "%"},
        ),
    ],
)
def test_ranges_and_buckets(question: str, expected: dict[str, Any]) -> None:
    found = features(question)
    assert {key: found.get(key) for key in expected} == expected
    if "range_low" not in expected:
        assert "range_low" not in found  # an open bucket has only its one bound
    if "range_high" not in expected:
        assert "range_high" not in found


@pytest.mark.parametrize(
    ("question", "line", "unit"),
    [
        ("AS Nancy-Lorraine vs. ES Troyes AC: O/U 2.5", 2.5, None),
        ("Texans vs. Chargers: O/U 39.5", 39.5, None),
        ("Total Kills Over/Under 42.5 in Game 1?", 42.5, "kills"),
        ("Jamal Murray: Assists O/U 8.5", 8.5, "assists"),
        ("Spread: Cowboys (-2.5)", -2.5, None),
        (
            "NBA: Will the Mavericks beat the Grizzlies by more than 5.5 points in their December 4 matchup?",
            5.5,
            "points",
        ),
    ],
)
def test_over_under_and_spread_lines(question: str, line: float, unit: str | None) -> None:
    found = features(question)
    assert found["line"] == line
    assert found.get("unit") == unit
    assert "range_low" not in found and "threshold" not in found


def test_soccer_totals_count_goals_when_the_category_says_so() -> None:
    assert features("Arsenal FC vs. Sunderland AFC: O/U 1.5", "Sports/Soccer")["unit"] == "goals"


# --- period and deadline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "end_date", "period", "deadline"),
    [
        ("Will Ethereum reach $6,500 by December 31, 2026?", None, "December 31, 2026", "2026-12-31"),
        ("Will Bitcoin reach $150K by December 31?", "2026-12-31T12:00:00Z", "December 31", "2026-12-31"),
        # the year that puts the date nearest the market's end date, across New Year
        ("Will Bitcoin reach $150K by December 31?", "2027-01-01T05:00:00Z", "December 31", "2026-12-31"),
        ("Bitcoin above $122K on September 3?", "2025-09-03", "September 3", "2025-09-03"),
        ("Will Trump visit China on July 25?", "2026-07-25", "July 25", "2026-07-25"),
        (
            "Will Elon Musk post 250-274 tweets from July 18 to July 25, 2025?",
            None,
            "July 18 to July 25, 2025",
            "2025-07-25",
        ),
        ("Will Ethereum dip to $1,600 February 2-8?", "2026-02-08", "February 2-8", "2026-02-08"),
        ("Will Ethereum reach $3300 July 14–20?", "2025-07-20", "July 14–20", "2025-07-20"),
        ("Will Bitcoin dip to $40,000 in February?", "2026-03-01", "February", "2026-02-28"),
        ("Will Elon Musk post 100-119 tweets in March 2026?", None, "March 2026", "2026-03-31"),
        ("Kylie Jenner confirmed pregnant in 2026?", None, "2026", "2026-12-31"),
        # "before X": the market closes as X begins, so X's first day is the deadline
        ("EU debt downgrade before 2027?", None, "2027", "2027-01-01"),
        ("Will $BTC break $25k before March 1st?", "2021-03-01", "March 1st", "2021-03-01"),
        ("Will Pump.fun dip to $0.005 before August?", "2026-08-01", "August", "2026-08-01"),
        # a month named without a deadline word is the period only; the end date is the deadline
        (
            "No change in Fed interest rates after January 2027 meeting?",
            "2027-01-08",
            "January 2027",
            "2027-01-08",
        ),
        ("Will Club León FC win on 2026-02-07?", None, "2026-02-07", "2026-02-07"),
        ("Will Gold (GC) hit (HIGH) $6,200 by end of February?", "2026-02-27", "February", "2026-02-28"),
    ],
)
def test_period_and_deadline(question: str, end_date: str | None, period: str, deadline: str) -> None:
    found = features(question, end_date=end_date)
    assert (found.get("period"), found.get("deadline")) == (period, deadline)


def test_no_deadline_without_a_year_to_go_on() -> None:
    found = features("Will Bitcoin reach $150K by December 31?")
    assert found["period"] == "December 31"
    assert "deadline" not in found


def test_end_date_may_be_epoch_seconds() -> None:
    found = features("Bitcoin above $122K on September 3?", end_date=1756900800)  # type: ignore[arg-type]
    assert found["deadline"] == "2025-09-03"


def test_a_tournament_year_is_not_a_deadline() -> None:
    assert "deadline" not in features("Will Brazil win the 2026 FIFA World Cup?")
    assert features("Will Theresa May resign?") == {}  # a name, not the month


def test_a_question_without_a_date_takes_the_end_date() -> None:
    assert features("Lakers vs. Celtics", end_date="2026-07-24T03:00:00Z")["deadline"] == "2026-07-24"
    assert "deadline" not in features("Lakers vs. Celtics")


def test_demo_questions_give_the_features_the_demo_meant() -> None:
    """The generated demo data states the features of every question it writes: reading them back
    from the question must agree (keys the question cannot tell are skipped: the soccer opponent in
    "Will Arsenal win on 2026-07-23?" lives in the event; the demo spells the unit "USD")."""
    from datetime import UTC, datetime

    import numpy as np

    from pmtui.demo.families import FAMILIES

    rng = np.random.default_rng(5)
    start = int(datetime(2026, 7, 23, tzinfo=UTC).timestamp())
    checked = 0
    for generate, _share in FAMILIES.values():
        for _ in range(12):
            event = generate(rng, start + int(rng.integers(0, 200 * 86400)), 20)
            for draft in event.markets:
                found = features(draft.question, draft.category, end_date=draft.end)  # type: ignore[arg-type]
                for key, value in draft.features.items():
                    if key == "teams" and " win on " in draft.question:
                        continue
                    got = found.get(key)
                    if key == "unit":
                        got, value = str(got).lower(), str(value).lower()
                    assert got == value, (draft.question, key, value, found)
                    checked += 1
    assert checked > 1000


# --- place and teams ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("Will the highest temperature in NYC be between 74-75°F on July 23?", "NYC"),
        ("Will the highest temperature in London be 16°C or higher on July 23?", "London"),
        ("Highest temperature in Seoul on July 25?", "Seoul"),
        ("Will the highest temperature in Buenos Aires be 30°C on January 3?", "Buenos Aires"),
        ("Precipitation in Chicago above 2 inches in May?", "Chicago"),
    ],
)
def test_place(question: str, place: str) -> None:
    assert features(question)["place"] == place


@pytest.mark.parametrize(
    ("question", "teams"),
    [
        ("Lakers vs. Celtics", ["Lakers", "Celtics"]),
        ("LoL: T1 vs. Gen.G", ["T1", "Gen.G"]),
        ("Texans vs. Chargers: O/U 39.5", ["Texans", "Chargers"]),
        ("Counter-Strike: MASONIC vs VP.Prodigy - Map 1 Winner", ["MASONIC", "VP.Prodigy"]),
        ("Who will win Bucks vs. Heat: Game 2?", ["Bucks", "Heat"]),
        ("NBA: Who will win 76ers vs. Raptors, scheduled for April 20, 8:00 PM ET?", ["76ers", "Raptors"]),
        ("Will CF America vs. CF Monterrey end in a draw?", ["CF America", "CF Monterrey"]),
        ("Alabama State Hornets vs. Georgia Bulldogs (W)", ["Alabama State Hornets", "Georgia Bulldogs"]),
        ("Will the Mavericks beat the Grizzlies by more than 5.5 points?", ["Mavericks", "Grizzlies"]),
        (
            "Will Floyd Mayweather beat Logan Paul in their boxing exhibition match?",
            ["Floyd Mayweather", "Logan Paul"],
        ),
        ("Who will win Suns v. Lakers: Game 6?", ["Suns", "Lakers"]),
    ],
)
def test_teams(question: str, teams: list[str]) -> None:
    assert features(question)["teams"] == teams


def test_no_teams_outside_sports() -> None:
    question = "Which party will win the U.S. Senate runoff in Georgia? (Ossoff - D vs. Perdue - R)"
    assert "teams" not in features(question, "Politics/Election")


# --- up/down windows ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "hour", "minute", "window"),
    [
        ("Bitcoin Up or Down - July 24, 7:55PM-8:00PM ET", 19, 55, 5),
        ("Bitcoin Up or Down - July 23, 7PM ET", 19, 0, 60),
        ("Bitcoin Up or Down - December 15, 12AM ET", 0, 0, 60),
        ("Bitcoin Up or Down - December 27, 10:15PM-10:30PM ET", 22, 15, 15),
        ("Bitcoin Up or Down - October 22, 12:00PM-4:00PM ET", 12, 0, 240),
        ("Ethereum Up or Down - November 24, 8:00PM-12:00AM ET", 20, 0, 240),
        ("Bitcoin Up or Down - July 24, 11:55PM-12:00AM ET", 23, 55, 5),
    ],
)
def test_up_down_window(question: str, hour: int, minute: int, window: int) -> None:
    found = features(question)
    assert found["direction"] == "up_down"
    assert (found["start_hour_et"], found["start_minute_et"], found["window_minutes"]) == (
        hour,
        minute,
        window,
    )


def test_up_down_deadline_is_the_utc_day_the_window_ends() -> None:
    # 7:55PM-8:00PM ET on July 23 ends at 00:00 UTC on July 24 (Gamma's endDate).
    found = features("Bitcoin Up or Down - July 23, 7:55PM-8:00PM ET", end_date="2026-07-24T00:00:00Z")
    assert found["deadline"] == "2026-07-24"
    assert found["asset"] == "BTC"


def test_up_down_without_window_has_no_window_features() -> None:
    found = features("Ethereum Up or Down on February 8?", end_date="2026-02-08")
    assert found["direction"] == "up_down" and found["asset"] == "ETH"
    assert "start_hour_et" not in found
    assert found["deadline"] == "2026-02-08"
    stock = features("Korn Ferry (KFY) Up or Down After Earnings?")
    assert (stock["asset"], stock["direction"]) == ("KFY", "up_down")


def test_every_recorded_btc_5m_market_gets_its_window(recorded_data: Path) -> None:
    with gzip.open(recorded_data / "BTC-5m-markets-2026-07-24.jsonl.gz", "rt") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == 292
    from zoneinfo import ZoneInfo

    eastern = ZoneInfo("America/New_York")
    from datetime import datetime

    for line in lines:
        raw = line["raw"]
        found = features(raw["question"], end_date=raw["endDate"])
        start = datetime.fromtimestamp(line["start_sec"], eastern)
        assert found["asset"] == "BTC", raw["question"]
        assert found["direction"] == "up_down"
        assert found["window_minutes"] == line["interval_sec"] // 60 == 5
        assert (found["start_hour_et"], found["start_minute_et"]) == (start.hour, start.minute), raw[
            "question"
        ]
        assert found["deadline"] == raw["endDate"][:10], raw["question"]


# --- whole recorded sets -----------------------------------------------------------------------------------------------


def recorded_questions(recorded_data: Path) -> list[dict[str, Any]]:
    markets: list[dict[str, Any]] = []
    for name in ("gamma_markets_600_mixed_2026-02.json.gz", "gamma_markets_500_closed_2018-2021.json.gz"):
        markets += read_json(recorded_data / name)
    markets += read_json(recorded_data / "gamma_markets_200_active_snapshot.json.gz")["markets"]
    return markets


def test_recorded_markets_extract_without_error_and_serialise(recorded_data: Path) -> None:
    markets = recorded_questions(recorded_data)
    up_down = 0
    for market in markets:
        found = features(market["question"], end_date=market.get("endDate"))
        if "Up or Down - " in market["question"] and " ET" in market["question"]:
            up_down += 1
            assert "window_minutes" in found, market["question"]
        if "deadline" in found:
            assert len(found["deadline"]) == 10 and found["deadline"][4] == "-"
    assert up_down > 20


def test_odd_input_never_raises() -> None:
    """Pieces of real formats glued at random (seeded): every result is a JSON-serialisable dict whose
    values have the contract's types."""
    import random

    pieces = [
        "Will", "Bitcoin", "$", "$1", "$.5", "150K", "1.2B", "°F", "°C", "º", "-", "–", "to", "and",
        "between", "or higher", "or below", "less than", "more than", "tweets", "O/U", "(-1.5)", "vs.",
        "beat", "Up or Down", "- July 24,", "7:55PM-8:00PM ET", "12AM ET", "February 29", "April 31",
        "2026-02-30", "in 2026", "before", "March", "by end of", "%", "0-", "temperature in", "NYC", "?",
        "99999999999999999999", "1,2,3", "..", "$$", "(", ")", ":", "May", "Sept.", "DOGE", "sol",
        "9" * 400, "$" + "9" * 400, "O/U " + "9" * 400, "9" * 400 + "°F", "13:99PM ET", "February 30, 2026",
    ]  # fmt: skip
    rng = random.Random(3)
    types = {
        "asset": str, "threshold": float, "direction": str, "range_low": float, "range_high": float,
        "unit": str, "line": float, "place": str, "period": str, "deadline": str, "teams": list,
        "start_hour_et": int, "start_minute_et": int, "window_minutes": int,
    }  # fmt: skip
    for _ in range(3000):
        question = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        category = rng.choice([None, "Sports/NBA", "Weather/Temperature"])
        end = rng.choice([None, "2026-07-24", "not a date", 1_785_000_000, 1_785_000_000_000, 1e30])
        found = extract_features(question, category, end_date=end)
        json.dumps(found, allow_nan=False)
        for key, value in found.items():
            assert isinstance(value, types[key]), (question, key, value)


def test_questions_of_one_template_share_their_gate_words(recorded_data: Path) -> None:
    # The gates read the words and characters of the question's template (every digit "0"), once
    # per template: that must be what the question itself gives, which holds as no gate word has a
    # digit ("F1", "5m", "2nd" and "Q4" are words whose digits differ between the two).
    from pmtui.taxonomy.features import _GATE_WORDS, _ZERO_DIGITS, _gates, _shape

    assert all(word.isalpha() and word.isascii() for word in _GATE_WORDS)
    rng = random.Random(11)
    questions = [
        str(m["question"])
        for m in read_json(recorded_data / "gamma_markets_600_mixed_2026-02.json.gz")
        if m.get("question")
    ]
    questions += [
        "F1: Over 2.5 goals in 5m?",
        "2nd set 6-4 vs. 7-5 in May 1st",
        "Q4 Nvidia (NVDA) 3x than 2024",
    ]
    questions += ["Over ２.５ goals?", "No digits (at all) in July?", "Bitcoin Up or Down - 1PM ET"]
    for question in questions:
        for text in (question, "".join(str(rng.randrange(10)) if c.isdigit() else c for c in question)):
            assert _shape(text.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)) == _gates(text)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Full-width digits are decimal digits too (the gates that skip number parsing for questions
        # without digits must see them, not only ASCII ones).
        ("Over ２.５ goals?", {"range_low": 2.5, "direction": "above", "unit": "goals"}),
        ("Nvidia above ３% ?", {"unit": "%", "threshold": 3.0, "direction": "above"}),
        ("Will Bitcoin reach $１５０,０００?", {"asset": "BTC", "threshold": 150000.0, "unit": "usd"}),
    ],
)
def test_numbers_written_with_non_ascii_digits_are_read(question: str, expected: dict[str, Any]) -> None:
    got = features(question, end_date="2025-07-24")
    assert {key: got.get(key) for key in expected} == expected
    assert got["deadline"] == "2025-07-24"
