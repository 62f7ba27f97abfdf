"""Running a whole backtest: load, decide, report, store. The CLI and the TUI both call this.

The TUI runs `run_backtest_at` in a thread worker: it opens its own connection (sqlite connections
must not cross threads), reports progress through `progress(fraction, message)` and stops at the
next check when `cancelled()` turns true, raising `BacktestCancelled` with nothing stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pmtui.backtest.config import BacktestConfig, horizon_seconds
from pmtui.backtest.engine import Decisions, StrategyRows, evaluate_all
from pmtui.backtest.loader import BacktestCancelled, Cancelled, MarketData, Progress, load_market_data
from pmtui.backtest.report import build_document
from pmtui.backtest.runs import new_run_id, save_run

__all__ = ["BacktestCancelled", "BacktestResult", "run_backtest", "run_backtest_at"]


@dataclass(slots=True)
class BacktestResult:
    run_id: str | None
    """None when the run was not stored."""
    config: BacktestConfig
    document: dict[str, Any]
    """What `pmtui backtest --json` prints."""
    rows: list[StrategyRows] = field(default_factory=list)
    """Per-strategy decision arrays (for charts without reading the store back)."""
    data: MarketData | None = None
    decisions: Decisions | None = None

    @property
    def generated_data(self) -> bool:
        return bool(self.document["generated_data"])


def _scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    report = progress

    def inner(fraction: float, message: str) -> None:
        report(start + (end - start) * fraction, message)

    return inner


def run_backtest(
    db: Database,
    config: BacktestConfig,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    data: MarketData | None = None,
    store: bool = True,
    label: str | None = None,
) -> BacktestResult:
    """Load (only the points this config's decisions use, unless `data` is given: pass a fully
    loaded `load_market_data(db)` to reuse it across horizons), run every strategy, build the
    report, and store it with every decision when `store` is true."""
    started = time.perf_counter()
    created = datetime.now(UTC).replace(microsecond=0)
    if data is None:
        focus = (horizon_seconds(config.horizon), config.anchor)
        data = load_market_data(db, focus=focus, progress=_scaled(progress, 0.0, 0.6), cancelled=cancelled)
    if progress is not None:
        progress(0.6, f"{data.size:,} resolved markets, {data.points:,} price points")
    decisions, rows = evaluate_all(data, config, progress=_scaled(progress, 0.6, 0.95), cancelled=cancelled)
    if cancelled is not None and cancelled():
        raise BacktestCancelled
    run_id = new_run_id(created) if store else None
    document = build_document(
        data,
        decisions,
        rows,
        config,
        run_id=run_id,
        created=created.isoformat(),
        duration_s=time.perf_counter() - started,
    )
    if store:
        save_run(db, document, rows, data, label=label)
    if progress is not None:
        progress(1.0, "done")
    return BacktestResult(run_id, config, document, rows, data, decisions)


def run_backtest_at(
    db_path: Path | str,
    config: BacktestConfig,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    label: str | None = None,
) -> BacktestResult:
    """`run_backtest` on its own connection: the entry point for a TUI thread worker."""
    from pmtui.store import connect

    db = connect(db_path)
    try:
        return run_backtest(db, config, progress=progress, cancelled=cancelled, label=label)
    finally:
        db.conn.close()
