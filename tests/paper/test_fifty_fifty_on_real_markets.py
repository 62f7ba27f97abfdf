"""A market resolved 50-50 pays $0.50 a share, on real recorded markets, in all three places:

- the backtest: "Pakistan Tri-Series: Pakistan vs Afghanistan (Game 1)" (market 681413) really
  resolved 50-50 (Gamma shows ["0.5", "0.5"]); with a SYNTHETIC price history (tests/real_history.py)
  a trade on it returns 0.5/cost − 1;
- the paper book: a recorded open market served by the fake server, bought through `pmtui queue
  approve`, then resolved 50-50 by the server the way Gamma shows it and settled by `pmtui collect`;
- the forward test: that position counts as a void, apart from wins and losses, inside the return.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pmtui.cli import main
from pmtui.config import load_settings
from pmtui.fakes.polymarket_server import FakePolymarket
from pmtui.store import connect
from tests.real_history import write_history

REAL_FIFTY_FIFTY = "681413"


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_the_backtest_pays_half_a_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMTUI_DB", str(tmp_path / "bt.sqlite"))
    invoke("import", str(write_history(tmp_path / "history.jsonl")))
    run = json.loads(
        invoke("backtest", "--strategy", "baseline_yes", "--max-staleness", "30d", "--json").output
    )
    db = connect(tmp_path / "bt.sqlite")
    row = db.execute(
        "SELECT cost, won, pnl FROM backtest_trades WHERE run_id = ? AND market_id = ?",
        [run["run_id"], REAL_FIFTY_FIFTY],
    ).fetchone()
    assert row is not None, "the real 50-50 market is traded"
    cost, won, pnl = row
    assert won is None and pnl == pytest.approx(0.5 / cost - 1)
    result = run["results"][0]
    assert result["voids"] >= 1 and result["wins"] + result["losses"] + result["voids"] == result["trades"]


def test_paper_and_forward_test_pay_half_a_share(make_fake_polymarket: Any) -> None:
    server: FakePolymarket = make_fake_polymarket(recorded=True)
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7 * 86400))
    for market in server.markets():
        if not market.closed:
            market.raw["endDate"] = end
    invoke("collect", "--once", "--only", "catalog,snapshots")
    queue = json.loads(invoke("signals", "--json", "--strategy", "fade_longshots").output)["review_queue"]
    item = next(i for i in queue if i["price_source"] == "book_ask")
    invoke("queue", "approve", str(item["signal_id"]), "--stake", "20")
    store = connect(load_settings().database.path)
    shares, cost = store.execute("SELECT shares_micros, cost_micros FROM paper_positions").fetchone()

    server.resolve(item["market_id"], None)  # 50-50, as Gamma shows it: ["0.5", "0.5"]
    invoke("collect", "--once", "--only", "catalog")
    result, proceeds = store.execute("SELECT result, proceeds_micros FROM paper_positions").fetchone()
    assert (result, proceeds) == ("void", shares // 2)  # $0.50 a share, not the cost back

    paper = json.loads(invoke("paper", "--json").output)
    [row] = [r for r in paper["forward_test"] if r["strategy"] == "fade_longshots"]
    live = row["live"]
    assert (live["wins"], live["losses"], live["voids"]) == (0, 0, 1)
    assert live["mean_return"] == pytest.approx((shares // 2) / cost - 1, abs=1e-6)
