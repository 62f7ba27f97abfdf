"""`pmtui paper`, `pmtui paper close ID` and `pmtui paper settle` on a hand-built book."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from pmtui.cli import main
from pmtui.paper.book import open_from_signal
from tests.book_builders import add_market, add_signal, make_settings, resolve, set_quote

M = 1_000_000
MARKUP = "Will [bold]X[/] win? [link=https://evil.example]click[/link]"


@pytest.fixture
def book(db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Three positions bought at 0.40 ($40 each) on $1000, fee-free, default caps."""
    monkeypatch.setenv("PMTUI_DB", str(db_path))
    settings = make_settings(db_path)
    now = int(time.time())
    specs = [
        ("btc", "Will BTC reach $150k?", "Crypto/BTC-Price", "api", "crypto_favorite_fade"),
        ("demo", MARKUP, "Sports/NBA", "demo", "fade_longshots"),
        ("rain", "Will it rain in NYC?", "Weather", "api", "fade_longshots"),
    ]
    for market, question, category, source, strategy in specs:
        tokens = add_market(
            db, market, question=question, category=category, source=source, prices=(0.55, 0.45)
        )
        set_quote(db, tokens[1], bid=0.38, ask=0.40, t=now)
        open_from_signal(
            db, add_signal(db, market, strategy=strategy, stake_micros=40 * M), settings, now=now
        )
    return db


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_paper_json_reports_cash_marks_and_pnl(book: Database) -> None:
    code, output = invoke("paper", "--json")
    assert code == 0, output
    doc = json.loads(output)
    assert (doc["started"], doc["deposits"], doc["cash"]) == (True, 1000.0, 880.0)
    # Each position: 100 shares marked at the 0.38 bid = $38, i.e. −$2 unrealized.
    assert doc["open_value"] == 114.0 and doc["equity"] == 994.0 and doc["unrealized_pnl"] == -6.0
    first = doc["open_positions"][0]
    assert (first["question"], first["mark_price"], first["mark_source"], first["value"]) == (
        "Will BTC reach $150k?",
        0.38,
        "bid",
        38.0,
    )
    assert doc["open_positions"][1]["market_source"] == "demo"
    by_strategy = {g["key"]: g for g in doc["pnl_by_strategy"]}
    assert (
        by_strategy["fade_longshots"]["open"] == 2 and by_strategy["fade_longshots"]["unrealized_pnl"] == -4.0
    )
    assert {g["key"] for g in doc["pnl_by_category"]} == {"Crypto/BTC-Price", "Sports/NBA", "Weather"}
    assert doc["ledger_ok"] is True
    assert [p["event"] for p in doc["equity_curve"]] == ["deposit", "now"]


def test_close_and_settle_commands(book: Database) -> None:
    code, output = invoke("paper", "close", "1")
    assert code == 0, output
    assert output.strip() == "closed #1 at 38.00¢: proceeds $38.00, P&L -$2.00"

    code, output = invoke("paper", "close", "1")
    assert (code, output.strip()) == (1, "pmtui: position #1 is already closed")
    book.execute("DELETE FROM quotes WHERE token_id = 'rain-tok1'")
    code, output = invoke("paper", "close", "3")
    assert code == 1 and "no fresh bid for position #3 (never quoted" in output

    code, output = invoke("paper", "settle")
    assert (code, output.strip()) == (0, "nothing to settle: no open position's market has resolved")
    resolve(book, "rain", 1)
    resolve(book, "demo", 0)
    waiting = json.loads(invoke("paper", "--json")[1])
    assert waiting["awaiting_settlement"] == 2
    assert [p["mark_source"] for p in waiting["open_positions"]] == ["resolution", "resolution"]
    assert "2 position(s) on resolved markets: run `pmtui paper settle`" in invoke("paper")[1]
    code, output = invoke("paper", "settle", "--json")
    assert code == 0
    assert json.loads(output) == {
        "settled": [
            {"id": 2, "result": "loss", "proceeds": 0.0, "realized_pnl": -40.0},
            {"id": 3, "result": "win", "proceeds": 100.0, "realized_pnl": 60.0},
        ]
    }
    doc = json.loads(invoke("paper", "--json")[1])
    assert doc["cash"] == 1000 - 120 + 38 + 100
    assert doc["realized_pnl"] == 18.0
    assert [t["result"] for t in doc["closed_trades"]] == ["win", "loss", "sold"]
    forward = {row["strategy"]: row for row in doc["forward_test"]}
    assert (
        forward["fade_longshots"]["live"]["n"] == 2 and forward["fade_longshots"]["verdict"] == "no backtest"
    )


def test_table_renders_market_text_literally_and_labels_demo_data(book: Database) -> None:
    code, output = invoke("paper")
    assert code == 0, output
    assert "cash $880.00  equity $994.00" in output
    assert "[bold]X[/]" in output  # not interpreted as Rich markup
    assert "[DEMO]" in output
    assert "Forward test" in output and "no backtest" in output


def test_paper_help_lists_the_commands() -> None:
    code, output = invoke("paper", "--help")
    assert code == 0 and "close" in output and "settle" in output
