"""Loading what a backtest needs from the store, once, into numpy arrays.

Only resolved and void markets are read, and only the outcome-0 price series of the binary ones.
All price points sit in one array sorted by a composite key `market_index << 32 | t`, so the last
point at or before any time of any market is a single vectorised `np.searchsorted` (engine.prepare).

Two ways to fill that array, giving the engine identical answers:
- `focus=` a (horizon, anchor): only the one point each market's decision can use (the last point at
  or before its decision time, or its first point for horizon "open"), found by SQLite on the
  prices primary key: ~0.2 s for 20,000 markets, however long their histories. The default of a run.
- no focus: every point, read in one pass per batch of markets straight into a flat array with
  `np.fromiter` (~3 s for 5 million points on the 2-core reference machine); worth it when one
  loaded `MarketData` serves several horizons (the TUI, horizon sweeps) or for charts.
Either way the result is reused by every strategy of a run and by every parameter set of a sweep.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
from sqlite_utils import Database

from pmtui.polymarket.fees import is_fifteen_minute_crypto

log = logging.getLogger("pmtui.backtest")

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]

UNKNOWN_CATEGORY = "Other"
"""What a market without a category counts as (the taxonomy's catch-all)."""
PRICE_BATCH = 2000
T_LIMIT = 1 << 32


class BacktestCancelled(Exception):
    """The cancel check said stop; nothing was stored."""


@dataclass(slots=True)
class MarketData:
    """Every resolved or void market, one row per index, and all their outcome-0 price points."""

    ids: list[str]
    questions: list[str]
    outcomes: list[tuple[str, ...]]
    categories: np.ndarray
    """object array of str; a market without a category is "Other"."""
    features: list[dict[str, Any]]
    clusters: list[str | None]
    """The taxonomy's cluster of each market (its event or ladder), None when it has none."""
    end_date: np.ndarray
    """float64 unix seconds, NaN when unknown (same for the other optional times below)."""
    anchor: np.ndarray
    """min(end date, closed time): what the horizon counts back from."""
    resolve_t: np.ndarray
    """When the outcome became known: closed time, else end date."""
    winner: np.ndarray
    """int8: 0 or 1 for resolved binary markets, -1 for void."""
    binary: np.ndarray
    fee_rate: np.ndarray
    """The market's stored (today's) taker fee rate, NaN when unknown."""
    fee_exponent: np.ndarray
    crypto_15m: np.ndarray
    """True for 15-minute crypto up/down markets, the only ones charged before 2026-03-30
    (`pmtui.polymarket.fees`)."""
    generated: np.ndarray
    """True for demo (generated) markets."""
    key: np.ndarray
    """int64, sorted: market index << 32 | t, one entry per price point."""
    price: np.ndarray
    """float64, the outcome-0 price of each point."""
    focus: str | None = None
    """None when every point is loaded; else the `focus_key` of the only decision it can serve."""

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def points(self) -> int:
        return len(self.key)

    def first_point(self) -> np.ndarray:
        """Index into key/price of each market's first point (== next market's start when none)."""
        idx = np.arange(self.size, dtype=np.int64)
        return np.searchsorted(self.key, idx << 32, side="left")

    def has_points(self) -> np.ndarray:
        idx = np.arange(self.size, dtype=np.int64)
        return np.searchsorted(self.key, (idx + 1) << 32, side="left") > self.first_point()


_MARKETS_SQL = """
SELECT id, question, outcomes_json, json_extract(token_ids_json, '$[0]'), category, features_json, end_date,
       closed_time, resolution, winner, fee_rate, fee_exponent, fee_type, source, cluster_id
FROM markets
WHERE resolution IN ('resolved', 'void')
ORDER BY id
"""

_POINTS_SQL = """
SELECT CAST(j.key AS REAL), CAST(p.t AS REAL), p.p
FROM json_each(?) AS j CROSS JOIN prices AS p ON p.token_id = j.value
WHERE p.t >= 0 AND p.t < 4294967296
"""


# msgspec: ~4x faster than json.loads on these short documents (60,000 of them for 20k markets).
_decode_json = msgspec.json.Decoder().decode


def _time(value: Any) -> float:
    return float(value) if value is not None else np.nan


def focus_key(horizon_s: int | None, anchor: str) -> str:
    return "open" if horizon_s is None else f"{horizon_s}s-before-{anchor}"


def decision_times(end_date: np.ndarray, anchor_t: np.ndarray, horizon_s: int, anchor: str) -> np.ndarray:
    """Decision time per market for a duration horizon (NaN when the anchor date is unknown)."""
    return (end_date if anchor == "end" else anchor_t) - horizon_s


def load_market_data(
    db: Database,
    *,
    focus: tuple[int | None, str] | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> MarketData:
    """Resolved/void markets and their price points: all of them, or with `focus=(horizon seconds or
    None for "open", anchor)` only the point each decision can use. Raises BacktestCancelled."""
    ids: list[str] = []
    questions: list[str] = []
    outcomes: list[tuple[str, ...]] = []
    categories: list[str] = []
    clusters: list[str | None] = []
    features: list[dict[str, Any]] = []
    end_date: list[float] = []
    closed_time: list[float] = []
    winner: list[int] = []
    fee_rate: list[float] = []
    fee_exponent: list[float] = []
    crypto_15m: list[bool] = []
    generated: list[bool] = []
    price_tokens: list[str | None] = []
    unusable = 0
    for row in db.execute(_MARKETS_SQL):
        market_id, question, outcomes_json, first_token, category, features_json = row[:6]
        end, closed, resolution, won, rate, exponent, fee_type, source, cluster = row[6:]
        names = tuple(str(o) for o in _decode_json(outcomes_json or "[]"))
        is_binary = len(names) == 2
        if resolution == "resolved" and (won is None or (is_binary and won not in (0, 1))):
            unusable += 1  # "resolved" without a readable winner: cannot be scored
            continue
        ids.append(market_id)
        questions.append(question)
        outcomes.append(names)
        categories.append(category or UNKNOWN_CATEGORY)
        clusters.append(cluster)
        try:
            parsed = _decode_json(features_json or "{}")
        except ValueError:
            parsed = {}
        features.append(parsed if isinstance(parsed, dict) else {})
        crypto_15m.append(is_fifteen_minute_crypto(fee_type, category, features[-1]))
        end_date.append(_time(end))
        closed_time.append(_time(closed))
        winner.append(-1 if resolution == "void" else int(won))
        fee_rate.append(float(rate) if rate is not None else np.nan)
        fee_exponent.append(float(exponent) if exponent is not None else 1.0)
        generated.append(source == "demo")
        price_tokens.append(
            (str(first_token) if first_token else f"pmtui:{market_id}:0") if is_binary else None
        )
    if unusable:
        log.warning("backtest: %d resolved markets have no readable winner and are left out", unusable)

    end_arr = np.array(end_date, dtype=np.float64)
    closed_arr = np.array(closed_time, dtype=np.float64)
    anchor_arr = np.fmin(end_arr, closed_arr)
    if focus is None:
        key, price = _load_points(db, price_tokens, progress, cancelled)
    else:
        horizon_s, anchor = focus
        at = None if horizon_s is None else decision_times(end_arr, anchor_arr, horizon_s, anchor)
        key, price = _load_decision_points(db, price_tokens, at, progress, cancelled)
    return MarketData(
        ids=ids,
        questions=questions,
        outcomes=outcomes,
        categories=np.array(categories, dtype=object),
        clusters=clusters,
        features=features,
        end_date=end_arr,
        anchor=anchor_arr,
        resolve_t=np.where(np.isnan(closed_arr), end_arr, closed_arr),
        winner=np.array(winner, dtype=np.int8),
        binary=np.array([len(o) == 2 for o in outcomes], dtype=bool),
        fee_rate=np.array(fee_rate, dtype=np.float64),
        fee_exponent=np.array(fee_exponent, dtype=np.float64),
        crypto_15m=np.array(crypto_15m, dtype=bool),
        generated=np.array(generated, dtype=bool),
        key=key,
        price=price,
        focus=None if focus is None else focus_key(*focus),
    )


_LAST_POINT_SQL = """
WITH wanted(i, token, at) AS (
    SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
)
SELECT CAST(w.i AS REAL), CAST(p.t AS REAL), p.p
FROM wanted AS w CROSS JOIN prices AS p
ON p.token_id = w.token AND p.t = (
    SELECT max(q.t) FROM prices AS q WHERE q.token_id = w.token AND q.t <= w.at AND q.t >= 0
)
"""
_FIRST_POINT_SQL = """
WITH wanted(i, token) AS (SELECT key, json_extract(value, '$[0]') FROM json_each(?))
SELECT CAST(w.i AS REAL), CAST(p.t AS REAL), p.p
FROM wanted AS w CROSS JOIN prices AS p
ON p.token_id = w.token AND p.t = (
    SELECT min(q.t) FROM prices AS q WHERE q.token_id = w.token AND q.t >= 0 AND q.t < 4294967296
)
"""


def _load_decision_points(
    db: Database,
    price_tokens: list[str | None],
    at: np.ndarray | None,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each market, the last point at or before `at` (or its first point when `at` is None)."""
    wanted: list[tuple[int, list[Any]]] = []
    for index, token in enumerate(price_tokens):
        if token is None:
            continue
        if at is None:
            wanted.append((index, [token]))
        elif not np.isnan(at[index]) and 0 <= at[index] < T_LIMIT:
            wanted.append((index, [token, int(at[index])]))
    sql = _FIRST_POINT_SQL if at is None else _LAST_POINT_SQL
    return _run_batches(db, sql, wanted, progress, cancelled)


def _load_points(
    db: Database,
    price_tokens: list[str | None],
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> tuple[np.ndarray, np.ndarray]:
    wanted = [(index, token) for index, token in enumerate(price_tokens) if token is not None]
    return _run_batches(db, _POINTS_SQL, wanted, progress, cancelled)


def _run_batches(
    db: Database,
    sql: str,
    wanted: list[tuple[int, Any]],
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run `sql` over batches of `wanted` (market index, JSON value); each row is (position in the
    batch, t, p). Returns the composite keys and prices, sorted."""
    keys: list[np.ndarray] = []
    prices: list[np.ndarray] = []
    for start in range(0, len(wanted), PRICE_BATCH):
        if cancelled is not None and cancelled():
            raise BacktestCancelled
        batch = wanted[start : start + PRICE_BATCH]
        market_index = np.array([index for index, _ in batch], dtype=np.int64)
        cursor = db.execute(sql, [json.dumps([value for _, value in batch])])
        flat = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.float64)
        rows = flat.reshape(-1, 3)
        position = rows[:, 0].astype(np.int64)
        keys.append((market_index[position] << 32) | rows[:, 1].astype(np.int64))
        prices.append(np.ascontiguousarray(rows[:, 2]))
        if progress is not None:
            done = min(start + PRICE_BATCH, len(wanted))
            progress(done / max(len(wanted), 1), f"loaded prices of {done:,} / {len(wanted):,} markets")
    if not keys:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    key = np.concatenate(keys)
    price = np.concatenate(prices)
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        # Each batch walks its tokens' (token_id, t) primary key in order; this is a safety net.
        order = np.argsort(key, kind="stable")
        key, price = key[order], price[order]
    return key, price
