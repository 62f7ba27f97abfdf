"""Markets for the fake Polymarket server: recorded real responses and a small deterministic generator.

Recorded markets are served as recorded (raw Gamma JSON, quirks included), each exactly once: the
recordings overlap (a market captured in two dumps), and the newest capture (`updatedAt`) wins.
Generated markets look like Gamma's (JSON arrays in strings, numbers as strings, Postgres-style
`closedTime`, neg-risk placeholders, non Yes/No outcomes, voids, AMM-style near-1 prices) and carry
`"pmtuiGenerated": true`, which makes the collector label them `source = 'demo'`.

Price history and order books are synthesized on demand from a per-token deterministic curve, so a
market of any age costs no memory until asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pmtui.polymarket.parsing import decide_resolution, parse_bool, parse_float, parse_json_list, parse_time

HistoryMode = Literal["windows", "max_only", "data_only", "none"]
"""How the fake serves a market's history: `windows` (startTs/endTs windows work, and `interval=max`
with fidelity >= 720), `max_only` (windows come back empty: the client must fall back to
`interval=max`), `data_only` (the CLOB route is empty: only Data API v2 has it), `none`."""

RECORDED_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "polymarket"
"""Where a pmtui checkout keeps the recorded real responses (an installed wheel has none: pass a dir)."""

RECORDED_FILES = (
    "gamma_markets_600_mixed_2026-02.json.gz",
    "gamma_markets_500_closed_2018-2021.json.gz",
    "gamma_markets_200_active_snapshot.json.gz",
    "BTC-5m-markets-2026-07-24.jsonl.gz",
    "gamma_market_559651.json",
    "gamma_event_2890.json",
)


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pg_time(t: int) -> str:
    """Gamma's Postgres-style `closedTime`: "2025-12-30 09:09:31+00"."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S+00")


@dataclass
class FakeMarket:
    """One market as the fake server holds it. `raw` is exactly what Gamma endpoints serve."""

    raw: dict[str, Any]
    id: str
    sort_key: int
    token_ids: list[str]
    generated: bool = False
    history_mode: HistoryMode = "windows"
    extra_points: list[tuple[int, float]] = field(default_factory=list)
    """Explicit (t, yes price) points added by `set_price`, served on top of the synthetic curve."""

    @property
    def closed(self) -> bool:
        return parse_bool(self.raw.get("closed"))

    @property
    def placeholder(self) -> bool:
        from pmtui.polymarket.parsing import is_placeholder

        return is_placeholder(self.raw)

    @property
    def prices(self) -> list[float | None]:
        try:
            values = parse_json_list(self.raw.get("outcomePrices")) or []
        except ValueError:
            return []
        return [parse_float(v) for v in values]

    @property
    def yes_price(self) -> float | None:
        prices = self.prices
        return prices[0] if prices else None

    @property
    def tick(self) -> float:
        tick = parse_float(self.raw.get("orderPriceMinTickSize"))
        return tick if tick and 0 < tick < 0.5 else 0.01

    @property
    def has_book(self) -> bool:
        """CLOB serves a book for open, order-book markets that are not awaiting resolution."""
        return (
            bool(self.token_ids)
            and not self.closed
            and self.raw.get("enableOrderBook", True) is not False
            and self.yes_price is not None
            and not self.raw.get("umaResolutionStatus")
        )

    def life(self, now: int) -> tuple[int, int]:
        """(first, last) second the market traded, for its synthetic history."""
        start = (
            parse_time(self.raw.get("startDate"))
            or parse_time(self.raw.get("createdAt"))
            or parse_time(self.raw.get("startDateIso"))
        )
        end = parse_time(self.raw.get("closedTime")) if self.closed else now
        if end is None:
            end = parse_time(self.raw.get("endDate")) or now
        if start is None or start >= end:
            start = end - 30 * 86400
        return start, min(end, now)

    def expected(self) -> tuple[str, int | None]:
        """(resolution, winner) the collector must store for this market."""
        closed = self.closed
        status = self.raw.get("umaResolutionStatus")
        return decide_resolution(closed, status if isinstance(status, str) else None, self.prices)


def settlement_payout(fm: FakeMarket, outcome: int) -> float | None:
    """What one share of `outcome` paid on-chain, once the market settled: 1 or 0, 0.5 for a void.
    None while it has not settled (open, or an outcome the data cannot tell)."""
    resolution, winner = fm.expected()
    if resolution == "void":
        return 0.5
    if resolution == "resolved":
        return 1.0 if winner == outcome else 0.0
    return None


def sort_key(market_id: str) -> int:
    if market_id.isdigit():
        return int(market_id)
    return int.from_bytes(hashlib.blake2b(market_id.encode(), digest_size=7).digest(), "big")


def token_ids(raw: Mapping[str, Any]) -> list[str]:
    try:
        values = parse_json_list(raw.get("clobTokenIds")) or parse_json_list(raw.get("positionIds")) or []
    except ValueError:
        return []
    return [str(v) for v in values]


def make_fake(raw: dict[str, Any], *, generated: bool = False) -> FakeMarket:
    market_id = str(raw["id"])
    return FakeMarket(
        raw=raw, id=market_id, sort_key=sort_key(market_id), token_ids=token_ids(raw), generated=generated
    )


# --- recorded files --------------------------------------------------------------------------------


def read_json(path: Path) -> Any:
    """A recorded JSON or JSONL file, gzip-compressed or not."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    if path.name.endswith(".jsonl") or path.name.endswith(".jsonl.gz"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def _markets_of(document: Any) -> Iterable[dict[str, Any]]:
    """Raw market objects of one recorded document (array, wrapper, JSONL `raw`, event, market)."""
    if isinstance(document, list):
        for item in document:
            yield from _markets_of(item)
        return
    if not isinstance(document, dict):
        return
    if isinstance(document.get("raw"), dict):
        yield document["raw"]
        return
    if "question" in document:
        yield document
        return
    if isinstance(document.get("markets"), list):
        is_event = "title" in document and "id" in document
        parent = {k: v for k, v in document.items() if k != "markets"} if is_event else None
        for market in document["markets"]:
            if not isinstance(market, dict):
                continue
            if parent is not None and "events" not in market:
                # Gamma's /markets objects carry their parent event; an event's nested markets do not.
                market = {**market, "events": [parent]}
            yield market


def load_recorded(data_dir: Path | str = RECORDED_DIR) -> list[dict[str, Any]]:
    """Every recorded market once (newest capture of each id), in id order. Copies, safe to mutate.
    A missing recorded file raises FileNotFoundError naming it: an empty fake would pass silently."""
    return [json.loads(text) for text in _recorded_texts(str(Path(data_dir).resolve()))]


@lru_cache(maxsize=4)
def _recorded_texts(data_dir: str) -> tuple[str, ...]:
    # Cached as JSON text: every server gets its own fresh dicts, loading the files happens once.
    by_id: dict[str, dict[str, Any]] = {}
    for name in RECORDED_FILES:
        path = Path(data_dir) / name
        if not path.is_file():
            raise FileNotFoundError(f"recorded Polymarket file not found: {path}")
        for raw in _markets_of(read_json(path)):
            if raw.get("id") in (None, ""):
                continue
            market_id = str(raw["id"])
            previous = by_id.get(market_id)
            if previous is None or str(raw.get("updatedAt") or "") >= str(previous.get("updatedAt") or ""):
                by_id[market_id] = raw
    ordered = sorted(by_id.values(), key=lambda m: sort_key(str(m["id"])))
    return tuple(json.dumps(m) for m in ordered)


# --- generator -------------------------------------------------------------------------------------

_TEAMS = [
    ("Lakers", "Celtics", "nba"),
    ("Chiefs", "Eagles", "nfl"),
    ("Arsenal", "Chelsea", "epl"),
    ("Yankees", "Dodgers", "mlb"),
    ("Team Spirit", "Vitality", "esports"),
]
_TAGS = {
    "crypto": {"id": "21", "label": "Crypto", "slug": "crypto"},
    "bitcoin": {"id": "235", "label": "Bitcoin", "slug": "bitcoin"},
    "sports": {"id": "1", "label": "Sports", "slug": "sports"},
    "politics": {"id": "2", "label": "Politics", "slug": "politics"},
    "economy": {"id": "120", "label": "Finance", "slug": "finance"},
    "fed": {"id": "100196", "label": "Fed Rates", "slug": "fed-rates"},
    "weather": {"id": "84", "label": "Weather", "slug": "weather"},
}


def _token(rng: random.Random) -> str:
    # Real token ids are uint256 decimals of 76–78 digits.
    return str(rng.randrange(10**75, 10**77))


def _hex(rng: random.Random, n: int = 64) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(n))


def generate_markets(n: int, *, seed: int = 7, now: int | None = None, start_id: int = 900_000) -> list[dict]:
    """`n` raw Gamma market objects, deterministic for (n, seed, now).

    About half open, a third resolved (winner 0 or 1), a few voids (0.5/0.5), a few closed with UMA
    status "proposed" (not final), a few AMM-era style (near-1 prices, no UMA status, no CLOB tokens)
    and, inside neg-risk events, a placeholder market (no prices or tokens, inactive).
    """
    rng = random.Random(seed)
    now = int(now if now is not None else datetime.now(UTC).timestamp())
    now -= now % 60
    markets: list[dict[str, Any]] = []
    next_id = start_id
    event_id = 700_000
    while len(markets) < n:
        event_id += 1
        kind = rng.choice(["btc", "btc", "fed", "sports", "sports", "weather", "election"])
        group = _event_markets(rng, kind, now, next_id, str(event_id), n - len(markets))
        next_id += len(group)
        markets.extend(group)
    return markets[:n]


def _event_markets(
    rng: random.Random, kind: str, now: int, first_id: int, event_id: str, room: int
) -> list[dict[str, Any]]:
    fate = rng.random()
    created = now - rng.randrange(3, 120) * 86400
    if fate < 0.5:
        state = "open"
        end = now + rng.randrange(1, 90) * 86400
    else:
        end = min(now - 3600, created + rng.randrange(1, 60) * 86400)
        state = (
            "resolved"
            if fate < 0.85
            else "void"
            if fate < 0.89
            else "proposed"
            if fate < 0.93
            else "amm"
            if fate < 0.97
            else "ambiguous"
        )
    day = datetime.fromtimestamp(end, UTC).strftime("%B %-d, %Y")
    questions: list[tuple[str, list[str], str | None]]
    neg_risk = False
    if kind == "btc":
        strike = rng.choice([90_000, 95_000, 100_000, 105_000, 110_000])
        questions = [(f"Will Bitcoin be above ${strike:,} on {day}?", ["Yes", "No"], None)]
        if rng.random() < 0.5:
            questions = [(f"Bitcoin Up or Down - {day}, 3:00PM-3:15PM ET", ["Up", "Down"], None)]
        title, tags = f"Bitcoin price on {day}", [_TAGS["crypto"], _TAGS["bitcoin"]]
    elif kind == "fed":
        # Dated to the day: markets of one month ending on different days must not read alike.
        questions = [(f"Will the Fed cut interest rates at its meeting ending {day}?", ["Yes", "No"], None)]
        title, tags = f"Fed decision on {day}", [_TAGS["economy"], _TAGS["fed"]]
    elif kind == "sports":
        home, away, league = rng.choice(_TEAMS)
        questions = [(f"{home} vs. {away}", [home, away], None)]
        title, tags = (
            f"{home} vs. {away}",
            [_TAGS["sports"], {"id": "9" + league, "label": league, "slug": league}],
        )
    elif kind == "weather":
        neg_risk = True
        low = rng.randrange(30, 80, 2)
        questions = [
            (
                f"Will the highest temperature in NYC be between {t}-{t + 1}°F on {day}?",
                ["Yes", "No"],
                f"{t}-{t + 1}°F",
            )
            for t in range(low, low + 6, 2)
        ]
        title, tags = f"Highest temperature in NYC on {day}?", [_TAGS["weather"]]
    else:
        neg_risk = True
        names = rng.sample(["Alice Moreau", "Bob Tanaka", "Carla Diaz", "Dmitri Volkov", "Erin Walsh"], 3)
        questions = [(f"Will {name} win the 2028 mayoral election?", ["Yes", "No"], name) for name in names]
        questions.append(("Will Person X win the 2028 mayoral election?", ["Yes", "No"], "Person X"))
        title, tags = "2028 mayoral election winner", [_TAGS["politics"]]
    questions = questions[:room]
    if neg_risk and state == "amm":
        state = "resolved"  # neg-risk markets are CLOB-era: they never had AMM (token-less) outcomes
    event = {
        "id": event_id,
        "slug": f"event-{event_id}",
        "title": title,
        "negRisk": neg_risk,
        "closed": state != "open",
        "startDate": iso(created),
        "endDate": iso(end),
        "tags": tags,
    }
    winner_in_group = rng.randrange(max(1, len(questions) - 1)) if neg_risk else None
    out = []
    for index, (question, outcomes, group_title) in enumerate(questions):
        market_id = str(first_id + index)
        placeholder = neg_risk and group_title == "Person X"
        if neg_risk and winner_in_group is not None:
            winner = 0 if index == winner_in_group else 1
        else:
            winner = rng.randrange(2)
        out.append(
            _market_raw(
                rng,
                market_id=market_id,
                question=question,
                outcomes=outcomes,
                group_title=group_title,
                event=event,
                state=state,
                winner=winner,
                created=created,
                end=end,
                now=now,
                neg_risk=neg_risk,
                placeholder=placeholder,
            )
        )
    return out


def _market_raw(
    rng: random.Random,
    *,
    market_id: str,
    question: str,
    outcomes: list[str],
    group_title: str | None,
    event: dict[str, Any],
    state: str,
    winner: int,
    created: int,
    end: int,
    now: int,
    neg_risk: bool,
    placeholder: bool,
) -> dict[str, Any]:
    volume = round(rng.lognormvariate(9, 1.5), 6)
    raw: dict[str, Any] = {
        "id": market_id,
        "question": question,
        "conditionId": _hex(rng),
        "questionID": _hex(rng),
        "slug": f"demo-{market_id}",
        "description": f"Generated market {market_id} for pmtui's fake Polymarket server (demo data).",
        "outcomes": json.dumps(outcomes),
        "startDate": iso(created) if rng.random() < 0.5 else iso(created).replace("Z", ".123456Z"),
        "createdAt": iso(created - 60),
        "updatedAt": iso(now - rng.randrange(0, 3600)),
        "endDate": iso(end),
        "endDateIso": iso(end)[:10],
        "active": True,
        "closed": state != "open",
        "archived": False,
        "enableOrderBook": state != "amm",
        "acceptingOrders": state == "open",
        "negRisk": neg_risk,
        "groupItemTitle": group_title,
        "orderPriceMinTickSize": rng.choice([0.01, 0.01, 0.001]),
        "orderMinSize": 5,
        "volume": str(volume),
        "volumeNum": volume,
        "liquidity": str(round(volume / 7, 4)),
        "events": [event],
        "feesEnabled": False,
        "feeType": None,
        "pmtuiGenerated": True,
    }
    if rng.random() < 0.8:
        raw["volume24hr"] = round(volume / rng.randrange(5, 50), 4)  # often omitted, as on Gamma
    if rng.random() < 0.3:
        raw["liquidityNum"] = round(volume / 7, 4)
    if neg_risk:
        raw["negRiskMarketID"] = "0x" + hashlib.sha256(str(event["id"]).encode()).hexdigest()
    if placeholder:
        # Neg-risk placeholder: inactive, no prices, no tokens. Collectors must skip it.
        raw.update(active=False, negRiskOther=False, enableOrderBook=False)
        return raw
    if state != "amm":
        raw["clobTokenIds"] = json.dumps([_token(rng), _token(rng)])
    if state == "open":
        p = round(rng.uniform(0.03, 0.97), 3)
        tick = raw["orderPriceMinTickSize"]
        raw["outcomePrices"] = json.dumps([_num(p), _num(round(1 - p, 3))])
        raw["bestBid"] = round(max(tick, p - tick), 3)
        raw["bestAsk"] = round(min(1 - tick, p + tick), 3)
        raw["lastTradePrice"] = p
        raw["oneDayPriceChange"] = round(rng.uniform(-0.05, 0.05), 3)
        return raw
    raw["closedTime"] = pg_time(end + rng.randrange(60, 7200))
    if state == "resolved":
        raw["outcomePrices"] = json.dumps(["1", "0"] if winner == 0 else ["0", "1"])
        raw["umaResolutionStatus"] = "resolved"
        raw["umaResolutionStatuses"] = '["proposed", "resolved"]'
    elif state == "void":
        raw["outcomePrices"] = '["0.5", "0.5"]'
        raw["umaResolutionStatus"] = "resolved"
        raw["umaResolutionStatuses"] = '["proposed", "resolved"]'
    elif state == "proposed":
        raw["outcomePrices"] = json.dumps(["1", "0"] if winner == 0 else ["0", "1"])
        raw["umaResolutionStatus"] = "proposed"
        raw["umaResolutionStatuses"] = '["proposed"]'
    elif state == "amm":
        high, low = "0.9999995831036984", "0.0000004168963016"
        raw["outcomePrices"] = json.dumps([high, low] if winner == 0 else [low, high])
    else:  # ambiguous: closed, no status, prices that name no winner
        raw["outcomePrices"] = '["0", "0"]'
    return raw


def _num(p: float) -> str:
    return f"{p:.3f}".rstrip("0").rstrip(".") or "0"


# --- synthetic price curves and books -------------------------------------------------------------


def _phases(token: str) -> tuple[float, float, float, float]:
    digest = hashlib.blake2b(token.encode(), digest_size=16).digest()
    a, b, c, d = (int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in (0, 4, 8, 12))
    return a, b, c, d


@dataclass(frozen=True, slots=True)
class _Curve:
    """A market's synthetic price path, with everything parsed once (a long window has thousands
    of points)."""

    start: int
    end: int
    phases: tuple[float, float, float, float]
    final: float
    extra: tuple[tuple[int, float], ...]

    @classmethod
    def of(cls, fm: FakeMarket, now: int) -> _Curve:
        start, end = fm.life(now)
        final = fm.yes_price
        return cls(
            start,
            end,
            _phases(fm.token_ids[0] if fm.token_ids else fm.id),
            final if final is not None else 0.5,
            tuple(fm.extra_points),
        )

    def price(self, outcome: int, t: int) -> float:
        a, b, c, d = self.phases
        x = (t - self.start) / max(3600.0, float(self.end - self.start))
        wiggle = (
            0.45
            + 0.25 * math.sin(2 * math.pi * (x * (1 + 3 * a) + b))
            + 0.1 * math.sin(2 * math.pi * (x * 17 * c + d))
        )
        # Converges on the final price over the last 30% of its life, and sits on it for the last 5%.
        weight = min(1.0, max(0.0, (x - 0.7) / 0.25)) ** 2
        p = (1 - weight) * wiggle + weight * self.final
        for pt, pp in self.extra:
            if pt <= t:
                p = pp
        p = self.final if weight >= 1 else min(0.999, max(0.001, p))
        p = round(p, 4)
        return p if outcome == 0 else round(1 - p, 4)


def curve_price(fm: FakeMarket, outcome: int, t: int, now: int) -> float:
    """Deterministic display price of `outcome` at time `t`: a wiggle that ends at the market's
    current (open) or final (closed) price of outcome 0."""
    return _Curve.of(fm, now).price(outcome, t)


def curve_points(fm: FakeMarket, outcome: int, start: int, end: int, step: int, now: int) -> list[dict]:
    """`{"t", "p"}` points every `step` seconds inside [start, end] and the market's life."""
    curve = _Curve.of(fm, now)
    lo, hi = max(start, curve.start), min(end, curve.end)
    if hi < lo or step <= 0:
        return []
    first = lo + (-lo % step)
    return [{"t": t, "p": curve.price(outcome, t)} for t in range(first, hi + 1, step)]


def book_for(fm: FakeMarket, outcome: int, now_ms: int) -> dict[str, Any]:
    """A CLOB `/book` object, ordered like the real one: bids ascending, asks descending (best last)."""
    tick = fm.tick
    yes = fm.yes_price if fm.yes_price is not None else 0.5
    mid = yes if outcome == 0 else 1 - yes
    decimals = max(0, -math.floor(math.log10(tick)))
    best_bid = math.floor(round((mid - tick / 2) / tick, 6)) * tick
    best_ask = math.ceil(round((mid + tick / 2) / tick, 6)) * tick
    bids = [round(best_bid - k * tick, decimals) for k in range(5) if best_bid - k * tick >= tick - 1e-9]
    asks = [round(best_ask + k * tick, decimals) for k in range(5) if best_ask + k * tick <= 1 - tick + 1e-9]
    size_seed = _phases(fm.token_ids[outcome])[0]

    def level(price: float, k: int) -> dict[str, str]:
        return {"price": f"{price:.{decimals}f}", "size": f"{round(50 + 900 * size_seed + 130 * k, 2)}"}

    return {
        "market": fm.raw.get("conditionId") or "",
        "asset_id": fm.token_ids[outcome],
        "timestamp": str(now_ms),
        "hash": hashlib.sha1(f"{fm.token_ids[outcome]}:{mid}".encode()).hexdigest(),
        "bids": [level(p, k) for k, p in sorted(enumerate(bids), key=lambda kv: kv[1])],
        "asks": [level(p, k) for k, p in sorted(enumerate(asks), key=lambda kv: -kv[1])],
        "min_order_size": str(fm.raw.get("orderMinSize") or 5),
        "tick_size": f"{tick:g}",
        "neg_risk": bool(fm.raw.get("negRisk")),
        "last_trade_price": f"{mid:.{decimals}f}",
    }
