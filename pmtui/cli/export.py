"""`pmtui export markets|prices`: what is stored, as JSONL, CSV or Parquet."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlite_utils import Database

from pmtui.cli.common import AppContext, echo, echo_json, fail, pass_app
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
    """One dict per stored price point, with the market and outcome of its token when known (from
    the markets' `token_ids_json`; `pmtui:<id>:<k>` series of markets without CLOB tokens name
    their market themselves)."""
    owners: dict[str, tuple[str, int]] = {}
    if market_ids:
        wanted = json.dumps(list(market_ids))
        for market_id, index, token in db.execute(
            "SELECT m.id, t.key, t.value FROM json_each(?) w JOIN markets m ON m.id = w.value, "
            "json_each(m.token_ids_json) t",
            [wanted],
        ):
            owners[str(token)] = (market_id, int(index))
        series = [*owners, *(f"pmtui:{m}:0" for m in market_ids)]
        rows = db.execute(
            "SELECT p.token_id, p.t, p.p FROM json_each(?) s JOIN prices p ON p.token_id = s.value "
            "ORDER BY p.token_id, p.t",
            [json.dumps(series)],
        )
    else:
        priced = {str(r[0]) for r in db.execute("SELECT DISTINCT token_id FROM prices")}
        for market_id, index, token in db.execute(
            "SELECT m.id, t.key, t.value FROM markets m, json_each(m.token_ids_json) t"
        ):
            if token in priced:
                owners[str(token)] = (market_id, int(index))
        rows = db.execute("SELECT token_id, t, p FROM prices ORDER BY token_id, t")
    for token_id, t, p in rows:
        owner = owners.get(str(token_id))
        market_id, outcome_index = owner if owner is not None else (None, None)
        if owner is None and str(token_id).startswith("pmtui:"):
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


def _parquet_schema(kind: str) -> Any:
    import pyarrow as pa

    if kind == "markets":
        return pa.schema(
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
    return pa.schema(
        [
            ("token_id", pa.string()),
            ("market_id", pa.string()),
            ("outcome_index", pa.int64()),
            ("t", pa.int64()),
            ("time", pa.string()),
            ("p", pa.float64()),
        ]
    )


def write_parquet(records: Iterator[dict[str, Any]], kind: str, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema(kind)
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


UNKNOWN_MONTH = "unknown"
MONTH_BUFFER = 2_000
"""Rows held per month before they are written (memory stays bounded however many months)."""


def write_parquet_by_month(records: Iterator[dict[str, Any]], kind: str, folder: Path) -> dict[str, int]:
    """Parquet files partitioned the Hive way, `folder/month=YYYY-MM/part-0.parquet`, by the month
    (UTC) of the market's end date or of the price point (`month=unknown` for markets without an
    end date). DuckDB, Spark, Polars and pyarrow.dataset read the month back as a column. Returns
    rows per month."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema(kind)
    key = "end_date" if kind == "markets" else "time"
    writers: dict[str, Any] = {}
    buffers: dict[str, list[dict[str, Any]]] = {}
    counts: dict[str, int] = {}

    def flush(month: str) -> None:
        rows = buffers.pop(month, [])
        if month not in writers:
            part = folder / f"month={month}"
            part.mkdir(parents=True, exist_ok=True)
            writers[month] = pq.ParquetWriter(str(part / "part-0.parquet"), schema)
        writers[month].write_table(pa.Table.from_pylist(rows, schema=schema))
        counts[month] = counts.get(month, 0) + len(rows)

    try:
        for record in records:
            stamp = record.get(key)
            month = stamp[:7] if isinstance(stamp, str) else UNKNOWN_MONTH
            buffer = buffers.setdefault(month, [])
            buffer.append(record)
            if len(buffer) >= MONTH_BUFFER:
                flush(month)
        for month in list(buffers):
            flush(month)
    finally:
        for writer in writers.values():
            writer.close()
    return dict(sorted(counts.items()))


@click.command("export")
@click.argument("what", type=click.Choice(["markets", "prices"]))
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Write here instead of stdout (a folder with --partition)."
)
@click.option(
    "--partition",
    type=click.Choice(["month"]),
    help="parquet: one folder per month, OUT/month=YYYY-MM/part-0.parquet (markets by end date, prices "
    "by time), for DuckDB and other engines (see docs/scaling.md).",
)
@click.option(
    "--market", "market_ids", multiple=True, metavar="ID", help="prices: only these markets (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="With --out: print what was written as JSON.")
@pass_app
def export_command(
    app: AppContext,
    what: str,
    fmt: str,
    out: Path | None,
    partition: str | None,
    market_ids: tuple[str, ...],
    as_json: bool,
) -> None:
    """Export stored markets or price points.

    A market line has: id, condition_id, question, slug, category, outcomes, token_ids (strings),
    end_date, closed_time (ISO 8601 UTC), closed, resolution, winner (outcome index or null), void,
    volume, volume_24h, liquidity, prices (one per outcome), event_id, source. A price line has:
    token_id, market_id, outcome_index, t (unix seconds), time, p. In CSV, lists are JSON text.
    """
    if fmt == "parquet" and out is None:
        fail("--format parquet needs --out FILE", code=2)
    if partition is not None and (fmt != "parquet" or out is None):
        fail("--partition month writes Parquet into a folder: give --format parquet --out FOLDER", code=2)
    if partition is None and out is not None and out.is_dir():
        fail(f"{out} is a folder: give a file name (or --partition month to write into a folder)", code=2)
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
    months: dict[str, int] | None = None
    db = app.open_db()
    try:
        records = market_records(db) if what == "markets" else price_records(db, market_ids)
        fields = MARKET_FIELDS if what == "markets" else PRICE_FIELDS
        if fmt == "parquet":
            assert out is not None
            if partition == "month":
                months = write_parquet_by_month(records, what, out)
                count = sum(months.values())
            else:
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
            document: dict[str, object] = {"what": what, "format": fmt, "rows": count, "out": str(out)}
            if months is not None:
                document["months"] = months
            echo_json(document)
        else:
            where = f"{out} ({len(months)} month folders)" if months is not None else str(out)
            echo(f"wrote {count} {what} rows to {where}", err=True)


COMMANDS = [export_command]
