"""`pmtui demo`: generated markets for an offline first look, tests and benchmarks.

Everything written here has `markets.source = 'demo'` and ids starting with `demo<seed>-`, so every
screen can label it and a backtest over it reports `generated_data: true`. Output is deterministic
for a given (options, `now`): the CLI uses the start of the current hour as `now`, so open markets
end in the future and resolved ones in the past.

Prices: each family (`demo_families`) simulates the true probability of outcome 0; the market price
is that probability distorted by a favourite–longshot bias, logit(price) = logit(p_true) / (1 + bias),
plus a little noise, rounded to the tick (0.01, or 0.001 near 0 and 1). bias = 0 is a calibrated
market; the default 0.2 overprices a 5% longshot at about 8%, close to the trade-level Polymarket
curve in the backtesting reference (which is an upper bound). Open markets get best bid/ask quotes.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlite_utils import Database

from pmtui.demo.families import DAY, FAMILIES, HOUR, Draft, DraftEvent, slugify
from pmtui.polymarket.models import Market
from pmtui.store import write_tx
from pmtui.store.markets import Categorize, MarketWrite, event_stubs, upsert_events, write_markets
from pmtui.taxonomy.categorize import store_categorizer

VOID_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class DemoOptions:
    markets: int = 2000
    seed: int = 7
    bias: float = 0.2
    """Favourite–longshot bias: 0 = calibrated prices."""
    points: int = 250
    """Maximum price points per market."""
    open_share: float = 0.15
    """Share of events still open at `now`."""
    now: int | None = None
    """Reference time; None = the start of the current hour."""


@dataclass(slots=True)
class DemoData:
    writes: list[MarketWrite]
    quotes: list[tuple[str, str, float, float, float, int]]
    """(token_id, market_id, best_bid, best_ask, mid, t) for open markets."""
    now: int


@dataclass(slots=True)
class DemoReport:
    options: DemoOptions
    now: int
    markets: int = 0
    resolved: int = 0
    void: int = 0
    open: int = 0
    events: int = 0
    price_points: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_data": True,
            "seed": self.options.seed,
            "bias": self.options.bias,
            "now": self.now,
            "markets": self.markets,
            "resolved": self.resolved,
            "void": self.void,
            "open": self.open,
            "events": self.events,
            "price_points": self.price_points,
            "categories": self.categories,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def market_prices(rng: np.random.Generator, true_p: np.ndarray, bias: float) -> np.ndarray:
    """True probability → traded price: favourite–longshot distortion, noise, tick rounding."""
    p = np.clip(true_p, 1e-4, 1 - 1e-4)
    logit = np.log(p / (1 - p)) / (1 + bias) + rng.normal(0.0, 0.04, len(p))
    price = 1 / (1 + np.exp(-logit))
    tick = np.where((price < 0.04) | (price > 0.96), 0.001, 0.01)
    return np.clip(np.round(price / tick) * tick, 0.001, 0.999).round(3)


def _token_ids(rng: np.random.Generator, count: int) -> list[str]:
    """77-digit decimal ids like the CLOB's (same storage cost as real ones)."""
    if count == 0:
        return []
    digits = rng.integers(0, 10, size=(count, 77), dtype=np.uint8)
    digits[:, 0] = rng.integers(1, 10, size=count, dtype=np.uint8)
    raw = (digits + ord("0")).tobytes().decode("ascii")
    return [raw[i * 77 : (i + 1) * 77] for i in range(count)]


def _pick_family(rng: np.random.Generator, number: int) -> str:
    names = sorted(FAMILIES)
    if number < len(names):
        return names[number]  # every family (so every category group) appears at least once
    weights = np.array([FAMILIES[n][1] for n in names])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def generate(options: DemoOptions) -> DemoData:
    """The demo markets, deterministic for (options, now)."""
    now = options.now if options.now is not None else int(time.time()) // HOUR * HOUR
    rng = np.random.default_rng(options.seed)
    writes: list[MarketWrite] = []
    quotes: list[tuple[str, str, float, float, float, int]] = []
    event_number = 0
    while len(writes) < options.markets:
        family = _pick_family(rng, event_number)
        is_open = bool(rng.random() < options.open_share)
        end = now + int(rng.uniform(HOUR, 6 * DAY)) if is_open else now - int(rng.uniform(DAY, 365 * DAY))
        event = FAMILIES[family][0](rng, end, options.points)
        event_id = f"demo{options.seed}-e{event_number:05d}"
        event_number += 1
        void_event = not event.neg_risk and len(event.markets) == 1 and bool(rng.random() < VOID_SHARE)
        for draft in event.markets:
            if len(writes) >= options.markets:
                break
            made = _market(rng, options, draft, event, event_id, len(writes), now, void_event)
            if made is None:
                continue
            write, market_quotes = made
            writes.append(write)
            quotes.extend(market_quotes)
    return DemoData(writes, quotes, now)


def _market(
    rng: np.random.Generator,
    options: DemoOptions,
    draft: Draft,
    event: DraftEvent,
    event_id: str,
    number: int,
    now: int,
    void: bool,
) -> tuple[MarketWrite, list[tuple[str, str, float, float, float, int]]] | None:
    resolved = draft.closed <= now
    visible = draft.t <= now
    if not visible.any():
        return None  # not listed yet
    t = draft.t[visible]
    prices = market_prices(rng, draft.true_p[visible], options.bias)
    tokens = _token_ids(rng, len(draft.outcomes))
    volume = float(np.round(rng.lognormal(10.0, 1.6), 2))
    market_id = f"demo{options.seed}-{number:06d}"
    if resolved and void:
        final: list[float | None] = [0.5] * len(draft.outcomes)
        resolution, winner = "void", None
    elif resolved:
        final = [1.0 if k == draft.winner else 0.0 for k in range(len(draft.outcomes))]
        resolution, winner = "resolved", draft.winner
    else:
        last = float(prices[-1])
        final = (
            [last, round(1 - last, 3)] if len(draft.outcomes) == 2 else [last, *draft.extra_outcome_prices]
        )
        resolution, winner = "unresolved", None
    market = Market(
        id=market_id,
        question=draft.question,
        outcomes=list(draft.outcomes),
        token_ids=tokens,
        prices=final,
        slug=slugify(draft.question),
        event_id=event_id,
        event_slug=slugify(event.title),
        event_title=event.title,
        series_slug=event.series_slug,
        group_item_title=draft.group_item_title,
        volume=volume,
        start_date=draft.start,
        end_date=draft.end,
        closed_time=draft.closed if resolved else None,
        created_at=draft.start,
        active=True,
        closed=resolved,
        accepting_orders=not resolved,
        enable_order_book=True,
        neg_risk=event.neg_risk,
        uma_status="resolved" if resolved else None,
        resolution=resolution,  # type: ignore[arg-type]
        winner=winner,
        fee_rate=draft.fee_rate,
        fee_exponent=1.0 if draft.fee_rate is not None else None,
        tick_size=0.01,
        min_size=5.0,
        tags=[draft.category.split("/")[0].lower(), "demo"],
        source="demo",
    )
    market_quotes: list[tuple[str, str, float, float, float, int]] = []
    if not resolved:
        last = float(prices[-1])
        half = float(rng.choice([0.005, 0.01, 0.015, 0.02]))
        bid, ask = max(0.001, round(last - half, 3)), min(0.999, round(last + half, 3))
        day_ago = np.searchsorted(t, now - DAY, side="right") - 1
        market.best_bid, market.best_ask, market.last_trade = bid, ask, last
        market.one_day_change = round(last - float(prices[day_ago]), 3) if day_ago >= 0 else None
        market.volume_24h = float(np.round(volume * rng.uniform(0.01, 0.2), 2))
        market.liquidity = float(np.round(rng.lognormal(8.5, 1.0), 2))
        if len(tokens) == 2:
            market_quotes = [
                (tokens[0], market_id, bid, ask, round((bid + ask) / 2, 4), now),
                (
                    tokens[1],
                    market_id,
                    round(1 - ask, 3),
                    round(1 - bid, 3),
                    round(1 - (bid + ask) / 2, 4),
                    now,
                ),
            ]
    write = MarketWrite(
        market=market,
        history_t=t.astype(np.int64).tolist(),
        history_p=prices.tolist(),
        category=draft.category,
        features=dict(draft.features),
    )
    return write, market_quotes


def write_demo(db: Database, options: DemoOptions, *, categorize: Categorize | None = None) -> DemoReport:
    """Generate and store the demo markets (idempotent for the same options and `now`). The generator
    states each market's category and features (kept, as an import file's are); `categorize` (by
    default the taxonomy's `store_categorizer()`) adds what it does not state: cluster ids."""
    categorize = categorize or store_categorizer()
    data = generate(options)
    report = DemoReport(options=options, now=data.now)
    with write_tx(db):
        upsert_events(db, event_stubs(w.market for w in data.writes), source="demo", only_new=True)
        counts = write_markets(db, data.writes, categorize=categorize, keep_missing=True)
        db.conn.executemany(
            "INSERT INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(token_id) DO UPDATE SET market_id = excluded.market_id, best_bid = excluded.best_bid, "
            "best_ask = excluded.best_ask, mid = excluded.mid, t = excluded.t",
            data.quotes,
        )
    categories: Counter[str] = Counter()
    events: set[str] = set()
    for write in data.writes:
        market = write.market
        categories[write.category or "Other"] += 1
        events.add(market.event_id or market.id)
        report.price_points += len(write.history_t)
        if market.resolution == "void":
            report.void += 1
        elif market.resolution == "resolved":
            report.resolved += 1
        else:
            report.open += 1
    report.markets = len(data.writes)
    report.events = len(events)
    report.categories = dict(sorted(categories.items()))
    report.inserted, report.updated, report.unchanged = len(counts.new), len(counts.updated), counts.unchanged
    return report


def expected_win_rate(price: float, bias: float) -> float:
    """The true probability behind a demo price (the inverse of the bias), for tests and docs."""
    p = min(max(price, 1e-9), 1 - 1e-9)
    return 1 / (1 + math.exp(-math.log(p / (1 - p)) * (1 + bias)))
