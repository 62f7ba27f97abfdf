"""Generated demo data: deterministic, labelled, realistic families, a tunable longshot bias."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pmtui.backtest.baselines import BuyLongshot
from pmtui.backtest.config import BacktestConfig, StrategySpec
from pmtui.backtest.runner import run_backtest
from pmtui.demo.generate import DemoOptions, generate, write_demo
from pmtui.store import connect

NOW = 1_760_000_000
TOPS = {"Politics", "Geopolitics", "Economy", "Crypto", "Sports", "Weather", "Tech", "Culture", "Other"}


def _fingerprint(options: DemoOptions) -> list[tuple[object, ...]]:
    data = generate(options)
    return [
        (
            w.market.id,
            w.market.question,
            tuple(w.market.token_ids),
            w.market.winner,
            w.market.resolution,
            w.market.end_date,
            w.category,
            tuple(w.history_t),
            tuple(w.history_p),
        )
        for w in data.writes
    ]


def test_same_seed_same_data_other_seed_other_data() -> None:
    options = DemoOptions(markets=200, seed=3, now=NOW, points=40)
    assert _fingerprint(options) == _fingerprint(options)
    other = _fingerprint(DemoOptions(markets=200, seed=4, now=NOW, points=40))
    assert [row[1] for row in other] != [row[1] for row in _fingerprint(options)]


def test_families_categories_and_labels(tmp_path: Path) -> None:
    db = connect(tmp_path / "demo.sqlite")
    report = write_demo(db, DemoOptions(markets=600, seed=1, now=NOW, points=50))
    assert report.markets == 600 and report.open > 0 and report.resolved > 0
    assert {c.split("/")[0] for c in report.categories} == TOPS
    assert (
        db.execute("SELECT count(*) FROM markets WHERE source != 'demo' OR id NOT LIKE 'demo1-%'").fetchone()[
            0
        ]
        == 0
    )
    questions = [q for (q,) in db.execute("SELECT question FROM markets")]
    for pattern in (
        r"^Will Bitcoin (reach|dip to) \$[\d,]+K? by \w+ \d+\?$",
        r"^Bitcoin Up or Down - \w+ \d+, \d+(AM|PM) ET$",
        r"^Will the highest temperature in [\w ]+ be (between \d+-\d+°F|\d+°C|\d+°[FC] or (higher|below)) on \w+ \d+\?$",
        r"^Will Elon Musk post (\d+-\d+|less than \d+|\d+ or more) tweets from \w+ \d+ to \w+ \d+, \d{4}\?$",
        r"^(LoL: )?[\w. ]+ vs\. [\w. ]+$",
    ):
        assert any(re.match(pattern, q) for q in questions), pattern
    # Ladders and buckets are grouped in events; exactly one bucket of a resolved bucket event wins.
    buckets = db.execute(
        "SELECT event_id, sum(winner = 0), count(*) FROM markets WHERE category = 'Weather/Temperature' "
        "AND resolution = 'resolved' GROUP BY event_id"
    ).fetchall()
    assert buckets and all(wins == 1 and n >= 5 for _, wins, n in buckets)
    # Features are filled as the taxonomy would.
    row = db.execute(
        "SELECT features_json FROM markets WHERE category = 'Crypto/BTC-Price' LIMIT 1"
    ).fetchone()
    assert {"asset", "threshold", "direction", "deadline"} <= set(__import__("json").loads(row[0]))
    # Open markets: end in the future, quotes for both tokens, no outcome.
    open_rows = db.execute(
        "SELECT m.id, m.end_date, m.winner, count(q.token_id) FROM markets m LEFT JOIN quotes q ON q.market_id = m.id "
        "WHERE m.resolution = 'unresolved' GROUP BY m.id"
    ).fetchall()
    assert open_rows and all(end > NOW and winner is None for _, end, winner, _ in open_rows)
    assert all(quotes == 2 for *_, quotes in open_rows if quotes)
    assert sum(1 for *_, quotes in open_rows if quotes) > len(open_rows) // 2
    # No price point of a resolved market comes after it resolved; none at all after `now`.
    late = db.execute(
        "SELECT count(*) FROM markets m JOIN prices p ON p.token_id = json_extract(m.token_ids_json, '$[0]') "
        "WHERE p.t > ? OR (m.closed_time IS NOT NULL AND p.t > m.closed_time)",
        [NOW],
    ).fetchone()[0]
    assert late == 0
    again = write_demo(db, DemoOptions(markets=600, seed=1, now=NOW, points=50))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 600)


def _longshot_return(tmp_path: Path, bias: float) -> float:
    db = connect(tmp_path / f"bias{bias}.sqlite")
    write_demo(db, DemoOptions(markets=1500, seed=2, now=NOW, points=30, bias=bias, open_share=0.0))
    config = BacktestConfig(strategies=(StrategySpec(BuyLongshot(), {}),), horizon="24h", cost=0.0)
    result = run_backtest(db, config, store=False)
    assert result.generated_data
    entry = result.document["results"][0]
    assert entry["trades"] > 300
    return float(entry["mean_return"])


@pytest.mark.slow
def test_the_favourite_longshot_bias_is_tunable(tmp_path: Path) -> None:
    calibrated = _longshot_return(tmp_path, 0.0)
    biased = _longshot_return(tmp_path, 0.8)
    # Overpriced longshots lose money; calibrated ones about break even (before costs).
    assert biased < calibrated - 0.1
    assert biased < 0


def test_prices_stay_on_the_grid() -> None:
    data = generate(DemoOptions(markets=150, seed=8, now=NOW, points=30))
    prices = np.concatenate([w.history_p for w in data.writes])
    assert prices.min() >= 0.001 and prices.max() <= 0.999
    assert np.allclose(prices * 1000, np.round(prices * 1000))
