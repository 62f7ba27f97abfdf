"""Which taker-fee schedule a Polymarket market charged at a given time.

Polymarket's fee is rate × (q(1 − q))^exponent per share at price q, charged to takers
(docs/polymarket-api.md, "Fees"). Gamma reports a market's schedule as it is *now*; it was not always
so, and a backtest must charge what a trade would have paid when it was decided:

- before 2026-01-01: no fees on any market (the CLOB was fee-free);
- from 2026-01-01 to 2026-03-29: only the 15-minute crypto up/down markets paid, at rate 0.25 with
  exponent 2 (Gamma `feeType` "crypto_15_min"); every other market was free;
- from 2026-03-30 ("Fee Structure V2"): the market's own schedule (Gamma `feeSchedule`).

`fee_schedule_at` answers for one market at one time; the backtest calls it at each trade's decision
time. Live pricing and paper fills use today's schedule, which is the stored one
(`current_fee_schedule`). A market whose schedule is unknown is charged nothing, and says so
(`FeeSchedule.known`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FEES_BEGIN = 1_767_225_600
"""2026-01-01 00:00 UTC: the first taker fees (15-minute crypto markets only)."""
FEE_STRUCTURE_V2 = 1_774_828_800
"""2026-03-30 00:00 UTC: category-based taker fees on every fee-enabled market."""
CRYPTO_15M_RATE = 0.25
CRYPTO_15M_EXPONENT = 2.0
CRYPTO_15M_FEE_TYPE = "crypto_15_min"


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    rate: float
    exponent: float
    known: bool = True
    """False when the market's schedule is unknown (charged nothing)."""


FREE = FeeSchedule(0.0, 1.0)


def is_fifteen_minute_crypto(fee_type: str | None, category: str | None, features: Mapping[str, Any]) -> bool:
    """A 15-minute crypto up/down market: by its Gamma fee type, else by what its question says
    ("Bitcoin Up or Down - July 23, 7:45PM-8:00PM ET" in a Crypto category)."""
    if fee_type == CRYPTO_15M_FEE_TYPE:
        return True
    return (
        bool(category)
        and str(category).split("/", 1)[0] == "Crypto"
        and features.get("direction") == "up_down"
        and features.get("window_minutes") == 15
    )


def current_fee_schedule(rate: float | None, exponent: float | None) -> FeeSchedule:
    """Today's schedule: what Gamma reports for the market (unknown → free, `known=False`)."""
    if rate is None:
        return FeeSchedule(0.0, 1.0, known=False)
    return FeeSchedule(max(0.0, float(rate)), 1.0 if exponent is None else float(exponent))


def fee_schedule_at(
    t: float, *, rate: float | None, exponent: float | None, fifteen_minute_crypto: bool
) -> FeeSchedule:
    """The schedule the market charged at unix time `t` (see the module docstring)."""
    if t < FEES_BEGIN:
        return FREE
    if t < FEE_STRUCTURE_V2:
        return FeeSchedule(CRYPTO_15M_RATE, CRYPTO_15M_EXPONENT) if fifteen_minute_crypto else FREE
    return current_fee_schedule(rate, exponent)
