"""`pmtui categorize`: re-categorise the store, or categorise a market file without a database."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click
import msgspec

from pmtui.cli.common import EXIT_CONFIG, AppContext, cell, console, echo, echo_json, fail, one_line, pass_app
from pmtui.text import json_terminal_safe

_FLUSH_EVERY = 1000
"""--json lines are written in batches: one write per line was a tenth of the command's time."""
_FEATURE_CACHE = 32_768
"""Features remembered per (question, category, end date): bounded, so memory stays flat."""


class _Line(msgspec.Struct, array_like=False, gc=False):
    """One --json output line, keys in this order (a Struct encodes faster than a dict)."""

    id: str
    question: str
    category: str
    cluster_id: str
    features: msgspec.Raw


@click.command("categorize")
@click.option(
    "--input",
    "input_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Categorise the markets of FILE instead of the store (needs no database).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON output: the counts, or with --input one line per market.",
)
@pass_app
def categorize_command(app: AppContext, input_file: Path | None, as_json: bool) -> None:
    """Assign category, cluster and features to markets.

    Without --input, re-categorises every market in the database (categories an imported file stated
    are kept) and prints the count per category. With --input FILE (a JSON array, JSONL or keyset
    page of Gamma markets, or pmtui's history format; plain or .gz) and --json, writes one line per
    market: {"id", "question", "category", "cluster_id", "features"}. Rules: data/taxonomy.toml plus
    taxonomy.toml beside your config file (see docs/taxonomy.md).
    """
    from pmtui.taxonomy.rules import RuleFileError, default_rules

    try:
        default_rules()
    except RuleFileError as exc:
        fail(f"rule file error: {exc}", code=EXIT_CONFIG)
    if input_file is not None:
        _categorize_file(input_file, as_json)
        return
    from pmtui.taxonomy.categorize import categorize_store

    db = app.open_db()
    counts = categorize_store(db)
    _print_counts(counts, as_json, source=str(app.settings.database.path))


def _categorize_file(path: Path, as_json: bool) -> None:
    import gc
    from functools import lru_cache

    import msgspec

    from pmtui.polymarket.files import BadLine
    from pmtui.polymarket.question_records import QuestionRecord, read_question_batches
    from pmtui.taxonomy.classify import classify
    from pmtui.taxonomy.clusters import cluster_id
    from pmtui.taxonomy.features import extract_features
    from pmtui.taxonomy.rules import default_rules

    rules = default_rules()
    # What start-up built (modules, rules) lives to the end: frozen out of the cyclic collector, whose
    # full passes would otherwise rescan it again and again while the loop allocates (~4% of the time).
    # The loop itself makes no reference cycles (records, feature dicts and cache entries are freed
    # by their reference counts), so the collector's passes over its young objects (~2%) are off.
    gc.freeze()
    gc.disable()
    encoder = msgspec.json.Encoder()
    encode = encoder.encode

    @lru_cache(maxsize=_FEATURE_CACHE)
    def features_json(question: str, category: str, end_date: int | None) -> msgspec.Raw:
        # A catalogue repeats questions (one per event of a series, a ladder's siblings): their
        # features, a pure function of these three, are read and encoded once.
        return msgspec.Raw(encode(extract_features(question, category, end_date=end_date)))

    out = sys.stdout.buffer
    pending: list[bytes] = []
    counts: Counter[str] = Counter()
    bad = 0
    try:
        for batch in read_question_batches(path):
            for item in batch:
                if not isinstance(item, QuestionRecord):
                    if isinstance(item, BadLine):
                        bad += 1
                        record = f" (market {one_line(item.record_id)})" if item.record_id else ""
                        echo(f"pmtui: {path}:{item.line}{record}: {one_line(item.reason)}", err=True)
                    continue  # a neg-risk placeholder: no question to categorise yet
                # What categorize_market does, spelled out: this loop runs once per market of a file
                # that may hold the whole catalogue, and the call layers cost a tenth of its time.
                question = item.question
                category = item.category or classify(
                    question,
                    tags=item.tags,
                    event_slug=item.event_slug,
                    series_slug=item.series_slug,
                    rules=rules,
                )
                counts[category] += 1
                if not as_json:
                    continue
                market_id = item.id
                line = encode(
                    _Line(
                        market_id,
                        question,
                        category,
                        cluster_id(
                            market_id=market_id, question=question, category=category, event_id=item.event_id
                        ),
                        features_json(question, category, item.end_date),
                    )
                )
                # Only text from the file can hold terminal controls (features are cut from the
                # question); str.isascii() is O(1), so most lines skip the escaping scan.
                if not (question.isascii() and market_id.isascii() and category.isascii()):
                    line = json_terminal_safe(line)
                pending.append(line)
            if len(pending) >= _FLUSH_EVERY:
                pending.append(b"")
                out.write(b"\n".join(pending))
                pending.clear()
        if pending:
            pending.append(b"")
            out.write(b"\n".join(pending))
        out.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as Unix tools do, not "cannot read FILE".
        sys.stderr.close()
        raise SystemExit(0) from None
    except (OSError, EOFError) as exc:
        fail(f"cannot read {path}: {exc}")
    except UnicodeDecodeError:
        fail(f"cannot read {path}: not UTF-8 text")
    finally:
        gc.enable()
    if not as_json:
        _print_counts(dict(counts), False, source=str(path))
    if bad:
        echo(f"pmtui: {bad} bad line{'' if bad == 1 else 's'} skipped", err=True)
        if not counts:
            sys.exit(1)


def _print_counts(counts: dict[str, int], as_json: bool, *, source: str) -> None:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    total = sum(counts.values())
    if as_json:
        document: dict[str, Any] = {"source": source, "total": total, "categories": dict(ordered)}
        echo_json(document)
        return
    from rich.table import Table

    table = Table(title=cell(f"{total:,} markets by category ({source})"), title_justify="left")
    table.add_column("category")
    table.add_column("markets", justify="right")
    table.add_column("share", justify="right")
    for category, count in ordered:
        table.add_row(cell(category), f"{count:,}", f"{count / total:.1%}" if total else "-")
    console(soft_wrap=True, piped_width=None).print(table)


COMMANDS = [categorize_command]
