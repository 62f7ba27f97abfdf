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


_DECODER = msgspec.json.Decoder(_Gamma)
_UNSET = msgspec.UNSET
_CHUNK = 1 << 22
"""Bytes of JSONL decoded per call."""
_BATCH = 1000
"""Records per batch of a file that is not JSONL."""
_LONG_LINE = 512
"""Bytes per line from which newlines are found one by one rather than counted (see _newlines)."""
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
        markets = _DECODER.decode_lines(chunk)
    except msgspec.DecodeError:
        markets = None
    cut = len(chunk)
    lines = _newlines(buffer, cut, len(markets) if markets else 0) + (buffer[cut - 1] != 0x0A)
    if markets is None or len(markets) != lines:
        # A bad line, a blank one or two values on one line: each line on its own.
        return [
            record
            for offset, line in enumerate(chunk.tobytes().split(b"\n"))
            if line and not line.isspace()
            for record in _market(line, number + offset)
        ], lines
    records: list[Record] = []
    split: list[bytes] | None = None
    for offset, market in enumerate(markets, start=number):
        record = _record(market, offset)
        if record is not None:
            records.append(record)
            continue
        if split is None:
            split = chunk.tobytes().split(b"\n")
        records += _market(split[offset - number], offset)  # the generic reader decides
    return records, lines


def _newlines(buffer: bytearray, end: int, values: int) -> int:
    """How many newlines `buffer[:end]` holds, where `values` JSON values were decoded from it.
    Lines of kilobytes (Gamma markets) are counted by jumping from one newline to the next with
    find (memchr: ~7x faster than count's byte-by-byte loop); short lines are counted by count."""
    if not values or end // values < _LONG_LINE:
        return buffer.count(b"\n", 0, end)
    find = buffer.find
    count = 0
    at = find(b"\n", 0, end)
    while at >= 0:
        count += 1
        at = find(b"\n", at + 1, end)
    return count


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
    read another layout). Runs once per market of a catalogue-sized file: written for speed."""
    if not (
        m.raw is _UNSET
        and m.markets is _UNSET
        and m.price_history is _UNSET
        and m.winner is _UNSET
        and type(m.outcomes) is not list
    ) and not _plain(m):
        return None
    market_id = m.id
    if type(market_id) is not str:
        market_id = opt_str(market_id)
    question = m.question
    if not market_id or type(question) is not str:
        return None
    question = question.strip()
    if not question:
        return None
    # Only a market without tokens or without prices can be a placeholder (is_placeholder).
    if not (m.clobTokenIds or m.positionIds) or not m.outcomePrices:
        fields = {k: getattr(m, k) for k in _PLACEHOLDER_FIELDS if getattr(m, k) is not _UNSET}
        if is_placeholder(fields):
            return SkippedPlaceholder(line, market_id)
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
