"""Markets tab reads: a sorted, filtered page of markets, in-place refresh of visible rows, details.

The table never holds the whole catalogue (20,000+ markets): it shows one page of the current sort
and filter and says how many match. Text search goes through the `markets_fts` FTS5 index with the
user's words quoted as FTS5 strings and bound as a parameter, so no input can change the query.

A search keystroke on a 500,000-market store must come back in well under 150 ms, so the page and
the match count are two queries (the tab counts in the background, after the page is drawn), and the
page query picks its plan by how many rows match (`PLAN_PROBE`; docs/performance.md has the figures).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pmtui.tui.queries import Reader

SORT_COLUMNS: dict[str, tuple[str, str, bool]] = {
    # key: (label, SQL expression, descending by default). Expressions are ours, never user text.
    "volume_24h": ("24h volume", "m.volume_24h", True),
    "liquidity": ("liquidity", "m.liquidity", True),
    "yes_price": ("YES price", "m.yes_price", True),
    "change": ("24h change", "m.one_day_change", True),
    "end_date": ("time to close", "m.end_date", False),
    "question": ("question", "m.question COLLATE NOCASE", False),
    "category": ("category", "m.category COLLATE NOCASE", False),
}
SORT_ORDER = list(SORT_COLUMNS)

_WORD = re.compile(r"\w", re.UNICODE)
COUNT_CAP = 100_000
"""Matches counted at most (the summary then says `100,000+`)."""
PLAN_PROBE = 5_000
"""Full-text matches above which the page walks the sort index instead of reading every match.

Below it, reading each matching row by rowid and sorting them costs a few ms; walking the sort index
would visit every open market when few or none of them match (14-50 ms at 500k). Above it, the walk
stops as soon as a page is found, where reading every match would cost 100-1,000 ms. Measured at
500,000 markets (docs/performance.md)."""


def fts_query(text: str) -> str | None:
    """The user's words as an FTS5 query: every word must appear, the last one as a prefix.

    Each word is a quoted FTS5 string (inner quotes doubled), so `AND`, `NEAR`, `*`, `(`, `:` or a
    stray quote are just characters. Words without a letter or digit are dropped (the tokenizer would
    turn them into an empty phrase that matches nothing). None when nothing searchable is left.
    """
    words = [w for w in text.split() if _WORD.search(w)]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if not text[-1:].isspace():
        quoted[-1] += "*"
    return " ".join(quoted)


@dataclass(frozen=True)
class MarketFilter:
    text: str = ""
    category: str | None = None
    """`Top` matches `Top` and every `Top/Sub`; `Top/Sub` matches itself."""
    watched_only: bool = False
    include_closed: bool = False
    sort: str = "volume_24h"
    descending: bool = True
    limit: int = 500


@dataclass(frozen=True)
class MarketRow:
    id: str
    question: str
    category: str | None
    yes_price: float | None
    change_24h: float | None
    volume_24h: float | None
    liquidity: float | None
    end_date: int | None
    closed: bool
    watched: bool
    demo: bool

    @classmethod
    def from_sql(cls, row: tuple[Any, ...]) -> MarketRow:
        (mid, question, category, yes, change, vol, liq, end, closed, watched, source) = row
        return cls(
            id=mid,
            question=question,
            category=category,
            yes_price=yes,
            change_24h=change,
            volume_24h=vol,
            liquidity=liq,
            end_date=end,
            closed=bool(closed),
            watched=bool(watched),
            demo=source == "demo",
        )


@dataclass(frozen=True)
class MarketPage:
    rows: list[MarketRow]
    total: int | None
    """How many markets match the filter (the page may hold fewer), up to `COUNT_CAP`; None while
    not counted yet (a full page: `count_matches` says, in the background)."""
    filter: MarketFilter
    more: bool = False
    """More than `COUNT_CAP` match (`total` is then the cap)."""


_ROW_COLUMNS = (
    "m.id, m.question, m.category, m.yes_price, m.one_day_change, m.volume_24h, m.liquidity, "
    "m.end_date, m.closed, m.watched, m.source"
)


def _where(flt: MarketFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if not flt.include_closed:
        clauses.append("m.closed = 0")
    match = fts_query(flt.text)
    if match is not None:
        clauses.append("m.rowid IN (SELECT rowid FROM markets_fts WHERE markets_fts MATCH ?)")
        params.append(match)
    if flt.category:
        # substr instead of LIKE: a category containing % or _ must not act as a wildcard.
        clauses.append("(m.category = ? OR substr(m.category, 1, length(?) + 1) = ? || '/')")
        params.extend([flt.category, flt.category, flt.category])
    if flt.watched_only:
        clauses.append("m.watched = 1")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def few_matches(db: Reader, match: str, probe: int = PLAN_PROBE) -> bool:
    """Fewer than `probe` rows match the FTS query `match`. FTS5 hands out matches lazily, so this
    reads at most `probe` of them however many there are."""
    found = db.execute(
        "SELECT count(*) FROM (SELECT rowid FROM markets_fts WHERE markets_fts MATCH ? LIMIT ?)",
        [match, probe],
    ).fetchone()[0]
    return bool(found < probe)


def _source(flt: MarketFilter, db: Reader, plan: str | None) -> str:
    """`markets m`, or `markets m NOT INDEXED` when few rows match the text: SQLite then reads each
    match by rowid (the INTEGER PRIMARY KEY stays usable) and sorts them, instead of walking the
    sort index through every open market to find them. Same rows, same order: only the plan differs.
    `plan` forces one ("rows" or "index"), for the test that compares them."""
    match = fts_query(flt.text)
    if plan is None:
        plan = "rows" if match is not None and few_matches(db, match) else "index"
    return "markets m NOT INDEXED" if plan == "rows" else "markets m"


def load_page(db: Reader, flt: MarketFilter, *, plan: str | None = None) -> MarketPage:
    """The page of `flt`. Its `total` is known when the page is not full; otherwise it is None and
    `count_matches` counts (the keystroke does not wait for a count of 100,000 rows)."""
    expr = SORT_COLUMNS.get(flt.sort, SORT_COLUMNS["volume_24h"])[1]
    where, params = _where(flt)
    # Unknown values (NULL) go last either way. SQLite sorts NULL lowest, so a descending order puts
    # them last by itself, and a plain `ORDER BY volume_24h DESC` can walk the (closed, volume_24h)
    # index instead of sorting 20,000 rows; an ascending order needs the explicit IS NULL first.
    order = f"{expr} DESC" if flt.descending else f"({expr}) IS NULL, {expr} ASC"
    source = _source(flt, db, plan)
    sql = f"SELECT {_ROW_COLUMNS} FROM {source}{where} ORDER BY {order}, m.id LIMIT ?"
    rows = [MarketRow.from_sql(r) for r in db.execute(sql, [*params, flt.limit]).fetchall()]
    total = len(rows) if len(rows) < flt.limit else None
    return MarketPage(rows=rows, total=total, filter=flt)


def count_key(flt: MarketFilter) -> MarketFilter:
    """What the match count of `flt` depends on: not its sort, nor how many rows are shown."""
    return dataclasses.replace(flt, sort="volume_24h", descending=True, limit=0)


def count_matches(db: Reader, flt: MarketFilter, *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(markets matching `flt` up to `cap`, whether more than `cap` match). Bounded: a one-letter
    search on a 500,000-market store must not count every match."""
    where, params = _where(flt)
    total = db.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {_source(flt, db, None)}{where} LIMIT ?)",
        [*params, cap + 1],
    ).fetchone()[0]
    return min(total, cap), total > cap


def refresh_rows(db: Reader, ids: list[str]) -> list[MarketRow]:
    """The current values of the given markets (those on screen), in no particular order."""
    if not ids:
        return []
    sql = f"SELECT {_ROW_COLUMNS} FROM markets m WHERE m.id IN (SELECT value FROM json_each(?))"
    return [MarketRow.from_sql(r) for r in db.execute(sql, [json.dumps(ids)]).fetchall()]


def category_counts(db: Reader, *, include_closed: bool = False) -> list[tuple[str, int]]:
    """(category, markets) for each top-level category and each sub-category, sorted by name.

    A top-level entry counts its own markets and all of its subs'.
    """
    where = "" if include_closed else " WHERE closed = 0"
    rows = db.execute(
        f"SELECT coalesce(category, 'Other'), count(*) FROM markets{where} GROUP BY 1"
    ).fetchall()
    counts: dict[str, int] = {}
    for category, n in rows:
        top = category.split("/", 1)[0]
        counts[top] = counts.get(top, 0) + n
        if category != top:
            counts[category] = counts.get(category, 0) + n
    return sorted(counts.items())


@dataclass(frozen=True)
class OutcomeQuote:
    name: str
    price: float | None
    best_bid: float | None = None
    best_ask: float | None = None


@dataclass(frozen=True)
class MarketDetail:
    id: str
    question: str
    category: str | None
    cluster_id: str | None
    cluster_size: int
    event_title: str | None
    slug: str | None
    outcomes: list[OutcomeQuote]
    volume: float | None
    volume_24h: float | None
    liquidity: float | None
    end_date: int | None
    closed: bool
    resolution: str
    winner: int | None
    source: str
    watched: bool
    updated_at: int | None
    features: dict[str, Any] = field(default_factory=dict)
    history: list[tuple[int, float]] = field(default_factory=list)
    """(t, price of outcome 0), oldest first, thinned to at most `max_points`."""
    token_ids: list[str] = field(default_factory=list)
    """CLOB token of each outcome (the live books are keyed on them)."""
    description: str | None = None
    """The market's rules, as Polymarket words them."""
    resolution_source: str | None = None
    event_slug: str | None = None
    tick_size: float | None = None

    @property
    def url(self) -> str | None:
        """The market's page on polymarket.com (event page when the market belongs to one)."""
        if self.source != "api" or not (self.slug or self.event_slug):
            return None
        if self.event_slug and self.slug and self.event_slug != self.slug:
            return f"https://polymarket.com/event/{self.event_slug}/{self.slug}"
        return f"https://polymarket.com/event/{self.event_slug or self.slug}"

    @property
    def demo(self) -> bool:
        return self.source == "demo"


def _json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def price_token(market_id: str, token_ids: list[Any]) -> str:
    """The `prices` key of outcome 0 (same rule as `Market.price_token`)."""
    return str(token_ids[0]) if token_ids else f"pmtui:{market_id}:0"


def outcome_prices(yes_price: float | None, stored: list[Any], count: int) -> list[float | None]:
    """One price source for the whole Price column: the table's YES price (`markets.yes_price`), and
    for a two-outcome market its complement for the other side; Gamma's outcome prices (a different
    source, refreshed at other times: `NO 100.0¢` above NO's own ask) only when there is no YES
    price, or for markets of more than two outcomes."""
    if count == 2 and yes_price is not None:
        return [yes_price, round(1 - yes_price, 6)]
    return [
        float(stored[i]) if i < len(stored) and isinstance(stored[i], int | float) else None
        for i in range(count)
    ]


def mirrored_books(outcomes: list[OutcomeQuote]) -> list[OutcomeQuote]:
    """Fill a side's missing bid/ask from the other's: the two books of a binary market mirror each
    other (buying NO at p is selling YES at 1 − p), so NO's bid is 1 − YES's ask and its ask 1 − YES's
    bid. A side's own quote, when stored, is kept."""
    first, second = outcomes

    def flip(value: float | None) -> float | None:
        return None if value is None else round(1 - value, 6)

    def filled(own: OutcomeQuote, other: OutcomeQuote) -> OutcomeQuote:
        bid = own.best_bid if own.best_bid is not None else flip(other.best_ask)
        ask = own.best_ask if own.best_ask is not None else flip(other.best_bid)
        return dataclasses.replace(own, best_bid=bid, best_ask=ask)

    return [filled(first, second), filled(second, first)]


def market_detail(db: Reader, market_id: str, *, max_points: int = 600) -> MarketDetail | None:
    row = db.execute(
        "SELECT id, question, category, cluster_id, event_title, slug, outcomes_json, token_ids_json, "
        "prices_json, yes_price, best_bid, best_ask, volume, volume_24h, liquidity, end_date, closed, resolution, "
        "winner, source, watched, updated_at, features_json, description, resolution_source, event_slug, tick_size "
        "FROM markets WHERE id = ?",
        [market_id],
    ).fetchone()
    if row is None:
        return None
    (mid, question, category, cluster_id, event_title, slug, outcomes_json, tokens_json, prices_json,
     yes_price, best_bid, best_ask, volume, volume_24h, liquidity, end_date, closed, resolution, winner, source,
     watched, updated_at, features_json, description, resolution_source, event_slug, tick_size) = row  # fmt: skip
    names = [str(n) for n in _json_list(outcomes_json)]
    tokens = _json_list(tokens_json)
    prices = _json_list(prices_json)
    quotes = {
        token: (bid, ask)
        for token, bid, ask in db.execute(
            "SELECT token_id, best_bid, best_ask FROM quotes WHERE market_id = ?", [mid]
        ).fetchall()
    }
    books: list[tuple[float | None, float | None]] = []
    for index in range(len(names)):
        token = str(tokens[index]) if index < len(tokens) else None
        book = quotes.get(token, (None, None)) if token else (None, None)
        if index == 0 and book == (None, None):
            book = (best_bid, best_ask)  # the market row's own YES book
        books.append(book)
    outcomes = [
        OutcomeQuote(name=name, price=price, best_bid=bid, best_ask=ask)
        for name, price, (bid, ask) in zip(
            names, outcome_prices(yes_price, prices, len(names)), books, strict=True
        )
    ]
    if len(outcomes) == 2:
        outcomes = mirrored_books(outcomes)
    cluster_size = 0
    if cluster_id:
        cluster_size = db.execute(
            "SELECT count(*) FROM markets WHERE cluster_id = ?", [cluster_id]
        ).fetchone()[0]
    try:
        features = json.loads(features_json or "{}")
    except ValueError:
        features = {}
    return MarketDetail(
        id=mid,
        question=question,
        category=category,
        cluster_id=cluster_id,
        cluster_size=cluster_size,
        event_title=event_title,
        slug=slug,
        outcomes=outcomes,
        volume=volume,
        volume_24h=volume_24h,
        liquidity=liquidity,
        end_date=end_date,
        closed=bool(closed),
        resolution=resolution,
        winner=winner,
        source=source,
        watched=bool(watched),
        updated_at=updated_at,
        features=features if isinstance(features, dict) else {},
        history=price_history(db, price_token(mid, tokens), max_points=max_points),
        token_ids=[str(t) for t in tokens],
        description=description,
        resolution_source=resolution_source,
        event_slug=event_slug,
        tick_size=tick_size,
    )


def price_history(db: Reader, token_id: str, *, max_points: int = 600) -> list[tuple[int, float]]:
    """A token's price points, oldest first, evenly thinned to `max_points` (the last point kept)."""
    points = [
        (int(t), float(p))
        for t, p in db.execute("SELECT t, p FROM prices WHERE token_id = ? ORDER BY t", [token_id])
    ]
    if len(points) <= max_points:
        return points
    step = len(points) / max_points
    thinned = [points[int(i * step)] for i in range(max_points - 1)]
    thinned.append(points[-1])
    return thinned
