"""The one writer of the `markets` table, and the small updates other jobs make to it.

`write_markets` is the only code that inserts markets or rewrites their API columns; the collector,
`pmtui import`, `pmtui demo` and the live monitor all call it. What it does with a batch, in ONE
transaction (nested in the caller's when there is one):

- a content hash of everything the caller knows about each market (its API columns, the category
  and features a file stated, its price history) is compared with the stored one: an unchanged
  market writes nothing at all;
- new and changed markets are categorized right there, in the same transaction (the `categorize`
  the caller passes, built once per process with the shipped + user rules), but only when what the
  taxonomy reads changed (question, tags, event and series slugs, event id, end date, a stated
  category): a price change does no taxonomy work. A market is never left uncategorized because the
  job that stored it died before some later step;
- the rows go into a per-connection temporary staging table and from there into `markets` with one
  `INSERT ... SELECT ... ON CONFLICT DO UPDATE`: the FTS trigger and the indexes then work on a whole
  page at once instead of once per `executemany` step (profiled: 27.8 -> 6.9 us a row for the FTS);
- outcome-0 price history, when given (imports, the demo), goes to `prices` keyed (token, t).

A market's CLOB token ids are stored once, in `token_ids_json` (outcome order), where every reader
looks (migration 0011 dropped the `tokens` table that only the export read).

Two merge policies: the API's rows replace what is stored (a field Gamma stops sending becomes
NULL); a file's rows (`keep_missing=True`) keep whatever stored value the file leaves empty, so a
thin history-format line never wipes the token ids or fee schedule a collector stored. Columns owned
by others (`watched`, `history_fetched_at`, `resolution_checked_at`, `first_seen`) are never in the
upsert; they have their own small functions below. Everything is parameterised SQL.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from sqlite_utils import Database

from pmtui.polymarket.models import Event, Market, Tag
from pmtui.store.db import write_tx

BATCH = 500
FILE_SOURCE = "file"
"""`category_source` of a category an import file or the demo stated (the taxonomy keeps it)."""
RULES_SOURCE = "rules"
"""`category_source` of a category the taxonomy's rules computed (recomputed when rules change)."""

# The columns the API owns, in row order.
API_COLUMNS: tuple[str, ...] = (
    "id",
    "condition_id",
    "question",
    "slug",
    "description",
    "event_id",
    "event_slug",
    "event_title",
    "series_slug",
    "group_item_title",
    "outcomes_json",
    "token_ids_json",
    "prices_json",
    "yes_price",
    "best_bid",
    "best_ask",
    "last_trade",
    "one_day_change",
    "volume",
    "volume_24h",
    "liquidity",
    "start_date",
    "end_date",
    "closed_time",
    "created_at",
    "active",
    "closed",
    "accepting_orders",
    "enable_order_book",
    "neg_risk",
    "neg_risk_market_id",
    "uma_status",
    "resolution",
    "winner",
    "fee_rate",
    "fee_exponent",
    "fee_type",
    "tick_size",
    "min_size",
    "tags_json",
    "source",
    "resolution_source",
)
_TAGS_AT = API_COLUMNS.index("tags_json")
TAXONOMY_COLUMNS: tuple[str, ...] = (
    "category",
    "category_source",
    "cluster_id",
    "features_json",
    "taxonomy_key",
)
"""Written with a market when it is (re)categorized; kept as stored otherwise."""
WRITTEN_COLUMNS: tuple[str, ...] = (
    *API_COLUMNS,
    *TAXONOMY_COLUMNS,
    "content_hash",
    "first_seen",
    "updated_at",
)

# Columns a file may leave empty (NULL): the stored value stays then (keep_missing=True).
_KEEP_IF_NULL = frozenset(
    {
        "condition_id", "slug", "description", "event_id", "event_slug", "event_title", "series_slug",
        "group_item_title", "yes_price", "best_bid", "best_ask", "last_trade", "one_day_change", "volume",
        "volume_24h", "liquidity", "start_date", "end_date", "closed_time", "created_at",
        "neg_risk_market_id", "uma_status", "fee_rate", "fee_exponent", "fee_type", "tick_size", "min_size",
        "resolution_source",
    }
)  # fmt: skip
_KEEP_IF_EMPTY_LIST = frozenset({"token_ids_json", "prices_json", "tags_json"})

_STAGE = "temp.market_stage"
_CREATE_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS market_stage AS SELECT {', '.join(WRITTEN_COLUMNS)} FROM main.markets WHERE 0"
_STAGE_INSERT = f"INSERT INTO {_STAGE} VALUES ({', '.join('?' for _ in WRITTEN_COLUMNS)})"


def _upsert_sql(keep_missing: bool) -> str:
    assignments = []
    for column in WRITTEN_COLUMNS:
        if column in ("id", "first_seen"):
            continue
        if column in TAXONOMY_COLUMNS:
            # A row staged without a category was not re-categorized: keep the stored taxonomy.
            value = f"CASE WHEN excluded.category IS NULL THEN markets.{column} ELSE excluded.{column} END"
        elif keep_missing and column in _KEEP_IF_NULL:
            value = f"COALESCE(excluded.{column}, markets.{column})"
        elif keep_missing and column in _KEEP_IF_EMPTY_LIST:
            value = f"CASE WHEN excluded.{column} = '[]' THEN markets.{column} ELSE excluded.{column} END"
        else:
            value = f"excluded.{column}"
        assignments.append(f"{column} = {value}")
    columns = ", ".join(WRITTEN_COLUMNS)
    select = ", ".join(
        "COALESCE(features_json, '{}')" if c == "features_json" else c for c in WRITTEN_COLUMNS
    )
    # "WHERE true": SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (parsing ambiguity).
    return (
        f"INSERT INTO markets ({columns}) SELECT {select} FROM {_STAGE} WHERE true "
        f"ON CONFLICT (id) DO UPDATE SET {', '.join(assignments)}"
    )


_UPSERT = {False: _upsert_sql(False), True: _upsert_sql(True)}
_UPSERT_PRICE = (
    "INSERT INTO prices (token_id, t, p) VALUES (?, ?, ?) "
    "ON CONFLICT (token_id, t) DO UPDATE SET p = excluded.p WHERE prices.p IS NOT excluded.p"
)

Categorize = Callable[[Market, str | None], tuple[str, str, str]]
"""(market, the category a file stated or None) -> (category, cluster_id, features_json).
The taxonomy's `store_categorizer()` builds one with the rules loaded once."""


@dataclass(slots=True)
class MarketWrite:
    """One market to store, with what the writer needs beyond the parsed `Market`."""

    market: Market
    history_t: Sequence[int] = ()
    history_p: Sequence[float] = ()
    """Outcome-0 price history (unix seconds, price in [0, 1]), sorted by time; imports and the demo."""
    category: str | None = None
    """A category the source states (an import file, the demo); kept over the rules' answer."""
    features: Mapping[str, Any] | None = None
    """Features the source states (the demo); kept over the taxonomy's."""


@dataclass
class WriteResult:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    resolved: list[str] = field(default_factory=list)
    """Markets that became resolved or void with this write (new ones included)."""
    categorized: int = 0
    """Markets the taxonomy looked at (new, or changed where the taxonomy reads)."""
    price_points: int = 0
    """Price rows inserted or changed."""
    repeated: int = 0
    """Records dropped because a later record of the same batch had the same id (the last wins)."""
    settled: list[int] = field(default_factory=list)
    """Paper positions settled because of those resolutions (filled in by `collect.ingest.store_batch`)."""

    @property
    def changed_ids(self) -> list[str]:
        return self.new + self.updated

    def add(self, other: WriteResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.resolved += other.resolved
        self.categorized += other.categorized
        self.price_points += other.price_points
        self.repeated += other.repeated
        self.settled += other.settled


# --- row values and digests ------------------------------------------------------------------------

# One encoder, built once: json.dumps with keyword arguments builds a new encoder on every call.
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_encode_sorted = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode


def _json_list(values: Sequence[Any]) -> str:
    try:
        # Lists of strings (outcomes, token ids, tags) are most of these: joining the escaped items
        # gives the very bytes the encoder would, without it setting itself up on every call.
        return "[" + ",".join(map(encode_basestring, values)) + "]"
    except TypeError:  # an item that is not a string (prices)
        return _json_numbers(values)


def _json_numbers(values: Sequence[Any]) -> str:
    """A list of finite floats and None (a market's prices) as the encoder writes it (it writes a
    float as its repr()), without the encoder's setup; anything else goes to the encoder proper."""
    parts = []
    for value in values:
        if type(value) is float and value - value == 0.0:  # finite: NaN and inf are the encoder's
            parts.append(float.__repr__(value))
        elif value is None:
            parts.append("null")
        else:
            return _encode_json(values if isinstance(values, list) else list(values))
    return "[" + ",".join(parts) + "]"


def features_json(features: Mapping[str, Any]) -> str:
    """The stored form of a features mapping (sorted keys, compact): equal features, equal text."""
    return _encode_sorted(features if type(features) is dict else dict(features))  # no copy of a dict


def market_row(m: Market) -> tuple[Any, ...]:
    """The API-owned column values of `m`, in `API_COLUMNS` order."""
    return (
        m.id,
        m.condition_id,
        m.question,
        m.slug,
        m.description,
        m.event_id,
        m.event_slug,
        m.event_title,
        m.series_slug,
        m.group_item_title,
        _json_list(m.outcomes),
        _json_list(m.token_ids),
        _json_list(m.prices),
        m.yes_price,
        m.best_bid,
        m.best_ask,
        m.last_trade,
        m.one_day_change,
        m.volume,
        m.volume_24h,
        m.liquidity,
        m.start_date,
        m.end_date,
        m.closed_time,
        m.created_at,
        int(m.active),
        int(m.closed),
        int(m.accepting_orders),
        int(m.enable_order_book),
        int(m.neg_risk),
        m.neg_risk_market_id,
        m.uma_status,
        m.resolution,
        m.winner,
        m.fee_rate,
        m.fee_exponent,
        m.fee_type,
        m.tick_size,
        m.min_size,
        _json_list(m.tags),
        m.source,
        m.resolution_source,
    )


_hashing = threading.local()


def _pickler() -> tuple[io.BytesIO, pickle.Pickler]:
    """This thread's buffer and pickler for `content_hash`: building them took ~2 us of the ~5 a
    hash costs, and every written market is hashed twice. One per thread: the collector and the
    live monitor write from two threads of one process."""
    try:
        return _hashing.state
    except AttributeError:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.fast = True
        _hashing.state = (buffer, pickler)
        return _hashing.state


def content_hash(values: tuple[Any, ...], *extra: bytes) -> str:
    """A digest of `values` (str, int, float, None) and `extra` bytes, equal exactly when they are.

    Pickled rather than repr()'d: repr() spent ~20 us a row, mostly formatting floats, pickle ~4 us.
    Protocol pinned so a new Python default cannot change every stored hash; `fast` turns the memo
    off, so two equal strings that happen to be one object or two still give the same bytes.
    """
    buffer, pickler = _pickler()
    buffer.seek(0)
    buffer.truncate()
    pickler.dump(values)
    digest = hashlib.blake2b(buffer.getvalue(), digest_size=12)
    for chunk in extra:
        digest.update(chunk)
    return digest.hexdigest()


def taxonomy_key(
    question: str,
    tags_json: str,
    event_id: str | None,
    event_slug: str | None,
    series_slug: str | None,
    end_date: int | None,
    stated_category: str | None,
) -> str:
    """A digest of everything the taxonomy reads for one market: equal keys, equal categorization
    (under the same rules). `pmtui.taxonomy.categorize` writes the same key when it recategorizes."""
    return content_hash((question, tags_json, event_id, event_slug, series_slug, end_date, stated_category))


def _history_bytes(item: MarketWrite) -> tuple[bytes, ...]:
    if not len(item.history_t):
        return ()
    return (array("q", item.history_t).tobytes(), array("d", item.history_p).tobytes())


class _Stored(NamedTuple):
    content_hash: str | None
    resolution: str
    taxonomy_key: str | None
    category: str | None
    file_category: str | None
    file_features: str | None
    first_token: str | None


def _stored(db: Database, ids: Sequence[str]) -> dict[str, _Stored]:
    rows = db.execute(
        "SELECT m.id, m.content_hash, m.resolution, m.taxonomy_key, m.category, "
        f"CASE WHEN m.category_source = '{FILE_SOURCE}' THEN m.category END, "
        f"CASE WHEN m.category_source = '{FILE_SOURCE}' AND m.features_json NOT IN ('', '{{}}') "
        "THEN m.features_json END, json_extract(m.token_ids_json, '$[0]') "
        "FROM json_each(?) j JOIN markets m ON m.id = j.value",
        [_encode_json(list(ids))],
    ).fetchall()
    return {row[0]: _Stored(*row[1:]) for row in rows}


# --- the writer ------------------------------------------------------------------------------------


def _batches(items: Iterable[MarketWrite], size: int) -> Iterator[list[MarketWrite]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def write_markets(
    db: Database,
    items: Iterable[MarketWrite],
    *,
    categorize: Categorize | None,
    keep_missing: bool = False,
    now: int | None = None,
    batch_size: int = BATCH,
) -> WriteResult:
    """Store `items`: insert new markets, update changed ones, skip unchanged ones (see the module
    docstring). `categorize` is required on purpose: every path that stores markets categorizes
    them (None only where a caller categorizes later itself, e.g. a benchmark isolating the cost).
    A market listed twice in one batch: the last one wins, and `repeated` counts it."""
    stamp = int(now if now is not None else time.time())
    total = WriteResult()
    for batch in _batches(items, batch_size):
        total.add(_write_batch(db, batch, categorize, keep_missing, stamp))
    return total


def _write_batch(
    db: Database, batch: Sequence[MarketWrite], categorize: Categorize | None, keep_missing: bool, now: int
) -> WriteResult:
    latest: dict[str, MarketWrite] = {item.market.id: item for item in batch}
    result = WriteResult(repeated=len(batch) - len(latest))
    stage: list[tuple[Any, ...]] = []
    prices: list[tuple[str, list[int], list[float]]] = []
    with write_tx(db):
        stored = _stored(db, list(latest))
        for market_id, item in latest.items():
            market = item.market
            row = market_row(market)
            stated = item.category.strip() if item.category and item.category.strip() else None
            stated_features = features_json(item.features) if item.features else None
            digest = content_hash((*row, stated, stated_features), *_history_bytes(item))
            previous = stored.get(market_id)
            if previous is not None and previous.content_hash == digest:
                result.unchanged += 1
                continue
            (result.new if previous is None else result.updated).append(market_id)
            if market.resolution != "unresolved" and (
                previous is None or previous.resolution == "unresolved"
            ):
                result.resolved.append(market_id)
            if stated is None and previous is not None and previous.file_category:
                # A category a file stated earlier stays (with its features) until a file says otherwise.
                stated, stated_features = previous.file_category, previous.file_features
            taxonomy = _taxonomy(item, row, stated, stated_features, previous, categorize)
            if taxonomy[0] is not None and categorize is not None:
                result.categorized += 1
            stage.append((*row, *taxonomy, digest, now, now))
            if len(item.history_t):
                first_token = market.token_ids[0] if market.token_ids else None
                if first_token is None and keep_missing and previous is not None:
                    first_token = previous.first_token  # the series of the tokens kept from before
                key = first_token or f"pmtui:{market_id}:0"
                prices.append((key, [int(t) for t in item.history_t], [float(p) for p in item.history_p]))
        if stage:
            conn = db.conn
            conn.execute(_CREATE_STAGE)
            conn.executemany(_STAGE_INSERT, stage)
            conn.execute(_UPSERT[keep_missing])
            conn.execute(f"DELETE FROM {_STAGE}")
            before = conn.total_changes
            for key, times, values in prices:
                conn.executemany(_UPSERT_PRICE, zip([key] * len(times), times, values, strict=True))
            result.price_points = conn.total_changes - before
    return result


def _taxonomy(
    item: MarketWrite,
    row: tuple[Any, ...],
    stated: str | None,
    stated_features: str | None,
    previous: _Stored | None,
    categorize: Categorize | None,
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """(category, category_source, cluster_id, features_json, taxonomy_key) to stage; all None keeps
    the stored taxonomy (nothing it reads changed, and the write states no features of its own)."""
    market = item.market
    # The key reads tags in their stored form, as `pmtui.taxonomy.categorize` does.
    key = taxonomy_key(
        market.question,
        row[_TAGS_AT],
        market.event_id,
        market.event_slug,
        market.series_slug,
        market.end_date,
        stated,
    )
    unchanged = previous is not None and previous.taxonomy_key == key and previous.category is not None
    if unchanged and item.features is None:
        return (None, None, None, None, None)
    if categorize is None:
        if stated is None:
            return (None, None, None, None, None)
        return (stated, FILE_SOURCE, None, stated_features, None)  # no key: the rules still owe a cluster
    category, cluster, features = categorize(market, stated)
    if stated is not None:
        return (stated, FILE_SOURCE, cluster, stated_features or features, key)
    return (category, RULES_SOURCE, cluster, features, key)


# --- events and tags -------------------------------------------------------------------------------


def upsert_events(
    db: Database,
    events: Iterable[Event],
    *,
    source: str = "api",
    only_new: bool = False,
    now: int | None = None,
) -> int:
    """Insert or update events; rows whose values are unchanged are not written. `only_new`: insert
    events not stored yet and leave stored ones alone (the stubs an import file implies). Returns
    rows written."""
    stamp = int(now if now is not None else time.time())
    rows = {
        e.id: (
            e.id,
            e.slug,
            e.title,
            e.series_slug,
            int(e.neg_risk),
            _json_list(e.tags),
            e.start_date,
            e.end_date,
            int(e.closed),
            source,
            stamp,
        )
        for e in events
    }
    if not rows:
        return 0
    conflict = (
        "DO NOTHING"
        if only_new
        else "DO UPDATE SET slug = excluded.slug, title = excluded.title, "
        "series_slug = excluded.series_slug, neg_risk = excluded.neg_risk, tags_json = excluded.tags_json, "
        "start_date = excluded.start_date, end_date = excluded.end_date, closed = excluded.closed, "
        "updated_at = excluded.updated_at "
        "WHERE (slug, title, series_slug, neg_risk, tags_json, start_date, end_date, closed) IS NOT "
        "(excluded.slug, excluded.title, excluded.series_slug, excluded.neg_risk, excluded.tags_json, "
        "excluded.start_date, excluded.end_date, excluded.closed)"
    )
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT INTO events (id, slug, title, series_slug, neg_risk, tags_json, start_date, end_date, closed, "
            f"source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) {conflict}",
            list(rows.values()),
        )
        return db.conn.total_changes - before


def event_stubs(markets: Iterable[Market]) -> list[Event]:
    """The events markets name (id, slug, title, series, neg-risk) when nothing else describes them."""
    stubs: dict[str, Event] = {}
    for m in markets:
        if m.event_id and m.event_id not in stubs:
            stubs[m.event_id] = Event(
                id=m.event_id,
                slug=m.event_slug,
                title=m.event_title,
                series_slug=m.series_slug,
                neg_risk=m.neg_risk,
            )
    return list(stubs.values())


def upsert_tags(db: Database, tags: Iterable[Tag]) -> int:
    rows = {t.id: (t.id, t.label, t.slug) for t in tags}
    if not rows:
        return 0
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT INTO tags (id, label, slug) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET label = excluded.label, slug = excluded.slug "
            "WHERE (label, slug) IS NOT (excluded.label, excluded.slug)",
            list(rows.values()),
        )
        return db.conn.total_changes - before


# --- columns other jobs own ------------------------------------------------------------------------


def set_watched(db: Database, market_ids: Iterable[str], watched: bool = True) -> int:
    """Mark markets as watched (their history and quotes are kept fresh). Returns rows changed
    (markets that do not exist change nothing)."""
    ids = list(dict.fromkeys(market_ids))
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany("UPDATE markets SET watched = ? WHERE id = ?", [(int(watched), i) for i in ids])
        return db.conn.total_changes - before


def set_book_prices(
    db: Database, prices: Iterable[tuple[str, float | None, float | None, float | None]]
) -> None:
    """(market id, best bid, best ask, mid) of outcome 0 from the CLOB books: the live price columns
    between two catalogue passes (a missing mid keeps the stored price)."""
    with write_tx(db):
        db.conn.executemany(
            "UPDATE markets SET best_bid = ?, best_ask = ?, yes_price = COALESCE(?, yes_price) WHERE id = ?",
            [(bid, ask, mid, market_id) for market_id, bid, ask, mid in prices],
        )


def mark_history_fetched(db: Database, market_id: str, at: int) -> None:
    with write_tx(db):
        db.conn.execute("UPDATE markets SET history_fetched_at = ? WHERE id = ?", (at, market_id))


def mark_resolution_checked(db: Database, market_ids: Iterable[str], at: int) -> None:
    with write_tx(db):
        db.conn.executemany(
            "UPDATE markets SET resolution_checked_at = ? WHERE id = ?", [(at, i) for i in market_ids]
        )


def set_taxonomy(db: Database, rows: Sequence[tuple[str, str, str, str, str | None, str]]) -> int:
    """(category, category_source, cluster_id, features_json, taxonomy_key, market id) from a
    re-categorization (`pmtui categorize`, the sweep of uncategorized markets); rows whose values
    are already stored are not written. Returns rows written."""
    if not rows:
        return 0
    with write_tx(db):
        before = db.conn.total_changes
        db.conn.executemany(
            "UPDATE markets SET category = ?1, category_source = ?2, cluster_id = ?3, features_json = ?4, "
            "taxonomy_key = ?5 WHERE id = ?6 AND (category, category_source, cluster_id, features_json, "
            "taxonomy_key) IS NOT (?1, ?2, ?3, ?4, ?5)",
            rows,
        )
        return db.conn.total_changes - before
