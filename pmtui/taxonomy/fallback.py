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
(labelled questions per class), then one line per feature: `<feature> <class>:<count> ...`.
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
    """Naive Bayes over `question_features`, read from the counts file."""

    def __init__(self, alpha: float, classes: list[str], docs: list[int], counts: dict[str, dict[int, int]]):
        self.classes = classes
        n = len(classes)
        totals = [0] * n
        for per_class in counts.values():
            for c, k in per_class.items():
                totals[c] += k
        vocabulary = len(counts)
        denominators = [math.log(t + alpha * vocabulary) for t in totals]
        all_docs = sum(docs)
        self._prior = [math.log(d / all_docs) if d else -math.inf for d in docs]
        # log P(feature | class), stored as the difference from an unseen feature's value per class so
        # that scoring adds a few sparse entries instead of a dense row per feature. A feature absent
        # from the model is skipped, as naive Bayes does with unseen words.
        self._unseen = [math.log(alpha) - d for d in denominators]
        self._weights: dict[str, tuple[tuple[int, float], ...]] = {
            feature: tuple((c, math.log((k + alpha) / alpha)) for c, k in sorted(per_class.items()))
            for feature, per_class in counts.items()
        }
        self._tops = [c.split("/", 1)[0] for c in classes]
        self.guess_template = functools.lru_cache(maxsize=_CACHE_SIZE)(self._guess)

    def guess(self, question: str) -> Guess:
        """The most probable category, its top level's probability and its own. Questions that are
        equal once every digit is "0" have equal features, so the answer is cached by that template."""
        return self.guess_template(question.translate(_ZERO))

    def _guess(self, question: str) -> Guess:
        known = [self._weights[f] for f in question_features(question) if f in self._weights]
        scores = list(self._prior)
        unseen = self._unseen
        for i in range(len(scores)):
            scores[i] += unseen[i] * len(known)
        for entries in known:
            for c, w in entries:
                scores[c] += w
        best = max(scores)
        odds = [math.exp(s - best) for s in scores]
        total = sum(odds)
        by_top: dict[str, float] = {}
        for top, o in zip(self._tops, odds, strict=True):
            by_top[top] = by_top.get(top, 0.0) + o / total
        top = max(by_top, key=lambda t: by_top[t])
        index = max((i for i, t in enumerate(self._tops) if t == top), key=lambda i: odds[i])
        return Guess(self.classes[index], by_top[top], odds[index] / total)


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
    """The model of one counts file; ValueError names the line that is wrong."""
    lines = text.splitlines()
    try:
        alpha_key, alpha = lines[0].split("\t")
        classes_key, *classes = lines[1].split("\t")
        docs_key, *docs = lines[2].split("\t")
        if (alpha_key, classes_key, docs_key) != ("alpha", "classes", "docs") or len(docs) != len(classes):
            raise ValueError("header")
        counts: dict[str, dict[int, int]] = {}
        for number, line in enumerate(lines[3:], start=4):
            feature, *entries = line.split("\t")
            per_class: dict[int, int] = {}
            for entry in entries:
                c, k = entry.split(":")
                per_class[int(c)] = int(k)
            if not entries or not feature or max(per_class) >= len(classes):
                raise ValueError(f"line {number}")
            counts[feature] = per_class
        return FallbackModel(float(alpha), classes, [int(d) for d in docs], counts)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{source}: not a fallback model file ({exc})") from None


def model_path() -> Path:
    return paths.shipped(MODEL_FILE)


@functools.cache
def default_model() -> FallbackModel:
    """The shipped model, read once per process on first use (the rules alone need no model)."""
    path = model_path()
    return parse_model(path.read_text(encoding="utf-8"), str(path))
