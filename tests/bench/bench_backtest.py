"""Backtest benchmark: 20,000 resolved markets with ~250 price points each (~5M points).

Figures printed:
- build: generating and storing the demo data (setup, not a target);
- run: open the store, load every resolved market and the price point each decision uses, run all
  six strategies, build the report (target ≤ 5 s); the same with storing the run and its decisions;
- sweep: 50 parameter sets of one strategy over data loaded once (target ≤ 20 s);
- full load: every one of the ~5M points into memory, then all six strategies at five horizons from
  it, and a check that it gives the very same results as the focused load;
- peak memory (max RSS) of the measuring process (target ≤ 1.5 GB).

The six strategies are the registered ones (pmtui.strategies.registry); while fewer than six are
registered (the strategies land on another branch), stand-ins with the same names, categories and
the same kind of rule fill the gap, so the figure measures the engine either way.

Usage: python tests/bench/bench_backtest.py [--markets 20000] [--points 270] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pmtui.strategies.base import DecisionContext, Params, Proposal, Strategy  # noqa: E402


class _Fade(Strategy):
    """Stand-in: buy NO when YES is at least `threshold` (or at most, with `below`)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = "stand-in"
    key: ClassVar[str] = ""
    below: ClassVar[bool] = False

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        threshold = float(params[self.key])
        hit = ctx.yes_price < threshold if self.below else ctx.yes_price > threshold
        return Proposal(1, "fade") if hit else None


class WeatherFade(_Fade):
    name = "weather_fade_longshots"
    categories = ("Weather",)
    key, below = "max_yes_price", True


class AltcoinFade(_Fade):
    name = "altcoin_fade_high"
    categories = ("Crypto/Altcoins",)
    key = "min_yes_price"


class CryptoFavouriteFade(_Fade):
    name = "crypto_favorite_fade"
    categories = ("Crypto",)
    key = "min_yes_price"


class FadeLongshots(Strategy):
    name = "fade_longshots"
    description = "stand-in"

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        if params["min_price"] <= ctx.yes_price <= params["max_price"]:
            return Proposal(1, "fade")
        return None


class MuskFadeExtremes(Strategy):
    name = "musk_fade_extremes"
    description = "stand-in"
    categories = ("Tech/Musk-Tweets",)

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        low = ctx.features.get("range_low")
        high = ctx.features.get("range_high")
        extreme = (low is not None and low < params["bucket_low_below"]) or (
            high is not None and high > params["bucket_high_above"]
        )
        return Proposal(1, "extreme bucket") if extreme else None


class BtcTimeBias(Strategy):
    name = "btc_time_bias"
    description = "stand-in"
    categories = ("Crypto/BTC-UpDown",)

    def decide(self, ctx: DecisionContext, params: Params) -> Proposal | None:
        side = params["hour_map"].get(str(ctx.features.get("start_hour_et")))
        if side is None:
            return None
        return Proposal(ctx.outcomes.index(side) if side in ctx.outcomes else 0, "hour")


STAND_INS = [
    WeatherFade(),
    AltcoinFade(),
    CryptoFavouriteFade(),
    FadeLongshots(),
    MuskFadeExtremes(),
    BtcTimeBias(),
]


def six_strategies() -> tuple[list[Any], list[str]]:
    from pmtui.backtest.config import StrategySpec
    from pmtui.strategies.params import shipped_defaults
    from pmtui.strategies.registry import all_strategies

    registered = all_strategies()
    defaults = shipped_defaults()
    specs, stand_ins = [], []
    for stand_in in STAND_INS:
        strategy = registered.get(stand_in.name, stand_in)
        if strategy is stand_in:
            stand_ins.append(stand_in.name)
        specs.append(StrategySpec(strategy, defaults[stand_in.name]))
    return specs, stand_ins


def build(path: Path, markets: int, points: int) -> None:
    from pmtui.demo.generate import DemoOptions, write_demo
    from pmtui.store import connect

    started = time.perf_counter()
    db = connect(path)
    report = write_demo(
        db, DemoOptions(markets=markets, seed=11, points=points, open_share=0.0, now=1_767_225_600)
    )
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    size = path.stat().st_size / 1e6
    print(
        f"build: {report.markets:,} markets, {report.price_points:,} price points written in "
        f"{time.perf_counter() - started:.1f} s ({size:,.0f} MB)"
    )


def measure(path: Path) -> dict[str, Any]:
    """Runs in a fresh process so max RSS covers only loading and running."""
    import dataclasses

    from pmtui.backtest.config import BacktestConfig, StrategySpec, horizon_seconds
    from pmtui.backtest.engine import evaluate_all, prepare
    from pmtui.backtest.loader import load_market_data
    from pmtui.backtest.report import strategy_result
    from pmtui.backtest.runner import run_backtest
    from pmtui.store import connect

    specs, stand_ins = six_strategies()
    config = BacktestConfig(strategies=tuple(specs), horizon="24h")
    figures: dict[str, Any] = {"stand_ins": stand_ins}

    # The default path: open the store, load the markets and the one point each decision uses.
    started = time.perf_counter()
    db = connect(path)
    result = run_backtest(db, config, store=False)
    figures["run_all_six_s"] = time.perf_counter() - started
    figures["trades"] = {r["strategy"]: r["trades"] for r in result.document["results"]}

    started = time.perf_counter()
    stored = run_backtest(db, config, store=True)
    figures["run_all_six_stored_s"] = time.perf_counter() - started
    figures["stored_rows"] = db.execute(
        "SELECT count(*) FROM backtest_trades WHERE run_id = ?", [stored.run_id]
    ).fetchone()[0]

    # Sweep: 50 parameter sets of fade_longshots (it looks at every market), data loaded once.
    started = time.perf_counter()
    focused = load_market_data(db, focus=(horizon_seconds(config.horizon), config.anchor))
    fade = next(s for s in specs if s.name == "fade_longshots")
    sweep_specs = [
        StrategySpec(fade.strategy, {**fade.params, "max_price": round(0.02 + 0.01 * k, 2)})
        for k in range(50)
    ]
    sweep_config = dataclasses.replace(config, strategies=tuple(sweep_specs))
    _, rows = evaluate_all(focused, sweep_config, decisions=prepare(focused, sweep_config))
    best = max((strategy_result(r, sweep_config) for r in rows), key=lambda r: r["mean_return"] or -9)
    figures["sweep_50_s"] = time.perf_counter() - started
    figures["sweep_best"] = {"max_price": best["params"]["max_price"], "mean_return": best["mean_return"]}

    # Every point in memory (one load serving any horizon), then all six strategies at 5 horizons.
    started = time.perf_counter()
    full = load_market_data(db)
    figures["full_load_s"] = time.perf_counter() - started
    figures["markets"] = full.size
    figures["points"] = full.points
    started = time.perf_counter()
    for horizon in ("open", "7d", "3d", "24h", "6h"):
        run_backtest(db, dataclasses.replace(config, horizon=horizon), data=full, store=False)
    figures["five_horizons_s"] = time.perf_counter() - started
    full_24h = run_backtest(db, config, data=full, store=False)
    figures["same_as_focused"] = full_24h.document["results"] == result.document["results"]
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markets", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=270)
    parser.add_argument("--keep", action="store_true", help="Keep the database in the temp dir for reruns.")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    folder = Path(tempfile.gettempdir()) / "pmtui-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"backtest-{args.markets}-{args.points}.sqlite"
    if not path.exists():
        build(path, args.markets, args.points)
    else:
        print(f"build: reusing {path}")
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
    if figures["stand_ins"]:
        print(f"note: stand-ins used for unregistered strategies: {', '.join(figures['stand_ins'])}")
    print(f"data: {figures['markets']:,} resolved markets, {figures['points']:,} price points")
    print(
        f"run all six strategies (open store, load, decide, report; not stored): "
        f"{figures['run_all_six_s']:.2f} s (target <= 5 s)"
    )
    print(
        f"same, storing the run and its {figures['stored_rows']:,} decision rows: "
        f"{figures['run_all_six_stored_s']:.2f} s"
    )
    print(f"trades per strategy: {figures['trades']}")
    print(f"sweep of 50 parameter sets (load once + 50 runs): {figures['sweep_50_s']:.2f} s (target <= 20 s)")
    print(f"load every price point into memory: {figures['full_load_s']:.2f} s")
    print(f"then all six strategies at 5 horizons from that memory: {figures['five_horizons_s']:.2f} s")
    print(f"results from all points == results from decision points only: {figures['same_as_focused']}")
    print(
        f"peak memory (max RSS of the measuring process): {figures['peak_rss_mb']:.0f} MB (target <= 1536 MB)"
    )


if __name__ == "__main__":
    main()
