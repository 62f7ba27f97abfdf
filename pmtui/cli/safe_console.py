"""The Rich console behind every CLI table and styled line (`pmtui.cli.common.console()`).

Cells holding text from outside are built with `common.cell()`, which shows control characters
visibly. As a last resort this console drops, from every segment it renders, the characters a
terminal would obey (C0 but line breaks, DEL, C1, bidi controls): they take no cell, so Rich's layout stays as
measured, and a string that reached a table some other way still cannot move the cursor, set the
window title or write the clipboard.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from pmtui.text import has_controls, strip_controls


class SafeConsole(Console):
    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not has_controls(segment.text, newlines=True):
                yield segment
                continue
            text = strip_controls(segment.text, newlines=True)
            if text:
                yield Segment(text, segment.style)
