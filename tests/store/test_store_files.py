"""A file that cannot be the store (not a database, a folder, read-only, written by a newer pmtui)
ends a command with one clear line, never a raw sqlite3 traceback, and is left as it was.

Real files and real `pmtui` processes. A read-only file is made with chmod, and for root (which
chmod does not stop) also with `chattr +i`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmtui.store import StoreError, connect
from pmtui.store.schema import known_migrations

COMMANDS = [
    ["queue", "list"],
    ["paper"],
    ["alerts", "status"],
    ["backtest", "runs"],
    ["tui", "--offline"],
]


def pmtui(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PMTUI_DB": str(store)}
    return subprocess.run(
        [sys.executable, "-m", "pmtui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, starts: str, *parts: str) -> None:
    assert result.returncode == code, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(starts), result.stderr
    for part in parts:
        assert part in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"hello, I am a text file\n", id="text"),
        pytest.param(bytes(range(256)) * 64, id="binary"),
        pytest.param(b"SQLite format 3\x00" + b"\xff" * 200, id="truncated-sqlite-header"),
    ],
)
def test_a_file_that_is_not_a_database(tmp_path: Path, content: bytes) -> None:
    store = tmp_path / "stores" / "store.sqlite"
    store.parent.mkdir()
    store.write_bytes(content)
    for command in COMMANDS:
        result = pmtui(store, *command)
        assert_one_line(
            result,
            2,
            f"pmtui: store {store}: is not a pmtui database (SQLite says: file is not a database)",
        )
    assert store.read_bytes() == content
    assert [p.name for p in store.parent.iterdir()] == ["store.sqlite"]  # no -wal or -shm left


def test_a_folder_where_the_store_should_be(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    store.mkdir()
    result = pmtui(store, "queue", "list")
    assert_one_line(result, 2, f"pmtui: store {store}: cannot be opened (unable to open database file)")


def test_a_store_written_by_a_newer_pmtui_is_refused_naming_both_versions(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    db = connect(store)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('pmtui', ?, 'later')",
        ["0099_from_the_future"],
    )
    db.close()
    ours = known_migrations()[-1]
    expected = (
        f"pmtui: store {store}: written by a newer pmtui (schema version 0099_from_the_future; "
        f"this pmtui knows up to {ours}): upgrade pmtui, or point PMTUI_DB / [database] path at another file"
    )
    for command in [*COMMANDS, ["collect", "--once", "--only", "catalog"]]:
        assert_one_line(pmtui(store, *command), 2, expected)
    with pytest.raises(StoreError, match="0099_from_the_future"):
        connect(store, migrate=False)  # the app's per-query connections refuse it too


def _chattr(flag: str, *paths: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", flag, *map(str, paths)], check=True)


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[Path]:
    """A valid store whose file cannot be written (its folder still can)."""
    store = tmp_path / "ro" / "store.sqlite"
    connect(store).close()
    os.chmod(store, 0o444)
    _chattr("+i", store)
    try:
        yield store
    finally:
        _chattr("-i", store)
        os.chmod(store, 0o644)


def test_a_read_only_store_can_be_read_and_refuses_writes_in_one_line(read_only_store: Path) -> None:
    listed = pmtui(read_only_store, "queue", "list")
    assert listed.returncode == 0 and "no signals" in listed.stdout
    before = read_only_store.read_bytes()
    refused = pmtui(read_only_store, "demo")
    assert_one_line(
        refused,
        1,
        "pmtui: database error: OperationalError: attempt to write a readonly database (details in",
    )
    assert read_only_store.read_bytes() == before


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A valid store in a folder nothing can be created in (SQLite's WAL needs its -shm file)."""
    folder = tmp_path / "ro"
    store = folder / "store.sqlite"
    connect(store).close()
    os.chmod(store, 0o444)
    os.chmod(folder, 0o555)
    _chattr("+i", store, folder)
    try:
        yield store
    finally:
        _chattr("-i", store, folder)
        os.chmod(folder, 0o755)
        os.chmod(store, 0o644)


def test_a_store_in_a_read_only_folder_is_one_line(read_only_folder: Path) -> None:
    for command in (["queue", "list"], ["tui", "--offline"]):
        assert_one_line(
            pmtui(read_only_folder, *command),
            2,
            f"pmtui: store {read_only_folder}: cannot be opened (unable to open database file): check that "
            "it is a file you can read and write, in a folder you can write to",
        )
