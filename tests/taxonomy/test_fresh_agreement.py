"""Agreement with hand labels on fresh questions (issue 12): tests/taxonomy/labels_fresh.csv holds
2,853 real Polymarket questions (2021-2026, mostly 2025-26) from public repositories (source repo and
path on each row), none of them among the recorded markets the rules were first written on, each
labelled by reading it against docs/taxonomy.md before the rules were measured on it.

The `split` column says what the classifier has seen. The set was labelled and measured in four
rounds; each round's held-out part was measured once, untouched, and then became tuning material:

| split     | questions | what happened                                                                |
|-----------|-----------|------------------------------------------------------------------------------|
| tune-1    | 558       | round 1's tuning part (and every question naming an issue-12 example)        |
| tune-2    | 818       | round 1's held-out: 94.3% top / 95.1% sub once, then tuned on               |
| tune-3    | 626       | round 2's held-out: 89.0% top / 88.1% sub once, then tuned on               |
| heldout   | 381       | round 3's held-out: 90.8% / 94.0% once; then the fallback model's training   |
| heldout-2 | 470       | round 4's held-out: 96.4% / 97.1% before the learned fallback, 97.0% / 97.1% |
|           |           | after it (each measured once); never tuned or trained on                     |

Targets (issue 12): >= 97% top-level and >= 93% on the subs for questions the classifier never saw.
The tuning parts must stay above both. Nothing may be tuned or trained on `heldout-2`: label a new
batch for the next round instead (tests/taxonomy/build_fallback_model.py trains on TRAINING_SPLITS).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from pmtui.taxonomy.classify import classify, top_level
from pmtui.taxonomy.rules import TOP_LEVELS, Rules, load_rules
from tests.taxonomy.recorded import recorded_markets

FRESH = Path(__file__).with_name("labels_fresh.csv")
TUNING = ("tune-1", "tune-2", "tune-3")
HELD_OUT = "heldout"
HELD_OUT_2 = "heldout-2"
"""Round 4's batch (470 questions, mostly 2026), labelled and committed before anything was measured on it."""
HELD_OUT_2_TOP_FLOOR = 0.965
"""Measured 97.0% (456 of 470) once the learned fallback was in, 96.4% before; kept as a floor (a
question or two below the figure) so that a change cannot make unseen questions worse."""
TOP_TARGET, SUB_TARGET = 0.97, 0.93
HELD_OUT_TOP_FLOOR = 0.90
"""Measured 90.8% when the round-3 held-out part was first measured (rules alone); the part has
since trained the fallback model, so it no longer measures unseen questions (heldout-2 does)."""


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(include_user=False)


def fresh_rows() -> list[dict[str, str]]:
    with FRESH.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def agreement(rules: Rules, splits: tuple[str, ...], *, with_labels: bool) -> tuple[float, float, list[str]]:
    rows = [r for r in fresh_rows() if r["split"] in splits]
    top = sub = subs = 0
    misses: list[str] = []
    for row in rows:
        if with_labels:
            tags = [t.lower() for t in row["tags"].split(";") if t]
            got = classify(row["question"], tags=tags, event_slug=row["event_slug"] or None, rules=rules)
        else:
            got = classify(row["question"], rules=rules)
        label = row["label"]
        top += top_level(got) == top_level(label)
        if "/" in label:
            subs += 1
            sub += got == label
        if got != label:
            misses.append(f"want {label:<24} got {got:<24} {row['question'][:90]}")
    return top / len(rows), sub / subs, misses


def test_the_fresh_set_is_real_large_labelled_and_apart_from_the_recorded_markets(
    recorded_data: Path,
) -> None:
    rows = fresh_rows()
    assert len(rows) >= 2000
    questions = [r["question"] for r in rows]
    assert len(set(questions)) == len(questions)
    recorded = {" ".join(m.question.split()).lower() for m in recorded_markets(recorded_data).values()}
    assert not [q for q in questions if " ".join(q.split()).lower() in recorded]
    splits = Counter(r["split"] for r in rows)
    assert set(splits) == {*TUNING, HELD_OUT, HELD_OUT_2} and splits[HELD_OUT] >= 300
    assert splits[HELD_OUT_2] >= 400
    for row in rows:
        assert top_level(row["label"]) in TOP_LEVELS, row
        assert row["source_repo"].count("/") == 1 and row["source_path"], row
        assert row["note"] != row["question"]
    tops = Counter(top_level(r["label"]) for r in rows)
    assert set(tops) == set(TOP_LEVELS)
    held_out_tops = {top_level(r["label"]) for r in rows if r["split"] == HELD_OUT}
    assert held_out_tops >= {
        "Politics",
        "Geopolitics",
        "Economy",
        "Crypto",
        "Sports",
        "Weather",
        "Tech",
        "Culture",
    }


@pytest.mark.parametrize("with_labels", [False, True], ids=["question alone", "with tags and slugs"])
def test_the_tuning_parts_meet_the_targets(rules: Rules, with_labels: bool) -> None:
    top, sub, misses = agreement(rules, TUNING, with_labels=with_labels)
    print(f"tuning parts: top-level {top:.1%}, sub {sub:.1%}; misses:\n" + "\n".join(misses))
    assert top >= TOP_TARGET and sub >= SUB_TARGET, "misses:\n" + "\n".join(misses)


@pytest.mark.parametrize("with_labels", [False, True], ids=["question alone", "with tags and slugs"])
def test_the_round_3_held_out_part_stays_above_its_floor(rules: Rules, with_labels: bool) -> None:
    top, sub, misses = agreement(rules, (HELD_OUT,), with_labels=with_labels)
    print(f"round 3 held-out part: top-level {top:.1%}, sub {sub:.1%}; misses:\n" + "\n".join(misses))
    assert sub >= SUB_TARGET and top >= HELD_OUT_TOP_FLOOR, "misses:\n" + "\n".join(misses)


@pytest.mark.parametrize("with_labels", [False, True], ids=["question alone", "with tags and slugs"])
def test_questions_neither_the_rules_nor_the_fallback_saw(rules: Rules, with_labels: bool) -> None:
    top, sub, misses = agreement(rules, (HELD_OUT_2,), with_labels=with_labels)
    print(f"heldout-2: top-level {top:.1%}, sub {sub:.1%}; misses:\n" + "\n".join(misses))
    assert sub >= SUB_TARGET and top >= HELD_OUT_2_TOP_FLOOR, "misses:\n" + "\n".join(misses)
