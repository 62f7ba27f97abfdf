"""Money: integer micro-dollars, and how amounts read in the app, the CLI and alerts.

The paper book keeps every amount as an integer count of micro-dollars (1e-6 $), so cash, cost
bases and P&L add up exactly; floats appear only at the edges (JSON numbers, display).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

MICROS = 1_000_000
"""Micro-dollars per dollar (and micro-shares per share)."""

MISSING = "–"
"""The mark for a value pmtui does not have (no price, no estimate), on screen and in the CLI."""


def to_micros(dollars: Decimal | float | int | str) -> int:
    """Dollars to integer micro-dollars, rounding toward zero (never invents money)."""
    return int((Decimal(str(dollars)) * MICROS).to_integral_value(rounding=ROUND_DOWN))


def from_micros(micros: int) -> Decimal:
    """Micro-dollars as exact dollars."""
    return Decimal(micros) / MICROS


def usd_number(micros: int | None) -> float | None:
    """Micro-dollars as a JSON number of dollars (exact to the micro-dollar)."""
    return None if micros is None else round(micros / MICROS, 6)


def usd(micros: int | None, *, signed: bool = False) -> str:
    """Dollars and cents: `$1,234.50`, `-$3.00`; `signed` also marks gains: `+$12.00` (a P&L)."""
    if micros is None:
        return MISSING
    value = from_micros(micros)
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    return f"{sign}${abs(value):,.2f}"


def dollars(value: float | Decimal | None, *, signed: bool = False) -> str:
    """A dollar amount held as a float or Decimal, formatted as `usd` formats micro-dollars."""
    if value is None:
        return MISSING
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    return f"{sign}${abs(value):,.2f}"


def shares(micros: int) -> str:
    """A share count (micro-shares) with at most two decimals and no trailing zeros: `119.14`, `5`."""
    text = f"{from_micros(micros):,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
