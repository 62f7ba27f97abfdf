"""Real-shaped market files of any size, built from the recorded Gamma markets (tests/data/polymarket).

Copy k of a recorded market keeps every field as recorded (question, description, outcomes, prices,
dates, tags, the event it came in) except what must be unique: its id and its event's id (+ k * 10^7,
above every real id), its CLOB token ids and condition id (a suffix), its slugs (`-k`). So copy k of
a ladder is another ladder in another event, with the recorded questions: the taxonomy's question
cache sees real repetition (the real catalogue repeats templates too), the store sees unique keys.

    write_jsonl(path, 100_000)     # one Gamma market a line, ~5.4 KB each
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pmtui.fakes.polymarket_data import load_recorded

RECORDED = Path(__file__).resolve().parents[1] / "data" / "polymarket"
ID_STRIDE = 10_000_000


def _numeric(value: Any, k: int) -> Any:
    text = str(value)
    return str(int(text) + k * ID_STRIDE) if text.isdigit() else f"{text}-{k}"


def _tokens(value: Any, k: int) -> Any:
    if isinstance(value, str) and value.startswith("["):
        return json.dumps([f"{t}{k:05d}" for t in json.loads(value)])
    return value


def copies(n: int) -> Iterator[dict[str, Any]]:
    """`n` raw Gamma markets: the recorded ones, then copy 1, copy 2, ... until n."""
    recorded = load_recorded(RECORDED)
    for i in range(n):
        raw = recorded[i % len(recorded)]
        k = i // len(recorded)
        if k == 0:
            yield raw
            continue
        market = dict(raw)
        market["id"] = _numeric(raw["id"], k)
        for key in ("clobTokenIds", "positionIds"):
            if key in raw:
                market[key] = _tokens(raw[key], k)
        if raw.get("conditionId"):
            market["conditionId"] = f"{raw['conditionId']}{k:05x}"
        if raw.get("slug"):
            market["slug"] = f"{raw['slug']}-{k}"
        events = raw.get("events")
        if isinstance(events, list) and events and isinstance(events[0], dict):
            event = dict(events[0])
            if event.get("id") is not None:
                event["id"] = _numeric(event["id"], k)
            if event.get("slug"):
                event["slug"] = f"{event['slug']}-{k}"
            market["events"] = [event, *events[1:]]
        yield market


def write_jsonl(path: Path, n: int) -> Path:
    """`n` real-shaped Gamma markets, one per line (the layout `pmtui import` streams fastest)."""
    with path.open("w", encoding="utf-8") as out:
        for market in copies(n):
            out.write(json.dumps(market, ensure_ascii=False))
            out.write("\n")
    return path
