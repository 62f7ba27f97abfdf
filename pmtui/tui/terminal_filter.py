"""The app's last line of defence against terminal control sequences in what it draws.

Untrusted strings are made visible and harmless where they become text (`formatting.literal()`, see
pmtui/text.py). Whatever reaches a widget some other way (a message quoting a question, a label
built without `literal()`) still passes through this filter: Textual applies the app's line filters
to every line of every widget before it is written. It drops the characters a terminal would obey
(C0, DEL, C1, bidi controls); they take no cell, so the layout is untouched.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from pmtui.text import has_controls, strip_controls


class TerminalControlFilter(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not control and has_controls(text) for text, _, control in segments):
            return segments
        cleaned: list[Segment] = []
        for segment in segments:
            text, style, control = segment
            if control or not has_controls(text):
                cleaned.append(segment)
                continue
            text = strip_controls(text)
            if text:
                cleaned.append(Segment(text, style))
        return cleaned
