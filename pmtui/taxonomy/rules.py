"""Category rules as data: loading, validating and compiling the TOML rule files.

A rule file holds `[rule.<name>]` tables:

    [rule.btc_updown]
    category = "Crypto/BTC-UpDown"   # "Top" or "Top/Sub"
    priority = 95                    # the highest-priority rule that fires wins
    phrases  = ["bitcoin up or down"]   # word-bounded, case-insensitive, matched on tokens
    cased    = ["BTC"]               # whole words, case-sensitive (tickers that are also words)
    regex    = ['\\bup or down\\b']  # Python regexes on the question (case-insensitive), slow path
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
regex only runs when its rule could still beat the best rule found so far.

The shipped defaults are `data/taxonomy.toml`; a user file (`taxonomy.toml` beside the settings file,
see `user_rules_path`) adds rules and replaces shipped rules of the same name. A bad file raises
`RuleFileError` naming the file, the line and the reason.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmtui import paths

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
CASED_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
_CATEGORY_RE = re.compile(r"^[A-Z][A-Za-z0-9]*(?:/[A-Za-z0-9][A-Za-z0-9.+&-]*)?$")
_LIST_KEYS = ("phrases", "cased", "regex", "requires", "unless", "tags", "events", "series")
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


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(fold(text))


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


@dataclass(slots=True)
class _PhraseIndex:
    """Phrases by first token: first -> [(rest, id)], ids being whatever the caller registers."""

    by_first: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=dict)

    def add(self, phrase: tuple[str, ...], ident: int) -> None:
        self.by_first.setdefault(phrase[0], []).append((phrase[1:], ident))

    def hits(self, toks: Sequence[str]) -> set[int]:
        found: set[int] = set()
        by_first = self.by_first
        n = len(toks)
        for i, tok in enumerate(toks):
            entries = by_first.get(tok)
            if entries is None:
                continue
            for rest, ident in entries:
                if not rest:
                    found.add(ident)
                    continue
                end = i + 1 + len(rest)
                if end <= n and tuple(toks[i + 1 : end]) == rest:
                    found.add(ident)
        return found


@dataclass(slots=True)
class _Compiled:
    rule: Rule
    index: int
    requires: frozenset[int]
    unless: frozenset[int]
    regexes: tuple[re.Pattern[str], ...]


class Rules:
    """A compiled rule set. Build with `Rules.from_rules(...)` or `load_rules(...)`."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: list[Rule] = sorted(rules, key=lambda r: -r.priority)
        self._compiled: list[_Compiled] = []
        # Text matchers (phrases and the requires/unless phrases) share one index of phrase ids.
        self._phrase_ids: dict[tuple[str, ...], int] = {}
        index = _PhraseIndex()
        phrase_rules: dict[int, list[int]] = {}
        self._cased: dict[str, list[int]] = {}  # exact-case word -> rule indexes
        self._cased_lower: frozenset[str] = frozenset()
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
                )
            )
        self._index = index
        self._phrase_rules = {pid: tuple(rs) for pid, rs in phrase_rules.items()}
        self._cased_lower = frozenset(w.lower() for w in self._cased)
        self._slug_res = {kind: _slug_regex(patterns) for kind, patterns in slug_patterns.items()}

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

    # --- matching ----------------------------------------------------------------------------------

    def best(
        self,
        question: str,
        *,
        tags: Sequence[str] = (),
        event_slug: str | None = None,
        series_slug: str | None = None,
    ) -> Rule | None:
        """The highest-priority rule that fires on this market, or None."""
        toks = TOKEN_RE.findall(fold(question))
        present = self._index.hits(toks)
        best = len(self.rules)  # rules are sorted by priority: a lower index is a better rule
        compiled = self._compiled

        def text_ok(c: _Compiled) -> bool:
            if c.requires and not (c.requires & present):
                return False
            return not (c.unless and (c.unless & present))

        phrase_rules = self._phrase_rules
        for pid in present:
            for i in phrase_rules.get(pid, ()):
                if i < best and text_ok(compiled[i]):
                    best = i
        if self._cased_lower and not self._cased_lower.isdisjoint(toks):
            for word in set(CASED_TOKEN_RE.findall(question)):
                for i in self._cased.get(word, ()):
                    if i < best and text_ok(compiled[i]):
                        best = i
        for tag in tags:
            for i in self._tags.get(tag.lower(), ()):
                best = min(best, i)
        for kind, slug in (("events", event_slug), ("series", series_slug)):
            if slug:
                hit = self._slug_res[kind](slug)
                if hit is not None:
                    best = min(best, hit)
        for i in self._regex_rules:
            if i >= best:
                break  # sorted: no later regex rule can beat what was found
            c = compiled[i]
            if text_ok(c) and any(r.search(question) for r in c.regexes):
                best = i
                break
        return self.rules[best] if best < len(self.rules) else None


def _slug_regex(patterns: list[tuple[str, int]]) -> Any:
    """A function slug -> index of the best rule whose glob matches it (or None).

    All globs of one field are joined into one regex of named alternatives in priority order, so
    the first alternative that matches the whole slug is the best rule."""
    if not patterns:
        return lambda slug: None
    patterns = sorted(patterns, key=lambda p: p[1])
    parts = [f"(?P<r{i}_{n}>{_glob(p)})" for n, (p, i) in enumerate(patterns)]
    combined = re.compile("(?:" + "|".join(parts) + r")\Z")

    def match(slug: str) -> int | None:
        m = combined.match(slug.lower())
        if m is None or m.lastgroup is None:
            return None
        return int(m.lastgroup[1:].split("_", 1)[0])

    return match


def _glob(pattern: str) -> str:
    translated = fnmatch.translate(pattern.lower())  # "(?s:...)\Z"
    return translated[:-2] if translated.endswith(r"\Z") else translated


# --- loading ---------------------------------------------------------------------------------------


def default_rules_path() -> Path:
    return paths.shipped(DEFAULT_RULES_FILE)


def user_rules_path() -> Path:
    """`taxonomy.toml` beside the settings file (`$PMTUI_CONFIG`'s folder, else the config dir)."""
    from pmtui.config import config_path

    return config_path().parent / USER_RULES_FILE


def parse_rule_file(path: Path) -> list[Rule]:
    """The rules of one file; raises RuleFileError with file, line and reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(path, None, f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RuleFileError(path, None, "is not UTF-8 text") from None
    return parse_rules_text(text, path)


def parse_rules_text(text: str, path: Path | str = "<rules>") -> list[Rule]:
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
    return [_rule_from_table(name, body, text, path) for name, body in table.items()]


def _line_from_message(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


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


def _rule_from_table(name: str, body: Any, text: str, path: Path | str) -> Rule:
    line = _line_of(text, name, rule=name)

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
            re.compile(pattern)
        except re.error as exc:
            raise bad(f"regex {pattern!r} is invalid: {exc}") from None
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
    default_path: Path | None = None, user_path: Path | None = None, *, include_user: bool = True
) -> Rules:
    """The shipped rules overlaid by the user's file (when it exists)."""
    base = parse_rule_file(default_path or default_rules_path())
    extra: list[Rule] = []
    if include_user:
        user = user_path or user_rules_path()
        if user.exists():
            extra = parse_rule_file(user)
    return Rules(merge_rules(base, extra))


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
