"""`pmtui tui` (also `pmtui` alone): the terminal app."""

from __future__ import annotations

import click

from pmtui.cli.common import AppContext, fail_config, pass_app
from pmtui.config import ConfigError


@click.command()
@click.option(
    "--no-jobs",
    "--offline",
    "no_jobs",
    is_flag=True,
    help="Work on stored data only: no collector, no live monitor, no live order books in the app "
    "(also [ui] run_collector/run_monitor, [live] enabled).",
)
@pass_app
def tui(app: AppContext, no_jobs: bool) -> None:
    """Open the terminal app: markets, clusters, the signals queue, backtests and the paper book.

    Keys: 1-5 switch tabs, ? shows every key, ctrl+p the command palette, q quits.
    """
    import dataclasses

    # Deferred: Textual takes a while to import and no other command needs it.
    from textual.theme import BUILTIN_THEMES

    from pmtui.tui.app import PmtuiApp
    from pmtui.tui.context import TuiContext

    settings = app.settings
    if settings.ui.theme not in BUILTIN_THEMES:
        known = ", ".join(sorted(BUILTIN_THEMES))
        fail_config(
            ConfigError(settings.source or "<settings>", "ui.theme", f"unknown theme (known: {known})")
        )
    # The store is opened (and migrated) before the screen takes over the terminal, so a file that
    # cannot be the store is one clear line here rather than an app that never loads.
    app.open_db().conn.close()
    if no_jobs:
        ui = dataclasses.replace(settings.ui, run_collector=False, run_monitor=False)
        live = dataclasses.replace(settings.live, enabled=False)
        settings = dataclasses.replace(settings, ui=ui, live=live)
    PmtuiApp(TuiContext(settings=settings, offline=no_jobs)).run()


COMMANDS = [tui]
