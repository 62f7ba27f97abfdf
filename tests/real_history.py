"""History-format files built from the recorded real Polymarket markets in tests/data/polymarket.

REAL: every resolved (or 50-50) market's id, question, outcomes, scheduled end, close time and how it
resolved, binary with an end date (984 markets: the AMM era 2018-2021, the closed 2025-2026 ones, the BTC
5-minute windows).

SYNTHETIC, and labelled so wherever it is used: the price history. Polymarket's API keeps no
history for these closed markets, so each gets a constant YES price over its last `days` days,
drawn with a fixed seed to have a known relation to the real outcome:

- `bias=0`: calibrated. A chance p is drawn from the Beta posterior that the real outcome implies
  (YES won: Beta(a + 1, b); NO won: Beta(a, b + 1); a 50-50: Beta(a, b)), with a / (a + b) the share
  of YES winners, so that among markets priced p a share p resolved YES: no strategy has an edge
  before costs, and after costs every one loses a little.
- `bias > 0`: the same chance, priced with a favourite-longshot bias: logit(price) = logit(p) /
  (1 + bias). Longshots are then overpriced and fading them (buying NO) has a real edge.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pmtui.fakes.polymarket_data import load_recorded
from pmtui.polymarket.models import Market
from pmtui.polymarket.parsing import parse_gamma_market

RECORDED = Path(__file__).resolve().parent / "data" / "polymarket"
DAY = 86400
SPREAD = 0.5
"""a + b of the Beta the chances are drawn from: below 1 most markets sit near 0 or 1, as on Polymarket."""


def recorded_resolved() -> list[Market]:
    """Every recorded market with a readable outcome (a winner, or 50-50) and an end date."""
    found: dict[str, Market] = {}
    for raw in load_recorded(RECORDED):
        try:
            market = parse_gamma_market(raw)
        except Exception:  # a recorded record the parser refuses is tested elsewhere
            continue
        if market.resolution != "unresolved" and market.end_date and len(market.outcomes) == 2:
            found.setdefault(market.id, market)
    return sorted(found.values(), key=lambda m: m.id)


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def history_lines(
    markets: Iterable[Market], *, seed: int = 10, bias: float = 0.0, days: int = 30
) -> list[dict[str, Any]]:
    """One history-format record per market (see the module docstring for what is synthetic)."""
    chosen = list(markets)
    decided = [m for m in chosen if m.resolution == "resolved"]
    yes_share = sum(1 for m in decided if m.winner == 0) / max(1, len(decided))
    a, b = SPREAD * yes_share, SPREAD * (1 - yes_share)
    rng = random.Random(seed)
    lines = []
    for market in chosen:
        if market.resolution == "void":
            chance = rng.betavariate(a, b)
        elif market.winner == 0:
            chance = rng.betavariate(a + 1, b)
        else:
            chance = rng.betavariate(a, b + 1)
        chance = min(max(chance, 1e-6), 1 - 1e-6)
        price = round(min(max(_expit(_logit(chance) / (1 + bias)), 0.001), 0.999), 4)
        end = int(market.end_date or 0)
        last = min(end, int(market.closed_time or end))
        points = [[t, price] for t in range(last - days * DAY, last + 1, DAY)]
        lines.append(
            {
                "id": market.id,
                "question": market.question,
                "end_date": end,
                "closed_time": market.closed_time,
                "outcomes": list(market.outcomes),
                "winner": market.winner if market.resolution == "resolved" else None,
                "price_history": points,
            }
        )
    return lines


def write_history(path: Path, *, seed: int = 10, bias: float = 0.0, days: int = 30) -> Path:
    lines = history_lines(recorded_resolved(), seed=seed, bias=bias, days=days)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path
