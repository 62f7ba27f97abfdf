"""The real output quoted in README.md, docs/backtest.md and docs/signals.md, made again in one command.

    .venv/bin/python -m tests.real_output [--keep DIR]

What it runs is what those pages describe (and what tests/signals/test_edge_on_real_markets.py
checks): the recorded real Polymarket markets served by the fake server, their open markets' end
dates moved 7 days out, collected by `pmtui collect --once`; the 984 recorded resolved binary markets
imported from a history-format file whose prices are SYNTHETIC (tests/real_history.py: calibrated,
then with a strong favourite-longshot bias); the backtest with its by-category tables, the dry-run signals
and the review queue. Everything runs in a temporary folder (or `--keep DIR`) with its own store,
config and limiter; nothing touches the user's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pmtui.fakes.polymarket_data import load_recorded
from pmtui.fakes.polymarket_server import FakePolymarket
from tests.real_history import RECORDED, write_history

WEEK = 7 * 86400
STRATEGIES = ("fade_longshots", "weather_fade_longshots", "baseline_favourite")
CONFIG = """\
[signals]
max_queue_items = 100000
"""


def pmtui(env: dict[str, str], *args: str) -> str:
    """`pmtui ARGS` in a child process, as a user runs it; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "pmtui", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"pmtui {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def section(title: str, text: str) -> None:
    print(f"\n===== {title}\n{text.rstrip()}")


def one_store(folder: Path, server: FakePolymarket, bias: float) -> None:
    """Collect the live markets, import the history made with `bias`, backtest, then the signals."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {
        **os.environ,
        **server.env(),
        "PMTUI_DB": str(folder / "pmtui.sqlite"),
        "PMTUI_LIMITER_DB": str(folder / "limiter.sqlite"),
        "PMTUI_CONFIG": str(config),
        "COLUMNS": "110",
    }
    history = write_history(folder / "history.jsonl", bias=bias)
    pmtui(env, "collect", "--once", "--only", "catalog,snapshots")
    section(f"pmtui import (bias {bias})", pmtui(env, "import", str(history)))
    strategies = [arg for name in STRATEGIES for arg in ("--strategy", name)]
    section(
        f"pmtui backtest {' '.join(strategies)} --max-staleness 30d (bias {bias})",
        pmtui(env, "backtest", *strategies, "--max-staleness", "30d"),
    )
    dry = json.loads(pmtui(env, "signals", "--dry-run", "--json"))
    fades = [q for q in dry["review_queue"] if q["strategy"] == "fade_longshots" and q["source"] != "demo"]
    wild = [q for q in fades if "Minnesota Wild" in q["question"]] or fades[:1]
    section(f"pmtui signals --dry-run --json, one fade_longshots item (bias {bias})", json.dumps(wild[0]))
    pmtui(env, "signals")
    section(f"pmtui queue list (bias {bias})", pmtui({**env, "COLUMNS": "160"}, "queue", "list"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="make the stores in DIR and keep them")
    args = parser.parse_args(argv)
    markets = load_recorded(RECORDED)
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + WEEK))
    with FakePolymarket(markets) as server:
        for market in server.markets():
            if not market.closed:
                market.raw["endDate"] = end
        with tempfile.TemporaryDirectory() as scratch:
            root = args.keep or Path(scratch)
            print("SYNTHETIC price histories on real resolved markets (tests/real_history.py)")
            one_store(root / "calibrated", server, bias=0.0)
            one_store(root / "biased", server, bias=1.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
