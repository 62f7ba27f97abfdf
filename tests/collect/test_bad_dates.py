"""The collector rejects a market whose date no calendar holds, like any other bad field: recorded in
`errors` with its payload, skipped, the rest of the page stored (issue 15.4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_helpers import collect_once, query, write_config

from pmtui.fakes.polymarket_data import load_recorded
from pmtui.fakes.polymarket_server import FakePolymarket


def test_a_market_ending_in_1e20_goes_to_errors_and_the_page_is_stored(
    recorded_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markets = [m for m in load_recorded(recorded_data) if m.get("active") and not m.get("closed")][:40]
    broken = dict(markets[7], endDate=1e20)
    far = dict(markets[8], endDate="2150-01-01T00:00:00Z")
    server = FakePolymarket([*markets[:7], broken, far, *markets[9:]]).start()
    try:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("PMTUI_DB", str(tmp_path / "pmtui.sqlite"))
        monkeypatch.setenv("PMTUI_LIMITER_DB", str(tmp_path / "limiter.sqlite"))
        write_config("[collect]\ninclude_closed = false\nhistory_markets_per_cycle = 0\n")
        summary = collect_once("--only", "catalog")
    finally:
        server.stop()
    assert summary["ok"] and summary["records_rejected"] == 2 and summary["markets_new"] == 38
    errors = {r[0]: r[1:] for r in query("SELECT record_id, kind, message FROM errors")}
    assert (
        errors[str(broken["id"])][0] == "bad_date"
        and "outside 2000-01-01..2100-01-01" in errors[str(broken["id"])][1]
    )
    assert errors[str(far["id"])][0] == "bad_date"
    stored = {r[0] for r in query("SELECT id FROM markets")}
    assert str(broken["id"]) not in stored and str(markets[9]["id"]) in stored
