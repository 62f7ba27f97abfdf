"""What the taxonomy needs from a market file, read fast: id, question, tags, event and series slugs,
end date and a category the file states (`pmtui categorize --input`, issue 14).

Decoding a whole Gamma market object (~6 KB, 100+ fields) with `json.loads` costs ~50 µs; msgspec
decodes only the fields named below and skips the rest in ~8 µs. The file is streamed line by line
(JSONL, plain or .gz), so a 500 MB dump is never held in memory at once.

Plain Gamma markets on JSONL lines take that path and are checked for what categorising needs: an id
and a question (a market whose prices, tokens or dates do not add up is still categorised; `pmtui
import` is where those are refused). Everything else keeps `read_market_file`'s reading and checks:
a line wrapping `{"raw": ...}`, an event with its markets, pmtui's history format, a line that is not
valid JSON (reported with its number), and files that are not JSONL (an array, a keyset page, one
document). Neg-risk placeholders are skipped, as there.
"""

from __future__ import annotations

import functools
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from pmtui.polymarket.decoding import DecodeError, decode_record
from pmtui.polymarket.files import (
    BadLine,
    FileRecord,
    Item,
    SkippedPlaceholder,
    read_market_file,
    read_object,
)
from pmtui.polymarket.models import Source
from pmtui.polymarket.parsing import is_placeholder, opt_str, parse_time, tag_slugs

_SOURCE: Source = "import"


class QuestionRecord(msgspec.Struct, frozen=True, gc=False):
    """One market as the taxonomy reads it. A msgspec Struct: a frozen dataclass's __init__ sets each
    field through object.__setattr__ and cost several microseconds a market here."""

    id: str
    question: str
    tags: list[str]
    event_id: str | None
    event_slug: str | None
    series_slug: str | None
    end_date: int | None
    category: str | None
    """The category the file states (history format), if any."""
    line: int


Record = QuestionRecord | BadLine | SkippedPlaceholder


class _Series(msgspec.Struct, gc=False):
    slug: Any = None


class _Event(msgspec.Struct, gc=False):
    """The parent event's fields the taxonomy reads (Gamma's own camelCase names)."""

    id: Any = None
    slug: Any = None
    seriesSlug: Any = None
    series: list[_Series] | None = None
    tags: Any = None


class _Gamma(msgspec.Struct, gc=False):
    """The fields of a Gamma market object the taxonomy reads, and those that tell a plain market
    from the layouts `read_object` handles (UNSET: the key is absent)."""

    id: Any = None
    question: Any = None
    tags: Any = None
    events: list[_Event] | None = None
    endDate: Any = None
    endDateIso: Any = None
    clobTokenIds: Any = msgspec.UNSET
    positionIds: Any = msgspec.UNSET
    outcomePrices: Any = msgspec.UNSET
    negRisk: Any = msgspec.UNSET
    negRiskOther: Any = msgspec.UNSET
    active: Any = msgspec.UNSET
    outcomes: Any = msgspec.UNSET
    raw: Any = msgspec.UNSET
    markets: Any = msgspec.UNSET
    winner: Any = msgspec.UNSET
    price_history: Any = msgspec.UNSET


class _Usual(msgspec.Struct, gc=False):
    """The fields of `_Gamma` that decide a usual market: one with tokens, prices and an end date
    (nearly every line of a catalogue). A struct with fewer fields decodes faster: msgspec compares
    each of a market's ~90 keys with every field. Anything else is read again as a `_Gamma`."""

    id: Any = None
    question: Any = None
    tags: Any = None
    events: list[_Event] | None = None
    endDate: Any = None
    endDateIso: Any = None
    clobTokenIds: Any = msgspec.UNSET
    outcomePrices: Any = msgspec.UNSET
    raw: Any = msgspec.UNSET
    winner: Any = msgspec.UNSET
    price_history: Any = msgspec.UNSET


_DECODER = msgspec.json.Decoder(_Gamma)
_USUAL_DECODER = msgspec.json.Decoder(_Usual)
_UNSET = msgspec.UNSET
_CHUNK = 1 << 22
"""Bytes of JSONL decoded per call."""
_BATCH = 1000
"""Records per batch of a file that is not JSONL."""
_LONG_LINE = 512
"""Bytes per line from which newlines are found one by one rather than counted (see _line_ends)."""
_PLACEHOLDER_FIELDS = ("clobTokenIds", "positionIds", "outcomePrices", "negRisk", "negRiskOther", "active")


def read_question_records(path: Path | str, *, chunk_size: int = _CHUNK) -> Iterator[Record]:
    """Every market of `path` as a QuestionRecord, in file order, with BadLine and SkippedPlaceholder
    as `read_market_file` gives them. Raises OSError (EOFError for a truncated .gz) when the file
    cannot be read at all. `chunk_size`: bytes of JSONL decoded per call (tests make it small)."""
    for batch in read_question_batches(path, chunk_size=chunk_size):
        yield from batch


def read_question_batches(path: Path | str, *, chunk_size: int = _CHUNK) -> Iterator[list[Record]]:
    """`read_question_records` a batch at a time (a chunk of JSONL, or up to _BATCH records of
    another layout): a loop over a catalogue-sized file saves a generator step per market."""
    path = Path(path)
    with _open(path) as fh:
        number, first = _next_line(fh, 0)
        if first is None:
            return
        second_number, second = 0, None
        if not first.lstrip().startswith(b"[") and _complete(first):
            second_number, second = _next_line(fh, number)
        if second is None:
            # An array, a pretty-printed or one-line document (one API answer): not JSONL.
            batch: list[Record] = []
            for record in _converted(read_market_file(path, source=_SOURCE)):
                batch.append(record)
                if len(batch) >= _BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
            return
        yield list(_market(first, number))
        yield from _chunks(second, fh, second_number, chunk_size)


def _open(path: Path) -> io.BufferedIOBase:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else path.open("rb")


def _next_line(fh: io.BufferedIOBase, number: int) -> tuple[int, bytes | None]:
    """The next non-blank line and its number (None at the end of the file)."""
    for line in fh:
        number += 1
        if line.strip():
            return number, line
    return number, None


def _complete(line: bytes) -> bool:
    """Whether the first line is a whole JSON value (JSONL) rather than the start of a document."""
    try:
        msgspec.json.decode(line)
    except msgspec.DecodeError:
        return False
    return True


def _chunks(first: bytes, fh: io.BufferedIOBase, number: int, chunk_size: int) -> Iterator[list[Record]]:
    """JSONL from the line `first` (line `number`) on, read in chunks of whole lines straight into one
    buffer (no copy per chunk). A chunk is decoded in one call (msgspec's decode_lines); a chunk with
    a bad or blank line is read line by line instead, so that every record keeps its line number."""
    buffer = bytearray(max(chunk_size, 2 * len(first)))
    buffer[: len(first)] = first
    filled, ended = len(first), False
    while True:
        if not ended:
            with memoryview(buffer) as view, view[filled:] as free:
                got = fh.readinto(free)
            ended = not got
            filled += got or 0
        if filled == 0:
            return
        cut = filled if ended else buffer.rfind(b"\n", 0, filled) + 1
        if cut == 0:  # one line longer than the buffer: make room and read on
            if filled == len(buffer):
                buffer.extend(bytes(len(buffer)))
            continue
        with memoryview(buffer) as view, view[:cut] as chunk:
            records, lines = _chunk(buffer, chunk, number)
        buffer[: filled - cut] = buffer[cut:filled]  # the start of the next line moves to the front
        filled -= cut
        number += lines
        yield records


def _chunk(buffer: bytearray, chunk: memoryview, number: int) -> tuple[list[Record], int]:
    """The records of `chunk` (whole lines at the start of `buffer`, the first one line `number`) and
    how many lines it holds."""
    try:
        markets = _USUAL_DECODER.decode_lines(chunk)
    except msgspec.DecodeError:
        markets = None
    cut = len(chunk)
    ends = _line_ends(buffer, cut, len(markets) if markets else 0)
    lines = (len(ends) if ends is not None else buffer.count(b"\n", 0, cut)) + (buffer[cut - 1] != 0x0A)
    if markets is None or len(markets) != lines or _has_blank_line(buffer, chunk, ends):
        # A bad line, a blank one or two values on one line: each line on its own. (A blank line
        # and a line of two values in one chunk leave the counts equal: hence the blank-line test.)
        return [
            record
            for offset, line in enumerate(chunk.tobytes().split(b"\n"))
            if line and not line.isspace()
            for record in _market(line, number + offset)
        ], lines
    records: list[Record] = []
    split: list[bytes] | None = None
    for offset, market in enumerate(markets, start=number):
        record = _usual_record(market, offset)
        if record is not None:
            records.append(record)
            continue
        # Not a usual market: its line is read again in full (the generic reader decides).
        index = offset - number
        if ends is not None:
            data = chunk[
                ends[index - 1] + 1 if index else 0 : ends[index] if index < len(ends) else cut
            ].tobytes()
        else:
            if split is None:
                split = chunk.tobytes().split(b"\n")
            data = split[index]
        records += _market(data, offset)
    return records, lines


_SHORT_GAP = 64
"""A line this short among kilobyte-long ones is checked for being blank."""
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
_BLANK_FIRST_LINE = re.compile(rb"[ \t\r]*\n")


def _has_blank_line(buffer: bytearray, chunk: memoryview, ends: list[int] | None) -> bool:
    """Whether a line of `chunk` (whole lines at the start of `buffer`) is empty or whitespace only.
    With the newlines already found (long lines), only the short gaps between them are looked at;
    otherwise a regular expression scans the chunk. A blank last line without its newline is told
    apart by the count of lines already."""
    if ends is None:
        return _BLANK_FIRST_LINE.match(chunk) is not None or _BLANK_LINE.search(chunk) is not None
    start = 0
    for end in ends:
        if end - start < _SHORT_GAP and not buffer[start:end].strip():
            return True
        start = end + 1
    return False


def _line_ends(buffer: bytearray, end: int, values: int) -> list[int] | None:
    """Where the newlines of `buffer[:end]` stand, when the `values` JSON values decoded from it make
    lines of kilobytes (Gamma markets): found one after the other with find (memchr: ~7x faster than
    bytearray.count's byte-by-byte loop). None for short lines: count them instead."""
    if not values or end // values < _LONG_LINE:
        return None
    find = buffer.find
    ends: list[int] = []
    at = find(b"\n", 0, end)
    while at >= 0:
        ends.append(at)
        at = find(b"\n", at + 1, end)
    return ends


def _market(data: bytes, line: int) -> Iterator[Record]:
    """One JSONL line: the fast path when it is a plain Gamma market with an id and a question,
    `read_market_file`'s reading of a line otherwise (same decoding, same bad-line reasons)."""
    try:
        market = _DECODER.decode(data)
    except msgspec.DecodeError:
        market = None  # not JSON, not an object, or an odd shape: the generic reader decides
    if market is not None:
        record = _record(market, line)
        if record is not None:
            yield record
            return
    try:
        value = decode_record(data)
    except DecodeError as exc:
        yield BadLine(line, f"invalid JSON: {exc}")
        return
    yield from _converted(read_object(value, line, _SOURCE))


def _plain(m: _Gamma) -> bool:
    """Not one of the layouts `read_object` unwraps: `{"raw": ...}`, an event, the history format."""
    if isinstance(m.raw, dict):
        return False
    if m.question is None and isinstance(m.markets, list):
        return False
    history = (
        m.price_history is not msgspec.UNSET
        or m.winner is not msgspec.UNSET
        or (isinstance(m.outcomes, list) and m.clobTokenIds is msgspec.UNSET)
    )
    return not history


def _record(m: _Gamma, line: int) -> Record | None:
    """The record of a plain market, or None when the generic reader should say what is wrong (or
    read another layout)."""
    if not _plain(m):
        return None
    market_id = opt_str(m.id)
    question = m.question
    if market_id is None or not isinstance(question, str) or not question.strip():
        return None
    # Only a market without tokens or without prices can be a placeholder (is_placeholder).
    if not (m.clobTokenIds or m.positionIds) or not m.outcomePrices:
        fields = {k: getattr(m, k) for k in _PLACEHOLDER_FIELDS if getattr(m, k) is not _UNSET}
        if is_placeholder(fields):
            return SkippedPlaceholder(line, market_id)
    return _question_record(market_id, question.strip(), m, line)


def _usual_record(m: _Usual, line: int) -> Record | None:
    """The record of a usual market (tokens, prices, an end date: `_record` would make the same),
    or None: read the line again in full. Runs once per market of a catalogue-sized file."""
    if m.raw is not _UNSET or m.winner is not _UNSET or m.price_history is not _UNSET:
        return None  # maybe another layout (_plain)
    market_id = m.id
    if type(market_id) is not str:
        market_id = opt_str(market_id)
    question = m.question
    if not market_id or type(question) is not str or not m.clobTokenIds or not m.outcomePrices:
        return None
    question = question.strip()
    if not question:
        return None
    return _question_record(market_id, question, m, line)


def _question_record(market_id: str, question: str, m: _Gamma | _Usual, line: int) -> QuestionRecord:
    """The record from a market's parent event, tags and end date."""
    events = m.events
    tags: list[str] = []
    if not events:
        event_id = event_slug = series_slug = None
        if m.tags:
            tags = tag_slugs({"tags": m.tags}, [])
    else:
        parent = events[0]
        event_id = parent.id
        if type(event_id) is not str or not event_id:
            event_id = opt_str(event_id)
        event_slug = parent.slug
        if type(event_slug) is not str or not event_slug:
            event_slug = opt_str(event_slug)
        series_slug = parent.seriesSlug
        if type(series_slug) is not str or not series_slug:
            series_slug = opt_str(series_slug) or (opt_str(parent.series[0].slug) if parent.series else None)
        if m.tags or parent.tags:
            tags = tag_slugs({"tags": m.tags}, [{"tags": parent.tags}])
    end = m.endDate or m.endDateIso
    return QuestionRecord(
        market_id,
        question,
        tags,
        event_id,
        event_slug,
        series_slug,
        _end_time(end) if type(end) is str else parse_time(end),
        None,
        line,
    )


@functools.lru_cache(maxsize=4096)
def _end_time(value: str) -> int | None:
    """parse_time, cached: the markets of one event, or one day's windows, share an end date."""
    return parse_time(value)


def _converted(items: Iterable[Item]) -> Iterator[Record]:
    for item in items:
        if isinstance(item, FileRecord):
            market = item.market
            yield QuestionRecord(
                id=market.id,
                question=market.question,
                tags=list(market.tags),
                event_id=market.event_id,
                event_slug=market.event_slug,
                series_slug=market.series_slug,
                end_date=market.end_date,
                category=item.category,
                line=item.line,
            )
        else:
            yield item
