"""A learned second opinion for the questions the rules are unsure of.

The rules (data/taxonomy.toml) stay the classifier: explainable, editable, and right on what they
know. Every batch of unseen questions showed where they fail: long-tail vocabulary (a new pageant, an
exchange, an agency, a player's name) that no rule names, so the market lands in `Other` or under a
broad rule (a country's name, a generic sports word, Polymarket's broad tags). A fresh round of hand
rules fixed the last batch's words and missed the next batch's.

For exactly those questions, a multinomial naive Bayes model over the question's words, word pairs
and word stems (every digit read as "0") gives a category with a probability; it is used only when
that probability reaches `MIN_CONFIDENCE`. It learns the shapes of whole questions ("Points O/U" ->
NBA, "becomes law" -> the government, "best original score" -> Culture), which generalise where single
names do not. Where a specific rule fired, its answer stands.

The model is data, like the rules: `data/taxonomy_fallback.tsv` holds naive Bayes counts (integers),
so it is reproducible bit for bit. `tests/taxonomy/build_fallback_model.py` (`make taxonomy-model`)
rebuilds it from the hand-labelled tuning parts of tests/taxonomy/labels_fresh.csv and the labelled
recorded markets; a test checks that the shipped file is what the script builds.

File format (UTF-8, tab-separated): `alpha <float>`, `classes <c0> <c1> ...`, `docs <n0> <n1> ...`
(labelled questions per class), `totals <t0> <t1> ...` (feature occurrences per class), then one line
per feature: `<feature> <class>:<count> ...`.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from pmtui import paths
from pmtui.taxonomy.rules import CASED_TOKEN_RE, Rule, tokens

MODEL_FILE = "taxonomy_fallback.tsv"
MIN_CONFIDENCE = 0.7
"""Probability the model must give a top level before its answer replaces the rules' (and a sub
before it names the sub). Chosen on a part the model was not trained on (docs/taxonomy.md)."""
BROAD_PRIORITY = 30
"""Rules at or below this priority are fallbacks themselves (generic sports and politics words, the
countries rule, Polymarket's broad tags): where only they fire, the model is asked."""
STEM = 4
"""Words longer than STEM + 1 characters also count by their first STEM characters ("senator",
"senate" -> "sena"), so a word's relatives share evidence."""
OTHER = "Other"
_ZERO = str.maketrans("123456789", "000000000")
_CACHE_SIZE = 8192


def question_features(question: str) -> set[str]:
    """The model's evidence: words, adjacent word pairs and word stems, with every digit as "0". A
    word written in capitals keeps them ("ADA" the ticker is not "Ada" the name, as in the rules)."""
    capitals = {w.lower() for w in CASED_TOKEN_RE.findall(question) if len(w) > 1 and w.isupper()}
    words = [(w.upper() if w in capitals else w).translate(_ZERO) for w in tokens(question)]
    found = set(words)
    found.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    found.update(f"{w[:STEM]}~" for w in words if len(w) > STEM + 1)
    return found


@dataclass(frozen=True, slots=True)
class Guess:
    category: str
    top_probability: float
    probability: float


class FallbackModel:
    """Naive Bayes over `question_features`, read from the counts file.

    Loading keeps each feature's line as text (a dict of ~18,000 strings: a few milliseconds); a
    feature's counts become a row of log-probabilities the first time a question uses it."""

    def __init__(
        self, alpha: float, classes: list[str], docs: list[int], totals: list[int], rows: dict[str, str]
    ):
        self.classes = classes
        vocabulary = len(rows)
        all_docs = sum(docs)
        self._alpha = alpha
        self._prior = [math.log(d / all_docs) if d else -math.inf for d in docs]
        # log P(unseen feature | class): a feature's row is this plus log((count + alpha) / alpha).
        # A feature absent from the model is skipped, as naive Bayes does with unseen words.
        self._unseen = tuple(math.log(alpha) - math.log(t + alpha * vocabulary) for t in totals)
        self._lines = rows
        self._rows: dict[str, tuple[float, ...]] = {}
        tops: dict[str, list[int]] = {}
        for index, category in enumerate(classes):
            tops.setdefault(category.split("/", 1)[0], []).append(index)
        self._tops = tuple((top, tuple(indexes)) for top, indexes in tops.items())
        self.guess_template = functools.lru_cache(maxsize=_CACHE_SIZE)(self._guess)

    def guess(self, question: str) -> Guess:
        """The most probable category, its top level's probability and its own. Questions that are
        equal once every digit is "0" have equal features, so the answer is cached by that template."""
        return self.guess_template(question.translate(_ZERO))

    def _row(self, feature: str) -> tuple[float, ...]:
        row = self._rows.get(feature)
        if row is None:
            values = list(self._unseen)
            try:
                for entry in self._lines[feature].split("\t"):
                    c, k = entry.split(":")
                    values[int(c)] += math.log((int(k) + self._alpha) / self._alpha)
            except (ValueError, IndexError):
                raise ValueError(f"{MODEL_FILE}: bad counts for feature {feature!r}") from None
            row = self._rows[feature] = tuple(values)
        return row

    def _guess(self, question: str) -> Guess:
        lines = self._lines
        rows = [self._row(f) for f in question_features(question) if f in lines]
        scores = (
            [p + sum(col) for p, col in zip(self._prior, zip(*rows, strict=True), strict=True)]
            if rows
            else self._prior
        )
        best = max(scores)
        odds = [math.exp(s - best) for s in scores]
        total = sum(odds)
        _, indexes = max(self._tops, key=lambda group: sum(odds[i] for i in group[1]))
        index = max(indexes, key=odds.__getitem__)
        return Guess(self.classes[index], sum(odds[i] for i in indexes) / total, odds[index] / total)


def decide(rule: Rule | None, question: str, model: FallbackModel | None) -> str:
    """The category: the rule's, unless no rule or only a broad one fired and the model is confident.

    - No rule fired: the model's top level when its probability reaches MIN_CONFIDENCE, with the
      model's sub when that sub's own probability does too; else `Other`.
    - A broad rule fired: the model may move the market to another top level (never to `Other`: a
      rule did fire). Where it agrees on the top level the rule's answer stands: naive Bayes is
      overconfident, and a wrong sub ("Spread: Kings" as NHL or NBA) is worse than none.
    """
    if rule is not None and rule.priority > BROAD_PRIORITY:
        return rule.category
    fallback = rule.category if rule is not None else OTHER
    if model is None:
        return fallback
    guess = model.guess(question)
    top = guess.category.split("/", 1)[0]
    if guess.top_probability < MIN_CONFIDENCE or top == OTHER:
        return fallback
    if rule is not None and top == rule.category.split("/", 1)[0]:
        return fallback
    return guess.category if guess.probability >= MIN_CONFIDENCE else top


def parse_model(text: str, source: str = MODEL_FILE) -> FallbackModel:
    """The model of one counts file; ValueError says what is wrong (a feature's counts are read, and
    checked, when a question first uses the feature)."""
    lines = text.split("\n")
    try:
        header = [line.split("\t") for line in lines[:4]]
        if [h[0] for h in header] != ["alpha", "classes", "docs", "totals"]:
            raise ValueError("header")
        alpha = float(header[0][1])
        classes = header[1][1:]
        docs = [int(d) for d in header[2][1:]]
        totals = [int(t) for t in header[3][1:]]
        if not classes or len(docs) != len(classes) or len(totals) != len(classes) or alpha <= 0:
            raise ValueError("header")
        rows: dict[str, str] = {}
        for number, line in enumerate(lines[4:], start=5):
            feature, tab, counts = line.partition("\t")
            if not tab or not feature or not counts:
                if line or number != len(lines):
                    raise ValueError(f"line {number}")
                continue
            rows[feature] = counts
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{source}: not a fallback model file ({exc})") from None
    return FallbackModel(alpha, classes, docs, totals, rows)


def model_path() -> Path:
    return paths.shipped(MODEL_FILE)


@functools.cache
def default_model() -> FallbackModel:
    """The shipped model, read once per process on first use (the rules alone need no model)."""
    path = model_path()
    return parse_model(path.read_text(encoding="utf-8"), str(path))
