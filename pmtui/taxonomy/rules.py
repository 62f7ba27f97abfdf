"""Category rules as data: loading, validating and compiling the TOML rule files.

A rule file holds `[rule.<name>]` tables:

    [rule.btc_updown]
    category = "Crypto/BTC-UpDown"   # "Top" or "Top/Sub"
    priority = 95                    # the highest-priority rule that fires wins
    phrases  = ["bitcoin up or down"]   # word-bounded, case-insensitive, matched on tokens
    cased    = ["BTC"]               # whole words, case-sensitive (tickers that are also words)
    regex    = ['\\bup or down\\b']  # Python regexes on the question (case-insensitive), slow path
    gate     = ["up or down"]        # substrings (lower case): the regexes only run if one is present
    requires = ["bitcoin", "btc"]    # if given, one of these phrases must be in the question too
    unless   = ["megaeth"]           # none of these phrases may be in the question
    tags     = ["bitcoin"]           # Gamma tag slugs (exact, lower case)
    events   = ["btc-updown-*"]      # event slug globs
    series   = ["btc-up-or-down-*"]  # series slug globs

A rule fires when one of its text matchers (phrases, cased, regex) hits and its `requires` and
`unless` hold, or when one of its tags or slug globs matches (tags and slugs are Polymarket's own
labels, so they are not second-guessed by `requires`/`unless`).

Speed: questions are split into lower-case word tokens once; phrases are looked up in a dict keyed
by their first token (a question of a dozen tokens costs a dozen dict probes, whatever the number of
rules). Case-sensitive words are only checked when their lower-case form is among the tokens, and a
regex only runs when its rule could still beat the best rule found so far and one of its `gate`
substrings is in the question. Questions of one template (every digit read as "0": "Will Bitcoin
be above $100,000 on May 5?" and "... $105,500 on May 6?") share one answer from a bounded LRU cache
when the rules provably cannot tell their digits apart (see `Rules.best`).

The shipped defaults are `data/taxonomy.toml`; a user file (`taxonomy.toml` beside the settings file,
see `user_rules_path`) adds rules and replaces shipped rules of the same name. A bad file raises
`RuleFileError` naming the file, the line and the reason.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmtui import paths
from pmtui.taxonomy.regex_safety import REGEX_TEXT_LIMIT, regex_problem

DEFAULT_RULES_FILE = "taxonomy.toml"
USER_RULES_FILE = "taxonomy.toml"

# The names other code and users rely on (issue 3); finer subs may be added by rules.
TOP_LEVELS = (
    "Politics",
    "Geopolitics",
    "Economy",
    "Crypto",
    "Sports",
    "Weather",
    "Tech",
    "Culture",
    "Other",
)
OTHER = "Other"
DISABLED = -(10**9)

TOKEN_RE = re.compile(r"[a-z0-9]+")
TEMPLATE_CACHE_SIZE = 32_768
SLUG_CACHE_SIZE = 4096
# Every ASCII digit becomes "0" in a question's template. UTF-8 bytes: a digit is always one byte
# (multi-byte characters use bytes >= 0x80), and bytes.translate is several times faster than str's.
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_ZERO_DIGITS_STR = str.maketrans("123456789", "000000000")
_LOWER_ZERO = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ123456789", b"abcdefghijklmnopqrstuvwxyz000000000")
_QUANTIFIER_RE = re.compile(r"\{\d+(?:,\d*)?\}")
CASED_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
_CATEGORY_RE = re.compile(r"^[A-Z][A-Za-z0-9]*(?:/[A-Za-z0-9][A-Za-z0-9.+&-]*)?$")
_LIST_KEYS = ("phrases", "cased", "regex", "gate", "requires", "unless", "tags", "events", "series")
_KNOWN_KEYS = {"category", "priority", "enabled", *_LIST_KEYS}


class RuleFileError(Exception):
    """An unreadable or invalid rule file. `str()` is one line: `file:line: reason`."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    category: str
    priority: int
    phrases: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    gate: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None


def fold(text: str) -> str:
    """Lower case with accents removed ("Świątek" -> "swiatek"); ASCII text takes the fast path."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


# ASCII letters and digits stay, every other ASCII character becomes a space: translate + split is
# several times faster than a regex findall and gives the same words for ASCII text.
_WORD_TABLE = "".join(chr(i) if chr(i).isascii() and chr(i).isalnum() else " " for i in range(256)).lower()


def tokens(text: str) -> list[str]:
    """The lower-case words of `text` (runs of a-z and 0-9, accents removed)."""
    folded = fold(text)
    if folded.isascii():
        return folded.translate(_WORD_TABLE).split()
    return TOKEN_RE.findall(folded)


def _zeroed(word: str) -> str:
    return word.translate(_ZERO_DIGITS_STR)


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


class _PhraseIndex:
    """Phrases as token tuples, matched with C-level set operations: one-word phrases (most of them)
    by intersecting the question's words, longer ones by intersecting its word pairs (a phrase of
    three or more words is then compared at the positions of its first pair)."""

    def __init__(self) -> None:
        self.single: dict[str, int] = {}
        self.pairs: dict[tuple[str, str], list[tuple[tuple[str, ...], int]]] = {}
        self._single_keys: frozenset[str] = frozenset()
        self._pair_keys: frozenset[tuple[str, str]] = frozenset()

    def add(self, phrase: tuple[str, ...], ident: int) -> None:
        if len(phrase) == 1:
            self.single[phrase[0]] = ident
        else:
            self.pairs.setdefault((phrase[0], phrase[1]), []).append((phrase[2:], ident))

    def freeze(self) -> None:
        self._single_keys = frozenset(self.single)
        self._pair_keys = frozenset(self.pairs)

    def hits(self, toks: list[str]) -> set[int]:
        single = self.single
        found = {single[t] for t in self._single_keys.intersection(toks)}
        pairs = self._pair_keys.intersection(itertools.pairwise(toks))
        for pair in pairs:
            for rest, ident in self.pairs[pair]:
                if not rest or self._at_some_position(toks, pair, rest):
                    found.add(ident)
        return found

    def positions(self, toks: list[str], wanted: frozenset[int]) -> tuple[int, ...]:
        """The positions of the tokens that the `wanted` phrases cover wherever they stand in `toks`."""
        covered: set[int] = set()
        single = self.single
        for i, tok in enumerate(toks):
            if single.get(tok, -1) in wanted:
                covered.add(i)
            for rest, ident in self.pairs.get((tok, toks[i + 1]) if i + 1 < len(toks) else ("", ""), ()):
                end = i + 2 + len(rest)
                if ident in wanted and tuple(toks[i + 2 : end]) == rest:
                    covered.update(range(i, end))
        return tuple(sorted(covered))

    @staticmethod
    def _at_some_position(toks: list[str], pair: tuple[str, str], rest: tuple[str, ...]) -> bool:
        n = len(rest)
        for i in range(len(toks) - 1 - n):
            if toks[i] == pair[0] and toks[i + 1] == pair[1] and tuple(toks[i + 2 : i + 2 + n]) == rest:
                return True
        return False


_HEAD = 2


class _SlugMatcher:
    """Slug globs of one field: exact slugs by dict, `prefix*` globs by prefix length, the rest
    (`*-infix-*`, `*suffix`) as regexes behind a substring test. Returns the best rule index."""

    def __init__(self, patterns: Iterable[tuple[str, int]]) -> None:
        self.exact: dict[str, int] = {}
        self.prefixes: dict[str, int] = {}
        self.segments: dict[str, int] = {}  # "*-word-*": one inner dash-separated segment
        self.other: list[tuple[str, re.Pattern[str], int]] = []
        for pattern, index in sorted(patterns, key=lambda p: p[1]):
            pattern = pattern.lower()
            segment = re.fullmatch(r"\*-([a-z0-9]+)-\*", pattern)
            if segment:
                self.segments.setdefault(segment.group(1), index)
            elif not any(c in pattern for c in "*?["):
                self.exact[pattern] = min(index, self.exact.get(pattern, index))
            elif pattern.endswith("*") and not any(c in pattern[:-1] for c in "*?["):
                prefix = pattern[:-1]
                self.prefixes[prefix] = min(index, self.prefixes.get(prefix, index))
            else:
                chunks = [c for c in re.split(r"[*?\[\]]", pattern) if c]
                literal = max(chunks, key=len) if chunks else ""
                self.other.append((literal, re.compile(fnmatch.translate(pattern)), index))
        # Prefixes by their first two characters, best (lowest index) first: a slug probes one short
        # list instead of slicing itself at every prefix length. Shorter prefixes are few: a list.
        heads: dict[str, list[tuple[int, str]]] = {}
        for prefix, index in self.prefixes.items():
            heads.setdefault(prefix[:_HEAD], []).append((index, prefix))
        self._short = tuple(
            sorted((i, p) for h, entries in heads.items() if len(h) < _HEAD for i, p in entries)
        )
        self._heads = {h: tuple(sorted(e)) for h, e in heads.items() if len(h) == _HEAD}
        self._segment_keys = frozenset(self.segments)
        # A glob whose literal holds a dash-bounded word ("-house-election-") can only match a slug
        # with that word as an inner segment: such globs are looked up by that word, not scanned.
        self._other_by_word: dict[str, list[tuple[str, re.Pattern[str], int]]] = {}
        self._other_loose: list[tuple[str, re.Pattern[str], int]] = []
        for entry in self.other:
            words = [w for w in entry[0].split("-")[1:-1] if w]
            if words:
                self._other_by_word.setdefault(words[0], []).append(entry)
            else:
                self._other_loose.append(entry)
        self._other_words = frozenset(self._other_by_word)

    def best(self, slug: str) -> int | None:
        slug = slug.lower()
        found = self.exact.get(slug)
        for entries in (self._heads.get(slug[:_HEAD], ()), self._short):
            for hit, prefix in entries:
                if found is not None and hit >= found:
                    break  # sorted by index: no later prefix is better
                if slug.startswith(prefix):
                    found = hit
                    break
        inner = slug.split("-")[1:-1]
        for segment in self._segment_keys.intersection(inner):
            hit = self.segments[segment]
            if found is None or hit < found:
                found = hit
        for literal, regex, index in self._other_loose:  # sorted by index: the first hit is the best
            if found is not None and index >= found:
                break
            if literal in slug and regex.match(slug):
                found = index
                break
        for word in self._other_words.intersection(inner):
            for literal, regex, index in self._other_by_word[word]:
                if (found is None or index < found) and literal in slug and regex.match(slug):
                    found = index
        return found


_ASCII_DIGITS = frozenset("0123456789")


class _SlugLookup:
    """The best rule of one slug field, with the work shared by slugs that differ only in digits.

    Gamma gives every event its own slug, mostly a family's with another date or number in it
    ("…-july-24", "btc-updown-5m-1753400100"), so a cache keyed on whole slugs misses. The globs
    without a digit cannot tell ASCII digits apart (a wildcard or a class without a digit takes any
    digit alike), so they are matched once per zeroed slug (every digit "0"), from a bounded LRU
    cache. The few globs with digits ("f1-*", "*-above-on-*-20??") are matched on the slug itself,
    and only when the zeroed slug holds the zeroed longest literal part of one of them, which every
    slug they match does."""

    def __init__(self, patterns: Iterable[tuple[str, int]]) -> None:
        blind: list[tuple[str, int]] = []
        seeing: list[tuple[str, int]] = []
        needles: set[bytes] = set()
        self._always = False  # a digit glob with a [class]: its literal parts are not plain text
        for pattern, index in patterns:
            if _ASCII_DIGITS.isdisjoint(pattern):
                blind.append((pattern, index))
                continue
            seeing.append((pattern, index))
            lowered = pattern.lower()
            if "[" in lowered or "]" in lowered:
                self._always = True
            else:
                literal = max(re.split(r"[*?]", lowered), key=len)
                needles.add(literal.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS))
        self._blind = _SlugMatcher(blind)
        self._seeing = _SlugMatcher(seeing) if seeing else None
        self._needles = tuple(sorted(needles))
        self._zeroed = functools.lru_cache(maxsize=SLUG_CACHE_SIZE)(self._of_zeroed)

    def _of_zeroed(self, zeroed: bytes) -> tuple[int | None, bool]:
        """The best digit-free glob for this zeroed slug, and whether a digit glob could match."""
        maybe = self._always or any(n in zeroed for n in self._needles)
        return self._blind.best(zeroed.decode("utf-8", "surrogatepass")), maybe

    def best(self, slug: str) -> int | None:
        if slug.isascii():  # lower case and zeroed in one pass
            zeroed = slug.encode().translate(_LOWER_ZERO)
        else:
            zeroed = slug.lower().encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)
        found, maybe = self._zeroed(zeroed)
        if maybe and self._seeing is not None:
            hit = self._seeing.best(slug)
            if hit is not None and (found is None or hit < found):
                found = hit
        return found

    def cache_clear(self) -> None:
        self._zeroed.cache_clear()


@dataclass(slots=True)
class _Compiled:
    rule: Rule
    index: int
    requires: frozenset[int]
    unless: frozenset[int]
    regexes: tuple[re.Pattern[str], ...]
    gate_ids: frozenset[int]
    gate_chars: tuple[str, ...]


class Rules:
    """A compiled rule set. Build with `Rules.from_rules(...)` or `load_rules(...)`."""

    def __init__(self, rules: Iterable[Rule], *, template_cache: bool = True) -> None:
        self.rules: list[Rule] = sorted(rules, key=lambda r: -r.priority)
        self._compiled: list[_Compiled] = []
        # Text matchers (phrases and the requires/unless/gate phrases) share one index of phrase ids.
        self._phrase_ids: dict[tuple[str, ...], int] = {}
        index = _PhraseIndex()
        phrase_rules: dict[int, list[int]] = {}
        self._cased: dict[str, list[int]] = {}  # exact-case word -> rule indexes
        self._tags: dict[str, list[int]] = {}
        slug_patterns: dict[str, list[tuple[str, int]]] = {"events": [], "series": []}
        self._regex_rules: list[int] = []

        def phrase_id(phrase: str) -> int:
            key = _phrase_key(phrase)
            if key not in self._phrase_ids:
                self._phrase_ids[key] = len(self._phrase_ids)
                index.add(key, self._phrase_ids[key])
            return self._phrase_ids[key]

        for i, rule in enumerate(self.rules):
            for phrase in rule.phrases:
                phrase_rules.setdefault(phrase_id(phrase), []).append(i)
            for word in rule.cased:
                self._cased.setdefault(word, []).append(i)
            for tag in rule.tags:
                self._tags.setdefault(tag.lower(), []).append(i)
            for kind in ("events", "series"):
                for pattern in getattr(rule, kind):
                    slug_patterns[kind].append((pattern, i))
            regexes = tuple(re.compile(r, re.IGNORECASE) for r in rule.regex)
            if regexes:
                self._regex_rules.append(i)
            self._compiled.append(
                _Compiled(
                    rule=rule,
                    index=i,
                    requires=frozenset(phrase_id(p) for p in rule.requires),
                    unless=frozenset(phrase_id(p) for p in rule.unless),
                    regexes=regexes,
                    # A gate with words is a phrase; one without (like "°") a substring test.
                    gate_ids=frozenset(phrase_id(g) for g in rule.gate if _phrase_key(g)),
                    gate_chars=tuple(g.lower() for g in rule.gate if not _phrase_key(g)),
                )
            )
        # Template cache (see `best`). The phrases and cased words with digits, zeroed as templates
        # are, join the phrase index: a template that holds one ("map 0" for "Map 1 Winner") may
        # depend on its digits. No rule refers to these ids, so they never fire a rule themselves.
        digit_keys = {
            tuple(_zeroed(t) for t in key)
            for key in (*self._phrase_ids, *((w.lower(),) for w in self._cased))
            if any(ch.isdigit() for t in key for ch in t)
        }
        for key in sorted(digit_keys):
            if key not in self._phrase_ids:
                self._phrase_ids[key] = len(self._phrase_ids)
                index.add(key, self._phrase_ids[key])
        self._digit_ids = frozenset(self._phrase_ids[key] for key in digit_keys)
        index.freeze()
        self._index = index
        # Rule indexes per phrase, ascending (= best first), so a scan can stop early.
        self._phrase_rules = {pid: tuple(sorted(rs)) for pid, rs in phrase_rules.items()}
        self._cased_lower = frozenset(w.lower() for w in self._cased)
        # The markets of one event (a ladder, a game's props), of one series, and the events of a
        # family (slugs that differ in a date) share the slug matching work (see _SlugLookup).
        self._event_slugs = _SlugLookup(slug_patterns["events"])
        self._series_slugs = _SlugLookup(slug_patterns["series"])
        self._event_best = self._event_slugs.best
        self._series_best = self._series_slugs.best
        # Questions of a template that holds a digit phrase, by the words that phrase covers (see best).
        self._by_digit_words: dict[tuple[bytes, tuple[str, ...]], int] = {}
        self._template_index = (
            functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)(self._index_of_template)
            if template_cache and self._digit_blind()
            else None
        )

    @classmethod
    def from_rules(cls, rules: Iterable[Rule]) -> Rules:
        return cls(rules)

    def __len__(self) -> int:
        return len(self.rules)

    def names(self) -> list[str]:
        return [r.name for r in self.rules]

    def rule(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)

    def _digit_blind(self) -> bool:
        """Whether the rules treat every ASCII digit alike apart from `_digit_ids` (checked per
        template): no gate substring holds a digit and no regex names one (quantifiers like {0,60}
        aside; \\d, \\w, \\b and [^?] cannot tell digits apart). Otherwise the cache stays off."""
        for c in self._compiled:
            if any(ch.isdigit() for g in c.gate_chars for ch in g):
                return False
            if any(ch.isdigit() for r in c.rule.regex for ch in _QUANTIFIER_RE.sub("", r)):
                return False
        return True

    def cache_clear(self) -> None:
        """Forget the cached templates and slugs (benchmarks start each pass cold with it)."""
        if self._template_index is not None:
            self._template_index.cache_clear()
        self._by_digit_words.clear()
        self._event_slugs.cache_clear()
        self._series_slugs.cache_clear()

    def cache_info(self) -> tuple[int, int] | None:
        """(hits, misses) of the template cache, None when it is off."""
        if self._template_index is None:
            return None
        info = self._template_index.cache_info()
        return info.hits, info.misses

    # --- matching ----------------------------------------------------------------------------------

    def best(
        self,
        question: str,
        *,
        tags: Sequence[str] = (),
        event_slug: str | None = None,
        series_slug: str | None = None,
    ) -> Rule | None:
        """The highest-priority rule that fires on this market, or None.

        The best rule is the best of two readings: the question's text (phrases, cased words,
        regexes) and Polymarket's labels (tags, event and series slugs). Questions of one template
        ("Will Bitcoin be above $100,000 on May 5?" and "... $105,500 on May 6?": equal once every
        digit is "0") get the text's answer from a bounded LRU cache: the rules cannot tell their
        digits apart (`_digit_blind`), unless the template holds a word with digits that a rule names
        (`_digit_ids`, e.g. "Map 1"); such questions share answers only with the same words there
        (`_index_by_digit_words`). The labels are not part of the cache key: Gamma gives every event
        its own slug, so keying on them would miss on real catalogues; they cost a few dict probes
        (`_SlugLookup`).
        """
        cached = self._template_index
        if cached is None:
            best = self._text_index(question)
        else:
            template = question.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)
            found = cached(template)
            if isinstance(found, int):
                best = found if found >= 0 else self._text_index(question)
            else:
                best = self._index_by_digit_words(question, template, found)
        # The better of the text's rule and the best rule Gamma's tags or slugs fire (inline: this
        # runs for every market).
        for tag in tags:
            for i in self._tags.get(tag.lower(), ()):
                if i < best:
                    best = i
        if event_slug:
            hit = self._event_best(event_slug)
            if hit is not None and hit < best:
                best = hit
        if series_slug:
            hit = self._series_best(series_slug)
            if hit is not None and hit < best:
                best = hit
        rules = self.rules
        return rules[best] if best < len(rules) else None

    def _index_of_template(self, template: bytes) -> int | tuple[int, ...]:
        """The best text rule's index for every question of this template (the template is itself a
        question of its class, so it is read in their stead). Where a digit phrase stands in it, the
        positions of the words that phrase covers instead (ASCII), or -1: read each question."""
        text = template.decode("utf-8", "surrogatepass")
        toks = tokens(text)
        if not text.isascii():
            # Folding makes digits of some characters ("①" -> "1"), and words are cut differently
            # for the cased words than for the tokens: such questions are read one by one.
            toks = [_zeroed(t) for t in toks]
            return self._text_index(text, toks, template=True)
        found = self._text_index(text, toks, template=True)
        if found >= 0:
            return found
        return self._index.positions(toks, self._digit_ids)

    def _index_by_digit_words(self, question: str, template: bytes, positions: tuple[int, ...]) -> int:
        """The best text rule's index for an ASCII question whose template holds a digit phrase.

        Such questions differ from their template only in digits, and the rules tell digits apart
        only through the digit phrases (phrases and cased words with digits; `_digit_blind`): two
        questions of the template with the same words where the zeroed digit phrases stand ("Map 1"
        in "Map 1 Winner", "O/U 2.5") fire the same rules. Remembered by those words (bounded: the
        oldest goes first)."""
        toks = tokens(question)
        key = (template, tuple([toks[i] for i in positions]))
        found = self._by_digit_words.get(key)
        if found is None:
            found = self._text_index(question, toks)
            if len(self._by_digit_words) >= TEMPLATE_CACHE_SIZE:
                del self._by_digit_words[next(iter(self._by_digit_words))]
            self._by_digit_words[key] = found
        return found

    def _text_index(self, question: str, toks: list[str] | None = None, *, template: bool = False) -> int:
        """The index of the best rule the question's text fires (`len(self.rules)` when none does).
        `toks`: the question's tokens when known. With `template` (the question is a template), -1
        when it holds a digit phrase."""
        if toks is None:
            toks = tokens(question)
        present = self._index.hits(toks)
        if template and not self._digit_ids.isdisjoint(present):
            return -1
        best = len(self.rules)  # rules are sorted by priority: a lower index is a better rule
        compiled = self._compiled
        phrase_rules = self._phrase_rules
        for pid in present:
            for i in phrase_rules.get(pid, ()):
                if i >= best:
                    break
                c = compiled[i]
                if (not c.requires or not c.requires.isdisjoint(present)) and (
                    not c.unless or c.unless.isdisjoint(present)
                ):
                    best = i
                    break
        if not self._cased_lower.isdisjoint(toks):
            for word in set(CASED_TOKEN_RE.findall(question)):
                for i in self._cased.get(word, ()):
                    c = compiled[i]
                    if (
                        i < best
                        and (not c.requires or not c.requires.isdisjoint(present))
                        and (not c.unless or c.unless.isdisjoint(present))
                    ):
                        best = i
        text = question if len(question) <= REGEX_TEXT_LIMIT else question[:REGEX_TEXT_LIMIT]
        for i in self._regex_rules:
            if i >= best:
                break  # sorted: no later regex rule can beat what was found
            c = compiled[i]
            if c.gate_ids and c.gate_ids.isdisjoint(present):
                continue  # none of its gate words is in the question: the regex cannot match
            if c.gate_chars and not any(g in question for g in c.gate_chars):
                continue
            if c.requires and c.requires.isdisjoint(present):
                continue
            if c.unless and not c.unless.isdisjoint(present):
                continue
            if any(r.search(text) for r in c.regexes):
                best = i
                break
        return best


# --- loading ---------------------------------------------------------------------------------------


def default_rules_path() -> Path:
    return paths.shipped(DEFAULT_RULES_FILE)


def user_rules_path() -> Path:
    """`taxonomy.toml` beside the settings file (`$PMTUI_CONFIG`'s folder, else the config dir)."""
    from pmtui.config import config_path

    return config_path().parent / USER_RULES_FILE


def parse_rule_file(path: Path, *, check_regexes: bool = True) -> list[Rule]:
    """The rules of one file; raises RuleFileError with file, line and reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(path, None, f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RuleFileError(path, None, "is not UTF-8 text") from None
    return parse_rules_text(text, path, check_regexes=check_regexes)


def parse_rules_text(text: str, path: Path | str = "<rules>", *, check_regexes: bool = True) -> list[Rule]:
    """The rules of one file's text. `check_regexes=False` skips the runaway-regex check (only for the
    shipped file, which tests/taxonomy/test_regex_safety.py checks instead: it saves every start the
    parsing of its regexes a second time)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None) or _line_from_message(message)
        if line is None and "end of document" in message:
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        reason = getattr(exc, "msg", None) or re.sub(
            r"\s*\((?:at line \d+, column \d+|at end of document)\)$", "", message
        )
        raise RuleFileError(path, line, f"not valid TOML: {reason}") from None
    unknown = [k for k in document if k != "rule"]
    if unknown:
        raise RuleFileError(
            path,
            _line_of(text, unknown[0]),
            f"unknown top-level key {unknown[0]!r} (rules go in [rule.<name>])",
        )
    table = document.get("rule", {})
    if not isinstance(table, dict):
        raise RuleFileError(path, _line_of(text, "rule"), "`rule` must be a table of [rule.<name>] tables")
    lines = _rule_lines(text)
    return [
        _rule_from_table(name, body, lines.get(name), path, check_regexes) for name, body in table.items()
    ]


def _line_from_message(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


_RULE_HEADER = re.compile(
    r"""^[ \t]*\[[ \t]*rule[ \t]*\.[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z0-9_-]+))[ \t]*\]""", re.MULTILINE
)


def _rule_lines(text: str) -> dict[str, int]:
    """Where each rule's table header is written (its first line), found in one pass over the file:
    looking each rule up on its own cost a regex compile and a scan of the file per rule."""
    lines: dict[str, int] = {}
    for match in _RULE_HEADER.finditer(text):
        name = next(group for group in match.groups() if group is not None)
        lines.setdefault(name, text.count("\n", 0, match.start()) + 1)
    return lines


def _line_of(text: str, key: str, rule: str | None = None) -> int | None:
    """Where a rule's table header (or, failing that, a top-level key) is written in the file."""
    if rule is not None:
        quoted = re.escape(rule)
        header = re.compile(
            rf"^[ \t]*\[[ \t]*rule[ \t]*\.[ \t]*(?:{quoted}|\"{quoted}\"|'{quoted}')[ \t]*\]", re.MULTILINE
        )
        match = header.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1
        return None
    match = re.search(rf"^[ \t]*\[?[ \t]*{re.escape(key)}\b", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _rule_from_table(name: str, body: Any, line: int | None, path: Path | str, check_regexes: bool) -> Rule:

    def bad(reason: str) -> RuleFileError:
        return RuleFileError(path, line, f"rule {name!r}: {reason}")

    if not isinstance(body, Mapping):
        raise bad("must be a table, e.g. [rule.my_rule]")
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad(f"enabled must be true or false, got {enabled!r}")
    if not enabled:
        # `enabled = false` in the user file switches off the shipped rule of that name.
        return Rule(name=name, category=OTHER, priority=DISABLED, source=str(path), line=line)
    unknown = sorted(set(body) - _KNOWN_KEYS)
    if unknown:
        raise bad(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    category = body.get("category")
    if not isinstance(category, str) or not _CATEGORY_RE.match(category):
        raise bad(f'category must be "Top" or "Top/Sub", got {category!r}')
    if category.split("/", 1)[0] not in TOP_LEVELS:
        raise bad(
            f"unknown top-level category {category.split('/', 1)[0]!r} (known: {', '.join(TOP_LEVELS)})"
        )
    priority = body.get("priority", 50)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise bad(f"priority must be a whole number, got {priority!r}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        value = body.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise bad(f"{key} must be a list of non-empty strings")
        lists[key] = tuple(value)
    for phrase in (*lists["phrases"], *lists["requires"], *lists["unless"]):
        if not _phrase_key(phrase):
            raise bad(f"phrase {phrase!r} has no letters or digits to match")
    for word in lists["cased"]:
        if not CASED_TOKEN_RE.fullmatch(word):
            raise bad(f"cased word {word!r} must be one word of letters and digits")
    for pattern in lists["regex"]:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise bad(f"regex {pattern!r} is invalid: {exc}") from None
        # A runaway regex would hold the GIL for minutes on an ordinary question (Python's re cannot
        # be interrupted): refused here, before any question meets it (see regex_safety).
        problem = regex_problem(pattern) if check_regexes else None
        if problem:
            raise bad(
                f"regex {pattern!r} can take exponential time: {problem}; "
                "rewrite it without nested or overlapping repeats, or use phrases"
            )
    if not any(lists[k] for k in ("phrases", "cased", "regex", "tags", "events", "series")):
        raise bad("has no matcher (give phrases, cased, regex, tags, events or series)")
    return Rule(
        name=name,
        category=category,
        priority=priority,
        source=str(path),
        line=line,
        **lists,
    )


def merge_rules(base: Iterable[Rule], overrides: Iterable[Rule]) -> list[Rule]:
    """`base` with each override replacing the rule of the same name (or added). A rule with
    `enabled = false` in the user file switches the shipped rule off."""
    merged: dict[str, Rule] = {r.name: r for r in base}
    for rule in overrides:
        merged[rule.name] = rule
    return [r for r in merged.values() if r.priority != DISABLED]


def load_rules(
    default_path: Path | None = None,
    user_path: Path | None = None,
    *,
    include_user: bool = True,
    template_cache: bool = True,
) -> Rules:
    """The shipped rules overlaid by the user's file (when it exists)."""
    base = parse_rule_file(default_path or default_rules_path(), check_regexes=default_path is not None)
    extra: list[Rule] = []
    if include_user:
        user = user_path or user_rules_path()
        if user.exists():
            extra = parse_rule_file(user)
    return Rules(merge_rules(base, extra), template_cache=template_cache)


_DEFAULT: Rules | None = None


def default_rules() -> Rules:
    """Shipped plus user rules, loaded once per process (call `reset_default_rules` after editing)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rules()
    return _DEFAULT


def reset_default_rules() -> None:
    global _DEFAULT
    _DEFAULT = None
