"""Batch signal processor throughput: markets evaluated per second, dry run and enqueue.

Generated markets (labelled source='demo') in a temporary SQLite file: a mix of categories so every
strategy has work, half with order-book quotes. Prints the figures; asserts nothing.
Run: .venv/bin/python tests/bench/bench_signals.py [N]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from pmtui.config import Settings
from pmtui.signals.batch import BatchOptions, run_signals
from pmtui.signals.estimates import backtest_estimates
from pmtui.store import connect, write_tx

CATEGORIES = [
    ("Weather/Temperature", {}),
    ("Crypto/BTC-Price", {"asset": "BTC", "threshold": 100000.0}),
    ("Crypto/Altcoins", {"asset": "SOL", "threshold": 150.0}),
    ("Tech/Musk-Tweets", {"range_low": 20.0, "range_high": 39.0}),
    ("Crypto/BTC-UpDown", {"start_hour_et": 7}),
    ("Politics/Election", {}),
]


def fill(db_path: Path, n: int, t0: int) -> None:
    rng = random.Random(7)
    db = connect(db_path)
    with write_tx(db):
        for i in range(n):
            category, features = CATEGORIES[i % len(CATEGORIES)]
            outcomes = ["Up", "Down"] if category == "Crypto/BTC-UpDown" else ["Yes", "No"]
            yes = round(rng.uniform(0.01, 0.99), 3)
            tokens = [f"{i}-t0", f"{i}-t1"]
            db.execute(
                "INSERT INTO markets (id, condition_id, question, outcomes_json, token_ids_json, prices_json, "
                "yes_price, volume_24h, end_date, category, cluster_id, features_json, source, first_seen, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'demo', ?, ?)",
                [
                    str(i),
                    f"0x{i:x}",
                    f"Demo market {i}",
                    json.dumps(outcomes),
                    json.dumps(tokens),
                    json.dumps([yes, round(1 - yes, 3)]),
                    yes,
                    rng.uniform(0, 1e5),
                    t0 + 86400 * 3,
                    category,
                    f"cluster-{i // 10}",
                    json.dumps(features),
                    t0,
                    t0,
                ],
            )
            if i % 2 == 0:
                for k, token in enumerate(tokens):
                    mid = yes if k == 0 else 1 - yes
                    db.execute(
                        "INSERT INTO quotes (token_id, market_id, best_bid, best_ask, mid, t) VALUES (?, ?, ?, ?, ?, ?)",
                        [token, str(i), max(0.001, mid - 0.01), min(0.999, mid + 0.01), mid, t0],
                    )
    db.conn.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    t0 = int(time.time()) - 60
    settings = Settings()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        fill(path, n, t0)
        db = connect(path)
        for label, dry in (("dry run", True), ("enqueue", False), ("re-run (unchanged)", False)):
            start = time.perf_counter()
            # The lookup the CLI uses; the store holds no backtest, so every estimate says so.
            report = run_signals(db, settings, backtest_estimates(), BatchOptions(dry_run=dry))
            elapsed = time.perf_counter() - start
            changes = report.changes()
            print(
                f"{label:>20}: {n} markets, {len(report.items)} proposals in {elapsed:.2f} s "
                f"({n / elapsed:,.0f} markets/s; new {changes['new']}, updated {changes['updated']}, "
                f"unchanged {changes['unchanged']})"
            )
        db.conn.close()


if __name__ == "__main__":
    main()
