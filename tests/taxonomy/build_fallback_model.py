"""Build data/taxonomy_fallback.tsv, the counts of the taxonomy's learned fallback
(pmtui/taxonomy/fallback.py), from the hand labels: the tuning parts of labels_fresh.csv (never a
held-out part) and the labelled recorded markets of labels.csv. Deterministic: the same CSVs give the
same file, byte for byte (tests/taxonomy/test_fallback.py checks the shipped one).

Run: .venv/bin/python -m tests.taxonomy.build_fallback_model   (or `make taxonomy-model`)
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from pmtui.taxonomy.fallback import MODEL_FILE, question_features
from tests.taxonomy.recorded import recorded_markets

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FRESH = HERE / "labels_fresh.csv"
RECORDED_LABELS = HERE / "labels.csv"
RECORDED_DATA = ROOT / "tests" / "data" / "polymarket"
TRAINING_SPLITS = ("tune-1", "tune-2", "tune-3", "heldout")
"""Every part of labels_fresh.csv that the rules were tuned on or that was measured already;
`heldout-2` (and any later held-out batch) stays out, so it measures questions the model never saw."""
ALPHA = 0.1
"""Additive smoothing; chosen with the rules' round-3 held-out part left out of training."""


def training_examples() -> list[tuple[str, str]]:
    """(question, label) pairs, in file order."""
    examples: list[tuple[str, str]] = []
    with FRESH.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["split"] in TRAINING_SPLITS:
                examples.append((row["question"], row["label"]))
    markets = recorded_markets(RECORDED_DATA)
    with RECORDED_LABELS.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            examples.append((markets[(row["source_file"], row["market_id"])].question, row["label"]))
    return examples


def build(examples: list[tuple[str, str]], alpha: float = ALPHA) -> str:
    """The counts file's text for these examples."""
    classes = sorted({label for _, label in examples})
    index = {c: i for i, c in enumerate(classes)}
    docs = Counter(label for _, label in examples)
    counts: dict[str, Counter[int]] = {}
    for question, label in examples:
        for feature in question_features(question):
            counts.setdefault(feature, Counter())[index[label]] += 1
    totals = Counter[int]()
    for per_class in counts.values():
        totals.update(per_class)
    lines = [
        f"alpha\t{alpha}",
        "classes\t" + "\t".join(classes),
        "docs\t" + "\t".join(str(docs[c]) for c in classes),
        "totals\t" + "\t".join(str(totals[i]) for i in range(len(classes))),
    ]
    for feature in sorted(counts):
        entries = "\t".join(f"{c}:{k}" for c, k in sorted(counts[feature].items()))
        lines.append(f"{feature}\t{entries}")
    return "\n".join(lines) + "\n"


def main() -> None:
    target = ROOT / "data" / MODEL_FILE
    text = build(training_examples())
    target.write_text(text, encoding="utf-8")
    print(
        f"wrote {target} ({len(text.encode()):,} bytes, {text.count(chr(10)) - 4:,} features)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
