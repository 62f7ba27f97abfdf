"""`pmtui export markets|prices`: what is stored, as JSONL, CSV or Parquet."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click
from sqlite_utils import Database

from pmtui.cli.common import AppContext, echo_json, fail, pass_app
from pmtui.dates import format_utc

MARKET_FIELDS = (
    "id",
    "condition_id",
    "question",
    "slug",
    "category",
    "outcomes",
    "token_ids",
    "end_date",
    "closed_time",
    "closed",
    "resolution",
    "winner",
    "void",
    "volume",
    "volume_24h",
    "liquidity",
    "prices",
    "event_id",
    "source",
)
PRICE_FIELDS = ("token_id", "market_id", "outcome_index", "t", "time", "p")
LIST_FIELDS = frozenset({"outcomes", "token_ids", "prices"})
BATCH = 5_000


def _iso(t: int | None) -> str | None:
    """ISO 8601 UTC; None for a stored value that is no date at all (e.g. `1e20` in a store written
    before dates were checked): the export goes on instead of stopping half-way."""
    return format_utc(t, "%Y-%m-%dT%H:%M:%SZ") or None


def market_records(db: Database) -> Iterator[dict[str, Any]]:
    """One dict per stored market: the fields of the export format (token ids as strings, times as
    ISO 8601 UTC, winner = outcome index or null, void = resolved 50-50)."""
    cursor = db.execute(
        "SELECT id, condition_id, question, slug, category, outcomes_json, token_ids_json, end_date, closed_time, "
        "closed, resolution, winner, volume, volume_24h, liquidity, prices_json, event_id, source "
        "FROM markets ORDER BY id"
    )
    for row in cursor:
        (market_id, condition_id, question, slug, category, outcomes, tokens, end_date, closed_time, closed,
         resolution, winner, volume, volume_24h, liquidity, prices, event_id, source) = row  # fmt: skip
        yield {
            "id": market_id,
            "condition_id": condition_id,
            "question": question,
            "slug": slug,
            "category": category,
            "outcomes": json.loads(outcomes),
            "token_ids": [str(t) for t in json.loads(tokens)],
            "end_date": _iso(end_date),
            "closed_time": _iso(closed_time),
            "closed": bool(closed),
            "resolution": resolution,
            "winner": winner,
            "void": resolution == "void",
            "volume": volume,
            "volume_24h": volume_24h,
            "liquidity": liquidity,
            "prices": json.loads(prices),
            "event_id": event_id,
            "source": source,
        }


def price_records(db: Database, market_ids: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """One dict per stored price point, with the market and outcome of its token when known."""
    query = (
        "SELECT p.token_id, t.market_id, t.outcome_index, p.t, p.p FROM prices p "
        "LEFT JOIN tokens t ON t.token_id = p.token_id"
    )
    params: list[Any] = []
    if market_ids:
        # Tokens of the markets, and the `pmtui:<id>:<k>` series of markets without CLOB tokens.
        placeholders = ", ".join("?" for _ in market_ids)  # "?" markers only; ids are parameters
        query += f" WHERE t.market_id IN ({placeholders}) OR p.token_id IN ({placeholders})"
        params = [*market_ids, *(f"pmtui:{m}:0" for m in market_ids)]
    query += " ORDER BY p.token_id, p.t"
    for token_id, market_id, outcome_index, t, p in db.execute(query, params):
        if market_id is None and str(token_id).startswith("pmtui:"):
            _, market_id, index = str(token_id).split(":", 2)
            outcome_index = int(index) if index.isdigit() else None
        yield {
            "token_id": token_id,
            "market_id": market_id,
            "outcome_index": outcome_index,
            "t": t,
            "time": _iso(t),
            "p": p,
        }


def write_jsonl(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterator[dict[str, Any]], fields: Sequence[str], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(
            {k: json.dumps(v, ensure_ascii=False) if k in LIST_FIELDS else v for k, v in record.items()}
        )
        count += 1
    return count


def write_parquet(records: Iterator[dict[str, Any]], kind: str, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if kind == "markets":
        schema = pa.schema(
            [
                ("id", pa.string()),
                ("condition_id", pa.string()),
                ("question", pa.string()),
                ("slug", pa.string()),
                ("category", pa.string()),
                ("outcomes", pa.list_(pa.string())),
                ("token_ids", pa.list_(pa.string())),
                ("end_date", pa.string()),
                ("closed_time", pa.string()),
                ("closed", pa.bool_()),
                ("resolution", pa.string()),
                ("winner", pa.int64()),
                ("void", pa.bool_()),
                ("volume", pa.float64()),
                ("volume_24h", pa.float64()),
                ("liquidity", pa.float64()),
                ("prices", pa.list_(pa.float64())),
                ("event_id", pa.string()),
                ("source", pa.string()),
            ]
        )
    else:
        schema = pa.schema(
            [
                ("token_id", pa.string()),
                ("market_id", pa.string()),
                ("outcome_index", pa.int64()),
                ("t", pa.int64()),
                ("time", pa.string()),
                ("p", pa.float64()),
            ]
        )
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


@click.command("export")
@click.argument("what", type=click.Choice(["markets", "prices"]))
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option(
    "--market", "market_ids", multiple=True, metavar="ID", help="prices: only these markets (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="With --out: print what was written as JSON.")
@pass_app
def export_command(
    app: AppContext, what: str, fmt: str, out: Path | None, market_ids: tuple[str, ...], as_json: bool
) -> None:
    """Export stored markets or price points.

    A market line has: id, condition_id, question, slug, category, outcomes, token_ids (strings),
    end_date, closed_time (ISO 8601 UTC), closed, resolution, winner (outcome index or null), void,
    volume, volume_24h, liquidity, prices (one per outcome), event_id, source. A price line has:
    token_id, market_id, outcome_index, t (unix seconds), time, p. In CSV, lists are JSON text.
    """
    if fmt == "parquet" and out is None:
        fail("--format parquet needs --out FILE", code=2)
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        # pyarrow is an optional extra: it is large, and only Parquet export needs it.
        fail(
            "Parquet export needs pyarrow: pip install 'pmtui[parquet]' (or pipx inject pmtui pyarrow)",
            code=2,
        )
    if as_json and out is None:
        fail("--json reports on a written file: give --out FILE", code=2)
    if market_ids and what != "prices":
        fail("--market applies to `export prices`", code=2)
    db = app.open_db()
    try:
        records = market_records(db) if what == "markets" else price_records(db, market_ids)
        fields = MARKET_FIELDS if what == "markets" else PRICE_FIELDS
        if fmt == "parquet":
            assert out is not None
            count = write_parquet(records, what, out)
        elif out is None:
            count = (
                write_jsonl(records, sys.stdout) if fmt == "jsonl" else write_csv(records, fields, sys.stdout)
            )
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = write_jsonl(records, handle) if fmt == "jsonl" else write_csv(records, fields, handle)
    finally:
        db.close()
    if out is not None:
        if as_json:
            echo_json({"what": what, "format": fmt, "rows": count, "out": str(out)})
        else:
            click.echo(f"wrote {count} {what} rows to {out}", err=True)


COMMANDS = [export_command]
