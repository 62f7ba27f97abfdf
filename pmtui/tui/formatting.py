"""How numbers, times and untrusted strings look on screen. Pure functions, no widgets.

Untrusted text (questions, outcome names, event titles, categories, ids, rationales, notes, error
messages quoting them) always goes through `literal()`: a Rich `Text` is never parsed for markup, so
`Will [bold]X[/] win? [link=x]` shows exactly those characters, and `pmtui.text.terminal_safe` shows
control characters (`␛`, `␇`, `\x9b`) instead of letting the terminal obey them.
"""

from __future__ import annotations

import math

from rich.text import Text

from pmtui.dates import format_utc, utc_datetime
from pmtui.money import MISSING
from pmtui.text import terminal_safe

DASH = MISSING


def literal(value: object, style: str = "", *, newlines: bool = False) -> Text:
    """Text shown as written (no Rich markup, no emoji codes) and safe for the terminal (control
    characters visible, bidi overrides and zero-width characters dropped; `newlines` keeps line
    breaks, for multi-line text such as a description)."""
    return Text(terminal_safe(value, newlines=newlines), style=style, no_wrap=False)


def cents(price: float | None) -> str:
    """A price in [0, 1] as cents, the way Polymarket shows it: 0.534 -> "53.4¢"."""
    if price is None:
        return DASH
    return f"{price * 100:.1f}¢"


def signed_cents(change: float | None) -> Text:
    """A price change in cents, green up / red down."""
    if change is None:
        return Text(DASH, style="dim")
    value = change * 100
    if abs(value) < 0.05:
        return Text("0.0¢", style="dim")
    style = "green" if value > 0 else "red"
    return Text(f"{value:+.1f}¢", style=style)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return DASH
    return f"{value * 100:.{digits}f}%"


def money(value: float | None) -> str:
    """Dollars, compact: $950, $12.3K, $4.56M, $1.2B."""
    if value is None:
        return DASH
    sign = "-" if value < 0 else ""
    amount = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= limit:
            return f"{sign}${amount / limit:.1f}{suffix}"
    return f"{sign}${amount:,.0f}"


def span(seconds: float) -> str:
    """A duration as its two largest units: 3d 4h, 5h 12m, 7m, 45s (a dash for no real duration)."""
    if not math.isfinite(seconds):
        return DASH
    seconds = int(max(0, seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 100:
        return f"{days}d"
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def short_span(seconds: float) -> str:
    """A duration as its largest unit only: 3d, 5h, 12m, 45s (a dash for no real duration)."""
    if not math.isfinite(seconds):
        return DASH
    seconds = int(max(0, seconds))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def time_to_close(end_date: int | None, now: float, *, closed: bool = False) -> Text:
    if closed:
        return Text("closed", style="dim")
    if utc_datetime(end_date) is None:  # missing, or a stored value no calendar holds (1e20)
        return Text(DASH, style="dim")
    assert end_date is not None
    left = end_date - now
    if left <= 0:
        return Text("ended", style="yellow")
    return Text(span(left), style="bold" if left < 86400 else "")


def age(t: float | None, now: float) -> str:
    """How long ago `t` was: "12s ago", "3h 5m ago", or "never"."""
    if t is None:
        return "never"
    return f"{span(now - t)} ago"


def utc_day(t: float | None) -> str:
    """A stored time as its UTC day, "2026-12-08"; a dash when missing or no date (never raises)."""
    return format_utc(t, "%Y-%m-%d", DASH)


def utc_date(t: float | None) -> str:
    """A stored time as a UTC date; a dash when it is missing or no date at all (never raises)."""
    return format_utc(t, "%Y-%m-%d %H:%M UTC", DASH)


def time_ticks(ts: list[int] | list[float], count: int = 4) -> tuple[list[float], list[str]]:
    """Evenly spaced x-axis ticks for a time series, labelled by date or by hour for short spans."""
    if not ts:
        return [], []
    start, end = float(ts[0]), float(ts[-1])
    if not (math.isfinite(start) and math.isfinite(end)):
        return [], []
    single = end <= start
    positions = [start] if single else [start + (end - start) * i / (count - 1) for i in range(count)]
    fmt = "%H:%M" if end - start < 2 * 86400 else "%m-%d" if end - start < 300 * 86400 else "%Y-%m"
    labels = [format_utc(p, fmt, DASH) for p in positions]
    return positions, labels


def right(text: Text) -> Text:
    """`text` right-aligned in its table cell."""
    text.justify = "right"
    return text


def clip(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis (a copy; the original is untouched)."""
    out = text.copy()
    out.no_wrap = True
    out.truncate(max(1, width), overflow="ellipsis")
    return out
