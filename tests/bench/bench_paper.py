"""Paper book and alerts figures: fills, settlement, the full summary (Paper tab / `pmtui paper`) and
alert throughput, on a generated book. Prints figures; asserts nothing about time.

    .venv/bin/python tests/bench/bench_paper.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pmtui.alerts.outbox import enqueue
from pmtui.alerts.sender import AlertSender
from pmtui.fakes.telegram_server import FakeTelegram
from pmtui.paper.book import open_from_signal, settle_resolved
from pmtui.paper.ledger import check_ledger
from pmtui.paper.summary import paper_summary
from pmtui.store import connect, write_tx
from tests.book_builders import add_market, add_signal, make_settings, resolve, set_quote


def timed(label: str, count: int, fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    rate = f"{count / seconds:,.0f}/s" if seconds else "-"
    print(f"{label:<46} {count:>6}  {seconds * 1000:9.1f} ms  {rate:>10}")
    return seconds


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        db = connect(path)
        settings = make_settings(
            path,
            paper={
                "bankroll": 1_000_000.0,
                "max_per_market": 1.0,
                "max_per_cluster": 1.0,
                "max_per_category": 1.0,
            },
        )
        now = int(time.time())
        signals = []
        with write_tx(db):
            for i in range(2 * n):
                tokens = add_market(
                    db, f"m{i}", fee_rate=0.04 if i % 2 else None, fee_exponent=1, category=f"C{i % 9}"
                )
                set_quote(db, tokens[1], bid=0.45, ask=0.47, t=now)
                signals.append(add_signal(db, f"m{i}", stake_micros=20_000_000))

        print(f"paper book bench, {2 * n} positions ({n} then settled)")
        # A fill marks the whole open book (equity for the caps), so its cost grows with the book.
        done = 0
        for size in (100, n // 2, n, 2 * n):
            batch = signals[done:size]
            if not batch:
                continue

            def fill(batch: list[int] = batch) -> None:
                for signal in batch:
                    open_from_signal(db, signal, settings, now=now)

            seconds = timed(f"open_from_signal, book growing {done}->{size}", len(batch), fill)
            print(f"{'  per fill':<46} {'':>6}  {seconds / len(batch) * 1000:9.2f} ms")
            done = size
        with write_tx(db):
            for i in range(n):
                resolve(db, f"m{i}", i % 3 and 1)
        timed("settle_resolved (one call)", n, lambda: settle_resolved(db, now=now + 60))
        timed(
            f"paper_summary ({n} open, {n} closed)", 2 * n, lambda: paper_summary(db, settings, now=now + 120)
        )
        timed("check_ledger", 2 * n, lambda: check_ledger(db))
        with FakeTelegram(token="123456:bench-token-abcdef") as fake:
            alerts = make_settings(
                path,
                alerts={
                    "telegram_url": fake.url,
                    "telegram_token": fake.token,
                    "telegram_chat_id": "1",
                    "min_interval": 0.0,
                },
            )
            db.execute("DELETE FROM alerts_outbox")

            def enqueue_all() -> None:
                for i in range(n):
                    enqueue(db, kind="fill", dedupe_key=f"bench:{i}", text=f"alert {i} " + "x" * 150, now=now)

            timed("enqueue (autocommit insert each)", n, enqueue_all)
            sender = AlertSender(alerts, db=db)

            def drain() -> None:
                while sender.run_once(now=now).status == "sent":
                    pass

            timed("sender drain to fake Telegram (rows)", n, drain)
            print(f"{'  messages sent (alerts joined up to 4000 chars)':<46} {len(fake.messages):>6}")
            sender.close()
        db.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
