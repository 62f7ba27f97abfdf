"""`pmtui collect`: mirror Polymarket into the store, headless."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from pmtui.cli.common import AppContext, echo, echo_json, fail, pass_app, stop_on_signals
from pmtui.config import Settings


@click.command("collect")
@click.option("--once", is_flag=True, help="Run one cycle of the jobs, print a summary and exit.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the summary as JSON (one line per job without --once)."
)
@click.option(
    "--only",
    metavar="JOBS",
    help="Comma-separated jobs to run: catalog, resolutions, snapshots, history (default: all).",
)
@pass_app
def collect_command(app: AppContext, once: bool, as_json: bool, only: str | None) -> None:
    """Collect markets, prices, histories and resolutions from Polymarket into the database.

    Without --once, runs every job at its interval (see [collect] in the config) until Ctrl-C;
    the transaction in progress is finished first. All API calls go through the shared rate
    limiter, so this can run beside the terminal app.
    """
    from pmtui.alerts.background import background_alerts
    from pmtui.collect.scheduler import job_names
    from pmtui.taxonomy.rules import RuleFileError, default_rules

    try:
        names = job_names(only.split(",") if only else None)
    except ValueError as exc:
        fail(str(exc), code=2)
    settings = app.settings
    try:
        default_rules()  # a bad rule file is reported now, before anything is stored
    except RuleFileError as exc:
        fail(f"rule file error: {exc}", code=2)
    # With Telegram configured, alerts (settlements, a failing job) go out while the collector runs.
    with background_alerts(settings, flush_on_exit=once):
        _collect(settings, names, once=once, as_json=as_json)


def _collect(settings: Settings, names: list[str], *, once: bool, as_json: bool) -> None:
    import asyncio  # here, not at the top: every command's start would pay for it

    from pmtui.collect.scheduler import Scheduler

    with _progress(enabled=sys.stdout.isatty() and not as_json, jobs=names) as (progress, job_done):
        # Markets get their category, cluster and features as they are stored (the scheduler's writer).
        scheduler = Scheduler(settings, progress=progress, on_job_done=[job_done])
        if once:
            summary = asyncio.run(scheduler.run_once(names))
        else:
            if as_json:
                scheduler.on_job_done.append(lambda result: echo_json(result.to_dict()))
            else:
                from pmtui.collect.scheduler import summary_line

                scheduler.on_job_done.append(lambda result: echo(summary_line(result)))
                echo(f"collecting into {settings.database.path} (Ctrl-C to stop)", err=True)
            with stop_on_signals():
                try:
                    asyncio.run(scheduler.run_forever(asyncio.Event(), only=names))
                except KeyboardInterrupt:
                    echo("stopped", err=True)
            return
    if as_json:
        echo_json(summary.to_dict())
    else:
        _print_summary(summary.to_dict())
    if not summary.ok:
        sys.exit(1)


def _print_summary(document: dict[str, Any]) -> None:
    echo(f"cycle {'ok' if document['ok'] else 'had errors'} in {document['seconds']:.1f} s")
    echo(
        f"  markets: {document['markets_new']} new, {document['markets_updated']} updated, "
        f"{document['markets_resolved']} resolved, {document['markets_unchanged']} unchanged"
    )
    if document["positions_settled"]:
        echo(f"  paper positions settled: {document['positions_settled']}")
    echo(
        f"  rejected records: {document['records_rejected']} (see the errors table); "
        f"placeholders skipped: {document['placeholders_skipped']}"
    )
    echo(
        f"  price points: {document['price_points']}, quotes: {document['quotes']}, "
        f"snapshots: {document['snapshots']}"
    )
    calls = ", ".join(f"{endpoint} {count}" for endpoint, count in document["api_calls"].items()) or "none"
    echo(f"  API calls: {document['api_calls_total']} ({calls})")
    for job in document["jobs"]:
        line = f"  {job['job']}: {job['status']} in {job['seconds']:.1f} s"
        if job.get("error"):
            line += f" - {job['error']}"
        echo(line)


@contextmanager
def _progress(
    *, enabled: bool, jobs: list[str]
) -> Iterator[tuple[Callable[[str, int, int | None], None] | None, Callable[[Any], None]]]:
    """A rich progress display (one line per job) when stdout is a terminal; no-ops otherwise."""
    if not enabled:
        yield None, lambda result: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    display = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    )
    tasks = {name: display.add_task(name, total=None, start=False) for name in jobs}

    def progress(job: str, done: int, total: int | None) -> None:
        task = tasks.get(job)
        if task is not None:
            display.start_task(task)
            display.update(task, completed=done, total=total)

    def job_done(result: Any) -> None:
        task = tasks.get(result.job)
        if task is not None:
            display.update(task, description=f"{result.job} {result.status}", total=1, completed=1)

    with display:
        yield progress, job_done


COMMANDS = [collect_command]
