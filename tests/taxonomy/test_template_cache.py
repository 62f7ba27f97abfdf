"""classify's template cache: questions equal once every digit is "0" share one answer, only where the
rules provably cannot tell their digits apart. Every answer must equal the uncached rules' answer."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pmtui.taxonomy.classify import classify
from pmtui.taxonomy.rules import Rules, load_rules, parse_rules_text
from tests.taxonomy.recorded import recorded_markets
from tests.taxonomy.test_classify import CASES


def _other_digits(text: str, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if ch in "0123456789" else ch for ch in text)


def test_shipped_rules_cache_and_agree_with_the_uncached_rules_on_digit_variants(recorded_data: Path) -> None:
    cached = load_rules(include_user=False)
    plain = load_rules(include_user=False, template_cache=False)
    assert cached.cache_info() == (0, 0) and plain.cache_info() is None
    rng = random.Random(3)
    markets = list(recorded_markets(recorded_data).values())
    questions = [(m.question, tuple(m.tags), m.event_slug, m.series_slug) for m in markets]
    questions += [(q, (), None, None) for q, _ in CASES]
    questions += [(q, (), None, None) for q, *_ in questions]  # the question alone, too
    checked = 0
    for question, tags, event_slug, series_slug in questions:
        # The original first (it fills the cache), then variants of the same template.
        for text in (question, _other_digits(question, rng), _other_digits(question, rng)):
            got = classify(text, tags=tags, event_slug=event_slug, series_slug=series_slug, rules=cached)
            want = classify(text, tags=tags, event_slug=event_slug, series_slug=series_slug, rules=plain)
            assert got == want, text
            checked += 1
    info = cached.cache_info()
    assert info is not None and info[0] > checked // 3  # the variants were answered from the cache


DIGIT_RULES = """
[rule.cricket]
category = "Sports/Cricket"
priority = 70
phrases = ["t20 world cup"]

[rule.game7]
category = "Sports/Finals"
priority = 60
phrases = ["game 7"]

[rule.cup]
category = "Sports"
priority = 50
phrases = ["world cup", "game"]
"""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Who wins the T30 World Cup?", "Sports"), ("Who wins the T20 World Cup?", "Sports/Cricket")),
        (("Who wins the T20 World Cup?", "Sports/Cricket"), ("Who wins the T30 World Cup?", "Sports")),
        (("Will the series reach game 6?", "Sports"), ("Will the series reach game 7?", "Sports/Finals")),
        (("Will the series reach game 7?", "Sports/Finals"), ("Will the series reach game 6?", "Sports")),
        # Folding makes "²" a "2": "T²0" is "t20", "T²1" is "t21".
        (("Who wins the T²1 World Cup?", "Sports"), ("Who wins the T²0 World Cup?", "Sports/Cricket")),
    ],
)
def test_a_template_holding_a_phrase_with_digits_is_classified_question_by_question(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    rules = Rules(parse_rules_text(DIGIT_RULES))
    assert rules.cache_info() is not None
    for question, category in (first, second, first, second):
        assert classify(question, rules=rules) == category


def test_questions_of_a_digit_phrase_template_share_answers_only_with_the_same_digit_words() -> None:
    # "game 7 by May 5" and "game 7 by May 30" are answered once (the date's digits are not under
    # the phrase); "game 6" or "T21" is another key and must not take "game 7"'s or "T20"'s answer.
    cached = Rules(parse_rules_text(DIGIT_RULES))
    plain = Rules(parse_rules_text(DIGIT_RULES), template_cache=False)
    questions = [
        f"Will the series reach game {game} by May {day}?" for game in (7, 6, 7, 1) for day in (5, 30, 6)
    ]
    questions += [f"Who wins the T{t} World Cup in 20{y}?" for t in (20, 21, 20, 30) for y in (26, 27)]
    questions += [f"Game {g}: will the T20 World Cup final reach game {g}?" for g in (7, 2, 7)]
    random.Random(5).shuffle(questions)
    answers = {q: classify(q, rules=cached) for q in questions * 2}
    assert answers == {q: classify(q, rules=plain) for q in questions}
    assert {answers[q] for q in questions} == {"Sports/Finals", "Sports/Cricket", "Sports"}
    assert answers["Will the series reach game 7 by May 30?"] == "Sports/Finals"
    assert answers["Will the series reach game 6 by May 30?"] == "Sports"
    assert answers["Who wins the T21 World Cup in 2026?"] == "Sports"


def test_a_regex_that_names_a_digit_switches_the_cache_off() -> None:
    text = "[rule.y2026]\ncategory = \"Politics\"\npriority = 60\nregex = ['\\bin 2026\\b']\n"
    rules = Rules(parse_rules_text(text))
    assert rules.cache_info() is None
    assert classify("Will it pass in 2026?", rules=rules) == "Politics"
    assert classify("Will it pass in 2027?", rules=rules) == "Other"


def test_a_regex_with_digit_classes_and_counts_keeps_the_cache_on() -> None:
    text = (
        "[rule.date]\ncategory = \"Sports\"\npriority = 60\nregex = ['\\bwin on \\d{4}-\\d{2}-\\d{2}\\b']\n"
    )
    rules = Rules(parse_rules_text(text))
    assert classify("Will Chelsea win on 2026-05-04?", rules=rules) == "Sports"
    assert classify("Will Chelsea win on 2027-11-30?", rules=rules) == "Sports"
    assert classify("Will Chelsea win on 2027-11-3?", rules=rules, fallback=False) == "Other"
    assert rules.cache_info() == (1, 2)


def test_tags_and_slugs_are_part_of_the_key() -> None:
    rules = load_rules(include_user=False)
    question = "Who will win on 12 May?"
    assert classify(question, rules=rules, fallback=False) == "Other"
    assert classify(question, tags=["nba"], rules=rules) == "Sports/NBA"
    assert classify(question, event_slug="nba-lal-bos-2026-05-12", rules=rules) == "Sports/NBA"
    assert classify(question, rules=rules, fallback=False) == "Other"


def test_cache_clear_forgets_the_templates() -> None:
    rules = load_rules(include_user=False)
    classify("Will Bitcoin be above $100,000 on May 5?", rules=rules)
    classify("Will Bitcoin be above $198,500 on May 6?", rules=rules)
    assert rules.cache_info() == (1, 1)
    rules.cache_clear()
    assert rules.cache_info() == (0, 0)
