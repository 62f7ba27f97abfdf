"""The Polymarket client: httpx (async), every request under the shared rate limiter, bounded retries.

    async with PolymarketClient(settings, call_log=ApiCallLog(settings.database.path)) as client:
        async for page in client.iter_markets(closed=False):
            ...  # page.items: raw Gamma dicts; page.next_cursor: where to resume

Base URLs come from settings (`PMTUI_GAMMA_URL` ...) and may carry a path prefix (a proxy, or the
fake server's `/gamma`). Every request first takes a slot from the `RateLimiter` (shared with other
workers and processes), is handed to `call_log` (the store's `ApiCallLog` writes the `api_calls` table
off the hot path; the client itself never touches the database), and is retried
when that is safe: all our requests are reads (GETs, and the read-only batch POSTs `/books`,
`/midpoints`), so 429/5xx, timeouts, connection errors and unreadable bodies (truncated JSON, a
Cloudflare HTML page) are retried up to `api.max_retries` times, waiting what the server asked
(`Retry-After` header or `retry_after_seconds` in the body) or else exponential backoff with full
jitter (tenacity). Then `ApiUnavailable` (the API could not be reached or kept failing) or
`ApiError` (it answered, but not with something usable) is raised with a clear message. 4xx answers
other than 429 are not retried: our request was wrong, and asking again will not change that.

Methods return raw Gamma dicts (the collector parses them so a bad record goes to the errors table)
and parsed CLOB records (`BookTop`, `PricePoint`); pass `on_bad` to hear about records that could
not be parsed.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal, Protocol

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base, wait_random_exponential

from pmtui.config import Settings
from pmtui.polymarket.book_events import BadEvent, BookSnapshot, parse_book_snapshot
from pmtui.polymarket.decoding import decode_markets_page
from pmtui.polymarket.endpoints import endpoint_name, limit_groups
from pmtui.polymarket.limiter import RateLimiter
from pmtui.polymarket.models import ApiCall, BookTop, PricePoint, Tag
from pmtui.polymarket.parsing import BadRecord, parse_book, parse_float, parse_history, parse_tag, parse_time

log = logging.getLogger(__name__)

PAGE_SIZE = 100
"""Gamma keyset pages: the documented maximum (larger limits are clamped to 100)."""
BATCH_TOKENS = 500
"""CLOB batch endpoints accept at most 500 tokens per request."""
HISTORY_WINDOW = 15 * 86400
"""CLOB /prices-history refuses startTs/endTs windows of 16 days or more; stitch 15-day windows."""
MAX_FIDELITY_FALLBACK = 720
"""Resolved markets return `interval=max` history only at fidelity >= 720 minutes."""
MAX_RETRY_AFTER = 600.0
"""Cap on a server-requested wait, so a bogus header cannot stall a worker for hours."""

OnBad = Callable[[BadRecord, Any], None]


class ApiError(Exception):
    """The API answered with something unusable (4xx, or a body that is not the expected JSON)."""

    def __init__(self, endpoint: str, message: str, *, status: int | None = None, kind: str = "http") -> None:
        self.endpoint = endpoint
        self.status = status
        self.kind = kind
        self.message = message
        where = f"{endpoint} HTTP {status}" if status is not None else endpoint
        super().__init__(f"{where}: {message}")


class ApiUnavailable(ApiError):
    """The API could not be reached or kept failing (connection errors, timeouts, 429/5xx) after the
    allowed retries. The caller should keep what it has and try again later."""


class _Retry(Exception):
    """An attempt failed in a way worth retrying; carries the error to raise if retries run out."""

    def __init__(self, error: ApiError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class _WaitRetryAfterOrBackoff(wait_base):
    """Wait what the server asked for, else exponential backoff with full jitter."""

    def __init__(self, base: float, cap: float) -> None:
        self.backoff = wait_random_exponential(multiplier=base, max=cap)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retry) and error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER)
        return float(self.backoff(retry_state))


@dataclass(frozen=True, slots=True)
class Page:
    """One keyset page: raw objects as Gamma sent them, and the cursors around it."""

    items: list[Any]
    next_cursor: str | None
    """Pass as `after_cursor` to get the next page; None on the last page."""
    cursor: str | None
    """The `after_cursor` that fetched this page (None for the first page)."""


class CallRecorder(Protocol):
    """Where the client reports each request (`pmtui.store.api_log.ApiCallLog` in the app)."""

    def record(self, call: ApiCall) -> None: ...

    def close(self) -> None: ...


class PolymarketClient:
    """Async client for Gamma, CLOB and the Data API. One per asyncio loop (it owns an httpx pool)."""

    def __init__(
        self,
        settings: Settings,
        *,
        call_log: CallRecorder | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.api = settings.api
        self.base_urls = {
            "gamma": settings.api.gamma_url.rstrip("/"),
            "clob": settings.api.clob_url.rstrip("/"),
            "data": settings.api.data_url.rstrip("/"),
        }
        self._own_limiter = limiter is None
        self.limiter = limiter or RateLimiter(settings.limits)
        self._calls_log = call_log
        """Hears every request; closed with the client (it is handed over)."""
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self.calls: Counter[str] = Counter()
        """Requests sent per endpoint name (retries included), since this client was created."""
        self.failures: Counter[str] = Counter()
        self.last_ok: float | None = None
        """Wall time of the last successful response (for an "offline" banner)."""
        self.last_failure: float | None = None

    async def __aenter__(self) -> PolymarketClient:
        self._http = httpx.AsyncClient(
            headers={"User-Agent": self.api.user_agent, "Accept": "application/json"},
            timeout=httpx.Timeout(float(self.api.timeout)),
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
            transport=self._transport,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._calls_log is not None:
            self._calls_log.close()
        if self._own_limiter:
            self.limiter.close()

    # --- transport ---------------------------------------------------------------------------------

    async def request(
        self,
        api: Literal["gamma", "clob", "data"],
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str | int]] | Mapping[str, str | int] | None = None,
        json_body: Any = None,
        retry: bool = True,
        decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """The decoded JSON of one request, after rate limiting and retries. `decode`: a faster
        decoder for a known shape (ValueError for a body it cannot read), else any JSON."""
        endpoint = endpoint_name(api, path)
        attempts = (self.api.max_retries + 1) if retry else 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, attempts)),
            wait=_WaitRetryAfterOrBackoff(float(self.api.backoff_base), float(self.api.backoff_max)),
            retry=retry_if_exception_type(_Retry),
            reraise=True,
        )
        result: Any = None
        try:
            async for attempt in retrying:
                with attempt:
                    result = await self._attempt(api, method, path, endpoint, params, json_body, decode)
        except _Retry as exc:
            self.last_failure = time.time()
            raise exc.error from None
        return result

    async def _attempt(
        self,
        api: str,
        method: str,
        path: str,
        endpoint: str,
        params: Sequence[tuple[str, str | int]] | Mapping[str, str | int] | None,
        json_body: Any,
        decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        if self._http is None:
            raise RuntimeError("use `async with PolymarketClient(...) as client`")
        groups = limit_groups(api, path)
        await self.limiter.acquire(groups)
        self.calls[endpoint] += 1
        started = time.time()
        t0 = time.perf_counter()
        try:
            query = tuple(params.items()) if isinstance(params, Mapping) else tuple(params or ())
            response = await self._http.request(
                method, self.base_urls[api] + path, params=query, json=json_body
            )
            content = response.content
        except httpx.TimeoutException as exc:
            self._account(started, api, endpoint, None, t0, f"timeout: {type(exc).__name__}")
            raise _Retry(ApiUnavailable(endpoint, f"timed out after {float(self.api.timeout):g} s")) from None
        except httpx.TransportError as exc:
            self._account(started, api, endpoint, None, t0, f"{type(exc).__name__}: {exc}"[:300])
            raise _Retry(
                ApiUnavailable(endpoint, f"connection failed ({type(exc).__name__}: {exc})")
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = _retry_after(response)
            if retry_after is not None:
                self.limiter.block(groups, min(retry_after, MAX_RETRY_AFTER))
            message = _error_message(content) or response.reason_phrase
            self._account(started, api, endpoint, status, t0, message)
            raise _Retry(ApiUnavailable(endpoint, message, status=status), retry_after)
        if status >= 400:
            message = _error_message(content) or response.reason_phrase
            self._account(started, api, endpoint, status, t0, message)
            self.last_failure = time.time()
            raise ApiError(endpoint, message, status=status)
        try:
            data = _decode(content, decode)
        except ValueError as exc:
            self._account(started, api, endpoint, status, t0, str(exc))
            raise _Retry(ApiError(endpoint, str(exc), status=status, kind="bad_json")) from None
        self._account(started, api, endpoint, status, t0, None)
        self.last_ok = time.time()
        return data

    def _account(
        self, started: float, api: str, endpoint: str, status: int | None, t0: float, error: str | None
    ) -> None:
        if error is not None:
            self.failures[endpoint] += 1
        if self._calls_log is not None:
            ms = (time.perf_counter() - t0) * 1000
            self._calls_log.record(ApiCall(started, api, endpoint, status, round(ms, 2), error))

    # --- Gamma -------------------------------------------------------------------------------------

    async def iter_markets(
        self,
        closed: bool | None = False,
        after_cursor: str | None = None,
        *,
        params: Sequence[tuple[str, str]] = (),
    ) -> AsyncIterator[Page]:
        """Keyset pages of `/markets/keyset` (100 per page), from `after_cursor` to the end.

        `closed=False` open markets (Gamma's default), `True` resolved/closed ones, `None` sends no
        filter (Gamma then applies its own default). `offset` is never sent (Gamma answers 422).
        """
        async for page in self._keyset("/markets/keyset", "markets", closed, after_cursor, params):
            yield page

    async def iter_events(
        self,
        closed: bool | None = False,
        after_cursor: str | None = None,
        *,
        params: Sequence[tuple[str, str]] = (),
    ) -> AsyncIterator[Page]:
        """Keyset pages of `/events/keyset`; each event nests its markets."""
        async for page in self._keyset("/events/keyset", "events", closed, after_cursor, params):
            yield page

    async def _keyset(
        self, path: str, key: str, closed: bool | None, cursor: str | None, extra: Sequence[tuple[str, str]]
    ) -> AsyncIterator[Page]:
        while True:
            query: list[tuple[str, str | int]] = [("limit", PAGE_SIZE), *extra]
            if closed is not None:
                query.append(("closed", "true" if closed else "false"))
            if cursor:
                query.append(("after_cursor", cursor))
            decode = decode_markets_page if key == "markets" else None
            data = await self.request("gamma", "GET", path, params=query, decode=decode)
            if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
                raise ApiError(
                    endpoint_name("gamma", path), f"expected an object with a {key!r} list", kind="bad_shape"
                )
            next_cursor = data.get("next_cursor") or None
            page = Page(
                items=list(data[key]), next_cursor=str(next_cursor) if next_cursor else None, cursor=cursor
            )
            yield page
            if page.next_cursor is None or not page.items:
                return
            cursor = page.next_cursor

    async def get_markets_by_ids(self, market_ids: Iterable[str], *, closed: bool | None = None) -> list[Any]:
        """Raw markets for these ids, 100 ids per `/markets/keyset?id=..&id=..` call."""
        ids = list(dict.fromkeys(str(i) for i in market_ids))
        found: list[Any] = []
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = [("id", i) for i in ids[start : start + PAGE_SIZE]]
            async for page in self.iter_markets(closed, params=chunk):
                found.extend(page.items)
        return found

    async def get_market(self, market_id: str) -> Any | None:
        """The raw market `/markets/{id}`, or None if Gamma does not know it."""
        try:
            return await self.request("gamma", "GET", f"/markets/{market_id}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    async def get_tags(self, *, on_bad: OnBad | None = None) -> list[Tag]:
        tags: list[Tag] = []
        offset = 0
        while True:
            # /tags is a small legacy list endpoint: offset paging is what it supports.
            data = await self.request("gamma", "GET", "/tags", params={"limit": 500, "offset": offset})
            if not isinstance(data, list):
                raise ApiError("gamma:/tags", "expected a JSON array", kind="bad_shape")
            for raw in data:
                try:
                    tags.append(parse_tag(raw))
                except BadRecord as exc:
                    _report(on_bad, exc, raw)
            if len(data) < 500:
                return tags
            offset += len(data)

    # --- CLOB --------------------------------------------------------------------------------------

    async def get_books(self, token_ids: Iterable[str], *, on_bad: OnBad | None = None) -> list[BookTop]:
        """Best bid/ask per token via `POST /books`, 500 tokens per call (one call for the top 100
        markets' 200 tokens). Tokens without a book (closed, unknown) are simply absent."""
        tops: list[BookTop] = []
        for raw in await self._post_books(token_ids):
            try:
                tops.append(parse_book(raw))
            except BadRecord as exc:
                _report(on_bad, exc, raw)
        return tops

    async def get_order_books(
        self, token_ids: Iterable[str], *, on_bad: OnBad | None = None
    ) -> list[BookSnapshot]:
        """Whole books (every level) via `POST /books`, 500 tokens per call: the live books' fallback
        while the market channel is down. Tokens without a book are simply absent."""
        books: list[BookSnapshot] = []
        for raw in await self._post_books(token_ids):
            try:
                books.append(parse_book_snapshot(raw))
            except BadEvent as exc:
                token = raw.get("asset_id") if isinstance(raw, Mapping) else None
                _report(on_bad, BadRecord("bad_book", str(token) if token else None, str(exc)), raw)
        return books

    async def _post_books(self, token_ids: Iterable[str]) -> list[Any]:
        """The raw books of `POST /books` for each distinct token, `BATCH_TOKENS` a call."""
        tokens = list(dict.fromkeys(str(t) for t in token_ids))
        found: list[Any] = []
        for start in range(0, len(tokens), BATCH_TOKENS):
            body = [{"token_id": t} for t in tokens[start : start + BATCH_TOKENS]]
            data = await self.request("clob", "POST", "/books", json_body=body)
            if not isinstance(data, list):
                raise ApiError("clob:/books", "expected a JSON array of books", kind="bad_shape")
            found.extend(data)
        return found

    async def get_midpoints(self, token_ids: Iterable[str]) -> dict[str, float]:
        """Midpoint per token via `POST /midpoints` (500 per call); tokens without a book are absent."""
        tokens = list(dict.fromkeys(str(t) for t in token_ids))
        mids: dict[str, float] = {}
        for start in range(0, len(tokens), BATCH_TOKENS):
            body = [{"token_id": t} for t in tokens[start : start + BATCH_TOKENS]]
            data = await self.request("clob", "POST", "/midpoints", json_body=body)
            if not isinstance(data, Mapping):
                raise ApiError("clob:/midpoints", "expected a JSON object token -> mid", kind="bad_shape")
            for token, value in data.items():
                mid = parse_float(value)
                if mid is not None and 0 <= mid <= 1:
                    mids[str(token)] = mid
        return mids

    async def get_book(self, token_id: str) -> BookTop | None:
        try:
            data = await self.request("clob", "GET", "/book", params={"token_id": token_id})
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        try:
            return parse_book(data)
        except BadRecord as exc:
            raise ApiError("clob:/book", str(exc), kind="bad_record") from None

    async def get_price_history(
        self, token_id: str, start: int, end: int, fidelity: int = 60, *, on_bad: OnBad | None = None
    ) -> list[PricePoint]:
        """Price points of `token_id` in [start, end], oldest first.

        Tries, in order (docs/polymarket-api.md, "Price history"): CLOB `/prices-history` in
        startTs/endTs windows of at most 15 days, stitched; then `interval=max` at fidelity >= 720
        (all resolved markets serve that); then Data API `/v2/prices-history`. The first source
        with points wins. Raises ApiUnavailable only when no source answered at all.
        """
        if end <= start:
            return []
        unavailable: ApiUnavailable | None = None
        sources = (self._history_windows, self._history_max, self._history_data_api)
        for source in sources:
            try:
                points = await source(token_id, start, end, fidelity, on_bad)
            except ApiUnavailable as exc:
                unavailable = exc
                continue
            except ApiError as exc:
                log.info("price history of %s: %s; trying the next source", token_id, exc)
                continue
            if points:
                return _stitch(points, start, end)
        if unavailable is not None:
            raise unavailable
        return []

    async def _history_windows(
        self, token_id: str, start: int, end: int, fidelity: int, on_bad: OnBad | None
    ) -> list[PricePoint]:
        points: list[PricePoint] = []
        for window_start in range(start, end, HISTORY_WINDOW):
            window_end = min(end, window_start + HISTORY_WINDOW)
            data = await self.request(
                "clob",
                "GET",
                "/prices-history",
                params={
                    "market": token_id,
                    "startTs": window_start,
                    "endTs": window_end,
                    "fidelity": fidelity,
                },
            )
            try:
                points.extend(parse_history(token_id, data))
            except BadRecord as exc:
                _report(on_bad, exc, data)
        return points

    async def _history_max(
        self, token_id: str, start: int, end: int, fidelity: int, on_bad: OnBad | None
    ) -> list[PricePoint]:
        data = await self.request(
            "clob",
            "GET",
            "/prices-history",
            params={"market": token_id, "interval": "max", "fidelity": max(fidelity, MAX_FIDELITY_FALLBACK)},
        )
        try:
            return parse_history(token_id, data)
        except BadRecord as exc:
            _report(on_bad, exc, data)
            return []

    async def _history_data_api(
        self, token_id: str, start: int, end: int, fidelity: int, on_bad: OnBad | None
    ) -> list[PricePoint]:
        bucket = min(86400, max(60, fidelity * 60))
        points: list[PricePoint] = []
        for window_start in range(start, end, HISTORY_WINDOW):
            window_end = min(end, window_start + HISTORY_WINDOW)
            cursor: str | None = None
            while True:
                query: dict[str, str | int] = {
                    "token_id": token_id,
                    "start": window_start,
                    "end": window_end,
                    "bucket_seconds": bucket,
                }
                if cursor:
                    query["cursor"] = cursor
                data = await self.request("data", "GET", "/v2/prices-history", params=query)
                if not isinstance(data, Mapping) or not isinstance(data.get("data") or [], list):
                    _report(on_bad, BadRecord("bad_shape", token_id, "v2 prices-history: no data list"), data)
                    break
                pagination = data.get("pagination")
                cursor = pagination.get("next_cursor") if isinstance(pagination, Mapping) else None
                rows = data.get("data") or []
                for index, item in enumerate(rows):
                    t = parse_time(item.get("timestamp")) if isinstance(item, Mapping) else None
                    p = parse_float(item.get("price")) if isinstance(item, Mapping) else None
                    if t is None or p is None or not 0 <= p <= 1:
                        continue
                    last_row = not cursor and index == len(rows) - 1
                    if last_row and _is_settlement(item, t, points[-1].t if points else None, bucket):
                        continue
                    points.append(PricePoint(token_id, t, p))
                if not cursor:
                    break
        return points


def _is_settlement(item: Mapping[str, Any], t: int, previous_t: int | None, bucket: int) -> bool:
    """Data API v2 ends a settled market's series with its on-chain payout (1, 0, or a fraction for a
    void) as an exact point (`resolution_seconds` 0) one bucket edge past the last row. It is the
    outcome, not a price: kept, a backtest would read the result as the last price before its
    decision (docs/polymarket-api.md, "Price history"). A real last tick lies between bucket edges."""
    exact = item.get("resolution_seconds") == 0
    return exact and (previous_t is None or t - previous_t == bucket)


def _stitch(points: Iterable[PricePoint], start: int, end: int) -> list[PricePoint]:
    """One point per timestamp inside [start, end], oldest first (windows share their edges)."""
    by_t = {p.t: p for p in points if start <= p.t <= end}
    return [by_t[t] for t in sorted(by_t)]


def _report(on_bad: OnBad | None, exc: BadRecord, raw: Any) -> None:
    if on_bad is not None:
        on_bad(exc, raw)
    else:
        log.warning("skipped a bad record: %s", exc)


def _decode(content: bytes, decode: Callable[[bytes], Any] | None = None) -> Any:
    """JSON from a response body (with `decode` when given); ValueError with a short reason for HTML
    pages and truncated JSON."""
    head = content.lstrip()[:1]
    if not head:
        raise ValueError("empty response body")
    if head == b"<":
        snippet = content[:120].decode("utf-8", "replace").replace("\n", " ")
        raise ValueError(f"not JSON (an HTML page, e.g. a Cloudflare block): {snippet!r}")
    try:
        return decode(content) if decode is not None else json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"unreadable JSON ({len(content)} bytes, truncated?): {exc}") from None


def _error_message(content: bytes) -> str:
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = content[:200].decode("utf-8", "replace").strip()
        return "HTML error page" if text.startswith("<") else text
    if isinstance(data, Mapping):
        for key in ("error", "message", "detail"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return json.dumps(data)[:200]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait: `Retry-After` (seconds or HTTP date), else the JSON
    body's `retry_after_seconds` (CLOB error schema)."""
    header = response.headers.get("Retry-After")
    if header:
        value = parse_float(header)
        if value is not None:
            return max(0.0, value)
        try:
            return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    try:
        body = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(body, Mapping):
        value = parse_float(body.get("retry_after_seconds"))
        if value is not None:
            return max(0.0, value)
    return None
