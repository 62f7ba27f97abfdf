"""The taxonomy's learned fallback (pmtui/taxonomy/fallback.py): reproducible from the hand labels,
consulted only where the rules are unsure, and never trained on a held-out part."""

from __future__ import annotations

import csv

import pytest

from pmtui.taxonomy import fallback
from pmtui.taxonomy.classify import classify
from pmtui.taxonomy.fallback import FallbackModel, decide, default_model, parse_model, question_features
from pmtui.taxonomy.rules import Rule, Rules, parse_rules_text
from tests.taxonomy.build_fallback_model import FRESH, TRAINING_SPLITS, build, training_examples

TINY = build(
    [
        ("Jalen Brunson: Points O/U 25.5", "Sports/NBA"),
        ("Cade Cunningham: Points O/U 21.5", "Sports/NBA"),
        ("Cade Cunningham: Assists O/U 8.5", "Sports/NBA"),
        ("SAVE Act becomes law by June 30?", "Politics/US-Government"),
        ("GENIUS Act becomes law in 2025?", "Politics/US-Government"),
        ("Will ADA reach $2 in May?", "Crypto/Altcoins"),
        ("Will ADA dip to $0.30 in May?", "Crypto/Altcoins"),
    ]
)


@pytest.fixture(scope="module")
def tiny() -> FallbackModel:
    return parse_model(TINY)


def rule(category: str, priority: int) -> Rule:
    return Rule(name="r", category=category, priority=priority, phrases=("x",))


def test_the_shipped_model_is_what_the_build_script_makes_from_the_labels() -> None:
    assert fallback.model_path().read_text(encoding="utf-8") == build(training_examples())


def test_the_model_never_learns_from_a_held_out_part() -> None:
    with FRESH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    held_out = {r["question"] for r in rows if r["split"] not in TRAINING_SPLITS}
    assert len(held_out) >= 400
    assert held_out.isdisjoint(question for question, _ in training_examples())


def test_a_confident_guess_answers_where_no_rule_fired(tiny: FallbackModel) -> None:
    guess = tiny.guess("Moussa Diabate: Points O/U 9.5")
    assert guess.category == "Sports/NBA" and guess.top_probability >= fallback.MIN_CONFIDENCE
    assert decide(None, "Moussa Diabate: Points O/U 9.5", tiny) == "Sports/NBA"
    assert decide(None, "Moussa Diabate: Points O/U 9.5", None) == "Other"


def test_an_unsure_guess_leaves_other(tiny: FallbackModel) -> None:
    question = "Ferry arrives on time?"  # no word the model knows: its prior alone
    assert tiny.guess(question).top_probability < fallback.MIN_CONFIDENCE
    assert decide(None, question, tiny) == "Other"


def test_a_specific_rule_always_stands(tiny: FallbackModel) -> None:
    question = "Jalen Brunson: Points O/U 25.5"
    assert decide(rule("Culture", fallback.BROAD_PRIORITY + 1), question, tiny) == "Culture"
    # A broad rule gives way to a confident guess of another top level ...
    assert decide(rule("Politics", fallback.BROAD_PRIORITY), question, tiny) == "Sports/NBA"
    # ... but where the guess agrees on the top level the broad rule's answer stands.
    assert decide(rule("Sports", fallback.BROAD_PRIORITY), question, tiny) == "Sports"


def test_a_fired_rule_is_never_turned_into_other() -> None:
    model = parse_model(build([("Covid deaths above 1M?", "Other"), ("Covid cases above 5M?", "Other")]))
    assert model.guess("Covid deaths in Italy?").category == "Other"
    assert decide(rule("Geopolitics", 18), "Covid deaths in Italy?", model) == "Geopolitics"


def test_words_in_capitals_are_kept_apart_from_the_same_word_in_ordinary_case(tiny: FallbackModel) -> None:
    assert "ADA" in question_features("Will ADA reach $3?")
    assert "ada" in question_features("Will Ada Lovelace day be celebrated?")
    assert tiny.guess("Will ADA reach $3?").category == "Crypto/Altcoins"
    assert "ADA" not in question_features("Will Ada Lovelace day be celebrated?")


def test_questions_of_one_template_share_one_guess_and_it_is_the_uncached_one(tiny: FallbackModel) -> None:
    first = tiny.guess("Cade Cunningham: Points O/U 21.5")
    again = tiny.guess("Cade Cunningham: Points O/U 37.5")
    assert first == again == tiny._guess("Cade Cunningham: Points O/U 37.5")
    assert tiny.guess_template.cache_info().hits >= 1


def test_classify_uses_the_fallback_only_where_the_rules_are_unsure() -> None:
    rules = Rules(parse_rules_text('[rule.sports]\ncategory = "Sports"\npriority = 30\nphrases = ["o/u"]\n'))
    question = "Collin Gillespie: Rebounds O/U 3.5"
    assert classify(question, rules=rules, fallback=False) == "Sports"
    assert classify("Will the ferry arrive on time?", rules=rules, fallback=False) == "Other"
    # The shipped model reads an unknown player's prop as a sport (the broad rule agrees: it stands).
    assert default_model().guess(question).category.startswith("Sports")
    assert classify(question, rules=rules) == "Sports"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "alpha\t0.1\nclasses\tA\tB\ndocs\t1\ntotals\t1\t1\n",  # a count per class
        "alpha\t0.1\nclasses\tA\ndocs\t1\ntotals\t1\nword\n",  # no counts
        "alpha\t0\nclasses\tA\ndocs\t1\ntotals\t1\n",  # no smoothing
        "beta\t0.1\nclasses\tA\ndocs\t1\ntotals\t1\n",
    ],
)
def test_a_bad_model_file_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="not a fallback model file"):
        parse_model(text, "bad.tsv")


def test_bad_counts_are_refused_when_a_question_first_uses_them() -> None:
    model = parse_model("alpha\t0.1\nclasses\tA\ndocs\t1\ntotals\t1\nword\t3:1\n", "bad.tsv")
    assert model.guess("nothing known").category == "A"
    with pytest.raises(ValueError, match="bad counts for feature 'word'"):
        model.guess("a word")
