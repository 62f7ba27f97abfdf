"""The hostile-input corpus: payloads that once broke pmtui or could, kept as data in
tests/data/hostile/<kind>.json so anyone can add one without writing a test.

Each file is a JSON list of cases, each an object with an "id" (unique in its file, used as the
pytest id) and the fields its kind's test reads (see tests/data/hostile/README.md). JSON escapes
hold every control character (`\\u001b`, `\\u0007`, `\\u009b`) and even a lone surrogate (`\\ud800`).

    @pytest.mark.parametrize("case", cases("text"))
    def test_...(case: Case) -> None: ...
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hostile"


@dataclass(frozen=True)
class Case:
    id: str
    fields: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    def text(self, key: str = "text") -> str:
        """A string field, or one built from parts: `[[piece, times], ...]` (for huge or deeply nested
        payloads that would be unreadable written out)."""
        value = self.fields[key]
        if isinstance(value, str):
            return value
        return "".join(str(piece) * int(times) for piece, times in value)


def load(kind: str) -> list[Case]:
    path = CORPUS / f"{kind}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: expected a non-empty JSON list of cases")
    out: list[Case] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueError(f"{path}: every case is an object with a string id, got {item!r}")
        out.append(Case(item["id"], {k: v for k, v in item.items() if k != "id"}))
    ids = [case.id for case in out]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate ids {duplicates}")
    return out


def cases(kind: str) -> list[Any]:
    """`pytest.param`s of one kind's cases, with their ids."""
    return [pytest.param(case, id=case.id) for case in load(kind)]


def kinds() -> list[str]:
    return sorted(path.stem for path in CORPUS.glob("*.json"))
