"""Families of markets: a stable cluster id per family, and the question template that defines one.

What a trader means by a family, and so what shares a cluster id:

1. **Up/down windows** ("Bitcoin Up or Down - July 24, 7:55PM-8:00PM ET") are one family per asset,
   window length and Eastern day: the day's series of 5-minute (288) or hourly (24) windows. Gamma
   files each window as its own event, so the event rule would give thousands of families of one;
   one cluster across all dates would hold thousands of unrelated bets and be useless to scan. One
   day is what a trader looks at (the time-of-day pattern, the day's run of results).
2. **Markets of one Gamma event** (`event_id`): the buckets of one temperature or tweet-count event,
   the thresholds of one "What price will Bitcoin hit in July?" ladder, home/draw/away of one game.
3. **Otherwise the question template**: questions that differ only in a number, a money amount, a
   bucket or a date ("Will Bitcoin reach $150K by December 31?" / "… $200K …") are one family. This
   is what groups imported datasets that carry the question alone.

The id is the kind and the first 16 hex digits of the SHA-1 of the family key: the same market gets
the same id on every run and machine (Python's `hash()` is salted per process, so never used).
The category is not part of the key: re-categorising a market must not move it to another family.
"""

from __future__ import annotations

import functools
import hashlib
import re

_SPACE = re.compile(r"\s+")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_NUM = r"(?:\d[\d,]*(?:\.\d+)?|\.\d+)"

# Applied in order to the lower-cased question; each replaces one kind of varying part.
_STEPS: list[tuple[re.Pattern[str], str]] = [
    # times and windows: "7:55pm-8:00pm et", "7pm et"
    (re.compile(r"\d{1,2}(?::\d{2})?\s*[ap]m(?:\s*[-–]\s*\d{1,2}(?::\d{2})?\s*[ap]m)?(?:\s*et)?"), "<time>"),
    # ISO dates
    (re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b"), "<date>"),
    # "july 18 to july 25, 2025", "february 2-8", "december 31st, 2026", "march 2026", "february"
    (
        re.compile(
            r"\b" + _MONTH + r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?"
            r"(?:\s*(?:-|–|—|to|through)\s*(?:" + _MONTH + r"\s+)?\d{1,2}(?:st|nd|rd|th)?)?"
            r"(?:,?\s+(?:19|20)\d\d)?\b"
        ),
        "<date>",
    ),
    (re.compile(r"\b(?:19|20)\d\d\b"), "<year>"),
    # money and numbers with their scale: "$150k", "$1.2b", "hk$65m", "1.5 million", "-1.5", "74°f"
    (
        re.compile(
            r"(?<![\w.])(?:(?:hk|us|ca|a|c)?\$\s?)?[+-]?"
            + _NUM
            + r"(?:\s*(?:k|m|b|bn|t|c)\b|\s*(?:thousand|million|billion|trillion)\b)?"
            r"(?:\s*[°º]\s*[fc]?)?\+?%?"
        ),
        "<n>",
    ),
    # buckets: "between <n>-<n>", "<n> or higher", "less than <n>", "<n>-<n>"
    (
        re.compile(
            r"(?:between\s+)?<n>\s*(?:-|–|—|to|and)\s*<n>"
            r"|(?:less than|fewer than|more than|greater than|at least|over|under)\s+<n>"
            r"|<n>\s+or\s+(?:higher|above|more|below|lower|less|fewer)"
        ),
        "<bucket>",
    ),
    (re.compile(r"<n>"), "<bucket>"),
]


def question_template(question: str) -> str:
    """The question with its varying parts replaced: numbers, money, buckets, dates and times.

    "Will Bitcoin reach $150K by December 31?" → "will bitcoin reach <bucket> by <date>?". Numbers
    and buckets share one placeholder so that a ladder's open-ended ends ("19°F or below") and its
    middle ("between 20-21°F") fall into one family.
    """
    text = _SPACE.sub(" ", question.strip().lower()).replace("’", "'")
    for pattern, placeholder in _STEPS:
        text = pattern.sub(placeholder, text)
    return text


@functools.lru_cache(maxsize=4096)  # the markets of one event share its id
def _digest(kind: str, key: str) -> str:
    return f"{kind}-{hashlib.sha1(f'{kind}|{key}'.encode()).hexdigest()[:16]}"


_UPDOWN_WINDOW = re.compile(
    r"\s*[-–]\s*(?P<day>" + _MONTH + r"\s+\d{1,2})(?:,?\s+(?P<year>\d{4}))?,?\s+"
    r"(?P<window>\d{1,2}(?::\d{2})?\s*[ap]m(?:\s*[-–]\s*\d{1,2}(?::\d{2})?\s*[ap]m)?)",
)
"""What follows "up or down" in a window market's lower-cased question: " - july 24, 7:55pm-8:00pm"."""
_WINDOW_LENGTH = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap]m)")


def _window_minutes(window: str) -> int:
    parts = _WINDOW_LENGTH.findall(window)
    if len(parts) < 2:
        return 60

    def minute_of_day(part: tuple[str, str, str]) -> int:
        hour, minute, half = part
        return (int(hour) % 12 + (12 if half == "pm" else 0)) * 60 + int(minute or 0)

    return (minute_of_day(parts[1]) - minute_of_day(parts[0])) % 1440 or 1440


def up_down_family(question: str) -> str | None:
    """The family key of an up/down window market ("bitcoin|5|july 24"), or None for other markets.

    The year is not in most of these questions; markets a year apart with the same day share a key,
    which is harmless (Polymarket lists these series for days, not years).
    """
    if "Up or Down" not in question and "up or down" not in question.lower():
        return None
    lowered = question.strip().lower()
    at = lowered.find(" up or down")
    match = _UPDOWN_WINDOW.match(lowered, at + 11) if at > 0 else None
    if match is None:
        return None
    name = _SPACE.sub(" ", lowered[:at]).strip()
    day = _SPACE.sub(" ", match.group("day"))
    year = match.group("year") or ""
    return f"{name}|{_window_minutes(match.group('window'))}|{day}|{year}"


def cluster_id(*, market_id: str, question: str, category: str | None, event_id: str | None) -> str:
    """The stable id of the market's family (see the module docstring for the rules).

    `market_id` and `category` are accepted for the contract; neither enters the key (a market alone
    still gets its template's id, so a later sibling with another threshold joins it).
    """
    del market_id, category  # not part of the family key, on purpose
    if "Up or Down" in question or "up or down" in question.lower():  # up_down_family's own test
        family = up_down_family(question)
        if family is not None:
            return _digest("ud", family)
    if event_id:
        return _digest("ev", str(event_id))
    return _digest("tpl", question_template(question))
