"""A stored date no calendar holds (a store written before dates were checked: `end_date: 1e20`,
issue 15.4) must not crash the app when its row is shown, selected and detailed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pmtui.store import connect
from pmtui.tui.app import PmtuiApp
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import rendered_text, settle


async def test_moving_onto_a_market_ending_in_1e20_shows_a_dash(
    make_app: Callable[..., PmtuiApp], store: Path
) -> None:
    db = connect(store)
    db.execute("UPDATE markets SET end_date = 100000000000000000000 WHERE id = '101'")
    db.execute("UPDATE markets SET end_date = 9e999 WHERE id = '102'")  # stored as REAL infinity
    db.close()
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.query_one("#markets-table", VimTable)
        for market_id in ("101", "102"):
            table.move_to_key(market_id)
            await settle(pilot)
            facts = rendered_text(app.query_one("#detail-facts"))
            assert "Closes" in facts and "–" in facts
            assert table.get_cell(market_id, "closes").plain.strip() == "–"
        assert app.is_running and app.return_code is None
