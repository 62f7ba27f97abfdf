"""`pmtui backtest`: run strategies over resolved markets; `runs`, `show`, `export` stored runs."""

from __future__ import annotations

from pathlib import Path

import click

from pmtui.cli.common import AppContext, console, echo, echo_json, fail, pass_app


@click.group(invoke_without_command=True)
@click.option(
    "--strategy",
    "strategies",
    multiple=True,
    metavar="NAME",
    help="Strategy to run (repeat for several). Default: every registered strategy. "
    "Baselines: baseline_favourite, baseline_longshot, baseline_yes.",
)
@click.option(
    "--param", "params", multiple=True, metavar="NAME.KEY=VALUE", help="Override a strategy parameter."
)
@click.option(
    "--horizon", help='Decide this long before the anchor ("7d", "24h", "90m"), or "open" (first price).'
)
@click.option(
    "--anchor",
    type=click.Choice(["end", "close"]),
    help='Count the horizon back from the scheduled end date ("end", default) or from '
    'min(end date, closed time) ("close": knows when early outcomes happened; for comparison only).',
)
@click.option(
    "--cost", type=float, help="Half-spread and slippage per share added to the price (default 0.01)."
)
@click.option(
    "--max-staleness", metavar="DURATION", help='Skip when the last price is older than this ("3d").'
)
@click.option(
    "--category", help='Only this category and its subcategories ("Crypto", "Weather/Temperature").'
)
@click.option("--from", "date_from", metavar="DATE", help="Only trades decided on or after this date.")
@click.option("--to", "date_to", metavar="DATE", help="Only trades decided on or before this date.")
@click.option(
    "--split", metavar="DATE", help="Also report trades decided before / from this date side by side."
)
@click.option("--label", help="A note stored with the run.")
@click.option("--no-store", is_flag=True, help="Do not store the run.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def backtest(
    ctx: click.Context,
    strategies: tuple[str, ...],
    params: tuple[str, ...],
    horizon: str | None,
    anchor: str | None,
    cost: float | None,
    max_staleness: str | None,
    category: str | None,
    date_from: str | None,
    date_to: str | None,
    split: str | None,
    label: str | None,
    no_store: bool,
    as_json: bool,
) -> None:
    """Backtest strategies on resolved markets with real outcomes, costs and fees.

    Each strategy's own decision code runs on every resolved market at the decision time, with the
    last price at or before it; trades are $1 each, held to resolution. Runs are stored (see
    `pmtui backtest runs`). Subcommands: runs, show, export.
    """
    if ctx.invoked_subcommand is not None:
        return
    app: AppContext = ctx.ensure_object(AppContext)
    from pmtui.backtest.config import (
        available_strategy_names,
        config_from_settings,
        parse_date,
        resolve_specs,
    )
    from pmtui.config import ConfigError, parse_duration
    from pmtui.strategies.registry import all_strategies

    settings = app.settings
    names = list(strategies) or list(all_strategies())
    if not names:
        fail(
            "no strategies are registered; name one with --strategy "
            f"(available: {', '.join(available_strategy_names())})"
        )
    try:
        specs = resolve_specs(names, settings, params)
        staleness = None
        if max_staleness is not None:
            try:
                staleness = parse_duration(max_staleness)
            except ValueError as exc:
                raise ConfigError("--max-staleness", "max_staleness", str(exc)) from None
        config = config_from_settings(
            specs,
            settings.backtest,
            horizon=horizon,
            anchor=anchor,
            cost=cost,
            max_staleness=staleness,
            category=category,
            date_from=parse_date(date_from, "--from") if date_from else None,
            date_to=parse_date(date_to, "--to", end_of_day=True) if date_to else None,
            split=parse_date(split, "--split") if split else None,
            min_trades=settings.signals.min_backtest_trades,
        )
    except ConfigError as exc:
        from pmtui.cli.common import fail_config

        fail_config(exc)
    from pmtui.backtest.runner import run_backtest

    db = app.open_db()
    result = run_backtest(db, config, store=not no_store, label=label)
    if as_json:
        echo_json(result.document)
        return
    from pmtui.cli.backtest_view import print_document

    print_document(result.document)


@backtest.command("runs")
@click.option(
    "--limit", type=click.IntRange(1, 100_000), default=20, show_default=True, help="How many recent runs."
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def runs(app: AppContext, limit: int, as_json: bool) -> None:
    """List stored backtest runs, most recent first."""
    from pmtui.backtest.runs import list_runs

    found = list_runs(app.open_db(), limit=limit)
    if as_json:
        echo_json([r.to_json() for r in found])
        return
    if not found:
        echo("no stored backtest runs (run `pmtui backtest --strategy NAME`)")
        return
    from pmtui.cli.backtest_view import runs_table

    console(piped_width=None).print(runs_table(found))


@backtest.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
@pass_app
def show(app: AppContext, run_id: str, as_json: bool) -> None:
    """Show a stored run exactly as it reported when it ran."""
    from pmtui.backtest.runs import load_run

    document = load_run(app.open_db(), run_id)
    if document is None:
        fail(f"no backtest run {run_id!r} (see `pmtui backtest runs`)")
    if as_json:
        echo_json(document)
        return
    from pmtui.cli.backtest_view import print_document

    print_document(document)


@backtest.command("export")
@click.argument("run_id")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write."
)
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
@pass_app
def export(app: AppContext, run_id: str, out: Path, as_json: bool) -> None:
    """Export every decision of a stored run (trades and skips) to CSV."""
    from pmtui.backtest.runs import export_csv

    try:
        count = export_csv(app.open_db(), run_id, out)
    except KeyError:
        fail(f"no backtest run {run_id!r} (see `pmtui backtest runs`)")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    if as_json:
        echo_json({"run_id": run_id, "file": str(out), "rows": count})
    else:
        echo(f"wrote {count:,} rows to {out}")


COMMANDS = [backtest]
