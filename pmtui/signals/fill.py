"""What approving a signal would buy now: re-priced at the current ask, re-estimated, re-sized.

Approving (the `a` key, the palette, bulk approval, `pmtui queue approve`) never fills what a row
showed minutes or hours ago. `plan_fill` looks again at the moment of approval:

1. **Price.** The executable price now, from the same sources the signal was priced from
   (`pmtui.signals.pricing.buy_cost`: the outcome's fresh best ask first). Nothing fresh: refused.
2. **Move.** The price the trader saw (the row's, or the one a confirmation dialog showed) against the
   price now: more than `signals.approve_tolerance` (default 1¢) higher, refused.
3. **Edge.** The estimate again at the new all-in cost (`pmtui.backtest.estimate`). A signal that
   showed a positive edge and no longer has one, or a validated signal that no longer is, is refused.
4. **Size.** A validated signal spends its fractional-Kelly stake at the new price and estimate,
   within the exposure caps and the cash, and never more than the row showed. A signal that is not
   validated was sized at zero: it fills only with a size the trader gives (`stake_micros`), itself
   held to the caps and the cash. A size that buys less than the market's minimum order is refused
   rather than raised: the fill would spend more than the trader chose.

A refused approval changes nothing: the signal stays pending. The plan says in one line why not, or
what the fill is: shares, price, fee, cost and which limit set the size. `pmtui.signals.queue.approve`
executes the same plan inside its write transaction.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.config import Duration, Settings
from pmtui.money import MICROS, to_micros
from pmtui.paper.book import DEFAULT_MIN_SHARES
from pmtui.paper.fees import notional_micros, price_to_micros, shares_for_stake, taker_fee_micros
from pmtui.paper.models import PaperError, PriceQuote
from pmtui.paper.prices import market_facts
from pmtui.paper.stake import available_stake, proposed_stake
from pmtui.polymarket.fees import ASSUMED_RATE
from pmtui.signals.estimates import EstimateLookup, TradeEstimate
from pmtui.signals.market_state import load_states
from pmtui.signals.pricing import buy_cost
from pmtui.signals.store import SignalRow, due_for_expiry, get_signal

LIMITS = {
    None: "Kelly stake",
    "market": "the per-market cap",
    "cluster": "the per-cluster cap",
    "category": "the per-category cap",
    "cash": "the cash on hand",
    "shown": "the stake the signal showed",
    "size": "the size you gave",
}
"""What set a fill's size, in words (`FillPlan.limited_by`)."""


@dataclass(frozen=True, slots=True)
class FillPlan:
    """What approving a signal would do now, or why it would be refused."""

    signal: SignalRow
    seen_price: float
    """The price the trader approved on: the row's, or what a confirmation showed."""
    refusal: str | None = None
    """Why the approval is refused (one line; the signal stays pending), or None."""
    price: float | None = None
    """The executable price now, as the row showed its price (best ask, or the display price)."""
    slippage: float = 0.0
    """Added to `price` when no order book is known (`paper.cost`): the fill pays `fill_price`."""
    price_source: str = ""
    estimate: TradeEstimate | None = None
    """The estimate at the new all-in cost."""
    shares_micros: int = 0
    fee_micros: int = 0
    fee_assumed: bool = False
    """The market charges fees on a schedule pmtui does not know: `fee_micros` is at the highest rate."""
    cost_micros: int = 0
    """Notional + fee: what the fill spends."""
    stake_micros: int = 0
    """What the size was set from: the stake the fill may spend (notional + fee ≤ it)."""
    limited_by: str | None = None
    """Which limit set the size: a key of `LIMITS`."""
    min_shares_micros: int = 0
    needs_size: bool = False
    """Refused only for want of a size: the signal is not validated and no stake was given."""

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def move(self) -> float | None:
        """Price now − price seen (positive: against the trader)."""
        return None if self.price is None else self.price - self.seen_price

    @property
    def edge(self) -> float | None:
        return None if self.estimate is None else self.estimate.edge

    @property
    def limit_text(self) -> str:
        return LIMITS.get(self.limited_by, str(self.limited_by))

    @property
    def fill_price(self) -> float | None:
        """What the fill pays a share, before the fee."""
        return None if self.price is None else self.price + self.slippage

    def quote(self) -> PriceQuote:
        assert self.fill_price is not None
        source = self.price_source + ("+cost" if self.slippage else "")
        return PriceQuote(self.fill_price, source)

    @property
    def fee_note(self) -> str:
        """Said beside the fee when its rate is assumed, so the trader knows it is not Polymarket's figure."""
        return f"rate unknown, charged at {ASSUMED_RATE:g}" if self.fee_assumed else ""

    def summary(self) -> str:
        """The fill in one line: "52.36 No @ 95.5¢ = $50.00 (fee $0.00), set by the per-market cap"."""
        if self.refusal is not None:
            return self.refusal
        assert self.fill_price is not None
        return (
            f"{self.shares_micros / MICROS:,.2f} {self.signal.outcome} @ {cents(self.fill_price)} = "
            f"${self.cost_micros / MICROS:,.2f} (fee ${self.fee_micros / MICROS:,.2f}{self.fee_note and ', ' + self.fee_note}), "
            f"set by {self.limit_text}"
        )


def cents(price: float) -> str:
    return f"{price * 100:.1f}¢"


def _refused(signal: SignalRow, seen: float, why: str, **found: object) -> FillPlan:
    return FillPlan(signal, seen, refusal=f"cannot approve signal #{signal.id}: {why}", **found)  # type: ignore[arg-type]


def plan_fill(
    db: Database,
    signal_id: int,
    settings: Settings,
    estimates: EstimateLookup,
    *,
    now: int,
    stake_micros: int | None = None,
    seen_price: float | None = None,
) -> FillPlan:
    """See the module docstring. `stake_micros`: a size the trader chose (needed for a signal that is
    not validated); `seen_price`: the price the trader saw (default: the signal's)."""
    signal = get_signal(db, signal_id)
    if signal is None:
        raise ValueError(f"no signal #{signal_id}")
    seen = signal.price if seen_price is None else float(seen_price)
    if signal.status != "pending":
        why = f" ({signal.status_reason})" if signal.status_reason else ""
        return _refused(signal, seen, f"it is already {signal.status}{why}")
    due = dict(due_for_expiry(db, now))
    if signal.id in due:
        return _refused(signal, seen, f"it has expired ({due[signal.id]})")
    state = load_states(db, [signal.market_id]).get(signal.market_id)
    if state is None:
        return _refused(signal, seen, f"market {signal.market_id} is not in the store")
    max_age = float(settings.signals.max_price_age)
    cost = buy_cost(state, signal.outcome_index, now, max_age, settings.paper.cost)
    if cost is None:
        return _refused(
            signal, seen, f"no price of {signal.outcome} from the last {max_age / 60:g} min to fill at"
        )
    price = cost.price.value
    found: dict[str, object] = {"price": price, "slippage": cost.slippage, "price_source": cost.price.source}
    tolerance = float(settings.signals.approve_tolerance)
    if price - seen > tolerance + 1e-9:
        return _refused(
            signal,
            seen,
            f"the price moved against you from {cents(seen)} to {cents(price)} "
            f"(+{(price - seen) * 100:.1f}¢, more than the {tolerance * 100:g}¢ tolerance); it stays pending",
            **found,
        )
    hours_to_close = None if state.end_date is None else (state.end_date - now) / 3600
    estimate = estimates(
        db,
        signal.strategy,
        params=signal.params,
        cost=cost.all_in,
        hours_to_close=hours_to_close,
        generated=state.source == "demo",
        min_trades=settings.signals.min_backtest_trades,
    )
    found["estimate"] = estimate
    had_edge = signal.edge is not None and signal.edge > 0
    if (signal.validated and not estimate.validated) or (had_edge and (estimate.edge or 0.0) <= 0):
        return _refused(signal, seen, f"the edge is gone at {cents(price)}: {estimate.reason}", **found)

    try:
        market = market_facts(db, signal.market_id)
    except PaperError as exc:
        return _refused(signal, seen, str(exc), **found)
    if stake_micros is None:
        if not estimate.validated or signal.stake_micros <= 0:
            return _refused(
                signal,
                seen,
                f"it is not validated ({estimate.reason}), so pmtui sizes it at zero; approve it with a size "
                "of your own to buy anyway",
                needs_size=True,
                **found,
            )
        decision = proposed_stake(
            db,
            settings,
            market_id=signal.market_id,
            cluster_id=signal.cluster_id,
            category=signal.category,
            p=estimate.p,
            cost=cost.all_in,
            validated=True,
            now=now,
        )
        stake, limited_by = decision.stake_micros, decision.limited_by
        if stake > signal.stake_micros:
            stake, limited_by = signal.stake_micros, "shown"
    else:
        room, binding = available_stake(
            db,
            settings,
            market_id=signal.market_id,
            cluster_id=signal.cluster_id,
            category=signal.category,
            now=now,
        )
        stake, limited_by = (stake_micros, "size") if stake_micros <= room else (room, binding)
    if stake <= 0:
        return _refused(signal, seen, f"{LIMITS.get(limited_by, limited_by)} leaves no room for it", **found)

    price_micros = price_to_micros(price + cost.slippage)
    shares = shares_for_stake(stake, price_micros, market.fee_rate, market.fee_exponent)
    minimum = to_micros(market.min_size if market.min_size and market.min_size > 0 else DEFAULT_MIN_SHARES)
    fee = taker_fee_micros(shares, price_micros, market.fee_rate, market.fee_exponent)
    found.update(
        stake_micros=stake,
        shares_micros=shares,
        fee_micros=fee,
        fee_assumed=market.fee_rate is None,
        cost_micros=notional_micros(shares, price_micros) + fee,
        limited_by=limited_by,
        min_shares_micros=minimum,
    )
    if shares < minimum:
        needed = notional_micros(minimum, price_micros) + taker_fee_micros(
            minimum, price_micros, market.fee_rate, market.fee_exponent
        )
        return _refused(
            signal,
            seen,
            f"${stake / MICROS:,.2f} buys {shares / MICROS:,.2f} shares at {cents(price + cost.slippage)}, under the market's "
            f"minimum order of {minimum / MICROS:g}; a size of at least ${needed / MICROS:,.2f} fills it",
            **found,
        )
    return FillPlan(signal, seen, **found)  # type: ignore[arg-type]


REFRESH_TIMEOUT = 5.0
"""Seconds an approval waits for the market's book before filling from the stored price (if fresh)."""


def refresh_book(db: Database, settings: Settings, market_id: str) -> str | None:
    """Fetch the market's order books now (one `POST /books`) and store them, so an approval prices at
    the current ask. None when it worked, else why not in one line (offline, API error): the plan then
    uses the freshest stored price, and refuses if none is fresh enough. No retries, a short timeout:
    a trader waiting on a key press is not a background job."""
    from pmtui.collect.quotes import refresh_quotes
    from pmtui.polymarket.client import PolymarketClient

    api = dataclasses.replace(settings.api, max_retries=0, timeout=Duration(REFRESH_TIMEOUT))
    quick = dataclasses.replace(settings, api=api)

    async def fetch() -> None:
        async with PolymarketClient(quick) as client:
            await refresh_quotes(client, db, [market_id], record_prices=False)

    try:
        asyncio.run(fetch())
    except Exception as exc:  # offline, refused, a bad answer: the stored price may still do
        return f"could not refresh the order book ({type(exc).__name__}: {exc})"
    return None
