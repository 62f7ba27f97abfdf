"""The core never imports Textual: headless commands and the backtest stay light and testable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CORE = ["polymarket", "store", "collect", "taxonomy", "strategies", "signals", "backtest", "paper", "alerts"]


def test_core_packages_do_not_import_textual() -> None:
    script = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        import pmtui
        loaded = []
        for name in {CORE!r}:
            package = importlib.import_module("pmtui." + name)
            loaded.append(package.__name__)
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                importlib.import_module(info.name)
                loaded.append(info.name)
        import pmtui.config, pmtui.logs, pmtui.paths
        bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print(len(loaded))
        if bad:
            raise SystemExit("textual imported by the core: " + ", ".join(bad[:5]))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
    assert int(result.stdout.strip()) >= len(CORE)


def test_the_hygiene_check_would_catch_textual() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import textual.app, sys; print('textual' in sys.modules)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "True"


def _run(script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout.strip()


def test_sqlite_utils_is_imported_only_when_needed_and_then_without_pandas() -> None:
    out = _run(
        """
        import sys
        import pmtui, pmtui.taxonomy.classify, pmtui.polymarket.question_records
        print("sqlite_utils" in sys.modules)
        import sqlite_utils
        print("pandas" in sys.modules, "numpy" in sys.modules, sqlite_utils.db.pd is None)
        import pandas  # the backtest's own import still works
        print(pandas.__name__)
        """
    )
    assert out.split() == ["False", "False", "False", "True", "pandas"]


def test_a_pandas_already_imported_is_left_to_sqlite_utils() -> None:
    out = _run(
        """
        import pandas
        import pmtui, sqlite_utils
        print(sqlite_utils.db.pd is pandas)
        """
    )
    assert out == "True"


def test_categorizing_a_file_starts_without_the_store_or_asyncio(tmp_path: Path) -> None:
    # `pmtui categorize --input` opens no store and no connection: every command module is loaded
    # at start, so one that imported sqlite-utils or asyncio at its top would cost this command.
    markets = tmp_path / "m.jsonl"
    line = '{"id": "%s", "question": "Will Bitcoin reach $150K by December 31?"}\n'
    markets.write_text(line % 1 + line % 2)
    out = _run(
        f"""
        import sys
        from pmtui.cli import main
        try:
            main(["categorize", "--input", {str(markets)!r}, "--json"])
        except SystemExit as exc:
            assert not exc.code, exc.code
        print("sqlite_utils" in sys.modules, "asyncio" in sys.modules)
        """
    )
    assert out.splitlines()[-1] == "False False"
    assert '"category":"Crypto/BTC-Price"' in out.splitlines()[0]
