"""Regexes that cannot run away: the shapes that make Python's backtracking engine take exponential
(or high-polynomial) time are refused when a rule file is loaded, before any question meets them.

Python's `re` holds the GIL for a whole search and cannot be interrupted, so a rule like
`(\\w+\\s?)+$` would freeze every thread of the process (the app's UI included) on an ordinary
question. Three shapes are refused, read from the parsed pattern (`re._parser`):

- a nested quantifier: an unbounded repeat inside a repeated group (`(\\w+\\s?)+`, `(a*)*`,
  `(.*,){20}`): the text can be split between the two loops in exponentially many ways;
- an ambiguous repeated group: inside a repeated group, two alternatives (or an optional part and
  the group itself) that can start with the same character (`(a|ab)+`, `(\\w|\\d)+`, `(aa?)+`);
- three or more unbounded repeats in a row that can match the same characters with nothing
  mandatory between them (`\\w*\\w*\\w*x`): each adds a factor of the text's length.

The checks are conservative (a refused pattern may be harmless for some texts), and what passes can
still cost O(n²) on a long text, so the rules also hand regexes at most `REGEX_TEXT_LIMIT` characters
of a question (Polymarket questions are far shorter).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from re import _constants as sre  # type: ignore[attr-defined]  # CPython's own regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

REGEX_TEXT_LIMIT = 512
"""The first characters of a question that rule regexes see."""

_BIG_REPEAT = 10
"""A bounded repeat above this count backtracks like an unbounded one (`(a+){20}`)."""

_PROBES = string.printable + "éßÅøñ世界٣Ωж"
"""Characters tried when deciding whether two parts of a pattern can match the same character."""

_Matcher = Callable[[str], bool]
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)


def regex_problem(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """Why `pattern` can take exponential or high-polynomial time, or None when it cannot."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error:
        return None  # not this check's business: compiling reports it
    ignore_case = bool((flags | parsed.state.flags) & re.IGNORECASE)
    return _walk(list(parsed), inside_repeat=False, ignore_case=ignore_case)


def _walk(items: Sequence[tuple[Any, Any]], *, inside_repeat: bool, ignore_case: bool) -> str | None:
    chain = 0
    previous: _Matcher | None = None
    for op, av in items:
        if op in _REPEATS:
            _low, high, sub = av
            sub = list(sub)
            unbounded = high is sre.MAXREPEAT
            big = unbounded or high > _BIG_REPEAT
            if inside_repeat and unbounded:
                return "a repeated group holds another unbounded repeat (nested quantifiers)"
            if big and _ambiguous(sub, ignore_case):
                return "a repeated group can match the same text in more than one way"
            problem = _walk(sub, inside_repeat=inside_repeat or big, ignore_case=ignore_case)
            if problem:
                return problem
            if unbounded:
                first = _first(sub, ignore_case)
                chain = chain + 1 if previous is not None and _overlap(previous, first) else 1
                previous = first
                if chain >= 3:
                    return "three or more unbounded repeats in a row can match the same text"
                continue
        elif op in (sre.SUBPATTERN, sre.ATOMIC_GROUP, sre.POSSESSIVE_REPEAT, sre.BRANCH):
            # An atomic group or possessive repeat never backtracks into itself.
            atomic = op in (sre.ATOMIC_GROUP, sre.POSSESSIVE_REPEAT)
            for sub in _children(op, av):
                problem = _walk(sub, inside_repeat=inside_repeat and not atomic, ignore_case=ignore_case)
                if problem:
                    return problem
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            problem = _walk(list(av[1]), inside_repeat=False, ignore_case=ignore_case)
            if problem:
                return problem
        if not _nullable([(op, av)]):
            chain, previous = 0, None  # something mandatory between two repeats breaks the chain
    return None


def _children(op: Any, av: Any) -> list[list[tuple[Any, Any]]]:
    if op is sre.SUBPATTERN:
        return [list(av[3])]
    if op is sre.ATOMIC_GROUP:
        return [list(av)]
    if op is sre.POSSESSIVE_REPEAT:
        return [list(av[2])]
    return [list(alt) for alt in av[1]]  # BRANCH


def _ambiguous(body: list[tuple[Any, Any]], ignore_case: bool) -> bool:
    """Whether one pass of a repeated group can be split or chosen in two ways that start alike."""
    start = _first(body, ignore_case)
    for op, av in _flatten_groups(body):
        if op is sre.BRANCH:
            alternatives = [list(alt) for alt in av[1]]
            firsts = [_first(alt, ignore_case) for alt in alternatives if not _nullable(alt)]
            for i, a in enumerate(firsts):
                if any(_overlap(a, b) for b in firsts[i + 1 :]):
                    return True
            empty = sum(_nullable(alt) for alt in alternatives)
            if empty >= 2 or (empty and any(_overlap(start, f) for f in firsts)):
                return True
        elif op in _REPEATS and av[0] == 0 and _overlap(start, _first(list(av[2]), ignore_case)):
            return True  # an optional part that could also begin the next pass: (aa?)+
    return False


def _flatten_groups(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    for op, av in items:
        out.append((op, av))
        if op is sre.SUBPATTERN:
            out.extend(_flatten_groups(list(av[3])))
    return out


def _nullable(items: Sequence[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF, sre.GROUPREF_EXISTS):
            continue
        if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            if av[0] == 0 or _nullable(list(av[2])):
                continue
            return False
        if op is sre.SUBPATTERN:
            if _nullable(list(av[3])):
                continue
            return False
        if op is sre.ATOMIC_GROUP:
            if _nullable(list(av)):
                continue
            return False
        if op is sre.BRANCH:
            if any(_nullable(list(alt)) for alt in av[1]):
                continue
            return False
        return False  # LITERAL, NOT_LITERAL, IN, ANY, CATEGORY: one character
    return True


def _first(items: Sequence[tuple[Any, Any]], ignore_case: bool) -> _Matcher:
    """What the first character matched by `items` can be (a superset: unknown parts match all)."""
    parts: list[_Matcher] = []
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            parts.append(_first(list(av[2]), ignore_case))
            if av[0] == 0 or _nullable(list(av[2])):
                continue
            break
        if op is sre.SUBPATTERN:
            parts.append(_first(list(av[3]), ignore_case))
            if _nullable(list(av[3])):
                continue
            break
        if op is sre.ATOMIC_GROUP:
            parts.append(_first(list(av), ignore_case))
            if _nullable(list(av)):
                continue
            break
        if op is sre.BRANCH:
            parts.extend(_first(list(alt), ignore_case) for alt in av[1])
            if any(_nullable(list(alt)) for alt in av[1]):
                continue
            break
        parts.append(_char_matcher(op, av, ignore_case))
        break
    return lambda ch: any(part(ch) for part in parts)


def _char_matcher(op: Any, av: Any, ignore_case: bool) -> _Matcher:
    def same(a: str, b: str) -> bool:
        return a == b or (ignore_case and a.lower() == b.lower())

    if op is sre.LITERAL:
        return lambda ch: same(ch, chr(av))
    if op is sre.NOT_LITERAL:
        return lambda ch: not same(ch, chr(av))
    if op is sre.IN:
        negate = bool(av) and av[0][0] is sre.NEGATE
        members = [_set_member(o, a, ignore_case) for o, a in av if o is not sre.NEGATE]
        return lambda ch: any(m(ch) for m in members) != negate
    if op is sre.CATEGORY:
        return _category(av)
    return lambda ch: True  # ANY and whatever else: assume it can match anything


def _set_member(op: Any, av: Any, ignore_case: bool) -> _Matcher:
    if op is sre.LITERAL:
        return lambda ch: ch == chr(av) or (ignore_case and ch.lower() == chr(av).lower())
    if op is sre.RANGE:
        low, high = av
        return lambda ch: (
            low <= ord(ch) <= high
            or (ignore_case and any(len(c) == 1 and low <= ord(c) <= high for c in (ch.lower(), ch.upper())))
        )
    if op is sre.CATEGORY:
        return _category(av)
    return lambda ch: True


def _category(code: Any) -> _Matcher:
    tests: dict[Any, _Matcher] = {
        sre.CATEGORY_DIGIT: str.isdigit,
        sre.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
        sre.CATEGORY_SPACE: str.isspace,
        sre.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
        sre.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
        sre.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
    }
    return tests.get(code, lambda ch: True)


def _overlap(a: _Matcher, b: _Matcher) -> bool:
    return any(a(ch) and b(ch) for ch in _PROBES)
