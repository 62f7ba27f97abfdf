"""The app in a real terminal (a tmux pane) over a store whose markets carry every corpus string as
question, event title, category, cluster and outcome (tests/data/hostile/text.json): nothing the app
draws renames the pane or the window, clears the screen, writes the clipboard (OSC 52) or breaks the
columns; the escape sequences are shown as text.

The tmux server is private to the test (its own socket) and set to obey what an application asks:
`allow-rename on` (OSC 0/2 and `ESC k` rename), `set-clipboard on` (OSC 52 fills a paste buffer).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pmtui.store import connect, write_tx
from tests.hostile.corpus import load
from tests.tui.store_fixture import build_store, market

PROJECT = Path(__file__).resolve().parents[2]
TITLE = "before-the-app"
WINDOW = "pmtui-window"
SCROLLBAR = " ▁▂▃▄▅▆▇█"


def build_hostile_store(path: Path) -> None:
    build_store(path)
    rows = []
    for index, case in enumerate(load("text")):
        text = case.text()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            continue  # SQLite holds UTF-8 only: the import boundary refuses a lone surrogate
        rows.append(
            market(
                f"x{index:02d}",
                text or "(empty)",
                category=f"Crypto/{text[:20]}",
                cluster=f"c-{text[:12]}",
                volume_24h=1e9 - index,
                event_title=text,
                outcomes=(text[:30] or "Yes", "No"),
            )
        )
    db = connect(path)
    with write_tx(db):
        db["markets"].insert_all(rows)
    db.conn.close()


class Pane:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30, check=False
        )
        if result.returncode != 0 and args[0] != "list-buffers":
            raise AssertionError(f"tmux {' '.join(args)}: {result.stderr}")
        return result.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 90) -> str:
        """The screen once `check` holds and it stopped changing (a frame caught half-drawn on a
        busy machine would show rows that are neither the old nor the new ones)."""
        deadline = time.monotonic() + timeout
        screen = previous = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen == previous and check(screen):
                return screen
            previous = screen
            time.sleep(0.3)
        size = self.tmux("display-message", "-p", "-t", "app", "#{pane_width}x#{pane_height}").strip()
        raise AssertionError(f"{what} not on screen within {timeout} s (pane {size}):\n{screen}")

    def keys(self, *keys: str, pause: float = 0.05) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "app", key)
            time.sleep(pause)

    def title_and_window(self) -> str:
        return self.tmux("display-message", "-p", "-t", "app", "#{pane_title}|#{window_name}").strip()


@pytest.fixture
def pane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pane]:
    store = tmp_path / "hostile.sqlite"
    build_hostile_store(store)
    monkeypatch.setenv("PMTUI_DB", str(store))
    config = tmp_path / "tmux.conf"
    config.write_text("set -g allow-rename on\nset -g set-clipboard on\nset -g automatic-rename off\n")
    go = tmp_path / "go"
    # Without COLUMNS/LINES (pytest's environment may carry them): the app must follow the pane's
    # real size when the test resizes it.
    app = f"env -u COLUMNS -u LINES {shlex.quote(sys.executable)} -m pmtui --offline"
    # The app starts once the pane's title is set, so the title it finds is known.
    command = f"cd {shlex.quote(str(PROJECT))} && while [ ! -e {shlex.quote(str(go))} ]; do sleep 0.05; done; exec {app}"
    socket = f"pmtui-hostile-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    pane = Pane(socket)
    pane.tmux(
        "-f", str(config), "new-session", "-d", "-s", "app", "-n", WINDOW, "-x", "120", "-y", "35", command
    )
    try:
        pane.tmux("select-pane", "-t", "app", "-T", TITLE)
        go.touch()
        yield pane
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)


def table_rows(screen: str) -> list[str]:
    """The Markets table's rows: the lines between its header and the detail pane's rule."""
    lines = screen.splitlines()
    header = next((i for i, line in enumerate(lines) if "Question" in line and "YES" in line), None)
    if header is None:
        return []
    rows = []
    for line in lines[header + 1 :]:
        if line.startswith("─"):
            break
        rows.append(line)
    return rows


def assert_untouched(pane: Pane) -> None:
    assert pane.title_and_window() == f"{TITLE}|{WINDOW}"
    assert pane.tmux("list-buffers") == "", "an OSC 52 sequence reached the terminal's clipboard"


def assert_rows_aligned(screen: str) -> None:
    """Each table row still ends with its last column (Closes in) where the app put it: a character
    the terminal measured differently from the app would shift or cut the end of the row."""
    for line in table_rows(screen):
        cells = line.rstrip(SCROLLBAR)
        assert re.search(r" (ended|closed|–|\d+[smhd])$", cells), f"row broken at the end: {line!r}"


def test_escape_sequences_in_every_view_stay_text(pane: Pane) -> None:
    first = pane.wait_for(lambda s: "Will ␛]0;PWNED-TITLE␇ title change?" in s, "the hostile markets")
    assert "1 Markets" in first and "catalog" in first  # tabs and status bar: the screen was not blanked
    assert_untouched(pane)
    seen: set[str] = set(table_rows(first))
    for _ in range(6):  # down the whole table: each row in turn fills the detail pane
        pane.keys(*["j"] * 8)
        screen = pane.wait_for(lambda s: "1 Markets" in s, "the markets tab")
        assert_rows_aligned(screen)
        seen.update(table_rows(screen))
    assert any("␛[2J␛[H␛[3J" in row for row in seen)
    assert any("␛]52;c;cm0gLXJmIH4=␇" in row for row in seen)
    assert any("␛]8;;https://evil.example/␛\\click here" in row for row in seen)
    assert any("\\x9b2J" in row for row in seen)
    assert_untouched(pane)

    pane.tmux("resize-window", "-t", "app", "-x", "80", "-y", "24")
    pane.wait_for(lambda s: max(map(len, s.splitlines())) <= 80 and "1 Markets" in s, "the resized app")
    pane.keys(*["k"] * 50)
    narrow = pane.wait_for(lambda s: "PWNED-TITLE␇" in s and "1 Markets" in s, "the narrow layout")
    assert_rows_aligned(narrow)
    assert_untouched(pane)
    pane.tmux("resize-window", "-t", "app", "-x", "120", "-y", "35")

    # Through the other tabs: the clusters tree lists every category, the backtests tab (last: its
    # form takes keys) the stored runs.
    for tab, keys, shown in (
        ("2", ["j"] * 12 + ["l"], "Crypto/Will ␛]0;PWNED-TITLE"),
        ("3", ["j"] * 3, "3 Signals"),
        ("5", ["j"] * 3, "Paper book"),
        ("4", [], "New run"),
    ):
        pane.keys(tab, *keys)
        pane.wait_for(lambda s, m=shown: m in s and "catalog" in s, f"tab {tab}")
        assert_untouched(pane)
