"""`terminal_safe` over the corpus (tests/data/hostile/text.json), and the two last-resort filters
(the app's line filter, the CLI's console) that drop what a terminal would obey without moving a cell.

A text case: {"id", "text" (or [[piece, times], ...] parts), "shown" (what must be visible after)}.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.strip import Strip

from pmtui.cli.common import cell
from pmtui.cli.safe_console import SafeConsole
from pmtui.text import MAX_CHARS, MAX_MARKS, strip_controls, terminal_safe
from pmtui.tui.formatting import literal
from pmtui.tui.terminal_filter import TerminalControlFilter
from tests.hostile.corpus import Case, cases, load

INVISIBLE = {0x115F, 0x1160, 0x3164, 0xFFA0}


def offending(text: str, *, newlines: bool = False) -> list[str]:
    """Characters a terminal could obey or hide: controls, format characters, separators,
    surrogates, variation selectors and other default-ignorables."""
    bad = []
    for char in text:
        code = ord(char)
        category = unicodedata.category(char)
        if char == "\n" and newlines:
            continue
        if (
            category in ("Cc", "Cf", "Cs", "Zl", "Zp")
            or 0xFE00 <= code <= 0xFE0F
            or 0xE0000 <= code <= 0xE0FFF
            or code in INVISIBLE
        ):
            bad.append(f"U+{code:04X}")
    return bad


def longest_mark_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("case", cases("text"))
def test_terminal_safe_shows_the_text_and_nothing_a_terminal_obeys(case: Case) -> None:
    for newlines in (False, True):
        shown = terminal_safe(case.text(), newlines=newlines)
        assert not offending(shown, newlines=newlines)
        assert longest_mark_run(shown) <= MAX_MARKS
        assert len(shown) <= MAX_CHARS + 40
        assert terminal_safe(shown, newlines=newlines, limit=None) == shown  # nothing left to change
    assert case["shown"] in terminal_safe(case.text())


@pytest.mark.parametrize("case", cases("text"))
def test_literal_renders_the_safe_text_without_markup(case: Case) -> None:
    text = literal(case.text())
    assert text.plain == terminal_safe(case.text())
    assert not text.spans  # markup was not parsed: no style, no link


def test_line_breaks_are_kept_only_when_asked() -> None:
    assert terminal_safe("a\r\nb\nc") == "a␍␤b␤c"
    assert terminal_safe("a\r\nb\nc", newlines=True) == "a\nb\nc"
    assert terminal_safe("x" * 30, limit=10) == "x" * 10 + "… [20 more characters]"


def _strip_of(text: str) -> Strip:
    return Strip([Segment("│ "), Segment(text), Segment(" │")])


@pytest.mark.parametrize("case", [c for c in cases("text") if "\u001b" in c.values[0].text()])
def test_the_app_line_filter_drops_controls_without_moving_a_cell(case: Case) -> None:
    """What reached a widget without literal() (raw text in a segment) is cleaned at the last step,
    and the line keeps its width (what was dropped took no cell)."""
    raw = case.text()[:500]
    strip = _strip_of(raw)
    filtered = strip.apply_filter(TerminalControlFilter(), Color(0, 0, 0))
    text = "".join(segment.text for segment in filtered)
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert text == "│ " + strip_controls(raw) + " │"
    assert filtered.cell_length == strip.cell_length == cell_len(text)


def test_the_cli_console_drops_controls_and_keeps_lines() -> None:
    out = io.StringIO()
    console = SafeConsole(file=out, width=80, color_system=None)
    console.print(Text("Will \x1b]0;PWNED\x07 x?\nsecond line \u202eevil"))  # a Text built without cell()
    console.print(cell("Will \x1b]0;PWNED\x07 x?"))
    printed = out.getvalue()
    assert printed == "Will ]0;PWNED x?\nsecond line evil\nWill ␛]0;PWNED␇ x?\n"


def test_the_corpus_is_well_formed() -> None:
    for kind in ("text", "configs"):
        assert load(kind)


def test_the_text_test_for_raw_json_controls_finds_what_the_json_escaping_escapes() -> None:
    # `categorize --input --json` runs json_terminal_safe over a batch of lines only when one of its
    # strings holds such a character: the text test must agree with the bytes one on every character.
    import msgspec

    from pmtui.text import has_raw_json_controls, json_terminal_safe

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates: no UTF-8 text holds them
        char = chr(code)
        encoded = msgspec.json.encode(char)
        assert has_raw_json_controls(f"a{char}b") == (json_terminal_safe(encoded) != encoded), hex(code)
