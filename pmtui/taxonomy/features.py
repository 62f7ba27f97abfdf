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

Speed: this runs for every market (>= 100,000 markets/s together with classify). The question is
tokenised once; every regex is gated behind a cheap test (a substring or a token in the set), so a
question pays only for the parsers that can apply to it.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta
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

_UPDOWN = re.compile(
    r"^(?P<name>.*?)\s+Up or Down\b(?:\s*[-–]\s*|\s+on\s+|\s+)?(?P<rest>.*)$",
    re.IGNORECASE,
)
_WINDOW = re.compile(
    r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<p1>[AP]M)"
    r"(?:\s*[-–]\s*(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<p2>[AP]M))?\s*ET\b",
    re.IGNORECASE,
)

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

_ABOVE_WORDS = (
    "above",
    "over",
    "more than",
    "greater than",
    "higher than",
    "at least",
    "exceed",
    "exceeds",
    "settle over",
    "close above",
    "finish above",
    ">",
    "≥",
)
_BELOW_WORDS = ("below", "under", "less than", "lower than", "fewer than", "at most", "<", "≤")
_REACH_WORDS = ("reach", "hit", "break", "hits", "reaches", "breaks", "surpass", "top", "(high)")
_DIP_WORDS = ("dip to", "dips to", "fall to", "falls to", "drop to", "drops to", "(low)", "crash to")

_DEGREES = re.compile(
    r"(?:(?P<between>between\s+)?(?P<a>-?\d+(?:\.\d+)?)\s*(?:°\s*[FC]?)?\s*(?:-|–|—|to|and)\s*)?"
    r"(?P<b>-?\d+(?:\.\d+)?)\s*°\s*(?P<unit>[FC])\b(?:\s+or\s+(?P<tail>higher|above|more|below|lower|less))?",
)
_COUNT_UNITS = (
    "tweets|posts|tweet|views|viewers|votes|seats|points|goals|games|sets|maps|kills|rounds|"
    "yards|assists|rebounds|touchdowns|strikeouts|runs|bps|basis points|years|days|doses|people|cases"
)
_COUNT_RANGE = re.compile(
    r"(?:(?P<between>between\s+)?(?P<a>\d[\d,]*(?:\.\d+)?)(?P<sa>[kKmMbB])?\s*(?:-|–|—|to|and)\s*"
    r"(?P<b>\d[\d,]*(?:\.\d+)?)(?P<sb>[kKmMbB])?(?:\s*(?P<scale>million|billion|thousand))?"
    r"|(?P<cmp>less than|fewer than|more than|over|under|at least)\s+(?P<c>\d[\d,]*(?:\.\d+)?)"
    r"(?:\s*(?P<cscale>million|billion|thousand))?"
    r"|(?P<d>\d[\d,]*(?:\.\d+)?)(?:\s*(?P<dscale>million|billion|thousand))?\s*(?P<dplus>\+|or more|or fewer|or less|or higher|or lower)"
    r")\s+(?:new\s+)?(?P<unit>" + _COUNT_UNITS + r")\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    r"(?P<cmp>above|over|below|under|at least|more than|less than)?\s*(?P<a>\d+(?:\.\d+)?)%"
    r"(?:\s*(?:-|–|to|and)\s*(?P<b>\d+(?:\.\d+)?)%)?(?:\s+or\s+(?P<tail>higher|more|above|lower|less|below))?",
    re.IGNORECASE,
)
_LINE = re.compile(
    r"(?:O/U|Over/Under|Over|Under)\s+(?P<line>\d+(?:\.\d+)?)|\((?P<spread>[+-]\d+(?:\.\d+)?)\)",
)
_LINE_UNIT = re.compile(
    r"\b(goals|points|rounds|kills|games|maps|sets|runs|yards|assists|rebounds|corners|"
    r"touchdowns|strikeouts|threes|aces)\b",
    re.IGNORECASE,
)
_BY_MORE = re.compile(r"by more than (?P<line>\d+(?:\.\d+)?) points", re.IGNORECASE)

_DATE = re.compile(
    r"(?P<mon>" + _MONTH_RE + r")\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:" + _DASH + r"(?:(?P<mon2>" + _MONTH_RE + r")\s+)?(?P<day2>\d{1,2})(?:st|nd|rd|th)?)?"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?\b",
)
_ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")
_MONTH_ONLY = re.compile(
    r"\b(?P<pre>in|by|before|during|end of|by end of|by the end of|of)\s+(?P<mon>" + _MONTH_RE + r")"
    r"(?:\s+(?P<year>(?:19|20)\d\d))?(?![\w ]*\d)",
)
_YEAR_ONLY = re.compile(r"\b(?P<pre>in|by|before|during|end of|of)\s+(?P<year>(?:19|20)\d\d)\b(?!\s*[-–]\d)")

_PLACE = re.compile(
    r"(?:[Tt]emperature|[Pp]recipitation|[Rr]ain|[Rr]ainfall|[Ss]now|[Ss]nowfall)\s+(?:in|at|for)\s+"
    r"(?P<place>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)",
)

_VS = re.compile(r"\s+(?:vs\.?|v\.)\s+")
_TEAM_PREFIX = re.compile(r"^(?:who will win|will|will the)\s+", re.IGNORECASE)
_TEAM_SUFFIX = re.compile(
    r"(?::|\s+-\s+|\s+\(|,|\?|\s+end in\b|\s+in their\b|\s+on\s+\d|\s+scheduled\b).*$",
    re.IGNORECASE,
)
_BEAT = re.compile(
    r"^(?:[\w\s.]+:\s+)?Will\s+(?:the\s+)?(?P<a>.+?)\s+(?:beat|defeat)\s+(?:the\s+)?(?P<b>.+?)"
    r"(?:\s+by\b|\s+in\b|\s+on\b|\s+at\b|\?|$)",
)


# --- helpers ------------------------------------------------------------------------------------------


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


def _end_date(end_date: str | float | None) -> date | None:
    if end_date is None or end_date == "":
        return None
    if isinstance(end_date, int | float):
        return datetime.fromtimestamp(float(end_date), UTC).date()
    text = str(end_date)
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except (ValueError, IndexError):
        return None


def _month_number(text: str) -> int:
    key = text.rstrip(".").lower()
    return _MONTHS.get(key) or _MONTHS[key[:3]]


def _resolve(month: int, day: int, year: int | None, end: date | None) -> date | None:
    """The date; without a year, the year that puts it closest to the market's end date."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if end is None:
        return None
    best: date | None = None
    for candidate_year in (end.year - 1, end.year, end.year + 1):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - end).days) < abs((best - end).days):
            best = candidate
    return best


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _direction_before(text: str) -> str | None:
    """The direction named by the words just before a number ("reach $150K", "dip to $40,000")."""
    tail = text[-28:].lower()
    best: tuple[int, str] | None = None
    for words, direction in (
        (_DIP_WORDS, "dip"),
        (_REACH_WORDS, "reach"),
        (_ABOVE_WORDS, "above"),
        (_BELOW_WORDS, "below"),
    ):
        for word in words:
            at = tail.rfind(word)
            if at < 0:
                continue
            # A word must stand alone ("top" is not "laptop"; "over" is not "Hanover").
            if word[0].isalpha() and at > 0 and tail[at - 1].isalpha():
                continue
            end = at + len(word)
            if best is None or end > best[0]:
                best = (end, direction)
    return best[1] if best else None


# --- parsers ------------------------------------------------------------------------------------------


_AMBIGUOUS = frozenset({"DOGE"})
"""Tickers that are also other things in the news (DOGE: the Department of Government Efficiency)."""


def _asset(question: str, tokens: set[str]) -> str | None:
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


def _bracket_ticker(question: str) -> str | None:
    """A ticker written in brackets: "NVIDIA (NVDA)", "Gold (GC)", "Binance Coin (BNB)"."""
    match = _TICKER_IN_BRACKETS.search(question)
    return match.group("t") if match else None


def _up_down(question: str, out: dict[str, Any], end: date | None) -> bool:
    match = _UPDOWN.match(question)
    if match is None:
        return False
    out["direction"] = "up_down"
    rest = match.group("rest")
    window = _WINDOW.search(rest) if rest else None
    if window is not None:
        h1 = int(window.group("h1")) % 12 + (12 if window.group("p1").upper() == "PM" else 0)
        m1 = int(window.group("m1") or 0)
        out["start_hour_et"] = h1
        out["start_minute_et"] = m1
        if window.group("h2") is not None:
            h2 = int(window.group("h2")) % 12 + (12 if window.group("p2").upper() == "PM" else 0)
            m2 = int(window.group("m2") or 0)
            minutes = (h2 * 60 + m2 - h1 * 60 - m1) % (24 * 60)
            out["window_minutes"] = minutes or 24 * 60
        else:
            out["window_minutes"] = 60  # "…, 7PM ET": the hourly market of the hour starting then
        period = rest[: window.end()].strip()
        out["period"] = period
        day = _DATE.search(rest, 0, window.start())
        if day is not None:
            start = _resolve(
                _month_number(day.group("mon")),
                int(day.group("day")),
                int(day.group("year")) if day.group("year") else None,
                end,
            )
            if start is not None:
                out["deadline"] = _window_end_utc(start, h1, m1, out["window_minutes"]).isoformat()
    return True


def _window_end_utc(day: date, hour: int, minute: int, minutes: int) -> date:
    """The UTC date the window ends on (what Gamma's endDate says), from its Eastern start."""
    from zoneinfo import ZoneInfo

    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("America/New_York"))
    return (start + timedelta(minutes=minutes)).astimezone(UTC).date()


def _dates(question: str, tokens: set[str], out: dict[str, Any], end: date | None) -> None:
    """`period` (as written) and `deadline` (ISO) from the last date the question names."""
    found: date | None = None
    period: str | None = None
    day_precise = False
    if tokens & _MONTH_TOKENS:
        last = None
        for last in _DATE.finditer(question):  # noqa: B007 - the last date is the deadline
            pass
        if last is not None:
            first = _DATE.search(question)
            month = _month_number(last.group("mon2") or last.group("mon"))
            day = int(last.group("day2") or last.group("day"))
            year = int(last.group("year")) if last.group("year") else None
            found = _resolve(month, day, year, end)
            day_precise = True
            start = first.start() if first is not None else last.start()
            # "from July 18 to July 25, 2025": the period runs from the first date to the last.
            between = question[start : last.start()]
            if first is not None and first is not last and len(between) < 40 and " to " in between:
                period = question[start : last.end()]
            else:
                period = last.group(0)
        else:
            month_only = _MONTH_ONLY.search(question)
            if month_only is not None:
                month = _month_number(month_only.group("mon"))
                year_text = month_only.group("year")
                year = int(year_text) if year_text else None
                if year is None and end is not None:
                    anchor = _resolve(month, 15, None, end)
                    year = anchor.year if anchor else None
                if year is not None:
                    found = _month_end(year, month)
                    if month_only.group("pre") == "before":
                        found = date(year, month, 1) - timedelta(days=1)
                period = question[month_only.start("mon") : month_only.end()]
    if found is None and period is None and "-" in question:
        iso = _ISO_DATE.search(question)
        if iso is not None:
            try:
                found = date(int(iso.group("y")), int(iso.group("m")), int(iso.group("d")))
            except ValueError:
                found = None
            period = iso.group(0)
    if found is None and period is None and ("20" in question or "19" in question):
        year_only = _YEAR_ONLY.search(question)
        if year_only is not None:
            year = int(year_only.group("year"))
            found = date(year - 1, 12, 31) if year_only.group("pre") == "before" else date(year, 12, 31)
            period = year_only.group("year")
    if period is not None:
        out["period"] = period
    if found is not None:
        if day_precise and question[: question.find(period or "")].endswith("before "):
            found -= timedelta(days=1)  # "before March 1": the last day that counts is February 28
        out["deadline"] = found.isoformat()


def _money(question: str, out: dict[str, Any]) -> None:
    """Dollar thresholds ("reach $150K", "above $1.2B", "$100+") and dollar ranges."""
    if "between" in question or " and $" in question or "-" in question or "–" in question:
        span = _MONEY_RANGE.search(question)
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
    match = _MONEY.search(question)
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
        after = question[match.end() : match.end() + 14].lower()
        if after.startswith((" or higher", " or more", " or above")):
            direction = "above"
        elif after.startswith((" or lower", " or less", " or below")):
            direction = "below"
    if direction is not None:
        out["direction"] = direction


def _degrees(question: str, out: dict[str, Any]) -> None:
    match = _DEGREES.search(question)
    if match is None:
        return
    out["unit"] = match.group("unit")
    high = float(match.group("b"))
    tail = match.group("tail")
    if match.group("a") is not None:
        out["range_low"] = float(match.group("a"))
        out["range_high"] = high
        out["direction"] = "between"
    elif tail in ("higher", "above", "more"):
        out["range_low"] = high
        out["direction"] = "above"
    elif tail in ("below", "lower", "less"):
        out["range_high"] = high
        out["direction"] = "below"
    else:
        # "be 80°F on July 23": a one-degree bucket.
        out["range_low"] = high
        out["range_high"] = high
        out["direction"] = "between"


def _counts(question: str, out: dict[str, Any]) -> bool:
    """Count buckets and thresholds: "250-274 tweets", "less than 150 tweets", "450 or more tweets"."""
    match = _COUNT_RANGE.search(question)
    if match is None:
        return False
    unit = match.group("unit").lower()
    out["unit"] = {"tweet": "tweets", "posts": "tweets", "basis points": "bps"}.get(unit, unit)
    if match.group("a") is not None:
        scale = match.group("scale")
        low = _scaled(match.group("a"), match.group("sa") or match.group("sb") or scale)
        high = _scaled(match.group("b"), match.group("sb") or scale)
        out["range_low"] = _clean(low)
        out["range_high"] = _clean(high)
        out["direction"] = "between"
    elif match.group("c") is not None:
        value = _scaled(match.group("c"), match.group("cscale"))
        cmp = match.group("cmp").lower()
        integer = value.is_integer()
        if cmp in ("less than", "fewer than", "under"):
            # A count below N is at most N-1: the bucket "less than 150" is the one under "150-174".
            out["range_high"] = _clean(value - 1 if integer else value)
            out["direction"] = "below"
        else:
            out["range_low"] = _clean(value + 1 if integer and cmp in ("more than", "over") else value)
            out["direction"] = "above"
    else:
        value = _scaled(match.group("d"), match.group("dscale"))
        tail = match.group("dplus").lower()
        if tail in ("or fewer", "or less", "or lower"):
            out["range_high"] = _clean(value)
            out["direction"] = "below"
        else:
            out["range_low"] = _clean(value)
            out["direction"] = "above"
    return True


def _percent(question: str, out: dict[str, Any]) -> None:
    match = _PERCENT.search(question)
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


def _line(question: str, out: dict[str, Any], category: str | None) -> None:
    match = _LINE.search(question)
    if match is None:
        return
    if match.group("line") is not None:
        out["line"] = float(match.group("line"))
    else:
        out["line"] = float(match.group("spread"))
    unit = _LINE_UNIT.search(question)
    if unit is not None:
        out["unit"] = unit.group(1).lower()
    elif category == "Sports/Soccer":
        out["unit"] = "goals"


def _teams(question: str, out: dict[str, Any]) -> None:
    if " v" in question:
        parts = _VS.split(question, maxsplit=1)
        if len(parts) == 2:
            left, right = parts
            left = left.rsplit(": ", 1)[-1]
            left = _TEAM_PREFIX.sub("", left).strip()
            right = _TEAM_SUFFIX.sub("", right).strip()
            if left and right and len(left) <= 60 and len(right) <= 60:
                out["teams"] = [left, right]
                return
    if " beat " in question or " defeat " in question:
        match = _BEAT.match(question)
        if match is not None:
            out["teams"] = [match.group("a").strip(), match.group("b").strip()]


def _place(question: str, out: dict[str, Any]) -> None:
    match = _PLACE.search(question)
    if match is not None:
        place = match.group("place")
        for stop in (" Be", " On", " Reach", " Exceed", " Have"):
            place = place.split(stop, 1)[0]
        out["place"] = place


# --- entry point --------------------------------------------------------------------------------------

_SPORTS_FREE = ("Crypto", "Weather", "Economy", "Tech", "Politics", "Geopolitics", "Culture")


def extract_features(
    question: str, category: str | None = None, *, end_date: str | float | None = None
) -> dict[str, Any]:
    """The features of one question (only the keys found). See the module docstring for the keys."""
    out: dict[str, Any] = {}
    if not question:
        return out
    q = question.strip()
    end = _end_date(end_date)
    tokens = set(_TOKEN.findall(q))
    top = category.split("/", 1)[0] if category else None

    asset = _asset(q, tokens)
    if asset is not None:
        out["asset"] = asset

    if ("Up or Down" in q or "up or down" in q or "UP OR DOWN" in q) and _up_down(q, out, end):
        if "asset" not in out:
            ticker = _bracket_ticker(q)
            if ticker is not None:
                out["asset"] = ticker
        if "start_hour_et" not in out:
            _dates(q, tokens, out, end)
        return out

    if "$" in q:
        _money(q, out)
        if "asset" not in out and "threshold" in out and "(" in q:
            ticker = _bracket_ticker(q)
            if ticker is not None:
                out["asset"] = ticker
    if "°" in q:
        _degrees(q, out)
    elif "by more than" in q and top in (None, "Sports") and _BY_MORE.search(q):
        # "beat X by more than 5.5 points": a spread line, not a count bucket.
        out["line"] = float(_BY_MORE.search(q).group("line"))  # type: ignore[union-attr]
        out["unit"] = "points"
    elif "range_low" not in out and "threshold" not in out and any(c.isdigit() for c in q):
        if "%" in q:
            _percent(q, out)
        elif not _counts(q, out) and ("O/U" in q or "Over" in q or "Under" in q or "(" in q):
            _line(q, out, category)
    if top not in _SPORTS_FREE and (" v" in q or " beat " in q or " defeat " in q):
        _teams(q, out)
    if top in (None, "Weather") and ("emperature" in q or "recipitation" in q or "now" in q or "ain" in q):
        _place(q, out)

    _dates(q, tokens, out, end)
    return out
