"""Reading market files: Gamma dumps and pmtui's history format, one record at a time.

Accepted layouts (plain or .gz):
- a JSON array of Gamma market objects (`/markets`), or of events (`/events`, markets nested);
- a keyset page `{"markets": [...], "next_cursor": ...}` (also `{"events": [...]}`, and recorder
  wrappers such as `{"fetched_at", "markets": [...]}`);
- a single Gamma event object (`{"id", "markets": [...]}`) or a single market object;
- JSONL, one Gamma market per line, a line may wrap it as `{"raw": {...}}`;
- pmtui's history format, JSONL, one market per line:
  `{"id", "question", "end_date", "closed_time"?, "outcomes": ["Yes","No"], "winner": 0|1|null,
    "category"?, "tags"?, "volume"?, "price_history": [[unix_seconds, price_of_outcome_0], ...]}`
  (`winner` null = void).

Each record comes out as `FileRecord` (a parsed `Market`, its history points if any, and the category
the file gave) or `BadLine` (line number and reason), so a caller can import the good ones and report
the bad ones without stopping.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmtui.polymarket.models import Market, Source
from pmtui.polymarket.parsing import BadRecord, is_placeholder, parse_float, parse_gamma_market, parse_time


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


def _open_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def read_market_file(path: Path | str, *, source: Source = "import") -> Iterator[Item]:
    """Every record of `path`, in file order. Raises OSError/UnicodeDecodeError for unreadable files."""
    text = _open_text(Path(path))
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and _is_single_document(stripped)):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BadLine(exc.lineno, f"invalid JSON: {exc.msg}")
            return
        yield from read_document(document, source=source)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(number, f"invalid JSON: {exc.msg}")
            continue
        yield from read_object(obj, number, source)


def _is_single_document(text: str) -> bool:
    """True when the whole text is one JSON value (not JSONL with one object per line)."""
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def read_document(document: Any, *, source: Source = "import") -> Iterator[Item]:
    """Records of an already-decoded JSON document (array, page, event or market)."""
    if isinstance(document, list):
        for index, obj in enumerate(document, start=1):
            yield from read_object(obj, index, source)
        return
    if isinstance(document, Mapping):
        for key in ("markets", "events", "data"):
            if isinstance(document.get(key), list) and "question" not in document:
                if key == "markets" and "id" in document and "title" in document:
                    break  # a single event object: handled below
                for index, obj in enumerate(document[key], start=1):
                    yield from read_object(obj, index, source)
                return
        yield from read_object(document, 1, source)
        return
    yield BadLine(1, "expected a JSON array or object")


def read_object(obj: Any, line: int, source: Source) -> Iterator[Item]:
    if not isinstance(obj, Mapping):
        yield BadLine(line, "expected a JSON object")
        return
    if "raw" in obj and isinstance(obj["raw"], Mapping):
        obj = obj["raw"]
    if "question" not in obj and isinstance(obj.get("markets"), list):
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
        "price_history" in obj
        or "winner" in obj
        or (isinstance(obj.get("outcomes"), list) and "clobTokenIds" not in obj)
    )


def _read_history(obj: Mapping[str, Any], line: int, source: Source) -> FileRecord | BadLine:
    record_id = str(obj["id"]) if obj.get("id") not in (None, "") else None
    if record_id is None:
        return BadLine(line, "missing field: id")
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        return BadLine(line, "missing field: question", record_id)
    outcomes = obj.get("outcomes", ["Yes", "No"])
    if not isinstance(outcomes, list) or len(outcomes) != 2 or not all(isinstance(o, str) for o in outcomes):
        return BadLine(line, "outcomes must be a list of two strings", record_id)
    if "winner" not in obj:
        return BadLine(line, "missing field: winner (0, 1, or null for void)", record_id)
    winner = obj["winner"]
    if winner is not None and (isinstance(winner, bool) or winner not in (0, 1)):
        return BadLine(line, f"winner must be 0, 1 or null, got {winner!r}", record_id)
    end_date = parse_time(obj.get("end_date"))
    if end_date is None:
        return BadLine(line, "missing or unreadable field: end_date", record_id)
    closed_time = parse_time(obj.get("closed_time"))
    history = _history_points(obj.get("price_history", []))
    if isinstance(history, str):
        return BadLine(line, history, record_id)
    tags = obj.get("tags") or []
    if not isinstance(tags, Sequence) or isinstance(tags, str):
        return BadLine(line, "tags must be a list of strings", record_id)
    category = obj.get("category")
    if category is not None and not isinstance(category, str):
        return BadLine(line, "category must be a string", record_id)
    last_price = history[-1][1] if history else None
    market = Market(
        id=record_id,
        question=question.strip(),
        outcomes=list(outcomes),
        token_ids=[],
        prices=[last_price, 1 - last_price] if last_price is not None else [],
        end_date=end_date,
        closed_time=closed_time,
        closed=True,
        active=False,
        resolution="void" if winner is None else "resolved",
        winner=winner,
        volume=parse_float(obj.get("volume")),
        tags=[str(t).lower() for t in tags],
        source=source,
    )
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
            return f"bad price_history point {item!r} (want [unix_seconds, price in 0..1])"
        points.append((t, p))
    points.sort()
    return points
