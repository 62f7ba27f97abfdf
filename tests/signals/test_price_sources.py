"""Screens name a price's source in words; the codes stay in JSON and the store."""

from __future__ import annotations

import pytest

from pmtui.signals.pricing import BOOK_ASK, BOOK_COMPLEMENT, BOOK_MID, DISPLAY, GAMMA_BOOK, source_name


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        (BOOK_ASK, "best ask"),
        (BOOK_COMPLEMENT, "1 − the other side's best bid"),
        (GAMMA_BOOK, "Gamma's best ask; no fresh book"),
        (DISPLAY, "display price; no book"),
        (f"{DISPLAY}+cost", "display price + slippage; no book"),
        (BOOK_MID, "book midpoint"),
        ("from_a_future_version", "from_a_future_version"),
    ],
)
def test_each_source_reads_as_words(code: str, shown: str) -> None:
    assert source_name(code) == shown
