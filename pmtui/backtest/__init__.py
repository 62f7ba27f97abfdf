"""Backtests: import, engine, metrics and generated demo data. No Textual.

Modules (each one job):
- `importer`: `pmtui import FILE`, through the one market writer (`pmtui.store.markets.write_markets`).
- `config`: `BacktestConfig`, `StrategySpec`, building them from settings / names / a stored run.
- `loader`: resolved markets and their outcome-0 prices from the store into numpy arrays.
- `engine`: decision times, the price at decision, each strategy's `decide`, costs, fees, returns.
- `metrics`: win-rate and return intervals (`pmtui.stats`), drawdown, calibration, Brier, Kelly
  without look-ahead.
- `report`: the reported document (`pmtui backtest --json`).
- `runner`: `run_backtest` / `run_backtest_at` (load, decide, report, store) for the CLI and the TUI.
- `runs`: stored runs: list, load, trades as a DataFrame, equity curve, CSV export.
- `eligibility`: which stored runs may speak for a strategy as it runs live (signals, forward test).
- `estimate`: one live trade's estimate from the similar trades of the run that may speak.
- `baselines`: buy-the-favourite / longshot / YES yardsticks.

For the TUI (all thread-safe as long as each thread passes its own connection or a path):

    specs = resolve_specs(names, settings, ["fade_longshots.max_price=0.08"])
    config = config_from_settings(specs, settings.backtest, horizon="24h", category="Weather")
    result = run_backtest_at(db_path, config, progress=on_progress, cancelled=is_cancelled)
    result.document            # the numbers (same shape as --json); result.run_id
    list_runs(db); load_run(db, run_id); equity_curve(db, run_id, strategy)
    config_from_json(load_run(db, run_id)["config"])   # re-run a stored run
"""
