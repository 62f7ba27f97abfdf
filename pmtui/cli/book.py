"""`pmtui book MARKET_ID`: a market's order book, once (REST) or streaming (the market WebSocket)."""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import click

from pmtui.cli.common import AppContext, echo, echo_json, pass_app
from pmtui.config import Settings, parse_duration
from pmtui.text import terminal_safe

EXIT_USAGE = 2
HUMAN_LEVELS = 10
HUMAN_REDRAW = 0.5
"""Seconds between two human-readable prints of a streaming book (JSON prints every update)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    index: int
    name: str
    token_id: str


@dataclass(frozen=True, slots=True)
class MarketTokens:
    market_id: str
    question: str
    outcomes: list[Outcome]
    closed: bool


def book_document(market: MarketTokens, outcome: Outcome, view: Any) -> dict[str, Any]:
    """One JSON line: the whole current book of one token (bids best first descending, asks best
    first ascending, every level), prices and sizes as numbers."""
    return {
        "at": round(view.updated, 3),
        "market_id": market.market_id,
        "token_id": outcome.token_id,
        "outcome": outcome.name,
        "bids": [[price, size] for price, size in view.bids],
        "asks": [[price, size] for price, size in view.asks],
        "best_bid": view.best_bid,
        "best_ask": view.best_ask,
        "last_trade": view.last_trade,
        "source": view.source,
    }


def _cents(price: float | None) -> str:
    return "–" if price is None else f"{price * 100:.1f}¢"


def human_book(market: MarketTokens, outcome: Outcome, view: Any) -> str:
    spread = None if view.best_bid is None or view.best_ask is None else view.best_ask - view.best_bid
    lines = [
        f"{terminal_safe(outcome.name)} · bid {_cents(view.best_bid)} · ask {_cents(view.best_ask)} · "
        f"spread {_cents(spread)} · last {_cents(view.last_trade)} · {view.source} "
        f"{time.strftime('%H:%M:%S', time.localtime(view.updated))} (prices in cents, sizes in shares)",
        f"{'bid':>9} {'size':>12} │ {'ask':<9} {'size':>12}",
    ]
    for index in range(min(HUMAN_LEVELS, max(len(view.bids), len(view.asks)))):
        bid = view.bids[index] if index < len(view.bids) else None
        ask = view.asks[index] if index < len(view.asks) else None
        left = f"{_cents(bid[0]):>9} {bid[1]:>12,.2f}" if bid else " " * 22
        right = f"{_cents(ask[0]):<9} {ask[1]:>12,.2f}" if ask else ""
        lines.append(f"{left} │ {right}")
    more = max(len(view.bids), len(view.asks)) - HUMAN_LEVELS
    if more > 0:
        lines.append(f"… {more} more level(s) a side at most (--json prints every level)")
    if not view.bids and not view.asks:
        lines.append("(the book is empty)")
    return "\n".join(lines)


# --- which tokens ----------------------------------------------------------------------------------


def market_tokens(settings: Settings, market_id: str) -> MarketTokens | None:
    """The market from the store, else from Gamma."""
    import asyncio  # here, not at the top: every command's start would pay for it

    from pmtui.store import connect

    if settings.database.path.exists():
        db = connect(settings.database.path, busy_timeout=float(settings.database.busy_timeout))
        try:
            row = db.execute(
                "SELECT question, outcomes_json, token_ids_json, closed FROM markets WHERE id = ?",
                [market_id],
            ).fetchone()
        finally:
            db.close()
        if row is not None:
            names = json.loads(row[1] or "[]")
            tokens = json.loads(row[2] or "[]")
            return MarketTokens(
                market_id,
                str(row[0]),
                [
                    Outcome(i, str(names[i]) if i < len(names) else f"#{i}", str(t))
                    for i, t in enumerate(tokens)
                ],
                bool(row[3]),
            )
    return asyncio.run(_from_gamma(settings, market_id))


async def _from_gamma(settings: Settings, market_id: str) -> MarketTokens | None:
    from pmtui.polymarket.client import PolymarketClient
    from pmtui.polymarket.parsing import BadRecord, parse_gamma_market

    async with PolymarketClient(settings) as client:
        raw = await client.get_market(market_id)
    if raw is None:
        return None
    try:
        market = parse_gamma_market(raw)
    except BadRecord:
        return None
    outcomes = [
        Outcome(i, name, token)
        for i, (name, token) in enumerate(zip(market.outcomes, market.token_ids, strict=False))
    ]
    return MarketTokens(market.id, market.question, outcomes, market.closed)


# --- the command -----------------------------------------------------------------------------------


@click.command("book")
@click.argument("market_id")
@click.option("--outcome", "outcome_index", type=int, default=None, help="Only this outcome (0 = YES/first).")
@click.option("--live", is_flag=True, help="Stream updates over the market WebSocket until Ctrl-C or --for.")
@click.option(
    "--for",
    "duration",
    default=None,
    metavar="DURATION",
    help='With --live: stop after this long ("30s", "5m").',
)
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per line: the whole book of one token."
)
@pass_app
def book_command(
    app: AppContext,
    market_id: str,
    outcome_index: int | None,
    live: bool,
    duration: str | None,
    as_json: bool,
) -> None:
    """Show MARKET_ID's order book: every level, bids best first (highest), asks best first (lowest).

    Without --live, the current book once (CLOB /books). With --live, each update of either book as
    it streams (falling back to REST books while the socket is down, `source` says which); exit 0 on
    Ctrl-C or when --for ends. JSON lines: {"at", "market_id", "token_id", "outcome", "bids":
    [[price, size], ...], "asks": [...], "best_bid", "best_ask", "last_trade", "source"}, prices in
    [0, 1] and sizes in shares as numbers. The human view prints prices in cents.
    """
    seconds: float | None = None
    if duration is not None:
        if not live:
            raise click.UsageError("--for only makes sense with --live")
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--for") from None
    settings = app.settings
    market = market_tokens(settings, market_id)
    if market is None:
        echo(f"pmtui: no market {terminal_safe(market_id)!r} in the store or on Gamma", err=True)
        sys.exit(EXIT_USAGE)
    outcomes = market.outcomes
    if outcome_index is not None:
        outcomes = [o for o in outcomes if o.index == outcome_index]
        if not outcomes:
            raise click.BadParameter(
                f"market {market_id} has outcomes 0..{len(market.outcomes) - 1}", param_hint="--outcome"
            )
    if not outcomes:
        echo(f"pmtui: market {market_id} has no CLOB tokens (no order book)", err=True)
        sys.exit(EXIT_USAGE)
    if not as_json:
        echo(f"{terminal_safe(market.question)} (market {market_id})")
    if live:
        _stream(settings, market, outcomes, seconds, as_json)
    else:
        _once(settings, market, outcomes, as_json)


def _once(settings: Settings, market: MarketTokens, outcomes: list[Outcome], as_json: bool) -> None:
    import asyncio

    from pmtui.polymarket.book_state import BookState
    from pmtui.polymarket.client import ApiError, PolymarketClient

    async def fetch() -> BookState:
        state = BookState()
        async with PolymarketClient(settings) as client:
            state.apply(await client.get_order_books(o.token_id for o in outcomes), "rest")
        return state

    try:
        state = asyncio.run(fetch())
    except ApiError as exc:
        echo(f"pmtui: could not fetch the book: {exc}", err=True)
        sys.exit(1)
    for outcome in outcomes:
        view = state.view(outcome.token_id)
        if view is None:
            if not as_json:
                echo(f"{terminal_safe(outcome.name)}: no order book (closed, or not trading)")
            continue
        _print(market, outcome, view, as_json)


def _print(market: MarketTokens, outcome: Outcome, view: Any, as_json: bool) -> None:
    if as_json:
        echo_json(book_document(market, outcome, view))
    else:
        echo(human_book(market, outcome, view))


def _stream(
    settings: Settings, market: MarketTokens, outcomes: list[Outcome], seconds: float | None, as_json: bool
) -> None:
    """Print each update (JSON: every one, as the book stood right after it; human: the latest state
    at most every HUMAN_REDRAW seconds per outcome) until Ctrl-C or `seconds` have passed."""
    import asyncio
    import queue

    from pmtui.collect.live_books import LiveBooks, TokenRef
    from pmtui.polymarket.book_state import BookState, BookView

    state = BookState()
    by_token = {o.token_id: o for o in outcomes}
    updates: queue.SimpleQueue[BookView] = queue.SimpleQueue()

    def on_change(tokens: set[str]) -> None:
        # On the socket's thread: copy the books as they stand after this update; print elsewhere.
        for token in sorted(tokens & by_token.keys()):
            view = state.view(token)
            if view is not None and (view.synced or view.source == "rest"):
                updates.put(view)

    state.add_listener(on_change)
    books = LiveBooks(settings, state=state, write_quotes=False)
    books.set_tokens("cli", {o.token_id: TokenRef(market.market_id, o.index, o.name) for o in outcomes})
    stop = threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(books.run(stop)), name="pmtui-book", daemon=True)
    thread.start()
    deadline = None if seconds is None else time.monotonic() + seconds
    latest: dict[str, BookView] = {}
    printed_at: dict[str, float] = {}
    try:
        while deadline is None or time.monotonic() < deadline:
            wait = 0.25 if deadline is None else max(0.0, min(0.25, deadline - time.monotonic()))
            try:
                view = updates.get(timeout=wait)
            except queue.Empty:
                view = None
            if view is not None and as_json:
                _print(market, by_token[view.token_id], view, True)
                sys.stdout.flush()
                continue
            if view is not None:
                latest[view.token_id] = view
            now = time.monotonic()
            for token, shown in list(latest.items()):
                if now - printed_at.get(token, 0.0) >= HUMAN_REDRAW:
                    printed_at[token] = now
                    del latest[token]
                    _print(market, by_token[token], shown, False)
                    echo()
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # `pmtui book --live --json | head`: the reader left
        sys.stderr.close()
    finally:
        stop.set()
        thread.join(5)


COMMANDS = [book_command]
