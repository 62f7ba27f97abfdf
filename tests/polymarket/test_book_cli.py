"""`pmtui book`: the book once (REST) and streaming (the market WebSocket), JSON lines and the
human view, against the fake server; the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from pmtui.fakes.polymarket_server import FakePolymarket
from tests.collect.collect_helpers import pmtui

KEYS = [
    "at",
    "market_id",
    "token_id",
    "outcome",
    "bids",
    "asks",
    "best_bid",
    "best_ask",
    "last_trade",
    "source",
]


@pytest.fixture
def server(make_fake_polymarket: Callable[..., FakePolymarket]) -> FakePolymarket:
    return make_fake_polymarket(recorded=False, generated=40)


def open_market(server: FakePolymarket) -> str:
    return next(fm.id for fm in server.markets() if fm.has_book and len(fm.token_ids) == 2)


def check_document(doc: dict[str, Any], server: FakePolymarket, market_id: str) -> None:
    assert list(doc) == KEYS
    assert doc["market_id"] == market_id
    bids = [tuple(level) for level in doc["bids"]]
    asks = [tuple(level) for level in doc["asks"]]
    assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)  # best first, descending
    assert [p for p, _ in asks] == sorted(p for p, _ in asks)  # best first, ascending
    assert all(isinstance(x, float) for level in bids + asks for x in level)
    levels = server.channel.levels(doc["token_id"])
    assert levels is not None
    assert (dict(bids), dict(asks)) == levels  # full depth, exactly the server's
    assert doc["best_bid"] == (bids[0][0] if bids else None)
    assert doc["best_ask"] == (asks[0][0] if asks else None)


def test_the_book_once_as_json_lines(server: FakePolymarket) -> None:
    market_id = open_market(server)
    result = pmtui("book", market_id, "--json")
    assert result.returncode == 0, result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["outcome"] for d in docs] == ["Yes", "No"] or len(docs) == 2
    assert [d["token_id"] for d in docs] == server.market(market_id).token_ids
    for doc in docs:
        check_document(doc, server, market_id)
        assert doc["source"] == "rest"
    one = pmtui("book", market_id, "--outcome", "1", "--json")
    assert [json.loads(line)["token_id"] for line in one.stdout.splitlines()] == [
        server.market(market_id).token_ids[1]
    ]


def test_the_human_view_says_its_units_and_shows_market_text_safely(server: FakePolymarket) -> None:
    market_id = open_market(server)
    server.market(market_id).raw["question"] = "Will \x1b]0;PWNED\x07 this [bold]title\u202e work?"
    result = pmtui("book", market_id)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "[bold]title" in out
    assert "prices in cents" in out and "¢" in out
    assert "bid" in out and "ask" in out


def test_live_streams_updates_until_for_ends(server: FakePolymarket) -> None:
    market_id = open_market(server)
    token = server.market(market_id).token_ids[0]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pmtui",
            "book",
            market_id,
            "--outcome",
            "0",
            "--live",
            "--for",
            "6s",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())  # the snapshot
    assert first["source"] == "ws" and first["token_id"] == token
    server.channel.change_level(token, "BUY", 0.01, 777.0)
    server.channel.trade(token, 0.5)
    lines = [first]
    for line in proc.stdout:
        lines.append(json.loads(line))
        if any(d["last_trade"] == 0.5 for d in lines):
            break
    out, err = proc.communicate(timeout=30)
    lines += [json.loads(line) for line in out.splitlines()]
    assert proc.returncode == 0, err
    assert any(dict(map(tuple, d["bids"])).get(0.01) == 777.0 for d in lines)
    check_document(lines[-1], server, market_id)


def test_live_stops_cleanly_on_ctrl_c(server: FakePolymarket) -> None:
    market_id = open_market(server)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pmtui", "book", market_id, "--live"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    assert "(market" in proc.stdout.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_bad_input_is_a_clear_error(server: FakePolymarket) -> None:
    unknown = pmtui("book", "no-such-market", "--json")
    assert unknown.returncode == 2 and "no market" in unknown.stderr
    market_id = open_market(server)
    assert "--for only makes sense with --live" in pmtui("book", market_id, "--for", "5s").stderr
    bad_for = pmtui("book", market_id, "--live", "--for", "soon")
    assert bad_for.returncode == 2 and "duration" in bad_for.stderr
    bad_outcome = pmtui("book", market_id, "--outcome", "7")
    assert bad_outcome.returncode == 2 and "outcomes 0..1" in bad_outcome.stderr
