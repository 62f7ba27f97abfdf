"""Text from outside made safe for a terminal, where it is shown. The data itself is never changed:
the store, `--json` output and exports keep every string exactly as it came.

Market questions, outcomes, event titles, categories, ids and the error messages quoting them come
from strangers. Written raw to a terminal, `\\x1b]0;...\\x07` renames the window, `\\x1b[2J` clears
the screen, OSC 52 writes the clipboard and OSC 8 plants a link. So every such string passes
`terminal_safe()` on its way to the screen: in the app through `pmtui.tui.formatting.literal()` (and
a last-resort line filter on everything the app draws), in the CLI through the echo, cell and console
helpers of `pmtui.cli.common`.

`terminal_safe()` turns a string into one that shows what it holds and moves the cursor only as
far as its own width:
- C0 controls and DEL become their Unicode control pictures (ESC `␛`, BEL `␇`, NUL `␀`, CR `␍`,
  newline `␤` unless newlines are allowed, tab a space); C1 controls (U+0080-U+009F, among them the
  one-byte CSI U+009B) become `\\x9b`-style text: visible, and never the start of a sequence;
- invisible characters are dropped: format characters (Unicode category Cf: bidi embeddings,
  overrides, isolates and marks, zero-width space/joiners, BOM, soft hyphen, tag characters) and
  the other default-ignorable code points (variation selectors, Hangul fillers), so text cannot
  reorder itself on bidi-aware terminals, hide characters, or be measured differently by Rich and
  the terminal;
- at most `MAX_MARKS` combining marks stay on one base character (a "Zalgo" run cannot pile up
  over the neighbouring rows), and a mark with nothing to combine with gets a dotted circle `◌` as
  its base rather than landing on the column border;
- a lone surrogate (undecodable) becomes U+FFFD; a line or paragraph separator counts as a newline;
- past `limit` characters the rest is cut and counted, so a megabyte-long question cannot stall
  the screen.

`strip_controls()` is the last resort for text already laid out in cells (the app's line filter,
the CLI console): it drops only the characters a terminal would act on and that take no cell
(C0, DEL, C1, bidi controls), so the layout stays exactly as measured.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_MARKS = 2
"""Combining marks kept per base character (Vietnamese stacks two; more is an attack)."""
MAX_CHARS = 20_000
"""Characters of one string shown by default; the rest is counted, not drawn."""

_NEWLINE = "\u2424"  # ␤
_DOTTED_CIRCLE = "\u25cc"  # ◌


def _ascii_table(newlines: bool) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"  # ␡
    table[ord("\t")] = " "
    table[ord("\n")] = "\n" if newlines else _NEWLINE
    return table


_ASCII = {False: _ascii_table(False), True: _ascii_table(True)}


_INVISIBLE_LETTERS = frozenset(
    {0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F}
)
"""Default-ignorable code points outside category Cf: the Hangul fillers (blank letters, which Rich
counts two cells wide and terminals often zero), Khmer inherent vowels, Mongolian selectors."""


def _ignorable(code: int) -> bool:
    """Variation selectors and the other default-ignorable characters that are not in category Cf."""
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE0FFF
        or 0xFFF0 <= code <= 0xFFF8
        or code in _INVISIBLE_LETTERS
    )


def terminal_safe(value: object, *, newlines: bool = False, limit: int | None = MAX_CHARS) -> str:
    """`value` as text a terminal shows and never obeys (see the module docstring). `newlines=True`
    keeps line breaks (multi-line messages); `limit=None` never cuts."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    suffix = ""
    if limit is not None and len(text) > limit:
        suffix = f"… [{len(text) - limit:,} more characters]"
        text = text[:limit]
    if newlines and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if text.isascii():
        if text.isprintable():
            return text + suffix
        return text.translate(_ASCII[newlines]) + suffix
    if len(text) <= _CACHED_LENGTH:
        return _safe_unicode_cached(text, newlines) + suffix
    return _safe_unicode(text, newlines) + suffix


_CACHED_LENGTH = 512
"""Non-ASCII strings up to this long are remembered: the app redraws the same questions often."""


@lru_cache(maxsize=8192)
def _safe_unicode_cached(text: str, newlines: bool) -> str:
    return _safe_unicode(text, newlines)


_NOT_PLAIN = re.compile("[^\x20-\x7e]+")
"""Runs of anything but printable ASCII: only these are looked at character by character."""


def _safe_unicode(text: str, newlines: bool) -> str:
    table = _ASCII[newlines]

    def run(match: re.Match[str]) -> str:
        out: list[str] = []
        marks = 0  # a run starts right after printable ASCII (a base character) or at the start
        for char in match.group():
            code = ord(char)
            if code < 0xA0:
                out.append(table[code] if code < 0x20 or code == 0x7F else f"\\x{code:02x}")
                marks = 0
                continue
            if _ignorable(code):
                continue
            category = unicodedata.category(char)
            if category in ("Mn", "Me"):
                if not out and match.start() == 0:
                    out.append(_DOTTED_CIRCLE)
                marks += 1
                if marks <= MAX_MARKS:
                    out.append(char)
                continue
            if category == "Cf":
                continue
            marks = 0
            if category in ("Zl", "Zp"):
                out.append("\n" if newlines else _NEWLINE)
            elif category == "Cs":
                out.append("\ufffd")
            else:
                out.append(char)
        return "".join(out)

    return _NOT_PLAIN.sub(run, text)


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What a terminal acts on and that takes no cell: C0, DEL, C1, bidi embeddings/overrides/isolates
and marks."""
_CONTROLS_BUT_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def has_controls(text: str, *, newlines: bool = False) -> bool:
    """True when `text` holds a character `strip_controls` drops."""
    return (_CONTROLS_BUT_NEWLINE if newlines else _CONTROLS).search(text) is not None


def strip_controls(text: str, *, newlines: bool = False) -> str:
    """`text` without the zero-width characters a terminal would act on (see `_CONTROLS`); with
    `newlines`, line breaks stay (Rich renders them as text segments)."""
    return (_CONTROLS_BUT_NEWLINE if newlines else _CONTROLS).sub("", text)


_RAW_IN_JSON = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
"""DEL, C1 controls and bidi controls as UTF-8 bytes: a JSON encoder that writes non-ASCII as is
(ensure_ascii off, msgspec) leaves them raw (and DEL, which is ASCII); C0 controls it always escapes."""


_RAW_JSON_CONTROLS = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""The characters of _RAW_IN_JSON, as text."""


def has_raw_json_controls(text: str) -> bool:
    """Whether `text`, in UTF-8 JSON, would hold bytes that `json_terminal_safe` escapes (so a batch
    of JSON lines needs the escaping pass only when one of its strings does)."""
    return _RAW_JSON_CONTROLS.search(text) is not None


def json_terminal_safe(data: bytes) -> bytes:
    """UTF-8 JSON text with C1 and bidi controls written as \\uXXXX escapes: the same JSON value,
    nothing a terminal would obey. Only string contents can hold them, so the escape is exact."""
    return _RAW_IN_JSON.sub(lambda m: b"\\u%04x" % ord(m.group().decode("utf-8")), data)
