"""App shell: tabs, help, command palette, theme toggle, error handling, quitting, the CLI command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from pmtui.cli import main
from pmtui.tui.app import PmtuiApp
from pmtui.tui.help import HelpScreen
from tests.tui.conftest import notified, rendered_text, settle

AppFactory = Callable[..., PmtuiApp]


async def test_help_screen_lists_keys_and_closes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(rendered_text(w) for w in app.screen.query("Static"))
        assert "1 Markets" in text and "Watch" in text and "command palette" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_has_every_tab_action(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for expected in (
            "Markets: Search",
            "Markets: Watch",
            "Markets: Category",
            "Go to Markets",
            "Toggle light/dark theme",
            "Help: keys",
        ):
            assert expected in titles
        # running a palette command runs the tab's action
        watch = next(c for c in app.get_system_commands(app.screen) if c.title == "Markets: Watched only")
        watch.callback()
        await settle(pilot)
        assert app.query_one("#markets-tab").filter.watched_only  # type: ignore[attr-defined]


async def test_theme_toggles_between_dark_and_light(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("t")
        assert app.theme == "textual-light"
        await pilot.press("t")
        assert app.theme == "textual-dark"


async def test_a_failing_worker_is_reported_not_fatal(make_app: AppFactory, tmp_path: Path) -> None:
    unusable = tmp_path / "a-directory"
    unusable.mkdir()
    app = make_app(db_path=unusable)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.is_running
        messages = [n.message for n in notified(app)]
        assert any("Opening the store failed" in m for m in messages), messages


async def test_q_quits_cleanly(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


def test_tui_command_has_help_and_rejects_unknown_theme(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["tui", "--help"])
    assert result.exit_code == 0 and "terminal app" in result.output
    config = tmp_path / "config.toml"
    config.write_text('[ui]\ntheme = "no-such-theme"\n')
    result = runner.invoke(main, ["tui"], env={"PMTUI_CONFIG": str(config)})
    assert result.exit_code == 2
    assert "ui.theme" in result.output and "unknown theme" in result.output
