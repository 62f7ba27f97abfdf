"""`pmtui categorize --input FILE --json` (the fast path: its own reader, template and slug caches,
features remembered per question) gives, for every recorded market and for siblings of them that
share their shapes, exactly what the normal path gives: the full market-file reader, then
`categorize_market` with rules that cache nothing."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from pmtui.fakes.polymarket_data import read_json
from pmtui.polymarket.files import FileRecord, read_market_file
from pmtui.taxonomy.categorize import categorize_market
from pmtui.taxonomy.rules import Rules, load_rules
from tests.collect.collect_helpers import pmtui
from tests.taxonomy.recorded import RECORDED_FILES

_DIGITS = re.compile(r"\d+")
_PROPER = re.compile(r"(?<=\s)[A-Z][a-z]+")
_NAMES = ("Alex", "Priya", "Kenji", "Olga")


@pytest.fixture(scope="module")
def uncached_rules() -> Rules:
    return load_rules(include_user=False, template_cache=False)


def normal_path(path: Path, rules: Rules) -> list[dict[str, Any]]:
    """Every market of `path` as categorize_market sees it, in the CLI's output shape."""
    lines: list[dict[str, Any]] = []
    for item in read_market_file(path):
        if not isinstance(item, FileRecord):
            continue
        m = item.market
        result = categorize_market(
            market_id=m.id,
            question=m.question,
            tags=m.tags,
            event_id=m.event_id,
            event_slug=m.event_slug,
            series_slug=m.series_slug,
            end_date=m.end_date,
            category=item.category,
            rules=rules,
        )
        line = {
            "id": m.id,
            "question": m.question,
            "category": result.category,
            "cluster_id": result.cluster_id,
            "features": result.features,
        }
        lines.append(json.loads(json.dumps(line)))  # tuples as lists, as JSON gives them back
    return lines


def fast_path(path: Path) -> list[dict[str, Any]]:
    result = pmtui("categorize", "--input", str(path), "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("name", RECORDED_FILES)
def test_every_recorded_file_categorizes_as_the_normal_path_does(
    recorded_data: Path, uncached_rules: Rules, name: str
) -> None:
    expected = normal_path(recorded_data / name, uncached_rules)
    assert expected
    assert fast_path(recorded_data / name) == expected


def sibling(market: dict[str, Any], copy: int, rng: random.Random) -> dict[str, Any]:
    """Another market of the same shape: other numbers (a ladder's or a calendar's siblings) or
    another name, its own id, event and slugs; every third copy keeps the question but not the end
    date (features remembered per question must still see the date)."""
    out = dict(market)
    question = str(market["question"])
    if copy % 3 != 0:
        if _DIGITS.search(question):
            question = _DIGITS.sub(lambda m: str(rng.randrange(10 ** len(m.group(0)))), question)
        else:
            question = _PROPER.sub(_NAMES[copy % len(_NAMES)], question, count=1)
    elif market.get("endDate"):
        out["endDate"] = f"20{rng.randrange(18, 30)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T12:00:00Z"
    out["question"] = question
    out["id"] = f"{market['id']}-{copy}"
    events = market.get("events")
    if isinstance(events, list) and events and isinstance(events[0], dict):
        event = dict(events[0])
        event["id"] = f"{event.get('id', 'e')}{copy}"
        event["slug"] = f"{event.get('slug', 'e')}-{rng.randrange(10 ** rng.randrange(1, 4))}"
        out["events"] = [event, *events[1:]]
    return out


def test_siblings_of_every_recorded_market_categorize_as_the_normal_path_does(
    recorded_data: Path, uncached_rules: Rules, tmp_path: Path
) -> None:
    # Siblings share templates and slugs with the markets before them, so the fast path answers
    # many of them from its caches: each answer must still be the one computed afresh.
    rng = random.Random(14)
    markets: list[dict[str, Any]] = []
    for name in sorted(p.name for p in recorded_data.glob("gamma_market*")):
        document = read_json(recorded_data / name)
        items = document if isinstance(document, list) else document.get("data") or [document]
        markets += [m for m in items if isinstance(m, dict) and m.get("question")]
    assert len(markets) > 1000
    path = tmp_path / "siblings.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for copy in range(4):
            for market in markets:
                fh.write(json.dumps(sibling(market, copy, rng) if copy else market) + "\n")
    expected = normal_path(path, uncached_rules)
    assert len(expected) == 4 * len(markets)
    assert fast_path(path) == expected
