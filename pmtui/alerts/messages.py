"""Alert texts. Sent as plain text (no parse_mode), so market text cannot inject Telegram markup;
control characters and line breaks in stranger-written text are flattened so a question cannot fake
extra lines of an alert either."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pmtui.money import shares, usd
from pmtui.stats import chance_text

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean(text: str, limit: int = 160) -> str:
    """One line of untrusted text: control characters to spaces, trimmed to `limit` characters."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _demo(source: str) -> str:
    return " [DEMO DATA]" if source == "demo" else ""


def fill_text(
    *,
    position_id: int,
    question: str,
    outcome: str,
    strategy: str,
    shares_micros: int,
    price: float,
    price_source: str,
    cost_micros: int,
    fee_micros: int,
    market_source: str = "api",
    note: str = "",
) -> str:
    lines = [
        f"Paper fill #{position_id}{_demo(market_source)}: bought {shares(shares_micros)} {clean(outcome, 40)} "
        f"@ {price:.4f} ({price_source})",
        f"Cost {usd(cost_micros)} incl. fee {usd(fee_micros)} · {clean(strategy, 40)}",
        clean(question),
    ]
    if note:
        lines.append(clean(note))
    return "\n".join(lines)


def close_text(
    *,
    position_id: int,
    question: str,
    outcome: str,
    shares_micros: int,
    price: float,
    proceeds_micros: int,
    pnl_micros: int,
    market_source: str = "api",
) -> str:
    return "\n".join(
        [
            f"Paper close #{position_id}{_demo(market_source)}: sold {shares(shares_micros)} "
            f"{clean(outcome, 40)} @ {price:.4f} (bid)",
            f"Proceeds {usd(proceeds_micros)} · P&L {usd(pnl_micros, signed=True)}",
            clean(question),
        ]
    )


def settlement_text(
    *,
    position_id: int,
    question: str,
    outcome: str,
    result: str,
    proceeds_micros: int,
    pnl_micros: int,
    market_source: str = "api",
) -> str:
    verdict = {"win": "WON", "loss": "LOST", "void": "RESOLVED 50-50 ($0.50 a share)"}.get(
        result, result.upper()
    )
    return "\n".join(
        [
            f"Paper settlement #{position_id}{_demo(market_source)}: {clean(outcome, 40)} {verdict}",
            f"Paid {usd(proceeds_micros)} · P&L {usd(pnl_micros, signed=True)}",
            clean(question),
        ]
    )


@dataclass(frozen=True, slots=True)
class DigestItem:
    signal_id: int
    strategy: str
    outcome: str
    price: float
    edge: float | None
    stake_micros: int
    question: str
    source: str = "api"
    p: float | None = None
    """The estimated win chance (expected payout per share), None without a backtest."""
    p_interval: tuple[float, float] | None = None
    n: int | None = None
    """Similar backtest trades behind `p`."""
    reason: str = ""
    """The estimate's verdict in words ("no edge: return [...] on 23 similar trades")."""


def _estimate(item: DigestItem) -> str:
    if item.p is None:
        return "no backtest"
    text = f"win {chance_text(item.p)}"
    if item.p_interval is not None:
        text += f" [{chance_text(item.p_interval[0])}-{chance_text(item.p_interval[1])}]"
    if item.n is not None:
        text += f" n={item.n}"
    return text


def digest_text(items: Sequence[DigestItem], *, more: int = 0) -> str:
    count = len(items) + more
    lines = [f"{count} new signal{'s' if count != 1 else ''} waiting for review"]
    for item in items:
        edge = "edge ?" if item.edge is None else f"edge {item.edge * 100:+.1f}pp"
        if item.stake_micros > 0:
            stake = f"stake {usd(item.stake_micros)}"
        else:
            stake = f"stake $0 ({clean(item.reason, 90)})" if item.reason else "stake $0"
        lines.append(
            f"#{item.signal_id} {clean(item.strategy, 30)}: buy {clean(item.outcome, 30)} @ {item.price:.3f}, "
            f"{_estimate(item)}, {edge}, {stake}{_demo(item.source)} · {clean(item.question, 100)}"
        )
    if more:
        lines.append(f"…and {more} more (pmtui queue list)")
    return "\n".join(lines)


def collector_failing_text(*, job: str, minutes: int, failures: int, last_error: str | None) -> str:
    lines = [f"Background job '{clean(job, 40)}' has been failing for {minutes} min ({failures} failed runs)"]
    if last_error:
        lines.append(f"Last error: {clean(last_error, 300)}")
    return "\n".join(lines)


def collector_recovered_text(*, job: str, minutes: int) -> str:
    return f"Background job '{clean(job, 40)}' recovered after {minutes} min of failures"


def probe_text(now_iso: str) -> str:
    return f"pmtui test message ({now_iso}). Alerts are set up."
