"""`pmtui export prices` names each series' market and outcome from the markets' token ids (the
`tokens` table is gone, migration 0011), with and without --market."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmtui.cli import main
from pmtui.polymarket.models import Market, PricePoint
from pmtui.store import connect
from pmtui.store.markets import MarketWrite, write_markets
from pmtui.store.prices import insert_price_points
from pmtui.taxonomy.categorize import store_categorizer


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("PMTUI_DB", str(path))
    db = connect(path)
    clob = Market(id="c1", question="Will Team A win?", outcomes=["A", "B"], token_ids=["111", "222"])
    thin = Market(id="h1", question="Will it rain?", outcomes=["Yes", "No"], token_ids=[])
    write_markets(
        db,
        [MarketWrite(clob), MarketWrite(thin, history_t=[1_750_000_000], history_p=[0.3])],
        categorize=store_categorizer(),
    )
    insert_price_points(db, [PricePoint("111", 1_750_000_000, 0.6), PricePoint("222", 1_750_000_000, 0.4)])
    insert_price_points(db, [PricePoint("orphan", 1_750_000_000, 0.5)])
    db.close()
    return path


def export(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["export", "prices", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_every_series_with_its_market_and_outcome(db_path: Path) -> None:
    rows = {(r["token_id"], r["market_id"], r["outcome_index"]) for r in export()}
    assert rows == {("111", "c1", 0), ("222", "c1", 1), ("pmtui:h1:0", "h1", 0), ("orphan", None, None)}


def test_only_the_markets_asked_for(db_path: Path) -> None:
    assert [(r["token_id"], r["market_id"], r["outcome_index"]) for r in export("--market", "c1")] == [
        ("111", "c1", 0),
        ("222", "c1", 1),
    ]
    assert [r["token_id"] for r in export("--market", "h1", "--market", "nope")] == ["pmtui:h1:0"]


def test_parquet_partitioned_by_month_reads_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.dataset as ds

    monkeypatch.setenv("PMTUI_DB", str(tmp_path / "demo.sqlite"))
    demo = CliRunner().invoke(main, ["demo", "--markets", "150", "--points", "20", "--seed", "3"])
    assert demo.exit_code == 0, demo.output
    db = connect(tmp_path / "demo.sqlite")
    markets, points = (db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("markets", "prices"))
    db.close()
    for what, total, column in (("markets", markets, "end_date"), ("prices", points, "time")):
        folder = tmp_path / what
        result = CliRunner().invoke(
            main,
            ["export", what, "--format", "parquet", "--partition", "month", "--out", str(folder), "--json"],
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["rows"] == total and len(report["months"]) > 3
        table = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
        assert table.num_rows == total
        for month, stamp in zip(
            table.column("month").to_pylist(), table.column(column).to_pylist(), strict=True
        ):
            assert stamp[:7] == month  # every row in the folder of its month
    refused = CliRunner().invoke(
        main, ["export", "markets", "--partition", "month", "--out", str(tmp_path / "x")]
    )
    assert refused.exit_code == 2 and "--format parquet" in refused.output
