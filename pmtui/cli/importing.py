"""`pmtui import FILE`: Gamma market dumps and pmtui's history format into the store."""

from __future__ import annotations

import gc
from pathlib import Path

import click

from pmtui.cli.common import AppContext, echo, echo_json, fail, one_line, pass_app

SHOW_BAD_LINES = 20


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_app
def import_command(app: AppContext, file: Path, as_json: bool) -> None:
    """Import markets (and price history) from FILE.

    FILE is JSONL with one market a line (Gamma objects or pmtui's history format, see the README),
    a JSON array of Gamma market or event objects, or a keyset page; plain or .gz. It is read as it
    goes, so its size does not matter. Bad lines are reported with their line number and skipped;
    the rest is imported. A market id on several lines: the last line wins, and each repeat is
    reported. Importing the same file again changes nothing.
    """
    from pmtui.backtest.importer import import_file
    from pmtui.taxonomy.categorize import store_categorizer
    from pmtui.taxonomy.rules import RuleFileError

    try:
        categorize = store_categorizer()  # the rules are checked first: a bad file stops nothing half-way
    except RuleFileError as exc:
        fail(f"rule file error: {exc}", code=2)
    db = app.open_db()
    # What start-up built (modules, rules) lives to the end: frozen out of the cyclic collector, whose
    # full passes would otherwise rescan it again and again while the import allocates (as in
    # `pmtui categorize --input`).
    gc.freeze()
    try:
        # Every imported market gets category, cluster and features as it is stored (a category
        # the file states is kept).
        report = import_file(db, file, categorize=categorize)
    except (OSError, EOFError) as exc:
        fail(f"cannot read {file}: {exc}")
    except UnicodeDecodeError:
        fail(f"cannot read {file}: not UTF-8 text")
    if as_json:
        echo_json(report.to_json())
        return
    counts = report.counts
    echo(
        f"{file}: read {report.records:,} market{'' if report.records == 1 else 's'}: "
        f"{counts.inserted:,} inserted, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged; {counts.price_points:,} price points written"
    )
    for repeat in report.repeated[:SHOW_BAD_LINES]:
        echo(
            f"line {repeat.line}: market {repeat.record_id} was already on line {repeat.first_line}; "
            "the last line with this id is kept"
        )
    if len(report.repeated) > SHOW_BAD_LINES:
        echo(f"  … and {len(report.repeated) - SHOW_BAD_LINES:,} more repeated ids (see --json)")
    if report.placeholders:
        echo(f"{report.placeholders:,} neg-risk placeholders skipped (no prices or tokens yet)")
    if report.bad_lines:
        echo(f"{len(report.bad_lines):,} bad lines skipped:")
        for bad in report.bad_lines[:SHOW_BAD_LINES]:
            record = f" (market {one_line(bad.record_id)})" if bad.record_id else ""
            echo(f"  line {bad.line}{record}: {one_line(bad.reason)}")
        if len(report.bad_lines) > SHOW_BAD_LINES:
            echo(f"  … and {len(report.bad_lines) - SHOW_BAD_LINES:,} more (see --json)")


COMMANDS = [import_command]
