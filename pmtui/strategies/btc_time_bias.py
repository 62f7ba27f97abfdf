"""btc_time_bias: in Bitcoin up/down windows, buy the side the hour map gives for the start hour.

The hour is the hour of day in US Eastern time (America/New_York, daylight saving included) at which
the window starts: the taxonomy's `start_hour_et` feature, read from the question ("…, 7:55PM-8:00PM
ET"). When the question carries no hour but the window length is known, the start is the scheduled
end minus `window_minutes`, converted to Eastern time with the zone's rules for that date.
"Up"/"Down" are found among the market's outcomes by name, never by position.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pmtui.config import ConfigError
from pmtui.dates import utc_datetime
from pmtui.strategies._common import FilteredStrategy, fmt_price, outcome_index, side_label
from pmtui.strategies.base import DecisionContext, Params, Proposal

EASTERN = ZoneInfo("America/New_York")
SIDES = ("Up", "Down")


def parse_hour_map(raw: Mapping[str, Any]) -> dict[int, str]:
    """{"7": "Up", ...} → {7: "Up", ...}; raises ConfigError naming the bad entry."""
    parsed: dict[int, str] = {}
    for key, value in raw.items():
        try:
            hour = int(str(key).strip())
        except ValueError:
            hour = -1
        if not 0 <= hour <= 23:
            raise ConfigError("btc_time_bias", f"hour_map.{key}", "hour must be a whole number 0–23")
        side = next((s for s in SIDES if isinstance(value, str) and value.strip().lower() == s.lower()), None)
        if side is None:
            raise ConfigError(
                "btc_time_bias", f"hour_map.{key}", f'side must be "Up" or "Down", got {value!r}'
            )
        parsed[hour] = side
    return parsed


@cache
def _cached_hour_map(items: tuple[tuple[str, Any], ...]) -> dict[int, str]:
    return parse_hour_map(dict(items))


def window_start_hour_et(ctx: DecisionContext) -> int | None:
    """The Eastern-time hour the window starts, from the features (or end date − window length)."""
    hour = ctx.features.get("start_hour_et")
    if isinstance(hour, int) and not isinstance(hour, bool) and 0 <= hour <= 23:
        return hour
    minutes = ctx.features.get("window_minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > 0 and ctx.end_date:
        start = utc_datetime(ctx.end_date - minutes * 60)  # None for a stored end date that is no date
        try:
            return start.astimezone(EASTERN).hour if start is not None else None
        except OverflowError:  # within hours of year 1 or 9999
            return None
    return None


class BtcTimeBias(FilteredStrategy):
    name: ClassVar[str] = "btc_time_bias"
    description: ClassVar[str] = (
        "Crypto/BTC-UpDown windows: buy the side hour_map gives for the US Eastern start hour "
        "(default {0: Down, 7: Up, 10: Up, 12: Down, 21: Down})."
    )
    categories: ClassVar[tuple[str, ...]] = ("Crypto/BTC-UpDown",)

    def propose(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        hour_map = _cached_hour_map(tuple(sorted((str(k), v) for k, v in params["hour_map"].items())))
        hour = window_start_hour_et(ctx)
        if hour is None or hour not in hour_map:
            return None
        side = hour_map[hour]
        index = outcome_index(ctx.outcomes, side)
        if index is None:
            return None  # outcomes are not Up/Down: not a market this map speaks about
        price = ctx.yes_price if index == 0 else 1.0 - ctx.yes_price
        minute = ctx.features.get("start_minute_et")
        start = (
            f"{hour:02d}:{minute:02d}" if isinstance(minute, int) and 0 <= minute <= 59 else f"{hour:02d}h"
        )
        rationale = (
            f"window starts {start} ET; hour map says {side} for hour {hour}: "
            f"buy {side_label(ctx.outcomes[index])} at {fmt_price(price)}"
        )
        return Proposal(outcome_index=index, rationale=rationale)
