"""Fitting questions into columns (issue 12.4): rows of one family stay distinguishable."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from pmtui.tui.elide import cut_end, fit_column, fit_labels

BTC = [f"Will Bitcoin reach ${level:,} by March 31?" for level in (120_000, 150_000, 200_000)]
TISZA = [
    f"Will Tisza win the national list vote in the 2026 Hungarian parliamentary election by {band}?"
    for band in ("0-5%", "5-10%", "10-15%")
]
WEATHER = [
    "Highest temperature in NYC on January 16? 32-33°F",
    "Highest temperature in NYC on January 16? 30-31°F",
    "Highest temperature in NYC on January 16? 34°F or higher",
]


def test_labels_that_fit_are_whole() -> None:
    assert fit_labels(["Lakers vs. Celtics", *BTC], 60) == ["Lakers vs. Celtics", *BTC]


@pytest.mark.parametrize("family", [BTC, TISZA, WEATHER], ids=["btc", "tisza", "weather"])
@pytest.mark.parametrize("width", [18, 22, 30, 46])
def test_a_family_stays_distinguishable_at_any_width(family: list[str], width: int) -> None:
    fitted = fit_labels(["Will the Fed cut rates in January?", *family], width)
    assert all(cell_len(label) <= width for label in fitted)
    assert len(set(fitted[1:])) == len(family), fitted


def test_the_part_that_differs_is_shown() -> None:
    fitted = fit_labels(TISZA, 46)
    for label, band in zip(fitted, ("0-5%?", "5-10%?", "10-15%?"), strict=True):
        assert label.startswith("Will Tisza win the national list vote")
        assert label.endswith(band) and "…" in label
    # The 22-character cut the trader saw: four rows read `Will Bitcoin reach $1…`.
    assert [label.split("…")[1][:8] for label in fit_labels(BTC, 22)] == ["$120,000", "$150,000", "$200,000"]


def test_a_lone_long_label_is_cut_at_the_end() -> None:
    label = "Will the highest temperature in London be between 20 and 21 degrees on June 3?"
    assert fit_labels([label, "Other"], 30) == [cut_end(label, 30), "Other"]
    assert fit_labels([label], 30)[0].endswith("…") and fit_labels([label], 30)[0].startswith("Will the")


def test_wide_characters_count_two_cells() -> None:
    labels = ["比特币会在三月底前达到十五万美元吗？第一档", "比特币会在三月底前达到十五万美元吗？第二档"]
    fitted = fit_labels(labels, 20)
    assert all(cell_len(label) <= 20 for label in fitted)
    assert fitted[0] != fitted[1]


def test_badged_labels_leave_room_for_the_badge_and_stay_literal() -> None:
    cells = fit_column(
        ["Will [bold]X[/] win the whole thing this year?", *BTC], 24, ["DEMO", None, None, None]
    )
    assert cells[0].plain.startswith("DEMO Will [bold]X[/]")
    assert all(cell.cell_len <= 24 for cell in cells)
    assert not cells[0].spans[1:]  # only the badge is styled: the brackets are plain characters


SEATTLE = [
    f"Will the highest temperature in Seattle be between {low}-{low + 1}°F on December {day}?"
    for low in (61, 63, 65)
    for day in (6, 7)
]
"""A family that differs in two places (the bucket and the day), as the demo's weather markets do:
rows that show only the day still read alike (`Will the highest temperature in Seattl…7?` × 3)."""


@pytest.mark.parametrize("width", [30, 41, 46, 60])
def test_a_family_differing_in_two_places_shows_both(width: int) -> None:
    fitted = fit_labels(["Will the Fed cut rates in January?", *SEATTLE], width)
    assert all(cell_len(label) <= width for label in fitted)
    assert len(set(fitted[1:])) == len(SEATTLE), fitted
    if width >= 41:  # room for both parts that differ: each row shows its bucket and its day
        buckets = [f"{low}-{low + 1}°" for low in (61, 63, 65) for _ in (6, 7)]
        days = [f"{day}?" for _ in (61, 63, 65) for day in (6, 7)]
        for label, bucket, day in zip(fitted[1:], buckets, days, strict=True):
            assert bucket in label and label.endswith(day), label
