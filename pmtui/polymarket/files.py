"""Reading market files: Gamma dumps and pmtui's history format, one record at a time, streamed.

Accepted layouts (plain or .gz):
- JSONL, one Gamma market per line, a line may wrap it as `{"raw": {...}}` (the fast path: each
  line is decoded on its own, so memory stays flat whatever the file's size);
- pmtui's history format, JSONL, one market per line:
  `{"id", "question", "end_date", "closed_time"?, "outcomes": ["Yes","No"], "winner": 0|1|null,
    "category"?, "tags"?, "volume"?, "price_history": [[unix_seconds, price_of_outcome_0], ...]}`
  (`winner` null = the market resolved 50-50: every share of either outcome paid $0.50);
- a JSON array of Gamma market objects (`/markets`), or of events (`/events`, markets nested),
  streamed element by element;
- a keyset page `{"markets": [...], "next_cursor": ...}` (also `{"events": [...]}`, and recorder
  wrappers such as `{"fetched_at", "markets": [...]}`), a single Gamma event object or a single
  market object (read whole: such files are one API answer).

Each record comes out as `FileRecord` (a parsed `Market`, its history points if any, and the category
the file gave), `SkippedPlaceholder`, or `BadLine` (line number and reason), so a caller can import the
good ones and report the bad ones without stopping: a line that is not JSON, nests too deeply, holds
a number beyond a double or a lone surrogate, or any field the parser refuses (dates outside
2000-2100, negative or infinite volume, repeated outcome names...) is one BadLine, and reading goes
on with the next line. For arrays, "line" is the element's position (1 = first market).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pmtui.dates import SANE_RANGE, in_range
from pmtui.polymarket.decoding import MISSING, DecodeError, decode_any, decode_record
from pmtui.polymarket.models import Market, Source
from pmtui.polymarket.parsing import (
    BadRecord,
    check_outcomes,
    check_text,
    is_placeholder,
    parse_date,
    parse_float,
    parse_gamma_market,
    parse_time,
)

CHUNK = 1 << 20
"""Bytes read at a time from a JSON array."""


@dataclass(slots=True)
class FileRecord:
    market: Market
    line: int
    history: list[tuple[int, float]] = field(default_factory=list)
    """(unix seconds, price of outcome 0), sorted by time; empty when the file has none."""
    category: str | None = None
    """The category the file states (history format), if any."""
    format: str = "gamma"
    """"gamma" or "history"."""


@dataclass(slots=True, frozen=True)
class BadLine:
    line: int
    reason: str
    record_id: str | None = None


@dataclass(slots=True, frozen=True)
class SkippedPlaceholder:
    line: int
    record_id: str | None


Item = FileRecord | BadLine | SkippedPlaceholder


def _open_binary(path: Path) -> IO[bytes]:
    handle = path.open("rb")
    if handle.peek(2)[:2] == b"\x1f\x8b":
        handle.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return handle


def read_market_file(path: Path | str, *, source: Source = "import") -> Iterator[Item]:
    """Every record of `path`, in file order, read as it goes. Raises OSError (EOFError for a
    truncated .gz) when the file cannot be read at all."""
    with _open_binary(Path(path)) as stream:
        first = _first_line(stream)
        if first is None:
            return
        number, line = first
        head = line.lstrip()[:1]
        if head == b"[":
            yield from _read_array(line, stream, source)
            return
        try:
            value = decode_record(line)
        except DecodeError:
            # Not a whole JSON value on its own: a pretty-printed document (one API answer).
            yield from _read_whole(line + stream.read(), number, source)
            return
        rest = _first_line(stream, number)
        if rest is None:  # a one-line file: a page, an event or a market, read as a document
            yield from read_document(value, source=source, line=number)
            return
        yield from read_object(value, number, source)
        yield from _read_jsonl(stream, rest, source)


def _first_line(stream: IO[bytes], number: int = 0) -> tuple[int, bytes] | None:
    """The next non-blank line and its 1-based number (counting from `number` lines read)."""
    for line in stream:
        number += 1
        # isspace() stops at the first byte that is not blank; strip() would copy the ~5 KB line.
        if line and not line.isspace():
            return number, line
    return None


def _read_jsonl(stream: IO[bytes], first: tuple[int, bytes], source: Source) -> Iterator[Item]:
    number, line = first
    while True:
        try:
            value = decode_record(line)
        except DecodeError as exc:
            yield BadLine(number, f"invalid JSON: {exc}")
        else:
            yield from read_object(value, number, source)
        following = _first_line(stream, number)
        if following is None:
            return
        number, line = following


def _read_whole(data: bytes, line: int, source: Source) -> Iterator[Item]:
    try:
        document = decode_any(data)
    except DecodeError as exc:
        yield BadLine(line, f"invalid JSON: {exc}")
        return
    yield from read_document(document, source=source, line=line)


def _read_array(start: bytes, stream: IO[bytes], source: Source) -> Iterator[Item]:
    """Elements of a top-level JSON array, decoded one at a time from a sliding buffer."""
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape")
    decoder = json.JSONDecoder()
    buffer = start.decode("utf-8", "surrogateescape")
    position = buffer.index("[") + 1
    index = 0
    eof = False
    while True:
        position = _skip_space(buffer, position)
        while position >= len(buffer) and not eof:
            buffer, position, eof = _more(text, buffer, position)
            position = _skip_space(buffer, position)
        if position >= len(buffer):
            yield BadLine(index + 1, "invalid JSON: the array is not closed")
            return
        if buffer[position] == "]":
            return
        if index and buffer[position] == ",":
            position += 1
        elif index:
            yield BadLine(index + 1, f"invalid JSON: expected ',' or ']' at element {index + 1}")
            return
        while True:
            try:
                element, end = decoder.raw_decode(buffer, _skip_space(buffer, position))
            except json.JSONDecodeError as exc:
                if eof:
                    yield BadLine(index + 1, f"invalid JSON: {exc.msg}")
                    return
                buffer, position, eof = _more(text, buffer, position)
                continue
            except RecursionError:
                yield BadLine(index + 1, "invalid JSON: nested too deeply")
                return
            if end >= len(buffer) and not eof:  # a number may go on in the next chunk
                buffer, position, eof = _more(text, buffer, position)
                continue
            break
        index += 1
        position = end
        yield from read_object(element, index, source)


def _more(text: IO[str], buffer: str, position: int) -> tuple[str, int, bool]:
    """The unread rest of `buffer` plus the next chunk; (buffer, 0, at end of file)."""
    chunk = text.read(CHUNK)
    return buffer[position:] + chunk, 0, not chunk


def _skip_space(buffer: str, position: int) -> int:
    while position < len(buffer) and buffer[position] in " \t\r\n":
        position += 1
    return position


def read_document(document: Any, *, source: Source = "import", line: int = 1) -> Iterator[Item]:
    """Records of an already-decoded JSON document (array, page, event or market)."""
    if isinstance(document, list):
        for index, obj in enumerate(document, start=1):
            yield from read_object(obj, index, source)
        return
    if isinstance(document, Mapping):
        for key in ("markets", "events", "data"):
            if isinstance(document.get(key), list) and document.get("question") is None:
                if key == "markets" and document.get("id") is not None and document.get("title") is not None:
                    break  # a single event object: handled below
                for index, obj in enumerate(document[key], start=1):
                    yield from read_object(obj, index, source)
                return
        yield from read_object(document, line, source)
        return
    yield BadLine(line, "expected a JSON array or object")


def read_object(obj: Any, line: int, source: Source) -> Iterator[Item]:
    if not isinstance(obj, Mapping):
        yield BadLine(line, "expected a JSON object")
        return
    if isinstance(obj.get("raw"), Mapping):
        obj = obj["raw"]
    if obj.get("question") is None and isinstance(obj.get("markets"), list):
        # A Gamma event: its markets, with the event as their parent.
        for child in obj["markets"]:
            yield from _read_gamma(child, line, source, event=obj)
        return
    if _is_history_format(obj):
        yield _read_history(obj, line, source)
        return
    yield from _read_gamma(obj, line, source, event=None)


def _read_gamma(obj: Any, line: int, source: Source, event: Mapping[str, Any] | None) -> Iterator[Item]:
    if not isinstance(obj, Mapping):
        yield BadLine(line, "expected a JSON object")
        return
    if is_placeholder(obj):
        yield SkippedPlaceholder(line, str(obj.get("id")) if obj.get("id") is not None else None)
        return
    try:
        market = parse_gamma_market(obj, source=source, event=event)
    except BadRecord as exc:
        yield BadLine(line, str(exc), exc.record_id)
        return
    yield FileRecord(market=market, line=line, format="gamma")


def _is_history_format(obj: Mapping[str, Any]) -> bool:
    return (
        obj.get("price_history") is not None
        or obj.get("winner", MISSING) is not MISSING
        or (isinstance(obj.get("outcomes"), list) and obj.get("clobTokenIds") is None)
    )


def _read_history(obj: Mapping[str, Any], line: int, source: Source) -> FileRecord | BadLine:
    raw_id = obj.get("id")
    record_id = str(raw_id) if raw_id not in (None, "") and isinstance(raw_id, str | int) else None
    if record_id is None:
        return BadLine(line, "missing field: id (a string or number)")
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        return BadLine(line, "missing field: question", record_id)
    outcomes = obj.get("outcomes")
    if outcomes is None:
        outcomes = ["Yes", "No"]
    if not isinstance(outcomes, list) or len(outcomes) != 2 or not all(isinstance(o, str) for o in outcomes):
        return BadLine(line, "outcomes must be a list of two strings", record_id)
    winner = obj.get("winner", MISSING)
    if winner is MISSING:
        return BadLine(line, "missing field: winner (0, 1, or null for a 50-50 resolution)", record_id)
    if winner is not None and (isinstance(winner, bool) or winner not in (0, 1)):
        return BadLine(line, f"winner must be 0, 1 or null, got {winner!r}", record_id)
    if obj.get("end_date") in (None, ""):
        return BadLine(line, "missing field: end_date", record_id)
    history = _history_points(obj.get("price_history") or [])
    if isinstance(history, str):
        return BadLine(line, history, record_id)
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return BadLine(line, "tags must be a list of strings", record_id)
    category = obj.get("category")
    if category is not None and not isinstance(category, str):
        return BadLine(line, "category must be a string", record_id)
    volume = obj.get("volume")
    try:
        end_date = parse_date(obj.get("end_date"), "end_date", record_id)
        closed_time = parse_date(obj.get("closed_time"), "closed_time", record_id)
        names = check_outcomes(outcomes, record_id)
        if volume is not None and (
            isinstance(volume, bool) or (amount := parse_float(volume)) is None or amount < 0
        ):
            raise BadRecord("bad_number", record_id, f"volume must be a number >= 0, got {volume!r:.40}")
        last_price = history[-1][1] if history else None
        market = Market(
            id=record_id,
            question=question.strip(),
            outcomes=names,
            token_ids=[],
            prices=[last_price, 1 - last_price] if last_price is not None else [],
            end_date=end_date,
            closed_time=closed_time,
            closed=True,
            active=False,
            resolution="void" if winner is None else "resolved",
            winner=winner,
            volume=parse_float(volume),
            tags=[t.lower() for t in tags],
            source=source,
        )
        check_text(market)
        if category is not None:
            category.encode("utf-8")
    except BadRecord as exc:
        return BadLine(line, str(exc), record_id)
    except UnicodeEncodeError:
        return BadLine(line, "bad_text: category is not valid Unicode", record_id)
    return FileRecord(market=market, line=line, history=history, category=category or None, format="history")


def _history_points(raw: Any) -> list[tuple[int, float]] | str:
    if not isinstance(raw, list):
        return "price_history must be a list of [unix_seconds, price] pairs"
    points: list[tuple[int, float]] = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            return "price_history must be a list of [unix_seconds, price] pairs"
        t = parse_time(item[0]) if not isinstance(item[0], str) else None
        p = parse_float(item[1])
        if t is None or p is None or not 0 <= p <= 1:
            return f"bad price_history point {_point(item)} (want [unix_seconds, price in 0..1])"
        if not in_range(t):
            return f"bad price_history point {_point(item)} (time outside {SANE_RANGE})"
        points.append((t, p))
    points.sort()
    return points


def _point(item: Sequence[Any]) -> str:
    text = repr(list(item))
    return text if len(text) <= 60 else text[:57] + "..."
