"""Small things a trader tripped over on the first day (issue 12.13): the category picker ignored
typing, picked and unpicked strategies looked alike without colour, toasts covered the status bar."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import OptionList

from pmtui.tui.app import PmtuiApp
from pmtui.tui.widgets.checklist import CheckList
from pmtui.tui.widgets.status import StatusBar
from tests.tui.conftest import plain, rendered_text, settle
from tests.tui.test_markets import table_ids

AppFactory = Callable[..., PmtuiApp]


async def test_the_category_picker_filters_as_you_type(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"btc")
        options = app.screen.query_one(OptionList)
        labels = [plain(options.get_option_at_index(i).prompt).strip() for i in range(options.option_count)]
        assert labels == ["Crypto/BTC-Price (3)"]
        await pilot.press("enter")  # picked what was typed, not "All categories"
        await settle(pilot)
        assert sorted(table_ids(app)) == ["101", "102", "103"]


async def test_the_picker_filters_by_every_word_and_moves_with_arrows(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"WEATHER")
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2  # Weather and Weather/Temperature, whatever the case
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.query_one("MarketsTab").filter.category == "Weather/Temperature"  # type: ignore[attr-defined]
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"no such thing", "enter", "escape")
        await settle(pilot)
        assert app.query_one("MarketsTab").filter.category == "Weather/Temperature"  # type: ignore[attr-defined]


async def test_picked_and_unpicked_strategies_differ_without_colour(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        checks = app.query_one("#bt-strategies", CheckList)
        checks.deselect("btc_time_bias")
        await pilot.pause()
        lines = rendered_text(checks).splitlines()
        picked = next(line for line in lines if "fade_longshots" in line and "weather" not in line)
        unpicked = next(line for line in lines if "btc_time_bias" in line)
        assert "X" in picked.split("fade_longshots")[0]
        assert "X" not in unpicked.split("btc_time_bias")[0]


async def test_toasts_stand_above_the_status_bar(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("16 new signals to review (3 Signals)", timeout=30)
        await pilot.pause(0.3)
        bar = app.query_one(StatusBar).region
        toasts = [toast.region for toast in app.screen.query("Toast")]
        assert toasts
        assert all(toast.bottom <= bar.y for toast in toasts), (toasts, bar)
