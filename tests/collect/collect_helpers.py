"""Shared helpers of the collector tests: config files, running the real CLI, reading the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pmtui.paths import default_config_file
from pmtui.store import connect

FAST_API = """\
[api]
timeout = 5
backoff_base = 0.02
backoff_max = 0.2
"""


def write_config(extra: str = "") -> Path:
    """The test's config file (XDG dirs are per test): fast retries plus `extra` TOML."""
    path = default_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAST_API + extra, encoding="utf-8")
    return path


def pmtui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess with this test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "pmtui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        check=False,
    )


def collect_once(*extra: str) -> dict[str, Any]:
    result = pmtui("collect", "--once", "--json", *extra)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def db_path() -> Path:
    return Path(os.environ["PMTUI_DB"])


def query(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    db = connect(db_path())
    try:
        return [tuple(row) for row in db.execute(sql, params or []).fetchall()]
    finally:
        db.close()
