"""A cluster's markets as a ladder (ordered by threshold or bucket) and the prices that contradict it.

Rows are anything with `id`, `question`, `yes_price` and `features` (attributes, as the TUI's
`ClusterMarket`, or mapping keys, as a row read from the store); `neg_risk` and `group_item_title`
are used when present. A row without features gets them from its question, so a store that was
never categorised still shows a ladder.

Checks (`consistency_flags`):
- **Monotonic**: for one deadline and one direction, P(YES) of "above"/"reach" markets must not rise
  with the threshold (reaching $200K implies reaching $150K), and of "below"/"dip" markets must not
  fall. A rung is flagged when its price exceeds (resp. falls short of) the cheapest (dearest) rung
  on the easier side by more than `tolerance`: drift that builds up over several small steps counts.
- **Bucket sum**: mutually exclusive outcomes (the markets of a neg-risk event, or bucket ranges of
  one deadline) must have YES prices summing to 1 within `bucket_tolerance`. A sum below 1 is only
  flagged when the set is visibly complete (bucket ranges from an open low end to an open high end):
  a store or sample may hold only some of an event's markets. A sum above 1 + tolerance is always
  contradictory (exclusive outcomes cannot add up to more than certainty) and is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pmtui.taxonomy.features import extract_features

UP_DIRECTIONS = ("above", "reach")
DOWN_DIRECTIONS = ("below", "dip")


@dataclass(frozen=True)
class Rung:
    """One market placed on its cluster's ladder."""

    market_id: str
    label: str
    """What distinguishes it from its siblings: the group title, else the question (untrusted)."""
    yes_price: float | None
    direction: str | None
    threshold: float | None
    range_low: float | None
    range_high: float | None
    deadline: str | None
    unit: str | None = None
    window_start: int | None = None
    """Up/down windows: the window's start, minutes after midnight US Eastern."""
    row: Any = field(default=None, compare=False, repr=False)
    """The row it was made from, for the caller to render."""

    @property
    def sort_value(self) -> float | None:
        """Where it sits: the threshold; a bucket by its low bound (an open-low bucket first)."""
        if self.threshold is not None:
            return self.threshold
        if self.range_low is not None:
            return self.range_low
        if self.range_high is not None:
            return -math.inf
        if self.window_start is not None:
            return float(self.window_start)  # a day's up/down windows, in time order
        return None


@dataclass(frozen=True)
class Flag:
    """A contradiction between prices of one cluster, with the markets and numbers that show it."""

    kind: Literal["monotonic", "bucket_sum"]
    market_ids: tuple[str, ...]
    message: str
    values: tuple[float, ...]
    """Monotonic: (easier threshold, its price, harder threshold, its price); sum: (sum, count)."""


def _get(row: Any, key: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(key, default)
    return getattr(row, key, default)


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def rung_of(row: Any) -> Rung:
    """The ladder position of one row (its stored features, else features read from its question)."""
    question = str(_get(row, "question", "") or "")
    stored = _get(row, "features")
    # Stored features win; the question fills in what they lack (a store never categorised, or
    # features written by an importer without the unit).
    features: Mapping[str, Any] = extract_features(question)
    if isinstance(stored, Mapping) and stored:
        features = {**features, **stored}
    deadline = features.get("deadline")
    return Rung(
        market_id=str(_get(row, "id", "")),
        label=str(_get(row, "group_item_title") or question),
        yes_price=_float(_get(row, "yes_price")),
        direction=features.get("direction") if isinstance(features.get("direction"), str) else None,
        threshold=_float(features.get("threshold")),
        range_low=_float(features.get("range_low")),
        range_high=_float(features.get("range_high")),
        deadline=deadline if isinstance(deadline, str) else None,
        unit=features.get("unit") if isinstance(features.get("unit"), str) else None,
        window_start=_window_start(features),
        row=row,
    )


def _window_start(features: Mapping[str, Any]) -> int | None:
    hour, minute = features.get("start_hour_et"), features.get("start_minute_et")
    if isinstance(hour, int) and not isinstance(hour, bool):
        return hour * 60 + (minute if isinstance(minute, int) and not isinstance(minute, bool) else 0)
    return None


def _order_key(rung: Rung) -> tuple[str, int, float, float, str]:
    value = rung.sort_value
    high = rung.range_high if rung.range_high is not None else math.inf
    return (
        rung.deadline or "",
        1 if value is None else 0,
        value if value is not None else 0.0,
        high,
        rung.label,
    )


def ladder(rows: Iterable[Any]) -> list[Rung]:
    """The rows ordered as a ladder: by deadline, then threshold or bucket low bound (open-low first)
    or, for a day of up/down windows, start time; rows with no number to order by come last."""
    return sorted((rung_of(row) for row in rows), key=_order_key)


def _price_text(value: float) -> str:
    """Cents, as the TUI shows prices: 0.42 → "42¢", 0.125 → "12.5¢"."""
    cents = round(value * 100, 1)
    return f"{cents:.0f}¢" if cents.is_integer() else f"{cents:.1f}¢"


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:g}"


def level_text(rung: Rung) -> str:
    """The rung's level in a few characters: "$150,000", "30–31°F", "≥ 34°F", "250–274 tweets", or
    an up/down window's start "19:55 ET"."""
    unit = rung.unit or ""
    if unit == "usd":
        prefix, suffix = "$", ""
    elif unit in ("F", "C"):
        prefix, suffix = "", f"°{unit}"
    elif unit == "%":
        prefix, suffix = "", "%"
    else:
        prefix, suffix = "", f" {unit}" if unit else ""
    if rung.threshold is not None:
        return f"{prefix}{_number_text(rung.threshold)}{suffix}"
    low, high = rung.range_low, rung.range_high
    if low is not None and high is not None:
        if low == high:
            return f"{prefix}{_number_text(low)}{suffix}"
        return f"{prefix}{_number_text(low)}–{_number_text(high)}{suffix}"
    if low is not None:
        return f"≥ {prefix}{_number_text(low)}{suffix}"
    if high is not None:
        return f"≤ {prefix}{_number_text(high)}{suffix}"
    if rung.window_start is not None:
        return f"{rung.window_start // 60:02d}:{rung.window_start % 60:02d} ET"
    return rung.label


def _monotonic_flags(rungs: Sequence[Rung], tolerance: float) -> list[Flag]:
    flags: list[Flag] = []
    groups: dict[tuple[str, str], list[Rung]] = {}
    for rung in rungs:
        if rung.threshold is None or rung.yes_price is None or rung.direction is None:
            continue
        if rung.direction in UP_DIRECTIONS or rung.direction in DOWN_DIRECTIONS:
            groups.setdefault((rung.deadline or "", rung.direction), []).append(rung)
    for (deadline, direction), group in sorted(groups.items()):
        up = direction in UP_DIRECTIONS
        # Walk from the easiest level to the hardest: P(YES) may only fall along the way.
        ordered = sorted(group, key=lambda r: r.threshold or 0.0, reverse=not up)
        lowest: Rung | None = None
        for rung in ordered:
            assert rung.yes_price is not None and rung.threshold is not None
            if lowest is not None and lowest.threshold != rung.threshold:
                assert lowest.yes_price is not None and lowest.threshold is not None
                if rung.yes_price > lowest.yes_price + tolerance:
                    when = f" ({deadline})" if deadline else ""
                    flags.append(
                        Flag(
                            kind="monotonic",
                            market_ids=(lowest.market_id, rung.market_id),
                            message=(
                                f"{direction} ladder{when}: {level_text(rung)} at "
                                f"{_price_text(rung.yes_price)} is priced over {level_text(lowest)} at "
                                f"{_price_text(lowest.yes_price)}; the harder level cannot be likelier"
                            ),
                            values=(lowest.threshold, lowest.yes_price, rung.threshold, rung.yes_price),
                        )
                    )
                    continue  # keep the easier rung as the reference: one flag per offending rung
            if lowest is None or rung.yes_price < (lowest.yes_price or 0.0):
                lowest = rung
    return flags


def _bucket_flags(rungs: Sequence[Rung], neg_risk: bool, tolerance: float) -> list[Flag]:
    flags: list[Flag] = []
    groups: dict[str, list[Rung]] = {}
    for rung in rungs:
        if rung.yes_price is None:
            continue
        is_bucket = rung.threshold is None and (rung.range_low is not None or rung.range_high is not None)
        if neg_risk:
            # One event's exclusive outcomes: one group, whatever dates their questions name
            # ("Will Arsenal win on 2026-07-23?" and "… end in a draw?").
            groups.setdefault("", []).append(rung)
        elif is_bucket:
            groups.setdefault(rung.deadline or "", []).append(rung)
    for deadline, group in sorted(groups.items()):
        if len(group) < 2:
            continue
        total = sum(r.yes_price or 0.0 for r in group)
        has_low_end = any(r.range_low is None and r.range_high is not None for r in group)
        has_high_end = any(r.range_high is None and r.range_low is not None for r in group)
        # Only bucket ranges that run from an open low end to an open high end show that every
        # outcome is present; a neg-risk event's markets may be in the store only in part (a
        # recorded sample, closed candidates hidden), so there only a sum above 1 is a contradiction.
        complete = has_low_end and has_high_end
        if abs(total - 1.0) <= tolerance or (not complete and total <= 1.0 + tolerance):
            continue
        when = f" ({deadline})" if deadline else ""
        scope = "buckets" if complete else "buckets present (not all)"
        flags.append(
            Flag(
                kind="bucket_sum",
                market_ids=tuple(r.market_id for r in group),
                message=(
                    f"{len(group)} mutually exclusive {scope}{when}: YES prices sum to "
                    f"{total:.2f}, {abs(total - 1):.2f} {'more' if total > 1 else 'less'} than 1 "
                    f"(tolerance {tolerance:.2f})"
                ),
                values=(total, float(len(group))),
            )
        )
    return flags


def consistency_flags(
    rows: Iterable[Any],
    *,
    tolerance: float = 0.02,
    bucket_tolerance: float = 0.1,
    neg_risk: bool | None = None,
) -> list[Flag]:
    """Prices of one cluster that contradict each other (see the module docstring).

    `neg_risk`: whether the rows are mutually exclusive outcomes of one event; None reads each row's
    `neg_risk` (all must say so).
    """
    rungs = ladder(rows)
    if neg_risk is None:
        neg_risk = bool(rungs) and all(bool(_get(r.row, "neg_risk", False)) for r in rungs)
    return _monotonic_flags(rungs, tolerance) + _bucket_flags(rungs, neg_risk, bucket_tolerance)
