"""One price source per column, one unit per screen (issue 12.11): cents in the app, the CLI says
which unit it prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from pmtui.cli import main
from pmtui.store import connect, write_tx
from pmtui.tui.app import PmtuiApp
from pmtui.tui.queries.markets import market_detail
from tests.tui.conftest import rendered_text, settle
from tests.tui.store_fixture import market
from tests.tui.test_backtests import metric, open_tab, stored_document

AppFactory = Callable[..., PmtuiApp]


def test_every_outcome_price_sits_within_its_own_book(store: Path) -> None:
    """The trader's market read `Yes 0.6¢ 0.1¢ 1.1¢ / No 100.0¢ 99.0¢ 99.9¢`: YES a midpoint, NO
    Gamma's outcome price (another source, refreshed at other times) above its own ask."""
    row = market("u1", "Will a longshot happen?", category="Other", yes=0.006)
    row.update(prices_json=json.dumps([0.006, 1.0]), best_bid=0.001, best_ask=0.011)
    db = connect(store)
    with write_tx(db):
        db["markets"].insert(row)
    detail = market_detail(db, "u1")
    assert detail is not None
    yes, no = detail.outcomes
    assert (yes.price, yes.best_bid, yes.best_ask) == (0.006, 0.001, 0.011)
    assert (no.price, no.best_bid, no.best_ask) == (0.994, 0.989, 0.999)
    for outcome in detail.outcomes:
        assert outcome.best_bid is not None and outcome.best_ask is not None and outcome.price is not None
        assert outcome.best_bid <= outcome.price <= outcome.best_ask


def test_a_stored_quote_of_the_second_outcome_is_kept(store: Path) -> None:
    db = connect(store)
    with write_tx(db):
        db["markets"].insert(market("u2", "Will it?", category="Other", yes=0.40))
        db.execute(
            "INSERT INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES ('u22', 'u2', 0.58, 0.61, 0.595, 1)"
        )
    detail = market_detail(db, "u2")
    assert detail is not None
    assert (detail.outcomes[1].best_bid, detail.outcomes[1].best_ask) == (0.58, 0.61)
    assert detail.outcomes[1].price == 0.6  # the Price column stays one source: 1 − YES


async def test_backtest_costs_and_edges_are_in_cents(make_app: AppFactory, store: Path) -> None:
    result = stored_document(store, "run-b")["results"][0]  # the run that opens first
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await open_tab(pilot)
        assert metric(app, "avg_cost") == f"{result['avg_cost'] * 100:.1f}¢" == "80.0¢"
        assert metric(app, "edge") == f"{result['edge'] * 100:+.1f}¢"
        assert "50¢" in rendered_text(app.query_one("#bt-calibration").children[0])  # the price axis


async def test_signal_rationale_and_price_share_a_unit(make_app: AppFactory, store: Path) -> None:
    db = connect(store)
    with write_tx(db):
        db.execute("UPDATE signals SET rationale = ? WHERE id = 2", ["YES 22¢ < 30¢: longshot fade"])
    db.conn.close()
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3", "j")
        await settle(pilot)
        detail = rendered_text(app.query_one("#signal-detail"))
        assert "Buy No at 79.0¢" in detail and "YES 22¢" in detail


def test_the_cli_says_which_unit_it_prints(tmp_path: Path) -> None:
    from tests.tui.store_fixture import build_store

    db_path = build_store(tmp_path / "cli.sqlite")
    result = CliRunner().invoke(
        main, ["queue", "list", "--status", "approved"], env={"PMTUI_DB": str(db_path)}
    )
    assert result.exit_code == 0, result.output
    assert "price ¢" in result.output and "edge ¢" in result.output
    assert "96.0" in result.output and "0.960" not in result.output  # the approved signal's price
