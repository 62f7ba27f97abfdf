"""Which price a signal is computed from, and what buying at it costs.

Two prices matter:
- the **decision price** the strategy sees (`DecisionContext.yes_price`, outcome 0): the order-book mid
  of the freshest refresh when its spread is at most 0.10, else Gamma's display price (Polymarket
  itself shows the last trade instead of the mid when the spread is wider);
- the **executable price** of the outcome to buy: its token's best ask when the book is known, or
  1 − the other token's best bid (a binary market's two books mirror each other), or Gamma's best
  ask/bid of the YES token from the catalog refresh; only when no book is known, the display price
  plus `settings.paper.cost` of slippage. `price_source` says which.

A source is usable only when it was observed at or before the evaluation time `at` and no more than
`max_age` seconds before it: nothing from after the decision time, nothing stale. Among usable book
sources the freshest wins.

Costs: taker fee per share = rate × (q(1 − q))^exponent at the price paid q, from the market's fee
schedule when known (docs/polymarket-api.md, "Fees"; `pmtui.paper.fees`, the same code
the paper book fills with); all-in cost = price + slippage + fee.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmtui.paper.fees import fee_per_share
from pmtui.signals.market_state import MarketState, Quote

MAX_MID_SPREAD = 0.10

BOOK_ASK = "book_ask"
BOOK_COMPLEMENT = "book_1-bid"
GAMMA_BOOK = "gamma_book"
DISPLAY = "display"
BOOK_MID = "book_mid"

SOURCE_NAMES = {
    BOOK_ASK: "best ask",
    BOOK_COMPLEMENT: "1 − the other side's best bid",
    GAMMA_BOOK: "Gamma's best ask; no fresh book",
    DISPLAY: "display price; no book",
    BOOK_MID: "book midpoint",
}
"""How a screen names a price source (the codes stay in JSON and the store)."""


def source_name(source: str) -> str:
    """`book_ask` → "best ask"; "+cost" (slippage added, no book) and unknown codes kept readable."""
    code, plus, extra = source.partition("+")
    name = SOURCE_NAMES.get(code, code)
    if plus and extra == "cost":
        price, _, note = name.partition("; ")
        return f"{price} + slippage" + (f"; {note}" if note else "")
    return name + (plus + extra if plus else "")


@dataclass(frozen=True, slots=True)
class Price:
    value: float
    source: str
    t: int
    """When it was observed (unix seconds)."""


@dataclass(frozen=True, slots=True)
class Cost:
    price: Price
    slippage: float
    fee: float
    fee_known: bool

    @property
    def all_in(self) -> float:
        return self.price.value + self.slippage + self.fee


def _fresh(t: int, at: int, max_age: float) -> bool:
    return t <= at and at - t <= max_age


def _tradable(p: float | None) -> float | None:
    """`p` when it is a price one can buy at (strictly between 0 and 1), else None."""
    return float(p) if p is not None and 0.0 < p < 1.0 else None


def _usable_quote(q: Quote | None, at: int, max_age: float) -> Quote | None:
    return q if q is not None and _fresh(q.t, at, max_age) else None


def decision_yes_price(state: MarketState, at: int, max_age: float) -> Price | None:
    """Price of outcome 0 as the strategy sees it at `at`, or None when nothing fresh is known."""
    options: list[Price] = []
    for index in (0, 1):
        q = _usable_quote(state.quote_for(index), at, max_age)
        if q is None or q.best_bid is None or q.best_ask is None:
            continue
        if q.best_ask - q.best_bid > MAX_MID_SPREAD:
            continue
        mid = (q.best_bid + q.best_ask) / 2
        value = _tradable(mid if index == 0 else 1.0 - mid)
        if value is not None:
            options.append(Price(value, BOOK_MID, q.t))
    if state.yes_price is not None and _fresh(state.updated_at, at, max_age):
        # Prices of exactly 0 or 1 pass through: the strategies refuse them as settled markets.
        options.append(Price(float(state.yes_price), DISPLAY, state.updated_at))
    return _freshest(options)


def executable_price(
    state: MarketState, outcome_index: int, at: int, max_age: float
) -> tuple[Price, bool] | None:
    """(price, from_a_book) to buy `outcome_index` at `at`, or None when nothing fresh is known."""
    book: list[Price] = []
    q = _usable_quote(state.quote_for(outcome_index), at, max_age)
    ask = _tradable(q.best_ask) if q else None
    if q is not None and ask is not None:
        book.append(Price(ask, BOOK_ASK, q.t))
    if len(state.outcomes) == 2:
        other = _usable_quote(state.quote_for(1 - outcome_index), at, max_age)
        complement = _tradable(_complement(other.best_bid)) if other else None
        if other is not None and complement is not None:
            book.append(Price(complement, BOOK_COMPLEMENT, other.t))
        if _fresh(state.updated_at, at, max_age):
            gamma = _tradable(state.gamma_ask if outcome_index == 0 else _complement(state.gamma_bid))
            if gamma is not None:
                book.append(Price(gamma, GAMMA_BOOK, state.updated_at))
    best = _freshest(book)
    if best is not None:
        return best, True
    if _fresh(state.updated_at, at, max_age):
        display = _tradable(_display(state, outcome_index))
        if display is not None:
            return Price(display, DISPLAY, state.updated_at), False
    return None


def _complement(p: float | None) -> float | None:
    return None if p is None else 1.0 - p


def _display(state: MarketState, outcome_index: int) -> float | None:
    if outcome_index < len(state.prices) and state.prices[outcome_index] is not None:
        return state.prices[outcome_index]
    if outcome_index == 0:
        return state.yes_price
    if outcome_index == 1 and len(state.outcomes) == 2:
        return _complement(state.yes_price)
    return None


def _freshest(options: list[Price]) -> Price | None:
    # Stable: on equal times the earlier-listed (more direct) source wins.
    best: Price | None = None
    for option in options:
        if best is None or option.t > best.t:
            best = option
    return best


def buy_cost(
    state: MarketState, outcome_index: int, at: int, max_age: float, slippage_without_book: float
) -> Cost | None:
    found = executable_price(state, outcome_index, at, max_age)
    if found is None:
        return None
    price, from_book = found
    slippage = 0.0 if from_book else slippage_without_book
    # The paper book's own arithmetic, so the queue's edge and the fill agree: the fee is charged on
    # the price actually paid (price + slippage).
    fee = fee_per_share(price.value + slippage, state.fee_rate, state.fee_exponent)
    return Cost(price=price, slippage=slippage, fee=fee, fee_known=state.fee_rate is not None)
