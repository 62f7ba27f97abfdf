"""Numbers and names read from a market's question: asset, threshold, buckets, dates, place, teams.

`extract_features(question, category=None, *, end_date=None)` returns a JSON-serialisable dict with
only the keys it found (spellings are a contract with strategies, the backtest and the TUI):

- `asset` ("BTC", "ETH", "SOL", a stock ticker such as "NVDA"), `threshold` (float, dollars or units),
  `direction` ("above" | "below" | "reach" | "dip" | "between" | "up_down"), `unit` ("usd", "tweets",
  "F", "C", "%", "goals", …), `range_low` / `range_high` (bucket bounds; an open-ended bucket has only
  one), `line` (an over/under or spread line), `place` (city), `teams` (two names), `period` (the date
  phrase as written), `deadline` (ISO "YYYY-MM-DD"), and for up/down windows `start_hour_et`,
  `start_minute_et`, `window_minutes` (US Eastern, as the question states them).

Years: a question often omits the year ("by December 31"). With `end_date` (the market's end date:
ISO text or epoch seconds) the year is the one that puts the date closest to the end date; without
it, a date without a year gives `period` but no `deadline` (a guessed year would be a wrong number).
A question that names no date at all takes the end date's day as its `deadline` when one is given.

Speed: this runs for every market (>= 100,000 markets/s together with classify). The question is
tokenised once; every regex is gated behind a cheap test (a substring or a token in the set), so a
question pays only for the parsers that can apply to it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from math import isfinite as _isfinite
from typing import Any

# --- vocabulary --------------------------------------------------------------------------------------

_ASSET_NAMES: dict[str, str] = {
    # Names match in any capitalisation ("bitcoin", "Bitcoin", "BITCOIN").
    "bitcoin": "BTC",
    "ethereum": "ETH",
    "ether": "ETH",
    "solana": "SOL",
    "dogecoin": "DOGE",
    "cardano": "ADA",
    "chainlink": "LINK",
    "polygon": "MATIC",
    "uniswap": "UNI",
    "ripple": "XRP",
    "litecoin": "LTC",
    "polkadot": "DOT",
    "avalanche": "AVAX",
    "hyperliquid": "HYPE",
    "filecoin": "FIL",
    "ethena": "ENA",
    "tron": "TRX",
    "toncoin": "TON",
    "shiba": "SHIB",
    "pepe": "PEPE",
    "sui": "SUI",
    "aptos": "APT",
    "monero": "XMR",
    "stellar": "XLM",
}
_TICKERS: frozenset[str] = frozenset(
    # Tickers match in capitals only: "SOL", "ADA", "LINK" are also ordinary words ("sol", "Ada").
    {
        "BTC",
        "ETH",
        "SOL",
        "XRP",
        "DOGE",
        "ADA",
        "BNB",
        "LINK",
        "MATIC",
        "UNI",
        "LTC",
        "DOT",
        "AVAX",
        "HYPE",
        "FIL",
        "ENA",
        "TRX",
        "TON",
        "SHIB",
        "PEPE",
        "SUI",
        "APT",
        "XMR",
        "XLM",
        "WIF",
        "BONK",
        "POL",
    }
)
_ASSET_TOKENS: dict[str, str] = {}
for _name, _ticker in _ASSET_NAMES.items():
    for _form in (_name, _name.capitalize(), _name.upper()):
        _ASSET_TOKENS[_form] = _ticker
for _ticker in _TICKERS:
    _ASSET_TOKENS[_ticker] = _ticker
# "Binance Coin (BNB)" and "Pump.fun" are caught by the ticker in brackets or not at all: no guess.
_ASSET_KEYS = frozenset(_ASSET_TOKENS)

_MONTHS: dict[str, int] = {}
for _index, _month in enumerate(calendar.month_name):
    if _month:
        _MONTHS[_month.lower()] = _index
        _MONTHS[_month[:3].lower()] = _index
_MONTHS["sept"] = 9
_MONTH_TOKENS = frozenset(
    form for name in _MONTHS for form in (name, name.capitalize()) if name not in ("may", "mar", "jun")
) | {"May", "Mar", "Jun", "June", "March"}
"""Month tokens that gate date parsing. Lower-case "may"/"mar" are ordinary words; "May" still gates
(a false gate only costs one regex search)."""

_MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*")

# --- regexes (each used behind a gate) ----------------------------------------------------------------

_DASH = r"\s*(?:-|–|—|to|through)\s*"

_UD_WINDOW = re.compile(
    r"\s*[-–]\s*(?P<period>(?P<mon>" + _MONTH_RE + r")\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?,?\s+"
    r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<p1>[AaPp][Mm])"
    r"(?:\s*[-–]\s*(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<p2>[AaPp][Mm]))?\s*ET)\b",
)
"""What follows "Up or Down": " - July 24, 7:55PM-8:00PM ET" (the window, in US Eastern)."""

_MONEY = re.compile(
    r"(?:(?P<cur>HK|US|CA|C|A)?\$)\s?(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?P<suffix>[kKmMbBtT](?![a-zA-Z])|thousand\b|million\b|billion\b|trillion\b|bn\b))?"
    r"(?P<plus>\+)?"
)
_MONEY_RANGE = re.compile(
    r"(?:HK|US)?\$\s?(?P<a>\d[\d,]*(?:\.\d+)?)\s*(?P<sa>[kKmMbBtT](?![a-zA-Z]))?"
    r"(?:\s*(?:-|–|—|to|and)\s*)(?:(?:HK|US)?\$)?\s?(?P<b>\d[\d,]*(?:\.\d+)?)\s*(?P<sb>[kKmMbBtT](?![a-zA-Z]))?"
)
_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}

_DIRECTION_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("dip to", "dips to", "fall to", "falls to", "drop to", "drops to", "crash to", "(low)"), "dip"
    ),
    **dict.fromkeys(
        ("reach", "reaches", "hit", "hits", "break", "breaks", "surpass", "top", "(high)"), "reach"
    ),
    **dict.fromkeys(
        (
            "above",
            "over",
            "more than",
            "greater than",
            "higher than",
            "at least",
            "exceed",
            "exceeds",
            ">",
            "≥",
        ),
        "above",
    ),
    **dict.fromkeys(
        ("below", "under", "less than", "lower than", "fewer than", "at most", "<", "≤"), "below"
    ),
}
_DIRECTION = re.compile(
    r"(?<![a-z])("
    + "|".join(re.escape(word) for word in sorted(_DIRECTION_WORDS, key=len, reverse=True))
    + r")(?![a-z])"
)
"""Direction words, each standing alone ("top" is not "laptop"; "over" is not "Hanover")."""

_COUNT_UNITS = (
    "tweets|posts|tweet|times|views|viewers|votes|seats|points|goals|games|sets|maps|kills|rounds|"
    "yards|assists|rebounds|touchdowns|strikeouts|runs|bps|basis points|years|days|doses|people|cases"
)
_COUNT_UNIT_TOKENS = frozenset(
    form
    for unit in _COUNT_UNITS.split("|")
    for word in unit.split()[:1]
    for form in (word, word.capitalize(), word.upper())
)
_DIGIT = re.compile(r"\d")
_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
_WORD_SCALE = r"(?:\s*(million|billion|thousand))?"
_COUNT_SPAN = re.compile(
    _NUMBER
    + r"([kKmMbB])?\s*(?:-|–|—|to|and)\s*"
    + _NUMBER
    + r"([kKmMbB])?"
    + _WORD_SCALE
    + r"\s+(?:new\s+)?$"
)
_COUNT_CMP = re.compile(
    r"(less than|fewer than|more than|over|under|at least)\s+" + _NUMBER + _WORD_SCALE + r"\s+(?:new\s+)?$"
)
_COUNT_TAIL = re.compile(
    _NUMBER + _WORD_SCALE + r"\s*(\+|or more|or fewer|or less|or higher|or lower)\s+(?:new\s+)?$"
)
"""Matched against the (lower-cased for the last two) words just before a count unit."""
_PERCENT = re.compile(
    r"(?P<cmp>above|over|below|under|at least|more than|less than)?\s*(?P<a>\d+(?:\.\d+)?)%?"
    r"(?:\s*(?:-|–|to|and)\s*(?P<b>\d+(?:\.\d+)?)%)?(?:\s+or\s+(?P<tail>higher|more|above|lower|less|below))?",
    re.IGNORECASE,
)
_LINE = re.compile(
    r"(?:O/U|Over/Under|Over|Under)\s+(?P<line>\d+(?:\.\d+)?)|\((?P<spread>[+-]\d+(?:\.\d+)?)\)",
)
_LINE_UNIT_TOKENS = frozenset(
    form
    for word in [
        "goals",
        "points",
        "rounds",
        "kills",
        "games",
        "maps",
        "sets",
        "runs",
        "yards",
        "assists",
        "rebounds",
        "corners",
        "touchdowns",
        "strikeouts",
        "threes",
        "aces",
    ]
    for form in (word, word.capitalize(), word.upper())
)
_BY_MORE = re.compile(r"by more than (\d+(?:\.\d+)?) (points|goals|runs|maps|games|sets|rounds)")

_DATE = re.compile(
    r"(?P<mon>" + _MONTH_RE + r")\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:" + _DASH + r"(?:(?P<mon2>" + _MONTH_RE + r")\s+)?(?P<day2>\d{1,2})(?:st|nd|rd|th)?)?"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b",
)
_ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")
_MONTH_ONLY = re.compile(
    r"\b(?:(?P<pre>in|by|before|after|during|end of|by end of|by the end of|of)\s+)?(?P<mon>"
    + _MONTH_RE
    + r")"
    r"(?:\s+(?P<year>(?:19|20)\d\d))?(?![\w ]*\d)",
)
_YEAR_GATE = re.compile(r"(?:in|by|before|during|of) (?:19|20)\d\d")
_YEAR_ONLY = re.compile(r"\b(?P<pre>in|by|before|during|end of|of)\s+(?P<year>(?:19|20)\d\d)\b(?!\s*[-–]\d)")

_PLACE = re.compile(r"\s+(?:in|at|for)\s+([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)")


# --- helpers ------------------------------------------------------------------------------------------


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:  # "", ".", "1.2.3"
        return None


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _scaled(num: str, suffix: str | None) -> float:
    value = _number(num)
    if suffix:
        value *= _SCALE.get(suffix.lower(), 1.0)
    return value


def _clean(value: float) -> float:
    """12.0 stays a float (JSON 12.0); rounding removes 1.2e9-style float noise from scaling."""
    return float(round(value, 9))


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def _end_date(end_date: str | float | None) -> date | None:
    if end_date is None or end_date == "":
        return None
    if isinstance(end_date, int | float):
        seconds = float(end_date)
        if seconds > 1e11:
            seconds /= 1000.0  # milliseconds, as some Polymarket fields carry them
        if not _isfinite(seconds):
            return None
        try:
            # The UTC day by arithmetic: datetime.fromtimestamp costs several times more.
            return date.fromordinal(_EPOCH_ORDINAL + int(seconds // 86_400))
        except (ValueError, OverflowError):
            return None
    text = str(end_date)
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except (ValueError, IndexError):
        return None


@lru_cache(maxsize=4096)
def _end_day(end_date: str | float) -> str | None:
    """The ISO day of the market's end date (cached: many markets share an end date)."""
    ended = _end_date(end_date)
    return ended.isoformat() if ended is not None else None


def _month_number(text: str) -> int:
    return _MONTH_FORMS[text]


_MONTH_FORMS: dict[str, int] = {}
for _key, _number_of_month in _MONTHS.items():
    for _form in (_key.capitalize(), _key, _key.upper()):
        _MONTH_FORMS[_form] = _number_of_month
        _MONTH_FORMS[_form + "."] = _number_of_month
"""Every spelling the date regexes accept ("Jan", "January", "Jan.", "Sept") → month number."""


def _resolve(month: int, day: int, year: int | None, end_date: str | float | None) -> date | None:
    """The date; without a year, the year that puts it closest to the market's end date."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:  # "February 30"
            return None
    end = _end_date(end_date)
    if end is None:
        return None
    year = end.year
    try:
        candidate = date(year, month, day)
    except ValueError:  # February 29 in another year than the end date's, or "April 31"
        if not (month == 2 and day == 29):
            return None
        candidate = date(year, 2, 28)
    # Half a year or more away from the end date: the same day of the neighbouring year is nearer.
    days = (candidate - end).days
    if -183 <= days <= 183:
        return candidate
    try:
        return date(year - 1 if days > 0 else year + 1, month, day)
    except ValueError:
        return candidate


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _direction_before(text: str) -> str | None:
    """The direction named by the last such word just before a number ("reach $150K", "dip to $40,000",
    "hit (LOW) $4,200")."""
    found = None
    for found in _DIRECTION.finditer(text[-28:].lower()):  # noqa: B007 - the last word counts
        pass
    return _DIRECTION_WORDS[found.group(1)] if found is not None else None


# --- parsers ------------------------------------------------------------------------------------------


_AMBIGUOUS = frozenset({"DOGE"})
"""Tickers that are also other things in the news (DOGE: the Department of Government Efficiency)."""


def _asset(question: str, tokens: frozenset[str]) -> str | None:
    hits = tokens & _ASSET_KEYS
    # "Elon and DOGE cut $100b" is the agency; the coin comes with a price ("DOGE be above $0.2").
    if (
        hits & _AMBIGUOUS
        and "$DOGE" not in question
        and "Up or Down" not in question
        and ("$" not in question or " cut" in question or "spend" in question or "federal" in question)
    ):
        hits = hits - _AMBIGUOUS
    if hits:
        if len(hits) == 1:
            return _ASSET_TOKENS[next(iter(hits))]
        return _ASSET_TOKENS[min(hits, key=question.find)]
    return None


_TICKER_IN_BRACKETS = re.compile(r"\((?:\$)?(?P<t>[A-Z]{1,5})\)")
_NOT_TICKERS = frozenset(
    {"FDV", "MC", "MCAP", "TVL", "ATH", "ATL", "ET", "EST", "EDT", "PT", "PST", "UTC", "GMT", "USD", "AI",
     "US", "UK", "EU", "UN", "IPO", "ETF", "GDP", "CPI", "CEO", "HIGH", "LOW", "YES", "NO", "OTC", "TBD"}
)  # fmt: skip
"""Capitals in brackets that name what is measured or when, not the asset ("market cap (FDV)")."""


def _bracket_ticker(question: str) -> str | None:
    """A ticker written in brackets: "NVIDIA (NVDA)", "Gold (GC)", "Binance Coin (BNB)"."""
    for match in _TICKER_IN_BRACKETS.finditer(question):
        if match.group("t") not in _NOT_TICKERS:
            return match.group("t")
    return None


def _up_down(question: str, out: dict[str, Any], end: str | float | None) -> bool:
    """ "Bitcoin Up or Down - July 24, 7:55PM-8:00PM ET" and the hourly "…, 7PM ET" windows."""
    at = question.find(" Up or Down")
    if at < 0:
        at = question.lower().find(" up or down")
        if at < 0:
            return False
    out["direction"] = "up_down"
    window = _UD_WINDOW.match(question, at + 11)
    if window is None:
        return True
    period, mon, day, year, h1_text, m1_text, p1, h2_text, m2_text, p2 = window.groups()
    h1 = int(h1_text) % 12 + (12 if p1 in ("PM", "pm") else 0)
    m1 = int(m1_text) if m1_text else 0
    out["start_hour_et"] = h1
    out["start_minute_et"] = m1
    if h2_text is not None:
        h2 = int(h2_text) % 12 + (12 if p2 in ("PM", "pm") else 0)
        minutes = (h2 * 60 + (int(m2_text) if m2_text else 0) - h1 * 60 - m1) % 1440 or 1440
    else:
        minutes = 60  # "…, 7PM ET": the hourly market of the hour starting then
    out["window_minutes"] = minutes
    out["period"] = period
    deadline = _window_deadline(mon, day, year, end, h1 * 60 + m1 + minutes)
    if deadline is not None:
        out["deadline"] = deadline
    return True


@lru_cache(maxsize=8192)
def _window_deadline(
    mon: str, day: str, year: str | None, end: str | float | None, end_minute: int
) -> str | None:
    """The UTC day a window ends on (what Gamma's endDate says), from its Eastern day and the minute
    after that day's midnight it ends at. Cached: the windows of a day share a few answers."""
    start = _resolve(_MONTH_FORMS[mon], int(day), int(year) if year else None, end)
    if start is None:
        return None
    minute_utc = end_minute - _et_offset_minutes(start)
    return (start + timedelta(days=minute_utc // 1440)).isoformat()


@lru_cache(maxsize=1024)
def _et_offset_minutes(day: date) -> int:
    """US Eastern's UTC offset at noon of `day` in minutes (-240 in summer, -300 in winter)."""
    from zoneinfo import ZoneInfo

    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("America/New_York"))
    offset = noon.utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else -300


@lru_cache(maxsize=8192)
def _iso_day(month: int, day: int, year_text: str | None, end_date: str | float | None) -> str | None:
    """The ISO day of a date read from a question (cached: a store holds many markets per day)."""
    found = _resolve(month, day, int(year_text) if year_text else None, end_date)
    return found.isoformat() if found is not None else None


def _next_month(question: str, names: tuple[str, ...], start: int) -> int:
    """Where the next of the month names stands from `start` on, or -1."""
    if len(names) == 1:
        return question.find(names[0], start)
    found = [at for at in (question.find(name, start) for name in names) if at >= 0]
    return min(found) if found else -1


def _dates(question: str, tokens: frozenset[str], out: dict[str, Any], end: str | float | None) -> None:
    """`period` (as written) and `deadline` (ISO) from the last date the question names."""
    found: date | None = None
    period: str | None = None
    months = tokens & _MONTH_TOKENS
    if months:
        # The regex is only tried where a month name stands, never scanned over the question.
        first = last = None
        if len(months) == 1:
            name = next(iter(months))
            at = question.find(name)
            while at >= 0:
                match = _DATE.match(question, at)
                if match is not None:
                    if first is None:
                        first = match
                    last = match  # the last date is the deadline
                    at = question.find(name, match.end())
                else:
                    at = question.find(name, at + 1)
        else:
            names = tuple(months)
            at = _next_month(question, names, 0)
            while at >= 0:
                match = _DATE.match(question, at)
                if match is not None:
                    if first is None:
                        first = match
                    last = match
                    at = _next_month(question, names, match.end())
                else:
                    at = _next_month(question, names, at + 1)
        if last is not None:
            mon, day_text, mon2, day2, year_text = last.groups()
            iso_day = _iso_day(_MONTH_FORMS[mon2 or mon], int(day2 or day_text), year_text, end)
            if iso_day is not None:
                out["deadline"] = iso_day
            period = last.group(0)
            if first is not None and first is not last:
                # "from July 18 to July 25, 2025": the period runs from the first date to the last.
                between = question[first.end() : last.start()]
                if len(between) < 40 and " to " in between:
                    period = question[first.start() : last.end()]
        else:
            month_only = _MONTH_ONLY.search(question)
            if month_only is not None and (month_only.group("pre") or month_only.group("year")):
                pre = month_only.group("pre")
                month = _MONTH_FORMS[month_only.group("mon")]
                year_text = month_only.group("year")
                year = int(year_text) if year_text else None
                if year is None and end is not None:
                    anchor = _resolve(month, 15, None, end)
                    year = anchor.year if anchor else None
                # "in/by/during February": the month's last day; "before March": its first day.
                # "after the January 2027 meeting" names a period but no deadline.
                if year is not None and pre is not None and pre != "after":
                    found = date(year, month, 1) if pre == "before" else _month_end(year, month)
                period = question[month_only.start("mon") : month_only.end()]
    if found is None and period is None and ("-0" in question or "-1" in question):
        iso = _ISO_DATE.search(question)
        if iso is not None:
            try:
                found = date(int(iso.group("y")), int(iso.group("m")), int(iso.group("d")))
            except ValueError:
                found = None
            period = iso.group(0)
    if (
        found is None
        and period is None
        and ("20" in question or "19" in question)
        and _YEAR_GATE.search(question)
    ):
        year_only = _YEAR_ONLY.search(question)
        if year_only is not None:
            year = int(year_only.group("year"))
            found = date(year, 1, 1) if year_only.group("pre") == "before" else date(year, 12, 31)
            period = year_only.group("year")
    if period is not None:
        out["period"] = period
    if found is not None:
        out["deadline"] = found.isoformat()


def _money(question: str, out: dict[str, Any]) -> None:
    """Dollar thresholds ("reach $150K", "above $1.2B", "$100+") and dollar ranges."""
    if "between" in question or " and $" in question or "-" in question or "–" in question:
        span = _MONEY_RANGE.search(question, max(0, question.find("$") - 2))
        if span is not None and (
            "between" in question[: span.start()] or question[span.start() - 1 : span.start()] in (" ", "")
        ):
            suffix_b = span.group("sb")
            suffix_a = span.group("sa") or suffix_b  # "$100-150b": the scale is written once
            low = _scaled(span.group("a"), suffix_a)
            high = _scaled(span.group("b"), suffix_b)
            if low < high:
                out["range_low"] = _clean(low)
                out["range_high"] = _clean(high)
                out["direction"] = "between"
                out["unit"] = "usd"
                return
    match = _MONEY.search(question, max(0, question.find("$") - 2))
    if match is None:
        return
    value = _scaled(match.group("num"), match.group("suffix"))
    out["threshold"] = _clean(value)
    out["unit"] = "usd" if match.group("cur") in (None, "US") else match.group("cur").lower() + "d"
    if match.group("plus"):
        out["direction"] = "above"
        return
    direction = _direction_before(question[: match.start()])
    if direction is None:
        # "$9.50 per hour or higher": the words after the amount.
        after = question[match.end() : match.end() + 30].lower()
        if "or higher" in after or "or more" in after or "or above" in after:
            direction = "above"
        elif "or lower" in after or "or less" in after or "or below" in after:
            direction = "below"
    if direction is not None:
        out["direction"] = direction


_SECOND_DEGREE = re.compile(
    r"\s*(?:(?:and|to)\s*(?P<signed>-?\d+(?:\.\d+)?)|[-–—]\s*(?P<high>\d+(?:\.\d+)?))\s*[°º]\s*(?P<unit>[FC])\b"
)
"""After a first "1.10ºC": " and 1.14ºC", "-21°C"."""
_FIRST_OF_PAIR = re.compile(r"between\s+(?P<low>-?\d+(?:\.\d+)?)\s*(?:and|to)\s*$", re.IGNORECASE)
"""Before a "75°F": "between 74 and "."""


def _degrees(question: str, out: dict[str, Any]) -> None:
    """Temperature buckets: "between 74-75°F", "16°C or higher", "19°F or below", "80°F", "-3°C".

    Read by hand around the degree sign: a regex with optional leading parts would be tried at every
    position of the question, and this runs for every weather market.
    """
    at = question.find("°")
    if at < 0:
        at = question.find("º")  # the ordinal sign some questions use for degrees ("1.24ºC")
    unit_at = at + 1
    while question[unit_at : unit_at + 1] == " ":
        unit_at += 1
    unit = question[unit_at : unit_at + 1]
    if unit not in ("F", "C"):
        return
    end = at
    while end > 0 and question[end - 1] == " ":
        end -= 1
    begin = end
    while begin > 0 and (question[begin - 1].isdigit() or question[begin - 1] == "."):
        begin -= 1
    high = _float_or_none(question[begin:end])
    if high is None:
        return
    low: float | None = None
    second = _SECOND_DEGREE.match(question, unit_at + 1)
    if second is not None and second.group("unit") == unit:
        # "between 1.10ºC and 1.14ºC": the first degree sign is the bucket's low end.
        first = -high if begin > 0 and question[begin - 1] == "-" else high
        second_high = _float_or_none(second.group("signed") or second.group("high"))
        if second_high is not None and second_high > first:
            low, high = first, second_high
            unit_at = second.end() - 1
    elif question[max(0, begin - 40) : begin].lower().rfind("between") >= 0:
        # "between 74 and 75°F": the low end is written without its own degree sign.
        pair = _FIRST_OF_PAIR.search(question, max(0, begin - 40), begin)
        if pair is not None:
            first_low = _float_or_none(pair.group("low"))
            if first_low is not None and first_low < high:
                low = first_low
    if low is None and begin > 0 and question[begin - 1] in "-–—":
        dash = begin - 1
        if dash > 0 and question[dash - 1].isdigit():  # "74-75": a range
            start = dash
            while start > 0 and (question[start - 1].isdigit() or question[start - 1] == "."):
                start -= 1
            low = _float_or_none(question[start:dash])
            if low is None:
                return
            if start > 0 and question[start - 1] == "-" and (start < 2 or not question[start - 2].isdigit()):
                low = -low  # "-5-0°F"
        else:
            high = -high  # "-3°C"
    out["unit"] = unit
    tail = question[unit_at + 1 : unit_at + 12]
    if low is not None:
        out["range_low"] = low
        out["range_high"] = high
        out["direction"] = "between"
    elif tail.startswith((" or higher", " or above", " or more")):
        out["range_low"] = high
        out["direction"] = "above"
    elif tail.startswith((" or below", " or lower", " or less")):
        out["range_high"] = high
        out["direction"] = "below"
    else:
        # "be 80°F on July 23": a one-degree bucket.
        out["range_low"] = high
        out["range_high"] = high
        out["direction"] = "between"


def _counts(question: str, units: frozenset[str], out: dict[str, Any]) -> bool:
    """Count buckets and thresholds: "250-274 tweets", "less than 150 tweets", "450 or more tweets".

    `units`: the count words the question holds. The numbers are read from the few words before the
    first of them, with the one regex that the words there call for.
    """
    word = min(units, key=question.find) if len(units) > 1 else next(iter(units))
    at = question.find(word)
    before = question[max(0, at - 40) : at]
    unit = word.lower()
    unit = {"tweet": "tweets", "posts": "tweets", "basis": "bps"}.get(unit, unit)
    lowered = before.lower()
    if "than" in lowered or "over " in lowered or "under " in lowered or "at least" in lowered:
        match = _COUNT_CMP.search(lowered)
        if match is None:
            return False
        cmp, number, scale = match.groups()
        value = _scaled(number, scale)
        # "less than 150 tweets" is at most 149; "less than 60 million views" is not 59,999,999.
        integer = scale is None and value.is_integer()
        if cmp in ("less than", "fewer than", "under"):
            # A count below N is at most N-1: the bucket "less than 150" is the one under "150-174".
            out["range_high"] = _clean(value - 1 if integer else value)
            out["direction"] = "below"
        else:
            out["range_low"] = _clean(value + 1 if integer and cmp in ("more than", "over") else value)
            out["direction"] = "above"
    elif " or " in lowered or "+" in lowered:
        match = _COUNT_TAIL.search(lowered)
        if match is None:
            return False
        number, scale, tail = match.groups()
        value = _scaled(number, scale)
        if tail in ("or fewer", "or less", "or lower"):
            out["range_high"] = _clean(value)
            out["direction"] = "below"
        else:
            out["range_low"] = _clean(value)
            out["direction"] = "above"
    else:
        match = _COUNT_SPAN.search(before)
        if match is None:
            return False
        low_text, low_scale, high_text, high_scale, scale = match.groups()
        out["range_low"] = _clean(_scaled(low_text, low_scale or high_scale or scale))
        out["range_high"] = _clean(_scaled(high_text, high_scale or scale))
        out["direction"] = "between"
    out["unit"] = unit
    return True


def _percent(question: str, out: dict[str, Any]) -> None:
    match = _PERCENT.search(question, max(0, question.find("%") - 24))
    if match is None:
        return
    out["unit"] = "%"
    low = float(match.group("a"))
    if match.group("b") is not None:
        out["range_low"] = low
        out["range_high"] = float(match.group("b"))
        out["direction"] = "between"
        return
    out["threshold"] = low
    cmp = (match.group("cmp") or "").lower()
    tail = match.group("tail")
    if cmp in ("above", "over", "at least", "more than") or tail in ("higher", "more", "above"):
        out["direction"] = "above"
    elif cmp in ("below", "under", "less than") or tail in ("lower", "less", "below"):
        out["direction"] = "below"
    else:
        direction = _direction_before(question[: match.start("a")])
        if direction is not None:
            out["direction"] = direction


def _line(question: str, tokens: frozenset[str], out: dict[str, Any], category: str | None) -> None:
    match = _LINE.search(question)
    if match is None:
        return
    line, spread = match.groups()
    out["line"] = float(line if line is not None else spread)
    units = tokens & _LINE_UNIT_TOKENS
    if units:
        word = min(units, key=question.find) if len(units) > 1 else next(iter(units))
        out["unit"] = word.lower()
    elif category == "Sports/Soccer":
        out["unit"] = "goals"


_TEAM_END = re.compile(r":| - | \(|,|\?| end in | in their | scheduled | on ")
"""Where the second team's name ends: "B: O/U 2.5", "B - Map 1 Winner", "B (W)", "B end in a draw?"."""
_TEAM_START = re.compile(r"Who will win |Will the |Will ")
_BEAT_END = re.compile(r" by | in | on | at |\?")


def _teams(question: str, out: dict[str, Any]) -> None:
    """ "Lakers vs. Celtics", "LoL: T1 vs. Gen.G", "Suns v. Lakers", "Will X beat Y"."""
    at = question.find(" vs")
    after = at + 3
    if at >= 0 and question.startswith(".", after):
        after += 1
    if at < 0 or not question.startswith(" ", after):
        at = question.find(" v. ")
        after = at + 3
    if at > 0:
        colon = question.rfind(": ", 0, at)
        left = question[colon + 2 if colon >= 0 else 0 : at]  # "LoL: T1", "Set 1 Winner: Frech"
        start = _TEAM_START.match(left)
        if start is not None:
            left = left[start.end() :]
        bracket = left.find(" (")
        if bracket > 0:
            left = left[:bracket]  # "Drake Handicap (-1.5)"
        right = question[after:].lstrip()
        end = _TEAM_END.search(right)
        left, right = left.strip(), (right[: end.start()] if end is not None else right).strip()
        if left and right and len(left) <= 60 and len(right) <= 60:
            out["teams"] = [left, right]
            return
    at = question.find(" beat ")
    if at < 0:
        at = question.find(" defeat ")
    if at > 0:
        will = question.rfind("Will ", 0, at)
        if will < 0:
            return
        left = question[will + 5 : at].removeprefix("the ")
        right = question[question.find(" ", at + 1) + 1 :].removeprefix("the ")
        end = _BEAT_END.search(right)
        right = right[: end.start()] if end is not None else right
        if left and right:
            out["teams"] = [left.strip(), right.strip()]


_PLACE_WORDS = ("emperature", "recipitation", "ainfall", "nowfall", " rain", " snow")


def _place(question: str, out: dict[str, Any]) -> None:
    """The city after "temperature in", "precipitation in", "snow in" (a capitalised name)."""
    for word in _PLACE_WORDS:
        at = question.find(word)
        if at >= 0:
            match = _PLACE.match(question, at + len(word))
            if match is not None:
                place = match.group(1)
                for stop in (" Be", " On", " Reach", " Exceed", " Have"):
                    place = place.split(stop, 1)[0]
                out["place"] = place
                return


# --- entry point --------------------------------------------------------------------------------------

_NUMBER_KEYS = ("threshold", "range_low", "range_high", "line")
_DOWN_TOKENS = frozenset({"Down", "down", "DOWN"})
_LINE_GATE = frozenset({"O", "Over", "Under", "OVER", "UNDER"})
"""Tokens of "O/U 2.5", "Over/Under 42.5", "Over 7.5" (a spread "(-1.5)" is gated by its bracket)."""
_TEAM_GATE = frozenset({"vs", "v", "beat", "defeat"})
_PLACE_GATE = frozenset(
    form
    for word in ("temperature", "precipitation", "rain", "rainfall", "snow", "snowfall")
    for form in (word, word.capitalize())
)
_DOMINANCE_TOKENS = frozenset({"dominance", "Dominance", "DOMINANCE"})
_SPORTS_FREE = ("Crypto", "Weather", "Economy", "Tech", "Politics", "Geopolitics", "Culture")
_GATE_WORDS = (
    _ASSET_KEYS | _MONTH_TOKENS | _COUNT_UNIT_TOKENS | _LINE_UNIT_TOKENS | _DOWN_TOKENS | _LINE_GATE
    | _TEAM_GATE | _PLACE_GATE | _DOMINANCE_TOKENS | {"than"}
)  # fmt: skip
"""Every word a gate or parser looks up in a question's tokens: letters only (tests/taxonomy checks)."""
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_TEMPLATE_CACHE = 32_768


_Shape = tuple[
    frozenset[str], bool, bool, bool, bool, bool, bool, frozenset[str], bool, bool, bool, bool, bool
]


def _gates(text: str) -> _Shape:
    """What the gates of `extract_features` see in a question: its gate words and which parsers can
    apply."""
    tokens = frozenset(_GATE_WORDS.intersection(_TOKEN.findall(text)))
    digits = _DIGIT.search(text) is not None  # what a number is read from
    paren = "(" in text
    return (
        tokens,
        digits,
        # "Bitcoin Dominance hit 70%" measures the coin's share of the market: it has no asset price.
        bool(tokens & _ASSET_KEYS) and tokens.isdisjoint(_DOMINANCE_TOKENS),
        not tokens.isdisjoint(_DOWN_TOKENS),
        "$" in text,
        paren,
        "°" in text or "º" in text,
        tokens & _COUNT_UNIT_TOKENS,
        "%" in text,
        not tokens.isdisjoint(_LINE_GATE) or paren,
        not tokens.isdisjoint(_TEAM_GATE),
        not tokens.isdisjoint(_PLACE_GATE),
        # A date needs a month's name or digits (an ISO date, a year).
        digits or not tokens.isdisjoint(_MONTH_TOKENS),
    )


@lru_cache(maxsize=_TEMPLATE_CACHE)
def _shape(template: bytes) -> _Shape:
    """`_gates` of a question, read from its template (every ASCII digit "0"), once per template:
    questions of one shape (a ladder's rungs, a day of up/down windows) are tokenised once. Every
    gate tests words of letters or characters that are not digits, which the template keeps as they
    are, and where a word ends and whether there is a digit do not depend on which digits they are."""
    return _gates(template.decode("utf-8", "surrogatepass"))


def extract_features(
    question: str, category: str | None = None, *, end_date: str | float | None = None
) -> dict[str, Any]:
    """The features of one question (only the keys found). See the module docstring for the keys."""
    out: dict[str, Any] = {}
    if not question:
        return out
    q = question.strip()
    end = end_date
    # One tokenisation and one set of gate answers per template (see _shape).
    (
        tokens,
        digits,
        asset_gate,
        down,
        money,
        paren,
        degrees,
        units,
        percent,
        line_gate,
        teams,
        place,
        dates,
    ) = _shape(q.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS))
    top = category.split("/", 1)[0] if category else None

    if asset_gate:
        asset = _asset(q, tokens)
        if asset is not None:
            out["asset"] = asset

    if down and _up_down(q, out, end):
        if "asset" not in out:
            ticker = _bracket_ticker(q)
            if ticker is not None:
                out["asset"] = ticker
        if "start_hour_et" not in out and dates:
            _dates(q, tokens, out, end)
        return out

    if money:
        _money(q, out)
        if "asset" not in out and "threshold" in out and paren:
            ticker = _bracket_ticker(q)
            if ticker is not None:
                out["asset"] = ticker
    if degrees:
        _degrees(q, out)
    elif "than" in tokens and top in (None, "Sports") and (spread := _BY_MORE.search(q)):
        # "beat X by more than 5.5 points": a spread line, not a count bucket.
        out["line"] = float(spread.group(1))
        out["unit"] = spread.group(2)
    elif digits and "range_low" not in out and "threshold" not in out:
        if percent:
            _percent(q, out)
        elif not (units and _counts(q, units, out)) and line_gate:
            _line(q, tokens, out, category)
    if teams and top not in _SPORTS_FREE:
        _teams(q, out)
    if place and top in (None, "Weather"):
        _place(q, out)

    if dates:
        _dates(q, tokens, out, end)
    if digits:  # a number is only ever read from decimal digits
        for key in _NUMBER_KEYS:
            value = out.get(key)
            if value is not None and not _isfinite(value):
                del out[key]  # hundreds of digits overflow to inf, which JSON cannot carry
    if "deadline" not in out and end is not None:
        # The question names no date ("Lakers vs. Celtics"): the market's own end date is its deadline.
        deadline = _end_day(end)
        if deadline is not None:
            out["deadline"] = deadline
    return out
