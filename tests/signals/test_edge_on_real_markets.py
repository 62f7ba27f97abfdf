"""Issue 10's done-when on real markets, end to end through the CLI.

Backtests run on the 984 recorded resolved binary Polymarket markets (tests/real_history.py: real
questions, dates and outcomes, a SYNTHETIC price history with a known relation to the outcome). The
live signals are on the recorded open markets the fake server serves (real questions, prices and
books), collected by `pmtui collect`; their end dates are moved to 7 days from now so that the 7-day
backtests speak for their horizon. `fade_longshots` (NO on YES 1-10¢) is the strategy judged.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pmtui.cli import main
from pmtui.fakes.polymarket_server import FakePolymarket
from tests.real_history import write_history

WEEK = 7 * 86400


def invoke(*args: str, db: Path | None = None) -> Result:
    env = {"PMTUI_DB": str(db)} if db is not None else None
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def live(make_fake_polymarket: Any) -> FakePolymarket:
    """The recorded markets on the fake server, every open one ending a week from now."""
    server: FakePolymarket = make_fake_polymarket(recorded=True)
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + WEEK))
    for market in server.markets():
        if not market.closed:
            market.raw["endDate"] = end
    return server


def fill_store(db: Path, history: Path, *backtest: str) -> str:
    """Collect the live markets, import the history, run one backtest; its run id."""
    invoke("collect", "--once", "--only", "catalog,snapshots", db=db)
    invoke("import", str(history), db=db)
    run = json.loads(
        invoke(
            "backtest", "--strategy", "fade_longshots", "--max-staleness", "30d", "--json", *backtest, db=db
        ).output
    )
    assert run["generated_data"] is False and run["results"][0]["trades"] >= 100
    return str(run["run_id"])


def fade_signals(db: Path) -> list[dict[str, Any]]:
    """Every fade_longshots proposal on a real (not demo) market."""
    document = json.loads(invoke("signals", "--dry-run", "--json", db=db).output)
    assert document["review_queue_total"] == len(document["review_queue"])
    found = [
        item
        for item in document["review_queue"]
        if item["strategy"] == "fade_longshots" and item["source"] != "demo"
    ]
    assert found, "the recorded open markets hold longshots"
    return found


def assert_never_certain(items: list[dict[str, Any]]) -> None:
    for item in items:
        estimate = item["estimate"]
        if estimate["p"] is not None:
            assert estimate["p"] < 1 and estimate["p_interval"][1] < 1, item


@pytest.fixture
def big_config(live: FakePolymarket) -> None:
    from pmtui.paths import default_config_file

    config = default_config_file()
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[signals]\nmax_queue_items = 100000\n", encoding="utf-8"
    )


def test_a_strategy_without_edge_gets_no_positive_stake(
    live: FakePolymarket, big_config: None, tmp_path: Path
) -> None:
    db = tmp_path / "calibrated.sqlite"
    history = write_history(tmp_path / "calibrated.jsonl", bias=0.0)  # calibrated: no edge
    run_id = fill_store(db, history)
    items = fade_signals(db)
    assert all(item["stake_usd"] == 0 and not item["validated"] for item in items)
    assert all(item["estimate"]["run_id"] == run_id for item in items)
    reasons = [item["estimate"]["reason"] for item in items]
    assert any(reason.startswith("no edge: return [") for reason in reasons), reasons
    assert_never_certain(items)


def test_only_an_honest_run_on_real_data_validates(
    live: FakePolymarket, big_config: None, tmp_path: Path
) -> None:
    history = write_history(tmp_path / "biased.jsonl", bias=1.0)  # longshots overpriced: a real edge
    honest = tmp_path / "honest.sqlite"
    fill_store(honest, history)
    staked = [item for item in fade_signals(honest) if item["validated"]]
    assert staked and all(item["stake_usd"] > 0 for item in staked)
    assert all(item["estimate"]["reason"].startswith("edge: return [+") for item in staked)

    # The very same data backtested with --anchor close speaks for nothing.
    close = tmp_path / "close.sqlite"
    run_id = fill_store(close, history, "--anchor", "close")
    items = fade_signals(close)
    assert not any(item["validated"] or item["stake_usd"] for item in items)
    assert all(f"{run_id} cannot validate: it used --anchor close" in i["estimate"]["reason"] for i in items)
    assert_never_certain(items)

    # A backtest over a store holding generated demo markets never validates a real market.
    demo = tmp_path / "demo.sqlite"
    invoke("demo", "--markets", "300", "--seed", "3", db=demo)
    invoke("collect", "--once", "--only", "catalog,snapshots", db=demo)
    invoke("import", str(history), db=demo)
    run = json.loads(invoke("backtest", "--strategy", "fade_longshots", "--json", db=demo).output)
    assert run["generated_data"] is True
    items = fade_signals(demo)
    assert not any(item["validated"] or item["stake_usd"] for item in items)
    assert all("it ran on generated demo data" in item["estimate"]["reason"] for item in items)
