"""Polymarket taker fees and share arithmetic in integer micro-units.

Fee (docs.polymarket.com/trading/fees, CLOB V2 SDKs): fee = C × rate × (q × (1 − q))^exponent for C
shares traded at price q, charged to the taker only, rounded to 5 decimal places of USDC (anything
smaller is zero; the rounding mode is undocumented, we use half-up). A market without a fee schedule
(fee_rate NULL or 0) is fee-free. Buying pays C·q + fee; selling receives C·q − fee.

Shares are integer micro-shares and prices integer micro-dollars per share, so the notional of a fill
is an exact product rounded once (half-up) to a micro-dollar.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from pmtui.money import MICROS

FEE_QUANTUM = Decimal("0.00001")
"""Polymarket rounds fees to 5 decimals of a dollar (10 micro-dollars)."""


def price_to_micros(price: float | Decimal) -> int:
    """A price in [0, 1] to integer micro-dollars per share (half-up from its decimal string)."""
    return int((Decimal(str(price)) * MICROS).to_integral_value(rounding=ROUND_HALF_UP))


def notional_micros(shares_micros: int, price_micros: int) -> int:
    """shares × price in micro-dollars, rounded half-up once."""
    return (shares_micros * price_micros + MICROS // 2) // MICROS


def _fee_factor(price_micros: int, rate: float | None, exponent: float | None) -> Decimal:
    """rate × (q(1−q))^exponent: the fee per share in dollars before rounding; 0 when fee-free."""
    if not rate or rate <= 0:
        return Decimal(0)
    q = Decimal(price_micros) / MICROS
    base = q * (1 - q)
    if base <= 0:
        return Decimal(0)
    exp = Decimal(str(exponent)) if exponent is not None else Decimal(1)
    return Decimal(str(rate)) * (base**exp)


def taker_fee_micros(
    shares_micros: int, price_micros: int, rate: float | None, exponent: float | None
) -> int:
    """The taker fee of one fill in micro-dollars, rounded to Polymarket's 5 decimals (half-up)."""
    fee = Decimal(shares_micros) / MICROS * _fee_factor(price_micros, rate, exponent)
    rounded = fee.quantize(FEE_QUANTUM, rounding=ROUND_HALF_UP)
    return int(rounded * MICROS)


def fee_per_share(price: float, rate: float | None, exponent: float | None) -> float:
    """The taker fee per share at `price` in dollars (unrounded; for all-in cost and Kelly)."""
    return float(_fee_factor(price_to_micros(price), rate, exponent))


def all_in_cost(
    price: float, *, fee_rate: float | None, fee_exponent: float | None, slippage: float = 0.0
) -> float:
    """What one share really costs: price + slippage + taker fee at that price. Kelly's `c`.

    The fee is charged on the price actually paid, so it is computed at price + slippage.
    """
    paid = price + slippage
    return paid + fee_per_share(paid, fee_rate, fee_exponent)


def shares_for_stake(stake_micros: int, price_micros: int, rate: float | None, exponent: float | None) -> int:
    """Micro-shares that a stake buys at `price` with the fee included (rounded down).

    The returned size costs notional + fee <= stake up to the fee's 5-decimal rounding (< 5 micro-dollars).
    """
    per_share = Decimal(price_micros) / MICROS + _fee_factor(price_micros, rate, exponent)
    if per_share <= 0 or stake_micros <= 0:
        return 0
    return int((Decimal(stake_micros) / per_share).to_integral_value(rounding=ROUND_DOWN))
