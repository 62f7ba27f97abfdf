"""`pmtui info`: where settings, database, logs and the shared limiter live."""

from __future__ import annotations

import click

from pmtui import __version__
from pmtui.cli.common import AppContext, echo, echo_json, pass_app
from pmtui.config import config_path
from pmtui.logs import log_file


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def info(app: AppContext, as_json: bool) -> None:
    """Show the files pmtui uses and the API endpoints it talks to."""
    from pmtui.taxonomy.rules import user_rules_path

    settings = app.settings
    document = {
        "version": __version__,
        "config_file": str(config_path()),
        "config_exists": config_path().exists(),
        "taxonomy_rules": str(user_rules_path()),
        "database": str(settings.database.path),
        "log_file": str(log_file()),
        "limiter_state": str(settings.limits.state_file),
        "gamma_url": settings.api.gamma_url,
        "clob_url": settings.api.clob_url,
        "data_url": settings.api.data_url,
    }
    if as_json:
        echo_json(document)
        return
    width = max(len(k) for k in document)
    for key, value in document.items():
        echo(f"{key:<{width}}  {value}")


COMMANDS = [info]
