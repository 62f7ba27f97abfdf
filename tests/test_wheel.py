"""The wheel a stranger gets from `pip install .` (or `pipx install .`) works outside the checkout.

The wheel is built from this checkout, installed into a fresh virtual environment in a temporary
folder (with its dependencies, as pip resolves them), and the installed `pmtui` is run from a
folder with nothing of the checkout in it: the shipped rules, strategy parameters and styles must
come from inside the installed package.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HISTORY_LINES = [
    # Generated for this test (ids say so): enough resolved markets for `pmtui backtest` to decide.
    {
        "id": f"wheel-test-{i}",
        "question": f"Will it rain in Wheel Town on day {i}?",
        "end_date": 1_720_000_000 + i * 86_400,
        "outcomes": ["Yes", "No"],
        "winner": i % 2,
        "price_history": [[1_719_000_000 + i * 86_400, 0.05], [1_719_900_000 + i * 86_400, 0.06]],
    }
    for i in range(30)
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv with the wheel built from this checkout installed."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
        check=True,
        cwd=work,
    )
    (wheel,) = work.glob("pmtui-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, cwd=work
    )
    return venv / "bin"


@pytest.fixture
def outside(tmp_path: Path, isolated_dirs: Path) -> tuple[Path, dict[str, str]]:
    """A working folder away from the checkout, and an environment that cannot see the checkout."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PMTUI_DB"] = str(tmp_path / "store.sqlite")
    env["PMTUI_LIMITER_DB"] = str(tmp_path / "limiter.sqlite")
    return cwd, env


def run(bin_dir: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "pmtui"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_installed_package_is_the_wheel_and_carries_its_data(installed: Path) -> None:
    script = (
        "import pmtui, pmtui.paths as p; "
        "print(pmtui.__file__); print(p.SHIPPED_DATA_DIR); print(p.STYLES_DIR); "
        "print(sorted(f.name for f in p.STYLES_DIR.glob('*.tcss')))"
    )
    out = subprocess.run(
        [str(installed / "python"), "-c", script], capture_output=True, text=True, check=True, cwd="/"
    ).stdout.splitlines()
    site = str(installed.parent / "lib")
    assert all(line.startswith(site) for line in out[:3]), out
    assert "app.tcss" in out[3]
    assert str(ROOT) not in "".join(out)


def test_demo_categorize_and_backtest_run_from_the_wheel(
    installed: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    cwd, env = outside
    demo = run(installed, cwd, env, "demo", "--json")
    assert demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout)["markets"] > 0

    markets = cwd / "markets.json"
    markets.write_text(
        json.dumps(
            [
                {
                    "id": "1",
                    "question": "Will Bitcoin reach $150,000 by December 31, 2026?",
                    "outcomes": '["Yes", "No"]',
                }
            ]
        )
    )
    categorized = run(installed, cwd, env, "categorize", "--input", str(markets), "--json")
    assert categorized.returncode == 0, categorized.stderr
    assert json.loads(categorized.stdout.splitlines()[0])["category"] == "Crypto/BTC-Price"

    history = cwd / "history.jsonl"
    history.write_text("".join(json.dumps(line) + "\n" for line in HISTORY_LINES))
    imported = run(installed, cwd, env, "import", str(history), "--json")
    assert imported.returncode == 0, imported.stderr
    backtest = run(installed, cwd, env, "backtest", "--strategy", "fade_longshots", "--no-store", "--json")
    assert backtest.returncode == 0, backtest.stderr
    (result,) = json.loads(backtest.stdout)["results"]
    assert result["strategy"] == "fade_longshots" and result["trades"] > 0


def test_parquet_export_without_the_extra_says_how_to_get_it(
    installed: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    cwd, env = outside
    assert run(installed, cwd, env, "demo", "--markets", "50").returncode == 0
    refused = run(installed, cwd, env, "export", "markets", "--format", "parquet", "--out", "m.parquet")
    assert refused.returncode == 2
    assert "pip install 'pmtui[parquet]'" in refused.stderr and "Traceback" not in refused.stderr
    assert not (cwd / "m.parquet").exists()
    jsonl = run(installed, cwd, env, "export", "markets", "--out", "m.jsonl")
    assert jsonl.returncode == 0 and len((cwd / "m.jsonl").read_text().splitlines()) == 50


def test_the_app_starts_offline_from_the_wheel(installed: Path, outside: tuple[Path, dict[str, str]]) -> None:
    """`pmtui --offline` in a pseudo-terminal: it draws its tabs (styles found) and `q` quits it."""
    cwd, env = outside
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="35")
    pid, fd = pty.fork()
    if pid == 0:  # the child: become pmtui
        os.chdir(cwd)
        os.execve(str(installed / "pmtui"), [str(installed / "pmtui"), "--offline"], env)
    screen = b""
    exit_status: int | None = None
    deadline = time.monotonic() + 60
    try:
        while b"Markets" not in screen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                screen += os.read(fd, 65536)
        assert b"Markets" in screen, screen[-2000:]
        os.write(fd, b"q")
        while exit_status is None and time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                exit_status = os.waitstatus_to_exitcode(status)
            elif select.select([fd], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):  # the terminal closes as the app exits
                    os.read(fd, 65536)
        assert exit_status == 0, "pmtui --offline did not quit cleanly on q"
    finally:
        if exit_status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
