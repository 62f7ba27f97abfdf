"""Command-line entry points. `pmtui` alone opens the terminal app; the rest run headless.

Each command group lives in its own module and registers itself on `main` below. Heavy imports
(pandas, Textual) are deferred into the commands so `pmtui --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click
from click_default_group import DefaultGroup

from pmtui import __version__
from pmtui.cli.common import AppContext, exit_on_expected_errors


@click.group(
    cls=DefaultGroup,
    default="tui",
    default_if_no_args=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="pmtui")
@click.option("-v", "--verbose", is_flag=True, help="Echo log lines to stderr as well as the log file.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """pmtui: Polymarket in your terminal. Live markets, clusters, a signals review queue and
    honest backtests on real outcomes.

    With no command, opens the terminal app. Settings: `pmtui info` shows where they live.
    """
    ctx.obj = AppContext(verbose=verbose)


# One command-group module per line (pmtui/cli/<name>.py, each exporting COMMANDS), so adding a
# group is a one-line change that merges cleanly.
COMMAND_MODULES = (
    "info",
    "tui",
    "signals",
    "paper",
    "alerts",
    "importing",
    "backtest",
    "demo",
    "collect",
    "export",
    "monitor",
    "categorize",
    "book",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"pmtui.cli.{name}")
        for command in module.COMMANDS:
            main.add_command(command)


_register()


def run() -> None:  # pragma: no cover - console entry
    with exit_on_expected_errors():
        main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
