"""The core never imports Textual: headless commands and the backtest stay light and testable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

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
