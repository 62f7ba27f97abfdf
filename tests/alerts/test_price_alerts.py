"""Price alerts on watched markets: a threshold fires once per crossing, a move of N¢ within M
minutes fires once per move; Telegram gets one outbox row per crossing. Real SQLite."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.alerts.price import PriceAlertEngine, PriceSample
from pmtui.config import AlertSettings, PriceAlertSettings, Settings, settings_from_mapping
from pmtui.store import connect
from tests.tui.store_fixture import NOW, market

MINUTE = 60


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = connect(tmp_path / "pmtui.sqlite")
    database["markets"].insert_all(
        [
            market("w1", "Will the watched market move?", category="Other", watched=True),
            market("w2", "Another [bold]watched[/] market", category="Other", watched=True),
            market("u1", "Nobody watches this one", category="Other"),
        ]
    )
    return database


def settings(**price_alerts: object) -> Settings:
    config = PriceAlertSettings(**price_alerts)  # type: ignore[arg-type]
    return dataclasses.replace(Settings(), price_alerts=config)


def feed(
    engine: PriceAlertEngine, db: Database, market_id: str, prices: list[tuple[int, float]]
) -> list[str]:
    """The kinds of alert each sample fired, in order ("" when none)."""
    fired = []
    for t, price in prices:
        alerts = engine.check(db, [PriceSample(market_id, price, t)], t)
        fired.append(",".join(a.kind for a in alerts))
    return fired


def test_a_threshold_fires_once_per_crossing_with_hysteresis(db: Database) -> None:
    engine = PriceAlertEngine(settings(move_cents=0, markets={"w1": {"above": 60}}))
    prices = [0.55, 0.61, 0.62, 0.595, 0.63, 0.58, 0.61, 0.64]
    fired = feed(engine, db, "w1", [(NOW + i * MINUTE, p) for i, p in enumerate(prices)])
    # 0.55 arms; 0.61 crosses; 0.595 is not 1¢ back below 60¢, so 0.63 stays quiet; 0.58 re-arms.
    assert fired == ["", "above", "", "", "", "", "above", ""]


def test_below_threshold_and_a_market_already_past_it(db: Database) -> None:
    engine = PriceAlertEngine(settings(move_cents=0, markets={"w1": {"below": 40}, "w2": {"below": 40}}))
    assert feed(engine, db, "w1", [(NOW, 0.45), (NOW + 60, 0.39), (NOW + 120, 0.30)]) == ["", "below", ""]
    # First seen beyond the threshold: no crossing was observed, no alert until it comes back and crosses.
    assert feed(engine, db, "w2", [(NOW, 0.35), (NOW + 60, 0.30), (NOW + 120, 0.42), (NOW + 180, 0.38)]) == [
        "",
        "",
        "",
        "below",
    ]


def test_a_move_within_the_window_fires_once_then_measures_from_there(db: Database) -> None:
    engine = PriceAlertEngine(settings(move_cents=5, move_minutes=15))
    prices = [(0, 0.50), (1, 0.52), (2, 0.56), (3, 0.57), (5, 0.62), (6, 0.60)]
    fired = feed(engine, db, "w1", [(NOW + m * MINUTE, p) for m, p in prices])
    assert fired == ["", "", "move", "", "move", ""]


def test_a_slow_drift_outside_the_window_does_not_fire(db: Database) -> None:
    engine = PriceAlertEngine(settings(move_cents=5, move_minutes=15))
    drift = [(NOW + m * 10 * MINUTE, 0.40 + 0.03 * m) for m in range(5)]  # 3¢ per 10 minutes
    assert feed(engine, db, "w1", drift) == ["", "", "", "", ""]


def test_unwatched_markets_without_a_rule_are_ignored(db: Database) -> None:
    engine = PriceAlertEngine(settings(move_cents=1, move_minutes=15))
    assert feed(engine, db, "u1", [(NOW, 0.10), (NOW + 60, 0.90)]) == ["", ""]
    # ...unless the config gives them a rule.
    engine = PriceAlertEngine(settings(move_cents=1, markets={"u1": {"move_cents": 10, "move_minutes": 5}}))
    assert feed(engine, db, "u1", [(NOW, 0.10), (NOW + 60, 0.25)]) == ["", "move"]


def test_telegram_gets_one_outbox_row_per_crossing_even_from_two_processes(db: Database) -> None:
    base = settings(move_cents=0, markets={"w2": {"above": 60}})
    configured = dataclasses.replace(
        base, alerts=AlertSettings(telegram_token="123:abc", telegram_chat_id="42")
    )
    app, monitor = PriceAlertEngine(configured), PriceAlertEngine(configured)  # the app and `pmtui monitor`
    for engine in (app, monitor):
        engine.check(db, [PriceSample("w2", 0.50, NOW)], NOW)
    fired = [engine.check(db, [PriceSample("w2", 0.65, NOW + 60)], NOW + 60) for engine in (app, monitor)]
    assert [len(f) for f in fired] == [1, 0]
    rows = list(db.query("SELECT kind, text FROM alerts_outbox"))
    assert len(rows) == 1
    assert rows[0]["kind"] == "price"
    assert "rose to 65.0¢ (above 60.0¢)" in rows[0]["text"]
    assert "Another [bold]watched[/] market" in rows[0]["text"]  # plain text, never markup
    # Back below and up again: the second crossing is a second message.
    for t, price in ((NOW + 120, 0.55), (NOW + 180, 0.61)):
        app.check(db, [PriceSample("w2", price, t)], t)
    assert db.execute("SELECT count(*) FROM alerts_outbox").fetchone()[0] == 2


def test_without_telegram_nothing_is_queued(db: Database) -> None:
    engine = PriceAlertEngine(settings(move_cents=0, markets={"w1": {"above": 60}}))
    feed(engine, db, "w1", [(NOW, 0.5), (NOW + 60, 0.7)])
    assert db.execute("SELECT count(*) FROM alerts_outbox").fetchone()[0] == 0


def test_bad_per_market_rules_are_config_errors() -> None:
    from pmtui.config import ConfigError

    with pytest.raises(ConfigError, match=r"price_alerts\.markets\.1\.above"):
        settings_from_mapping({"price_alerts": {"markets": {"1": {"above": 160}}}})
    with pytest.raises(ConfigError, match="unknown key 'abov'"):
        settings_from_mapping({"price_alerts": {"markets": {"1": {"abov": 60}}}})
