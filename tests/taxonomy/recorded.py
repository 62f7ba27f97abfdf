"""The recorded real markets of tests/data/polymarket, parsed once per test session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pmtui.polymarket.files import FileRecord, read_market_file
from pmtui.polymarket.models import Market

RECORDED_FILES = (
    "gamma_markets_600_mixed_2026-02.json.gz",
    "gamma_markets_500_closed_2018-2021.json.gz",
    "gamma_markets_200_active_snapshot.json.gz",
    "gamma_event_2890.json",
    "gamma_market_559651.json",
    "BTC-5m-markets-2026-07-24.jsonl.gz",
)


@cache
def recorded_markets(data_dir: Path) -> dict[tuple[str, str], Market]:
    """(file name, market id) -> Market, every market of every recorded file (a repeat kept once)."""
    markets: dict[tuple[str, str], Market] = {}
    for name in RECORDED_FILES:
        for item in read_market_file(data_dir / name):
            if isinstance(item, FileRecord):
                markets.setdefault((name, item.market.id), item.market)
    return markets
