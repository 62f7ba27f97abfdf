"""`pmtui info`: where settings, database, logs and the shared limiter live.

It is what a new user runs first, often before any file exists: a config file named by
`PMTUI_CONFIG` that is not there yet is reported (defaults are shown), not an error, although the
other commands refuse to run on it.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from pmtui import __version__
from pmtui.cli.common import AppContext, echo, echo_json, fail_config, pass_app
from pmtui.config import ConfigError, Settings, apply_env, config_path, settings_from_mapping
from pmtui.logs import log_file


def _settings(app: AppContext, path: Path) -> Settings:
    """The settings the other commands would use; with a missing `PMTUI_CONFIG` file, the defaults
    overlaid by the environment (what they would use once the file exists and is empty)."""
    if path.exists() or "PMTUI_CONFIG" not in os.environ:
        return app.settings
    try:
        return apply_env(settings_from_mapping({}, path))
    except ConfigError as exc:  # a bad PMTUI_* variable is still an error
        fail_config(exc)


def config_state(path: Path) -> str:
    """How the config file stands, in words: `found`, or why it is not and what that means."""
    if path.exists():
        return "found"
    if "PMTUI_CONFIG" in os.environ:
        return (
            "not found; named by PMTUI_CONFIG: defaults shown; the other commands refuse until it "
            "exists (create it, empty is fine, or unset PMTUI_CONFIG)"
        )
    return "not found: defaults in use; create it to change a setting"


def file_state(path: Path) -> str:
    return "found" if path.exists() else "will be created"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def info(app: AppContext, as_json: bool) -> None:
    """Show the files pmtui uses and the API endpoints it talks to."""
    from pmtui.taxonomy.rules import user_rules_path

    path = config_path()
    settings = _settings(app, path)
    database = Path(settings.database.path)
    document = {
        "version": __version__,
        "config_file": str(path),
        "config_exists": path.exists(),
        "config_state": config_state(path),
        "taxonomy_rules": str(user_rules_path()),
        "database": str(database),
        "database_state": file_state(database),
        "log_file": str(log_file()),
        "limiter_state": str(settings.limits.state_file),
        "gamma_url": settings.api.gamma_url,
        "clob_url": settings.api.clob_url,
        "data_url": settings.api.data_url,
    }
    if as_json:
        echo_json(document)
        return
    notes = {"config_file": "config_state", "database": "database_state"}
    shown = {k: v for k, v in document.items() if k not in notes.values() and k != "config_exists"}
    width = max(len(k) for k in shown)
    for key, value in shown.items():
        note = f"  ({document[notes[key]]})" if key in notes else ""
        echo(f"{key:<{width}}  {value}{note}")


COMMANDS = [info]
