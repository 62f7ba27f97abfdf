"""A fake Polymarket (Gamma, CLOB, Data API) on 127.0.0.1, for tests and offline runs.

A real HTTP server in a background thread of the calling process. One port serves the three APIs
under path prefixes, the way a proxy would: `http://127.0.0.1:PORT/gamma`, `/clob`, `/data`, so
`PMTUI_GAMMA_URL=http://127.0.0.1:PORT/gamma` points pmtui at it.

It follows the real services' rules (docs/polymarket-api.md):
- Gamma `/markets/keyset`, `/events/keyset`: keyset cursors via `after_cursor`, `limit` clamped to
  100, `closed` defaults to false, 422 on `offset`, `next_cursor` only when the page is full;
  `/markets/{id}`, `/tags`.
- CLOB `POST /books` and `POST /midpoints` (<= 500 tokens else 400, unknown tokens silently dropped,
  bids ascending / asks descending), `GET /book`, `GET /prices-history` (400 "interval is too long"
  on a startTs/endTs window of 16 days or more; `interval=max` on a closed market needs
  fidelity >= 720 or returns `{"history": []}`).
- Data API `GET /v2/prices-history` (the designated successor; windows capped at 15 days).
- The market-channel WebSocket (`pmtui.fakes.market_channel`, `ws://127.0.0.1:PORT2/ws/market`,
  env `PMTUI_WS_URL`): books on subscribe, level changes, junk frames and dropped connections on
  demand; its books are the ones `/book` and `/books` serve.
- The published per-endpoint limits (sliding 10 s windows, the groups of `endpoints.limit_groups`):
  over budget → 429 with `Retry-After`, and the violation is counted in `.stats`.

Test hooks: `set_price`, `resolve`, `add_market`, `set_history_mode`, `set_faults` (5xx, 429, slow,
truncated JSON, missing fields, numbers as strings; per endpoint, with a probability or every Nth
request, deterministic for a seed), `go_offline` / `go_online`, and `.stats`.

Run by hand: `python -m pmtui.fakes.polymarket_server --recorded --port 8080` (or `--generated 500`)
prints the environment exports to use; `--ws-rate N` moves the subscribed books N times a second.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import copy
import json
import math
import random
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from pmtui.config import PUBLISHED_BUDGETS
from pmtui.fakes.market_channel import FakeMarketChannel
from pmtui.fakes.polymarket_data import (
    RECORDED_DIR,
    FakeMarket,
    HistoryMode,
    curve_points,
    generate_markets,
    load_recorded,
    make_fake,
    pg_time,
    settlement_payout,
)
from pmtui.polymarket.endpoints import APIS, endpoint_name, limit_groups

MAX_BATCH_TOKENS = 500
KEYSET_MAX_LIMIT = 100
KEYSET_DEFAULT_LIMIT = 20
MAX_HISTORY_WINDOW = 16 * 86400
"""A startTs/endTs window this long or longer is refused (15 days is fine, 16 is not)."""
DATA_MAX_WINDOW = 15 * 86400

FaultKind = Literal["5xx", "429", "slow", "truncated", "missing_fields", "numbers_as_strings"]
FAULT_KINDS: tuple[str, ...] = ("5xx", "429", "slow", "truncated", "missing_fields", "numbers_as_strings")


@dataclass
class FaultRule:
    """Inject `kind` into responses of `endpoint` (an endpoint name such as `gamma:/markets/keyset`,
    an API such as `clob`, or `*`), on every `every`-th matching request and/or with `probability`."""

    kind: FaultKind
    endpoint: str = "*"
    probability: float = 0.0
    every: int = 0
    delay: float = 0.5
    """`slow`: seconds to wait before answering."""
    status: int = 0
    """`5xx`: the status to send (0 = 500/502/503 chosen by the seeded generator)."""
    retry_after: int = 1
    """`429`: the Retry-After header value."""
    records: int = 1
    """`missing_fields`: how many records of a response to damage."""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(FAULT_KINDS)})")
        if self.probability <= 0 and self.every <= 0:
            raise ValueError("a fault rule needs probability > 0 or every >= 1")

    def matches(self, endpoint: str) -> bool:
        return self.endpoint in ("*", endpoint, endpoint.split(":", 1)[0])


@dataclass
class ServerStats:
    """What the server saw. `.stats` returns a copy, safe to keep."""

    requests: Counter[str] = field(default_factory=Counter)
    """Requests per endpoint name (every request, whatever its answer)."""
    statuses: Counter[str] = field(default_factory=Counter)
    """`"<endpoint> <status>"` counts."""
    violations: Counter[str] = field(default_factory=Counter)
    """Requests that exceeded a published limit, per limit group."""
    faults: Counter[str] = field(default_factory=Counter)
    """Injected faults per kind."""
    corrupted: dict[str, set[str]] = field(default_factory=dict)
    """Record ids damaged by `missing_fields`, per endpoint (token ids for CLOB, market ids for Gamma)."""
    offset_requests: int = 0
    """Requests that carried `offset` to a keyset endpoint (each got a 422)."""
    history_windows: list[tuple[str, int, int]] = field(default_factory=list)
    """(token, startTs, endTs) of every CLOB prices-history window request."""
    queries: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    """(endpoint, query parameters) of each request, oldest first (capped at 100,000)."""
    user_agents: Counter[str] = field(default_factory=Counter)

    @property
    def total_violations(self) -> int:
        return sum(self.violations.values())

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


class _Reply:
    """A response about to be sent; fault injection edits it."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw_bytes: bytes | None = None


class FakePolymarket:
    """The fake server. Use as a context manager, or call `start()` / `stop()`.

    >>> with FakePolymarket.from_recorded(RECORDED_DIR) as server:
    ...     env = server.env()  # PMTUI_GAMMA_URL=..., PMTUI_CLOB_URL=..., PMTUI_DATA_URL=...
    """

    def __init__(
        self,
        markets: Sequence[Mapping[str, Any]] = (),
        *,
        generated: bool = False,
        budgets: Mapping[str, int] | None = None,
        window: float = 10.0,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._clock = now
        self._lock = threading.RLock()
        self._markets: dict[str, FakeMarket] = {}
        self._order: list[FakeMarket] = []
        self._by_token: dict[str, tuple[FakeMarket, int]] = {}
        self.budgets: dict[str, int] = dict(PUBLISHED_BUDGETS if budgets is None else budgets)
        self.window = window
        self._calls: dict[str, deque[float]] = {}
        self._stats = ServerStats()
        self._rules: list[tuple[FaultRule, random.Random, list[int]]] = []
        self._offline: Literal["", "503", "refuse"] = ""
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._next_generated_id = 5_000_000
        self.channel = FakeMarketChannel(self._by_token.get, self._lock)
        """The market-channel WebSocket; its books are the ones `/book` and `/books` serve."""
        for raw in markets:
            self._add(
                make_fake(copy.deepcopy(dict(raw)), generated=generated or bool(raw.get("pmtuiGenerated")))
            )

    # --- construction ------------------------------------------------------------------------------

    @classmethod
    def from_recorded(cls, data_dir: Path | str, **kwargs: Any) -> FakePolymarket:
        """Every recorded real market in `data_dir` (tests/data/polymarket), each exactly once."""
        return cls(load_recorded(data_dir), **kwargs)

    @classmethod
    def from_generated(cls, n: int, *, seed: int = 7, **kwargs: Any) -> FakePolymarket:
        now = kwargs.get("now", time.time)()
        return cls(generate_markets(n, seed=seed, now=int(now)), generated=True, **kwargs)

    def _add(self, fm: FakeMarket) -> None:
        with self._lock:
            old = self._markets.get(fm.id)
            if old is not None:
                self._order.remove(old)
            self._markets[fm.id] = fm
            index = len(self._order)
            while index > 0 and self._order[index - 1].sort_key > fm.sort_key:
                index -= 1
            self._order.insert(index, fm)
            for outcome, token in enumerate(fm.token_ids):
                self._by_token[token] = (fm, outcome)

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FakePolymarket:
        if self._httpd is not None:
            return self
        self._httpd = _Httpd((self.host, self._requested_port), _Handler, self)
        self._requested_port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-polymarket",
            daemon=True,
        )
        self._thread.start()
        self.channel.start()
        return self

    def stop(self) -> None:
        self.channel.stop()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        self._drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakePolymarket:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._requested_port

    def url(self, api: str) -> str:
        if api not in APIS:
            raise ValueError(f"unknown API {api!r} (known: {', '.join(APIS)})")
        return f"http://{self.host}:{self.port}/{api}"

    @property
    def gamma_url(self) -> str:
        return self.url("gamma")

    @property
    def clob_url(self) -> str:
        return self.url("clob")

    @property
    def data_url(self) -> str:
        return self.url("data")

    @property
    def ws_url(self) -> str:
        return self.channel.url

    def env(self) -> dict[str, str]:
        return {
            "PMTUI_GAMMA_URL": self.gamma_url,
            "PMTUI_CLOB_URL": self.clob_url,
            "PMTUI_DATA_URL": self.data_url,
            "PMTUI_WS_URL": self.ws_url,
        }

    # --- state for tests ---------------------------------------------------------------------------

    def market_ids(self) -> list[str]:
        with self._lock:
            return [fm.id for fm in self._order]

    def market(self, market_id: str) -> FakeMarket:
        with self._lock:
            return self._markets[market_id]

    def markets(self) -> list[FakeMarket]:
        with self._lock:
            return list(self._order)

    def set_price(self, market_id: str, yes_price: float) -> None:
        """Move a market: outcome prices, Gamma's best bid/ask, the CLOB book, midpoint and history."""
        if not 0 <= yes_price <= 1:
            raise ValueError("price must be in [0, 1]")
        with self._lock:
            fm = self._markets[market_id]
            tick = fm.tick
            decimals = max(0, -math.floor(math.log10(tick)))
            yes = round(yes_price, decimals + 1)
            fm.raw["outcomePrices"] = json.dumps([f"{yes:g}", f"{round(1 - yes, decimals + 1):g}"])
            fm.raw["bestBid"] = round(max(0.0, yes - tick), decimals)
            fm.raw["bestAsk"] = round(min(1.0, yes + tick), decimals)
            fm.raw["lastTradePrice"] = yes
            fm.raw["updatedAt"] = self._iso_now()
            fm.extra_points.append((int(self._clock()), yes))
            self.channel.reset_market(fm)

    def resolve(self, market_id: str, winner: int | None) -> None:
        """Close a market the way Gamma shows a final resolution: winner priced 1 (or 0.5/0.5 for a
        void when `winner` is None), umaResolutionStatus "resolved"; its book disappears."""
        with self._lock:
            fm = self._markets[market_id]
            count = len(json.loads(fm.raw["outcomes"])) if isinstance(fm.raw.get("outcomes"), str) else 2
            if winner is None:
                prices = ["0.5"] * count
            else:
                if not 0 <= winner < count:
                    raise ValueError(f"winner must be an outcome index in [0, {count})")
                prices = ["1" if i == winner else "0" for i in range(count)]
            fm.raw.update(
                closed=True,
                acceptingOrders=False,
                outcomePrices=json.dumps(prices),
                umaResolutionStatus="resolved",
                umaResolutionStatuses='["proposed", "resolved"]',
                closedTime=pg_time(int(self._clock())),
                updatedAt=self._iso_now(),
            )
            self.channel.reset_market(fm)

    def add_market(self, raw: Mapping[str, Any] | None = None, *, seed: int | None = None) -> str:
        """Add a market (a raw Gamma object, or a freshly generated open one). Returns its id."""
        with self._lock:
            if raw is None:
                self._next_generated_id += 10
                for candidate in generate_markets(
                    6,
                    seed=seed if seed is not None else self._next_generated_id,
                    now=int(self._clock()),
                    start_id=self._next_generated_id,
                ):
                    if not candidate.get("closed") and candidate.get("clobTokenIds"):
                        raw = candidate
                        break
                else:  # pragma: no cover - the generator always yields an open market within 6
                    raise RuntimeError("generator produced no open market")
            fm = make_fake(copy.deepcopy(dict(raw)), generated=bool(raw.get("pmtuiGenerated")))
            self._add(fm)
            return fm.id

    def set_history_mode(self, market_id: str, mode: HistoryMode) -> None:
        with self._lock:
            self._markets[market_id].history_mode = mode

    def set_faults(self, *rules: FaultRule, seed: int = 0) -> None:
        """Replace the fault rules (none = no faults). Deterministic for a given seed and request order."""
        with self._lock:
            self._rules = [(rule, random.Random(seed * 1000 + i), [0]) for i, rule in enumerate(rules)]

    def set_budgets(self, budgets: Mapping[str, int], window: float | None = None) -> None:
        with self._lock:
            self.budgets = dict(budgets)
            if window is not None:
                self.window = window
            self._calls.clear()

    def go_offline(self, mode: Literal["503", "refuse"] = "refuse") -> None:
        """`refuse`: close the listening socket and every open connection (connection refused);
        `503`: answer every request with 503."""
        with self._lock:
            self._offline = mode
        if mode == "refuse" and self._httpd is not None:
            httpd, self._httpd = self._httpd, None
            httpd.shutdown()
            httpd.server_close()
            self._drop_connections()

    def go_online(self) -> None:
        with self._lock:
            mode, self._offline = self._offline, ""
        if mode == "refuse":
            self.start()  # same port: server sockets set SO_REUSEADDR

    @property
    def stats(self) -> ServerStats:
        with self._lock:
            return copy.deepcopy(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = ServerStats()

    # --- internals ---------------------------------------------------------------------------------

    def _iso_now(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _drop_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _admit(self, groups: Sequence[str]) -> int | None:
        """Record the request against its limit groups; the Retry-After seconds if over budget."""
        now = time.monotonic()
        with self._lock:
            retry_after = 0.0
            for group in groups:
                budget = self.budgets.get(group)
                if budget is None:
                    continue
                calls = self._calls.setdefault(group, deque())
                while calls and calls[0] <= now - self.window:
                    calls.popleft()
                if len(calls) >= budget:
                    self._stats.violations[group] += 1
                    retry_after = max(retry_after, calls[0] + self.window - now)
            if retry_after > 0:
                return max(1, math.ceil(retry_after))
            for group in groups:
                if group in self.budgets:
                    self._calls.setdefault(group, deque()).append(now)
            return None

    def _faults_for(self, endpoint: str) -> list[FaultRule]:
        fired = []
        with self._lock:
            for rule, rng, counter in self._rules:
                if not rule.matches(endpoint):
                    continue
                counter[0] += 1
                hit = (rule.every > 0 and counter[0] % rule.every == 0) or (
                    rule.probability > 0 and rng.random() < rule.probability
                )
                if hit:
                    fired.append(rule)
                    self._stats.faults[rule.kind] += 1
        return fired

    def handle(self, method: str, target: str, body: bytes, user_agent: str = "") -> _Reply:
        """Route one request. Runs on a server thread."""
        split = urlsplit(target)
        parts = split.path.split("/", 2)
        api = parts[1] if len(parts) > 1 else ""
        path = "/" + (parts[2] if len(parts) > 2 else "")
        query = parse_qs(split.query, keep_blank_values=True)
        if api not in APIS:
            return _Reply(404, {"error": f"unknown API prefix {api!r}; use /gamma, /clob or /data"})
        endpoint = endpoint_name(api, path)
        with self._lock:
            self._stats.requests[endpoint] += 1
            self._stats.user_agents[user_agent] += 1
            if len(self._stats.queries) < 100_000:
                self._stats.queries.append((endpoint, query))
            offline = self._offline
        if offline:
            reply = _Reply(503, {"error": "service unavailable"})
        else:
            retry_after = self._admit(limit_groups(api, path))
            if retry_after is not None:
                reply = _Reply(
                    429,
                    {"error": "Too Many Requests", "retry_after_seconds": retry_after},
                    {"Retry-After": str(retry_after)},
                )
            else:
                reply = self._fault_or_route(api, path, method, query, body, endpoint)
        with self._lock:
            self._stats.statuses[f"{endpoint} {reply.status}"] += 1
        return reply

    def _fault_or_route(
        self, api: str, path: str, method: str, query: dict[str, list[str]], body: bytes, endpoint: str
    ) -> _Reply:
        fired = self._faults_for(endpoint)
        for rule in fired:
            if rule.kind == "slow":
                time.sleep(rule.delay)
        for rule in fired:
            if rule.kind == "5xx":
                status = rule.status or random.Random(self._stats.faults["5xx"]).choice([500, 502, 503])
                return _Reply(status, {"type": "internal error", "error": "cannot get the information"})
            if rule.kind == "429":
                return _Reply(
                    429,
                    {"error": "Too Many Requests", "retry_after_seconds": rule.retry_after},
                    {"Retry-After": str(rule.retry_after)},
                )
        try:
            reply = self._route(api, path, method, query, body)
        except _HttpError as exc:
            return _Reply(exc.status, exc.body)
        if reply.status == 200:
            damaged: list[str] = []
            for rule in fired:
                if rule.kind == "missing_fields":
                    damaged += self._damage_records(endpoint, reply, rule, query.get("market", [""])[-1])
                elif rule.kind == "numbers_as_strings":
                    reply.body = _numbers_to_strings(reply.body)
            truncated = False
            for rule in fired:
                if rule.kind == "truncated":
                    encoded = json.dumps(reply.body).encode()
                    cut = max(1, int(len(encoded) * random.Random(len(encoded)).uniform(0.1, 0.9)))
                    reply.raw_bytes = encoded[:cut]
                    truncated = True
            if damaged and not truncated:  # a truncated body is unreadable: nothing in it counts as delivered
                with self._lock:
                    self._stats.corrupted.setdefault(endpoint, set()).update(damaged)
        return reply

    def _damage_records(self, endpoint: str, reply: _Reply, rule: FaultRule, token: str) -> list[str]:
        """Drop a required field from `rule.records` records of the response; their ids."""
        body = reply.body
        records: list[tuple[dict[str, Any], str, str]] = []  # (record, field to drop, id to report)
        if isinstance(body, dict) and isinstance(body.get("markets"), list):
            for m in body["markets"]:
                fm = self._markets.get(str(m.get("id")))
                if fm is not None and not fm.placeholder:
                    records.append((m, "question" if len(records) % 2 == 0 else "outcomes", str(m["id"])))
        elif isinstance(body, dict) and "question" in body:
            records.append((body, "outcomes", str(body.get("id"))))
        elif isinstance(body, dict) and "history" in body:
            records.append((body, "history", token))
        elif isinstance(body, list):
            for item in body:
                if isinstance(item, dict) and "asset_id" in item:
                    records.append((item, "asset_id", str(item["asset_id"])))
                elif isinstance(item, dict) and "id" in item and "label" in item:
                    records.append((item, "id", str(item["id"])))
        if not records:
            return []
        rng = random.Random(f"{endpoint}:{len(records)}:{self._stats.faults['missing_fields']}")
        chosen = rng.sample(records, min(rule.records, len(records)))
        for record, name, _ in chosen:
            record.pop(name, None)
        return [record_id for _, _, record_id in chosen]

    # --- routes ------------------------------------------------------------------------------------

    def _route(self, api: str, path: str, method: str, query: dict[str, list[str]], body: bytes) -> _Reply:
        path = path.rstrip("/") or "/"
        if api == "gamma" and method == "GET":
            if path == "/markets/keyset":
                return self._keyset(query, "markets")
            if path == "/events/keyset":
                return self._keyset(query, "events")
            if path.startswith("/markets/") and path.count("/") == 2:
                return self._market_by_id(path.rsplit("/", 1)[1])
            if path == "/tags":
                return self._tags(query)
            if path == "/status":
                return _Reply(200, "OK")
        if api == "clob":
            if path == "/books" and method == "POST":
                return self._books(body)
            if path == "/midpoints" and method == "POST":
                return self._midpoints(body)
            if path == "/book" and method == "GET":
                return self._book(query)
            if path == "/prices-history" and method == "GET":
                return self._prices_history(query)
            if path == "/ok":
                return _Reply(200, "OK")
        if api == "data" and path == "/v2/prices-history" and method == "GET":
            return self._data_prices_history(query)
        raise _HttpError(404, {"error": f"no route {method} /{api}{path}"})

    def _keyset(self, query: dict[str, list[str]], kind: Literal["markets", "events"]) -> _Reply:
        if "offset" in query:
            with self._lock:
                self._stats.offset_requests += 1
            raise _HttpError(
                422, {"type": "validation error", "error": "offset is not allowed on keyset endpoints"}
            )
        limit = _int_param(query, "limit", KEYSET_DEFAULT_LIMIT)
        limit = min(KEYSET_MAX_LIMIT, max(1, limit))
        closed = _bool_param(query, "closed", False)
        after = _decode_cursor(query.get("after_cursor", [""])[-1])
        ids = set(query.get("id", []))
        with self._lock:
            if kind == "markets":
                rows = [
                    (fm.sort_key, fm.raw)
                    for fm in self._order
                    if fm.closed == closed
                    and (not ids or fm.id in ids)
                    and (after is None or fm.sort_key > after)
                ]
                page = [(key, copy.deepcopy(raw)) for key, raw in rows[:limit]]
            else:
                page = [(key, event) for key, event in self._events(closed) if after is None or key > after]
                page = page[:limit]
        document: dict[str, Any] = {
            "$schema": f"https://gamma-api.polymarket.com/schemas/{kind.title()}KeysetListResponse.json",
            kind: [item for _, item in page],
        }
        if len(page) == limit:
            document["next_cursor"] = _encode_cursor(page[-1][0])
        return _Reply(200, document)

    def _events(self, closed: bool) -> list[tuple[int, dict[str, Any]]]:
        """Events built from the markets' parent events, each with its markets nested (no `events`)."""
        grouped: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        for fm in self._order:
            parents = fm.raw.get("events") or []
            if not parents or not isinstance(parents[0], dict) or parents[0].get("id") is None:
                continue
            parent = parents[0]
            entry = grouped.setdefault(str(parent["id"]), (parent, []))
            entry[1].append({k: v for k, v in fm.raw.items() if k != "events"})
        events = []
        for event_id, (parent, markets) in grouped.items():
            event_closed = parent.get("closed")
            if not isinstance(event_closed, bool):
                event_closed = all(bool(m.get("closed")) for m in markets)
            if event_closed != closed:
                continue
            key = int(event_id) if event_id.isdigit() else abs(hash(event_id))
            events.append((key, {**copy.deepcopy(parent), "markets": copy.deepcopy(markets)}))
        events.sort(key=lambda pair: pair[0])
        return events

    def _market_by_id(self, market_id: str) -> _Reply:
        with self._lock:
            fm = self._markets.get(market_id)
            if fm is None:
                raise _HttpError(404, {"type": "not found", "error": "market not found"})
            return _Reply(200, copy.deepcopy(fm.raw))

    def _tags(self, query: dict[str, list[str]]) -> _Reply:
        limit = min(1000, max(1, _int_param(query, "limit", 100)))
        offset = max(0, _int_param(query, "offset", 0))
        tags: dict[str, dict[str, Any]] = {}
        with self._lock:
            for fm in self._order:
                for source in [fm.raw, *(e for e in fm.raw.get("events") or [] if isinstance(e, dict))]:
                    for tag in source.get("tags") or []:
                        if isinstance(tag, dict) and tag.get("id") is not None:
                            tags.setdefault(str(tag["id"]), copy.deepcopy(tag))
        ordered = sorted(tags.values(), key=lambda t: int(t["id"]) if str(t["id"]).isdigit() else 0)
        return _Reply(200, ordered[offset : offset + limit])

    def _tokens_from_body(self, body: bytes) -> list[str]:
        try:
            items = json.loads(body or b"null")
        except json.JSONDecodeError:
            raise _HttpError(400, {"error": "Invalid payload"}) from None
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("token_id") for i in items):
            raise _HttpError(400, {"error": 'Invalid payload: expected [{"token_id": ...}]'})
        if len(items) > MAX_BATCH_TOKENS:
            raise _HttpError(400, {"error": "Payload exceeds the limit"})
        return [str(i["token_id"]) for i in items]

    def _books(self, body: bytes) -> _Reply:
        tokens = self._tokens_from_body(body)
        now_ms = int(self._clock() * 1000)
        books = []
        with self._lock:
            for token in dict.fromkeys(tokens):
                book = self.channel.rest_book(token, now_ms)
                if book is not None:  # unknown / book-less tokens are silently dropped
                    books.append(book)
        books.sort(key=lambda b: b["asset_id"])  # not request order, as on the real service
        return _Reply(200, books)

    def _midpoints(self, body: bytes) -> _Reply:
        tokens = self._tokens_from_body(body)
        mids: dict[str, str] = {}
        with self._lock:
            for token in tokens:
                book = self.channel.rest_book(token, 0)
                if book is not None and book["bids"] and book["asks"]:
                    mid = (float(book["bids"][-1]["price"]) + float(book["asks"][-1]["price"])) / 2
                    mids[token] = f"{mid:g}"
        return _Reply(200, mids)

    def _book(self, query: dict[str, list[str]]) -> _Reply:
        token = query.get("token_id", [""])[-1]
        if not token:
            raise _HttpError(400, {"error": "Invalid token id"})
        book = self.channel.rest_book(token, int(self._clock() * 1000))
        if book is None:
            raise _HttpError(404, {"error": "No orderbook exists for the requested token id"})
        return _Reply(200, book)

    def _prices_history(self, query: dict[str, list[str]]) -> _Reply:
        token = query.get("market", [""])[-1]
        if not token:
            raise _HttpError(400, {"error": "market is required"})
        fidelity = _int_param(query, "fidelity", 1)
        interval = query.get("interval", [""])[-1]
        start = _int_param(query, "startTs", -1)
        end = _int_param(query, "endTs", -1)
        now = int(self._clock())
        if start >= 0 and end >= 0:
            with self._lock:
                self._stats.history_windows.append((token, start, end))
            if end - start >= MAX_HISTORY_WINDOW:
                raise _HttpError(400, {"error": "'startTs' and 'endTs' interval is too long"})
        if interval == "1m" and fidelity < 10:
            raise _HttpError(400, {"error": "minimum 'fidelity' for '1m' range is 10"})
        if fidelity < 1:
            raise _HttpError(400, {"error": "invalid fidelity"})
        with self._lock:
            found = self._by_token.get(token)
        reply = _Reply(200, {"history": []})
        if found is None:
            return reply
        fm, outcome = found
        if fm.history_mode in ("data_only", "none"):
            return reply
        if interval in ("max", "all"):
            if fm.closed and fidelity < 720:
                return reply  # closed markets: interval=max needs fidelity >= 720 (py-clob-client#216)
            lo, hi = 0, now
        elif interval:
            spans = {"1h": 3600, "6h": 6 * 3600, "1d": 86400, "1w": 7 * 86400, "1m": 30 * 86400}
            if interval not in spans:
                raise _HttpError(400, {"error": f"invalid interval {interval!r}"})
            lo, hi = now - spans[interval], now
        elif start >= 0:
            if fm.history_mode == "max_only":
                return reply
            lo, hi = start, (end if end >= 0 else now)
        else:
            raise _HttpError(400, {"error": "startTs/endTs or interval is required"})
        reply.body = {"history": curve_points(fm, outcome, lo, hi, fidelity * 60, now)}
        return reply

    def _data_prices_history(self, query: dict[str, list[str]]) -> _Reply:
        token = (query.get("token_id") or query.get("tokenId") or [""])[-1]
        if not token:
            raise _HttpError(
                400, {"error": "token_id is required", "code": "invalid_request", "retryable": False}
            )
        start = _int_param(query, "start", -1)
        end = _int_param(query, "end", -1)
        interval = query.get("interval", [""])[-1]
        bucket = _int_param(query, "bucket_seconds", 0) or _int_param(query, "bucketSeconds", 0) or 3600
        limit = min(10_000, max(1, _int_param(query, "limit", 10_000)))
        offset = _decode_cursor(query.get("cursor", [""])[-1]) or 0
        now = int(self._clock())
        if start == 0 or end == 0:
            raise _HttpError(
                400, {"error": "a 0 bound is not allowed", "code": "invalid_request", "retryable": False}
            )
        if (start > 0) == bool(interval):
            raise _HttpError(
                400, {"error": "give exactly one of start or interval", "code": "invalid_request"}
            )
        if not 60 <= bucket <= 86400:
            raise _HttpError(400, {"error": "bucket_seconds must be in 60..86400", "code": "invalid_request"})
        if start > 0:
            hi = end if end > 0 else now
            if hi - start > DATA_MAX_WINDOW:
                raise _HttpError(400, {"error": "window longer than 15 days", "code": "invalid_request"})
            lo = start
        else:
            lo, hi = 0, now
        with self._lock:
            found = self._by_token.get(token)
        points: list[dict[str, Any]] = []
        if found is not None and found[0].history_mode != "none":
            points = curve_points(found[0], found[1], lo, hi - 1 if end > 0 else hi, bucket, now)
        page = points[offset : offset + limit]
        more = offset + limit < len(points)
        rows = [{"timestamp": p["t"], "price": p["p"], "resolution_seconds": bucket} for p in page]
        if rows and not more and found is not None:
            # Like the real route: a settled market's series ends with its on-chain payout (0, 1, or
            # a fraction for a void) as an exact point one bucket edge past the last row, whenever it
            # was really settled (docs/polymarket-api.md, "Price history").
            payout = settlement_payout(found[0], found[1])
            if payout is not None and hi >= found[0].life(now)[1]:
                rows.append(
                    {"timestamp": rows[-1]["timestamp"] + bucket, "price": payout, "resolution_seconds": 0}
                )
        return _Reply(
            200,
            {
                "data": rows,
                "pagination": {
                    "limit": limit,
                    "offset": offset,
                    "has_more": more,
                    "next_cursor": _encode_cursor(offset + limit) if more else None,
                },
            },
        )


class _HttpError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _int_param(query: Mapping[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    try:
        return int(values[-1])
    except ValueError:
        raise _HttpError(422, {"type": "validation error", "error": f"{name} must be an integer"}) from None


def _bool_param(query: Mapping[str, list[str]], name: str, default: bool) -> bool:
    values = query.get(name)
    if not values:
        return default
    value = values[-1].lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise _HttpError(422, {"type": "validation error", "error": f"{name} must be true or false"})


def _encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("k:"):
            raise ValueError(text)
        return int(text[2:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _HttpError(422, {"type": "validation error", "error": "invalid cursor"}) from None


def _numbers_to_strings(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [_numbers_to_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _numbers_to_strings(v) for k, v in value.items()}
    return value


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakePolymarket):
        self.fake = fake
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real services
    # Headers and body go out as separate writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms per response on keep-alive connections).
    disable_nagle_algorithm = True
    server: _Httpd
    timeout = 30

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: tests and the CLI read .stats instead

    def do_GET(self) -> None:
        self._serve("GET", b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve("POST", self.rfile.read(length) if length else b"")

    def _serve(self, method: str, body: bytes) -> None:
        reply = self.server.fake.handle(method, self.path, body, self.headers.get("User-Agent", ""))
        if reply.raw_bytes is not None:
            payload = reply.raw_bytes
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
        else:
            payload = json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header(
                "Content-Type", "application/json" if not isinstance(reply.body, str) else "text/plain"
            )
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True


# --- command line ----------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pmtui.fakes.polymarket_server",
        description="Run pmtui's fake Polymarket (Gamma, CLOB, Data API) on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument(
        "--recorded",
        nargs="?",
        const=str(RECORDED_DIR),
        metavar="DIR",
        help="serve the recorded real responses (default: tests/data/polymarket of a pmtui checkout)",
    )
    parser.add_argument(
        "--generated", type=int, default=0, metavar="N", help="also serve N generated demo markets"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator and fault injection")
    parser.add_argument(
        "--ws-rate",
        type=float,
        default=2.0,
        metavar="N",
        help="level changes per second sent to the subscribed books of the market channel (0: none)",
    )
    parser.add_argument(
        "--ws-batch", type=int, default=1, metavar="K", help="level changes per market-channel message"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:ENDPOINT][@P|/N]",
        help="inject a fault, e.g. 5xx@0.1, truncated:gamma:/markets/keyset/5 (repeatable)",
    )
    return parser.parse_args(argv)


def _parse_fault(spec: str) -> FaultRule:
    probability, every = 0.0, 0
    if "@" in spec:
        spec, p = spec.rsplit("@", 1)
        probability = float(p)
    elif "/" in spec and spec.rsplit("/", 1)[1].isdigit():
        spec, n = spec.rsplit("/", 1)
        every = int(n)
    else:
        every = 1
    kind, _, endpoint = spec.partition(":")
    return FaultRule(kind, endpoint or "*", probability=probability, every=every)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    markets: list[dict[str, Any]] = []
    if args.recorded:
        try:
            markets += load_recorded(args.recorded)
        except FileNotFoundError as exc:
            print(f"recorded data missing: {exc}", file=sys.stderr)
            return 2
    if args.generated:
        markets += generate_markets(args.generated, seed=args.seed)
    if not markets:
        print("nothing to serve: pass --recorded and/or --generated N", file=sys.stderr)
        return 2
    server = FakePolymarket(markets, port=args.port)
    try:
        server.set_faults(*(_parse_fault(f) for f in args.fault), seed=args.seed)
    except ValueError as exc:
        print(f"bad --fault: {exc}", file=sys.stderr)
        return 2
    with server:
        if args.ws_rate > 0:
            server.channel.start_ticker(args.ws_rate, seed=args.seed, batch=max(1, args.ws_batch))
        print(f"# fake Polymarket: {len(markets)} markets on {server.host}:{server.port} (Ctrl-C to stop)")
        for name, value in server.env().items():
            print(f"export {name}={value}")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            stats = server.stats
            print(
                f"\n# {stats.total_requests} requests, {stats.total_violations} limit violations",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
