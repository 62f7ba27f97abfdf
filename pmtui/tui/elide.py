"""Fitting untrusted labels (market questions, strategy names) into table columns.

A label that fits is shown whole. One that does not is cut at the end with `…`, unless that would
make it read exactly like another row's label: families of markets share long prefixes ("Will
Bitcoin reach $120,000 by …" / "$150,000"), so a cut at the end leaves rows that cannot be told
apart. Those rows are elided in the middle instead: the start of the label, `…`, then the label from
the word where it first differs from its siblings. The full text is always in the detail pane.

Widths are terminal cells (wide characters count two), via Rich's `cell_len`. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from rich.cells import cell_len
from rich.text import Text

from pmtui.tui import formatting as fmt

ELLIPSIS = "…"
HEAD_MIN = 4
"""Cells of the label's start kept before a middle `…` (the rest goes to the part that differs)."""
TELLING = 8
"""A cut at the end must show this much of the word where a label differs from its siblings."""
WORD_BACKTRACK = 16
"""How far back from the first differing character the shown tail may start, to begin at a word."""


def head(text: str, cells: int) -> str:
    """The longest start of `text` that fits in `cells` cells."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for char in text:
        width = cell_len(char)
        if used + width > cells:
            break
        out.append(char)
        used += width
    return "".join(out)


def cut_end(text: str, width: int) -> str:
    """`text` in `width` cells, cut at the end with `…` when it does not fit."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    return head(text, width - 1).rstrip() + ELLIPSIS


def elide_from(text: str, start: int, width: int) -> str:
    """`text` in `width` cells showing its start, `…`, and as much as fits from index `start` on
    (itself cut at the end with `…` when it is still too long)."""
    if cell_len(text) <= width:
        return text
    if start <= HEAD_MIN or width < HEAD_MIN + 4:
        return cut_end(text[start:] if start > HEAD_MIN else text, width)
    tail = text[start:]
    room = width - HEAD_MIN - 1  # cells for the tail after the minimal head and the `…`
    if cell_len(tail) <= room:
        # All of the tail fits: give the head whatever is left (more context is better).
        kept = head(text[:start], width - 1 - cell_len(tail)).rstrip()
        return kept + ELLIPSIS + tail
    return head(text, HEAD_MIN).rstrip() + ELLIPSIS + cut_end(tail, room)


def shared_prefix(a: str, b: str) -> int:
    """How many leading characters `a` and `b` have in common."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _word_start(text: str, index: int) -> int:
    """The start of the word holding `text[index]`, if it begins within `WORD_BACKTRACK` characters."""
    space = text.rfind(" ", max(0, index - WORD_BACKTRACK), index)
    return space + 1 if space >= 0 else index


def _hides_difference(label: str, common: int, width: int) -> bool:
    """A cut at the end of `label` in `width` cells would hide (or nearly hide) the word where it
    differs from a label it shares its first `common` characters with."""
    start = _word_start(label, common)
    end = label.find(" ", start)
    telling = label[: min(len(label) if end < 0 else end, start + TELLING)]
    return cell_len(label) > width and cell_len(telling) >= width


def family_starts(labels: Sequence[str], width: int) -> dict[str, int]:
    """For each label that belongs to a family (labels so alike that a cut at the end would show
    them the same), where its family first diverges: the index the shown tail starts from.

    In sorted order a family is a run of neighbours each sharing a long start with the next, and
    every member shares at least the shortest of those starts. All members show their tail from
    that one point, so two members that differ in two places (a bucket and a day) show both; a
    start taken from the nearest neighbour alone would show only the day, alike on several rows."""
    starts: dict[str, int] = {}
    run: list[str] = []
    shortest = 0

    def close_run() -> None:
        for member in run:
            starts[member] = _word_start(member, shortest)

    for before, after in pairwise(sorted(set(labels))):
        common = shared_prefix(before, after)
        if _hides_difference(before, common, width) or _hides_difference(after, common, width):
            if not run:
                run, shortest = [before], common
            run.append(after)
            shortest = min(shortest, common)
        else:
            close_run()
            run = []
    close_run()
    return starts


def fit_labels(labels: Sequence[str], width: int) -> list[str]:
    """Each label in `width` cells: whole when it fits, else cut at the end, or elided in the middle
    when it belongs to a family of labels a cut at the end would show alike (`family_starts`)."""
    starts = family_starts(labels, width)
    fitted: list[str] = []
    for label in labels:
        if cell_len(label) <= width or label not in starts:
            fitted.append(cut_end(label, width))
        else:
            fitted.append(elide_from(label, starts[label], width))
    return fitted


BADGE_STYLE = "bold black on yellow"
"""Generated (demo) data is flagged this way wherever it appears."""


def badged(label: str, badge: str | None = None) -> Text:
    """`label` as literal Text (never markup), after `badge` (e.g. "DEMO") when there is one."""
    text = fmt.literal(label)
    if badge:
        text = Text.assemble((badge, BADGE_STYLE), " ", text)
    return text


def fit_column(labels: Sequence[str], width: int, badges: Sequence[str | None] | None = None) -> list[Text]:
    """The cells of a column of labels in `width` cells (`fit_labels`), each after its badge, if any.
    Badged labels get the badge's room less and are compared with the labels of the same badge."""
    marks = list(badges) if badges is not None else [None] * len(labels)
    # Fitted as they will show (`fmt.literal` makes untrusted text safe for the terminal).
    labels = [fmt.literal(label).plain for label in labels]
    fitted = list(labels)
    for badge in dict.fromkeys(marks):
        indexes = [i for i, mark in enumerate(marks) if mark == badge]
        room = max(1, width - (cell_len(badge) + 1 if badge else 0))
        for i, shown in zip(indexes, fit_labels([labels[i] for i in indexes], room), strict=True):
            fitted[i] = shown
    return [badged(shown, mark) for shown, mark in zip(fitted, marks, strict=True)]
