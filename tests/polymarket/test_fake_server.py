"""The fake Polymarket follows the real services' rules, limits and quirks, and injects faults on demand."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from pmtui.fakes.polymarket_data import generate_markets, load_recorded
from pmtui.fakes.polymarket_server import FakePolymarket, FaultRule
from pmtui.polymarket.parsing import is_placeholder


def walk(
    client: httpx.Client, server: FakePolymarket, closed: str | None, limit: int = 100
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if closed is not None:
            params["closed"] = closed
        if cursor:
            params["after_cursor"] = cursor
        response = client.get(f"{server.gamma_url}/markets/keyset", params=params)
        assert response.status_code == 200
        page = response.json()
        items += page["markets"]
        cursor = page.get("next_cursor")
        if cursor is None:
            assert len(page["markets"]) < min(limit, 100)
            return items
        assert len(page["markets"]) == min(limit, 100)


def test_keyset_serves_every_recorded_market_once(
    fake_polymarket: FakePolymarket, recorded_data: Path
) -> None:
    with httpx.Client() as client:
        open_markets = walk(client, fake_polymarket, "false")
        closed_markets = walk(client, fake_polymarket, "true")
        default = walk(client, fake_polymarket, None, limit=50)
    ids = [str(m["id"]) for m in open_markets + closed_markets]
    assert len(ids) == len(set(ids)) == len(load_recorded(recorded_data)) == 1587
    assert all(not m["closed"] for m in open_markets) and all(m["closed"] for m in closed_markets)
    assert [m["id"] for m in default] == [m["id"] for m in open_markets]  # closed defaults to false
    # Raw as recorded: the JSON-in-string quirk is kept.
    assert all(isinstance(m["outcomes"], str) for m in open_markets + closed_markets)
    # The newest capture of a market recorded twice wins.
    assert next(m for m in open_markets if m["id"] == "559651")["updatedAt"].startswith("2026-08-16")


def test_keyset_rules(fake_polymarket: FakePolymarket) -> None:
    url = f"{fake_polymarket.gamma_url}/markets/keyset"
    with httpx.Client() as client:
        clamped = client.get(url, params={"limit": 1000}).json()
        assert len(clamped["markets"]) == 100 and clamped["next_cursor"]
        refused = client.get(url, params={"offset": 0, "limit": 10})
        assert refused.status_code == 422
        assert refused.json()["error"] == "offset is not allowed on keyset endpoints"
        assert client.get(url, params={"after_cursor": "not-a-cursor"}).status_code == 422
        by_id = client.get(url, params=[("id", "559651"), ("id", "544093"), ("limit", "100")]).json()
        assert sorted(m["id"] for m in by_id["markets"]) == ["544093", "559651"]
        assert "next_cursor" not in by_id
        assert client.get(f"{fake_polymarket.gamma_url}/markets/559651").json()["id"] == "559651"
        assert client.get(f"{fake_polymarket.gamma_url}/markets/1").status_code == 404
        events = client.get(f"{fake_polymarket.gamma_url}/events/keyset", params={"closed": "true"}).json()
        assert events["events"] and all(
            isinstance(e["markets"], list) and e["markets"] for e in events["events"]
        )
        assert all("events" not in m for e in events["events"] for m in e["markets"])
        tags = client.get(f"{fake_polymarket.gamma_url}/tags").json()
        assert {"id": "100265", "slug": "geopolitics"}.items() <= next(
            t for t in tags if t["id"] == "100265"
        ).items()
        assert client.get(f"http://127.0.0.1:{fake_polymarket.port}/nope/markets").status_code == 404
    assert fake_polymarket.stats.offset_requests == 1


def test_books_midpoints_and_book(fake_polymarket: FakePolymarket) -> None:
    open_market = next(m for m in fake_polymarket.markets() if m.has_book)
    closed_market = next(m for m in fake_polymarket.markets() if m.closed and m.token_ids)
    tokens = open_market.token_ids + closed_market.token_ids + ["12345"]
    with httpx.Client() as client:
        books = client.post(
            f"{fake_polymarket.clob_url}/books", json=[{"token_id": t} for t in tokens]
        ).json()
        assert sorted(b["asset_id"] for b in books) == sorted(
            open_market.token_ids
        )  # others dropped silently
        for book in books:
            bids = [float(level["price"]) for level in book["bids"]]
            asks = [float(level["price"]) for level in book["asks"]]
            assert bids == sorted(bids) and asks == sorted(asks, reverse=True)  # best is the last entry
            assert bids[-1] < asks[-1]
        too_many = client.post(
            f"{fake_polymarket.clob_url}/books", json=[{"token_id": str(i)} for i in range(501)]
        )
        assert too_many.status_code == 400 and too_many.json()["error"] == "Payload exceeds the limit"
        mids = client.post(
            f"{fake_polymarket.clob_url}/midpoints", json=[{"token_id": t} for t in tokens]
        ).json()
        assert set(mids) == set(open_market.token_ids)
        assert abs(float(mids[open_market.token_ids[0]]) + float(mids[open_market.token_ids[1]]) - 1) < 1e-9
        assert (
            client.get(
                f"{fake_polymarket.clob_url}/book", params={"token_id": closed_market.token_ids[0]}
            ).status_code
            == 404
        )
        assert client.get(f"{fake_polymarket.clob_url}/book").status_code == 400


def test_price_history_rules(fake_polymarket: FakePolymarket) -> None:
    market = next(
        m for m in fake_polymarket.markets() if m.closed and m.token_ids and m.expected()[0] == "resolved"
    )
    token = market.token_ids[0]
    _, end = market.life(int(time.time()))
    url = f"{fake_polymarket.clob_url}/prices-history"
    with httpx.Client() as client:
        ok = client.get(
            url, params={"market": token, "startTs": end - 15 * 86400, "endTs": end, "fidelity": 60}
        )
        points = ok.json()["history"]
        assert ok.status_code == 200 and points
        assert all(isinstance(p["t"], int) and isinstance(p["p"], float) for p in points)
        assert points[-1]["p"] in (0.0, 1.0)  # a resolved market ends at its payout
        too_long = client.get(url, params={"market": token, "startTs": end - 16 * 86400, "endTs": end})
        assert too_long.status_code == 400 and "interval is too long" in too_long.json()["error"]
        assert client.get(url, params={"market": token, "interval": "max", "fidelity": 60}).json() == {
            "history": []
        }
        assert client.get(url, params={"market": token, "interval": "max", "fidelity": 720}).json()["history"]
        fake_polymarket.set_history_mode(market.id, "data_only")
        assert client.get(url, params={"market": token, "startTs": end - 86400, "endTs": end}).json() == {
            "history": []
        }
        data_url = f"{fake_polymarket.data_url}/v2/prices-history"
        v2 = client.get(
            data_url, params={"token_id": token, "start": end - 86400, "end": end, "bucket_seconds": 600}
        )
        rows = v2.json()["data"]
        assert len(rows) == 144 + 1 and v2.json()["pagination"]["has_more"] is False
        # A settled market's series ends with its payout, one bucket past the last row, as exact.
        *trades, settlement = rows
        assert settlement["resolution_seconds"] == 0 and settlement["price"] in (0.0, 0.5, 1.0)
        assert settlement["timestamp"] == trades[-1]["timestamp"] + 600
        assert all(row["resolution_seconds"] == 600 for row in trades)
        assert (
            client.get(
                data_url, params={"token_id": token, "start": end - 16 * 86400, "end": end}
            ).status_code
            == 400
        )
    windows = fake_polymarket.stats.history_windows
    assert (token, end - 16 * 86400, end) in windows


def test_rate_limits_answer_429_with_retry_after_and_count_violations() -> None:
    with FakePolymarket(
        generate_markets(5), budgets={"gamma:/markets": 3, "gamma": 100}, window=1.0
    ) as server:
        with httpx.Client() as client:
            statuses = [client.get(f"{server.gamma_url}/markets/keyset").status_code for _ in range(5)]
            limited = client.get(f"{server.gamma_url}/markets/keyset")
            assert client.get(f"{server.gamma_url}/tags").status_code == 200  # other groups unaffected
            time.sleep(1.05)
            after = client.get(f"{server.gamma_url}/markets/keyset").status_code
        assert statuses == [200, 200, 200, 429, 429]
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        assert limited.json()["retry_after_seconds"] == 1
        assert after == 200
        assert server.stats.violations == Counter({"gamma:/markets": 3})


def test_faults_are_deterministic_and_recorded() -> None:
    def run(seed: int) -> list[int]:
        with FakePolymarket(generate_markets(30)) as server:
            server.set_faults(FaultRule("5xx", "gamma:/markets/keyset", probability=0.5), seed=seed)
            with httpx.Client() as client:
                return [client.get(f"{server.gamma_url}/markets/keyset").status_code for _ in range(12)]

    first, again = run(1), run(1)
    assert first == again and set(first) > {200} and set(first) <= {200, 500, 502, 503}

    with FakePolymarket(generate_markets(60)) as server, httpx.Client() as client:
        url = f"{server.gamma_url}/markets/keyset"
        server.set_faults(FaultRule("truncated", "gamma:/markets/keyset", every=2))
        assert client.get(url).json()["markets"]
        with pytest.raises(json.JSONDecodeError):
            json.loads(client.get(url).content)

        server.set_faults(FaultRule("missing_fields", "gamma", every=1, records=3))
        page = client.get(url, params={"limit": 100}).json()["markets"]
        damaged = server.stats.corrupted["gamma:/markets/keyset"]
        assert len(damaged) == 3
        for market in page:
            incomplete = "question" not in market or "outcomes" not in market
            assert incomplete == (market["id"] in damaged)
            assert not (incomplete and is_placeholder(market))

        server.set_faults(FaultRule("numbers_as_strings", "*", every=1))
        market = client.get(url).json()["markets"][0]
        assert isinstance(market["volumeNum"], str) and isinstance(market["active"], bool)

        server.set_faults(FaultRule("slow", "clob", every=1, delay=0.3))
        started = time.monotonic()
        client.post(f"{server.clob_url}/books", json=[{"token_id": "1"}])
        assert time.monotonic() - started >= 0.3
        assert client.get(url).status_code == 200  # the rule only matches CLOB

        server.set_faults(FaultRule("429", "gamma:/markets/keyset", every=1, retry_after=7))
        limited = client.get(url)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
        assert server.stats.faults["429"] == 1 and server.stats.total_violations == 0

    with pytest.raises(ValueError):
        FaultRule("explode", every=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FaultRule("5xx")


def test_offline_refuses_then_recovers() -> None:
    with FakePolymarket(generate_markets(5)) as server, httpx.Client() as client:
        url = f"{server.gamma_url}/markets/keyset"
        assert client.get(url).status_code == 200  # a pooled keep-alive connection now exists
        server.go_offline("refuse")
        with pytest.raises(httpx.TransportError):
            client.get(url)
        server.go_online()
        assert client.get(url).status_code == 200
        server.go_offline("503")
        assert client.get(url).status_code == 503
        server.go_online()
        assert client.get(url).status_code == 200


def test_mutations_move_prices_and_resolve(fake_polymarket: FakePolymarket) -> None:
    market = next(m for m in fake_polymarket.markets() if m.has_book and m.tick == 0.01)
    with httpx.Client() as client:
        fake_polymarket.set_price(market.id, 0.62)
        raw = client.get(f"{fake_polymarket.gamma_url}/markets/{market.id}").json()
        assert json.loads(raw["outcomePrices"]) == ["0.62", "0.38"]
        mids = client.post(
            f"{fake_polymarket.clob_url}/midpoints", json=[{"token_id": market.token_ids[0]}]
        ).json()
        assert float(mids[market.token_ids[0]]) == pytest.approx(0.62)

        fake_polymarket.resolve(market.id, 1)
        raw = client.get(f"{fake_polymarket.gamma_url}/markets/{market.id}").json()
        assert raw["closed"] is True and raw["umaResolutionStatus"] == "resolved"
        assert json.loads(raw["outcomePrices"]) == ["0", "1"]
        assert fake_polymarket.market(market.id).expected() == ("resolved", 1)
        books = client.post(
            f"{fake_polymarket.clob_url}/books", json=[{"token_id": market.token_ids[0]}]
        ).json()
        assert books == []

        other = next(m for m in fake_polymarket.markets() if m.has_book)
        fake_polymarket.resolve(other.id, None)
        assert fake_polymarket.market(other.id).expected() == ("void", None)

        new_id = fake_polymarket.add_market()
        found = client.get(f"{fake_polymarket.gamma_url}/markets/keyset", params=[("id", new_id)]).json()
        assert [m["id"] for m in found["markets"]] == [new_id] and found["markets"][0][
            "pmtuiGenerated"
        ] is True


def test_generator_covers_the_quirks_and_is_deterministic() -> None:
    markets = generate_markets(300, seed=3, now=1_780_000_000)
    assert markets == generate_markets(300, seed=3, now=1_780_000_000)
    assert len({m["id"] for m in markets}) == 300
    server = FakePolymarket(markets)
    fates = Counter(m.expected()[0] if not m.placeholder else "placeholder" for m in server.markets())
    assert {"unresolved", "resolved", "void", "placeholder"} <= set(fates)
    assert any(m.raw.get("umaResolutionStatus") == "proposed" for m in server.markets())
    assert any(not m.token_ids and m.expected()[0] == "resolved" for m in server.markets())  # AMM style
    assert any(json.loads(m["outcomes"]) != ["Yes", "No"] for m in markets)
    assert all(len(t) >= 76 for m in server.markets() for t in m.token_ids)


def test_command_line_prints_the_exports() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pmtui.fakes.polymarket_server", "--generated", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("# fake Polymarket: 20 markets")
        exports = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines[1:])
        gamma = exports["PMTUI_GAMMA_URL"]
        assert gamma.endswith("/gamma") and exports["PMTUI_CLOB_URL"].endswith("/clob")
        response = httpx.get(f"{gamma}/markets/keyset", params={"limit": 100})
        assert len(response.json()["markets"]) > 0
    finally:
        process.terminate()
        process.wait(timeout=10)
