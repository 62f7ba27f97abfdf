"""`pmtui queue approve` re-prices at the current ask, on a real recorded market: the fake Polymarket
server moves the book between the signal and the approval. A move against the trader beyond the 1¢
tolerance is refused (the signal stays pending); a move within it fills at the new price.

The live market is a recorded open one (real question, prices, book), its end date moved to 7 days
from now. The backtest that validates fade_longshots on it is a stored run written by hand here:
SYNTHETIC trades (400 NO wins at the signal's cost), an honest configuration (anchor end, 7 days,
the live parameters), so that the strategy is validated and staked and the test is about the fill.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

from pmtui.cli import main
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.store import connect
from pmtui.strategies.params import resolve_params

WEEK = 7 * 86400


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def add_validating_run(db: Database, cost: float) -> None:
    config = {
        "strategies": [{"name": "fade_longshots", "params": resolve_params("fade_longshots")}],
        "horizon": "7d",
        "anchor": "end",
        "category": None,
        "from": None,
        "to": None,
    }
    db.execute(
        "INSERT INTO backtest_runs (run_id, created, config_json, results_json, generated_data) "
        "VALUES ('bt-synthetic', 1, ?, '{}', 0)",
        [json.dumps(config)],
    )
    db["backtest_trades"].insert_all(
        {"run_id": "bt-synthetic", "strategy": "fade_longshots", "market_id": f"x{i}", "cost": cost, "won": 1}
        for i in range(400)
    )


@pytest.fixture
def signal(make_fake_polymarket: Any, tmp_path: Path) -> tuple[FakePolymarket, Database, dict[str, Any]]:
    server: FakePolymarket = make_fake_polymarket(recorded=True)
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + WEEK))
    for market in server.markets():
        if not market.closed:
            market.raw["endDate"] = end
    assert invoke("collect", "--once", "--only", "catalog,snapshots").exit_code == 0
    dry = json.loads(invoke("signals", "--dry-run", "--json", "--strategy", "fade_longshots").output)
    booked = [
        i for i in dry["review_queue"] if i["price_source"] == "book_ask" and 0.90 <= i["price"] <= 0.96
    ]
    assert booked, "the recorded open markets hold booked longshots"
    chosen = booked[0]
    db = connect(tmp_path / "pmtui.sqlite")
    add_validating_run(db, chosen["cost"])
    queued = json.loads(invoke("signals", "--json", "--strategy", "fade_longshots").output)
    [item] = [i for i in queued["review_queue"] if i["market_id"] == chosen["market_id"]]
    assert item["validated"] and item["stake_usd"] > 0
    return server, db, item


def yes_price(server: FakePolymarket, market_id: str) -> float:
    price = server.market(market_id).yes_price
    assert price is not None
    return price


def test_an_adverse_move_is_refused_and_a_small_one_fills_at_the_new_price(
    signal: tuple[FakePolymarket, Database, dict[str, Any]],
) -> None:
    server, db, item = signal
    market_id, signal_id, shown = item["market_id"], item["signal_id"], item["price"]
    start = yes_price(server, market_id)

    server.set_price(market_id, round(start - 0.03, 4))  # YES 3¢ lower: NO's ask 3¢ higher
    refused = invoke("queue", "approve", str(signal_id))
    assert refused.exit_code == 1
    assert (
        f"cannot approve signal #{signal_id}: the price moved against you from {shown * 100:.1f}¢"
        in refused.output
    )
    assert "more than the 1¢ tolerance); it stays pending" in refused.output
    assert db.execute("SELECT status FROM signals WHERE id = ?", [signal_id]).fetchone()[0] == "pending"
    assert db["paper_positions"].count == 0

    server.set_price(market_id, round(start - 0.01, 4))  # 1¢: within the tolerance
    preview = json.loads(invoke("queue", "approve", str(signal_id), "--dry-run", "--json").output)
    assert preview["ok"] and preview["price"] == pytest.approx(shown + 0.01)
    approved = invoke("queue", "approve", str(signal_id), "--json")
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output)["status"] == "approved"
    price, shares = db.execute("SELECT price_micros, shares_micros FROM paper_fills").fetchone()
    assert price == round((shown + 0.01) * 1_000_000)  # the ask now, not the one the signal showed
    assert shares == round(preview["shares"] * 1_000_000)
    cost = db.execute("SELECT cost_micros FROM paper_positions").fetchone()[0]
    assert cost <= round(item["stake_usd"] * 1_000_000)  # never more than the row showed
