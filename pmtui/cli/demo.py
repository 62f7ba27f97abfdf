"""`pmtui demo`: generated markets (labelled as such everywhere) for an offline first look."""

from __future__ import annotations

import click

from pmtui.cli.common import AppContext, echo, echo_json, fail, pass_app

NEXT_HINT = (
    "These markets are made up and labelled 'demo' everywhere. "
    "Next: `pmtui backtest` and `pmtui backtest --horizon 24h` (the runs that size signals), "
    "`pmtui signals` (trades proposed on the open ones), then `pmtui --offline` for the tour "
    "(no collector going online)."
)
"""`--offline`: a plain `pmtui` would also start the collector and show the API unreachable."""


@click.command()
@click.option(
    "--markets", type=click.IntRange(1, 200_000), default=2000, show_default=True, help="How many markets."
)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="Same seed (within the same hour) = same data."
)
@click.option(
    "--bias",
    type=click.FloatRange(0, 2),
    default=0.2,
    show_default=True,
    help="Favourite–longshot bias of the prices: 0 = calibrated.",
)
@click.option(
    "--points",
    type=click.IntRange(2, 5000),
    default=250,
    show_default=True,
    help="Max price points per market.",
)
@click.option(
    "--open-share",
    type=click.FloatRange(0, 1),
    default=0.15,
    show_default=True,
    help="Share of events still open (with quotes).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
@pass_app
def demo(
    app: AppContext, markets: int, seed: int, bias: float, points: int, open_share: float, as_json: bool
) -> None:
    """Fill the database with generated markets: resolved ones to backtest, open ones to browse.

    Every generated market has source 'demo' and an id starting with `demo<seed>-`; every screen and
    every backtest over them says so. Question families mirror real ones: BTC price ladders, hourly
    "Bitcoin Up or Down" windows, temperature and tweet-count buckets, matches, elections, Fed
    decisions and "by date" events. Try: `pmtui demo && pmtui --offline`.
    """
    from pmtui.demo.generate import DemoOptions, write_demo
    from pmtui.taxonomy.categorize import store_categorizer
    from pmtui.taxonomy.rules import RuleFileError

    try:
        categorize = store_categorizer()  # the rules are checked first: a bad file stops nothing half-way
    except RuleFileError as exc:
        fail(f"rule file error: {exc}", code=2)
    options = DemoOptions(markets=markets, seed=seed, bias=bias, points=points, open_share=open_share)
    try:
        db = app.open_db()
        report = write_demo(db, options, categorize=categorize)
    except OSError as exc:
        fail(f"cannot write the database: {exc}")
    if as_json:
        echo_json(report.to_json())
        return
    echo(
        f"generated {report.markets:,} demo markets in {report.events:,} events "
        f"({report.resolved:,} resolved, {report.void:,} void, {report.open:,} open), "
        f"{report.price_points:,} price points (seed {seed}, bias {bias:g}); "
        f"{report.inserted:,} new, {report.updated:,} updated, {report.unchanged:,} unchanged"
    )
    echo(NEXT_HINT)


COMMANDS = [demo]
