"""Opening paper positions from approved signals: fill price, fee, size, refusals, the alert."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from pmtui.paper.book import open_from_signal
from pmtui.paper.fees import notional_micros, taker_fee_micros
from pmtui.paper.ledger import cash_micros, check_ledger
from pmtui.paper.models import PaperError, PriceQuote
from tests.book_builders import NOW, WIDE_OPEN, add_market, add_signal, make_settings, resolve, set_quote

M = 1_000_000


def ledger_rows(db: Database) -> list[tuple[str, int]]:
    return [
        (str(r[0]), int(r[1])) for r in db.execute("SELECT kind, cash_micros FROM paper_ledger ORDER BY id")
    ]


def test_fill_at_the_best_ask_when_a_fresh_quote_is_known(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    tokens = add_market(db, "m1", prices=(0.6, 0.4))
    set_quote(db, tokens[1], bid=0.41, ask=0.42, t=NOW - 60)
    signal = add_signal(db, "m1", outcome_index=1, stake_micros=50 * M)

    position = open_from_signal(db, signal, settings, now=NOW)

    fill = db.execute(
        "SELECT side, shares_micros, price_micros, fee_micros, price_source FROM paper_fills"
    ).fetchone()
    # $50 at 0.42 (fee-free market): 119.047619 shares
    assert fill == ("buy", 119_047_619, 420_000, 0, "ask")
    assert (position.shares_micros, position.cost_micros, position.fee_micros) == (119_047_619, 50 * M, 0)
    assert (position.status, position.outcome, position.token_id) == ("open", "No", tokens[1])
    assert ledger_rows(db) == [("deposit", 1000 * M), ("buy", -50 * M), ("fee", 0)]
    assert cash_micros(db) == 950 * M
    assert check_ledger(db).ok


def test_fill_at_last_price_plus_cost_without_a_quote(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "cost": 0.02})
    add_market(db, "m1", prices=(0.7, 0.3))
    signal = add_signal(db, "m1", outcome_index=1, stake_micros=32 * M)

    position = open_from_signal(db, signal, settings, now=NOW)

    price, source = db.execute("SELECT price_micros, price_source FROM paper_fills").fetchone()
    assert (price, source) == (320_000, "last+cost")  # 0.30 + 0.02
    assert position.shares_micros == 100 * M


def test_a_stale_quote_is_not_executable(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "quote_max_age": 600.0})
    tokens = add_market(db, "m1", prices=(0.5, 0.5))
    set_quote(db, tokens[1], bid=0.44, ask=0.45, t=NOW - 601)
    signal = add_signal(db, "m1", outcome_index=1)

    open_from_signal(db, signal, settings, now=NOW)

    assert db.execute("SELECT price_micros, price_source FROM paper_fills").fetchone() == (
        510_000,
        "last+cost",
    )


def test_the_taker_fee_is_paid_on_top_of_the_price(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    tokens = add_market(db, "m1", fee_rate=0.04, fee_exponent=1)
    set_quote(db, tokens[1], ask=0.40)
    signal = add_signal(db, "m1", outcome_index=1, stake_micros=50 * M)

    position = open_from_signal(db, signal, settings, now=NOW)

    shares = position.shares_micros
    assert shares == 122_070_312  # $50 / (0.40 + 0.04 × 0.4 × 0.6)
    fee = taker_fee_micros(shares, 400_000, 0.04, 1)
    assert fee == 1_171_870  # 122.070312 × 0.0096 = 1.17187499… → 1.17187
    assert position.fee_micros == fee
    assert position.cost_micros == notional_micros(shares, 400_000) + fee
    assert ledger_rows(db)[1:] == [("buy", -notional_micros(shares, 400_000)), ("fee", -fee)]
    assert check_ledger(db).ok


@pytest.mark.parametrize(
    ("stake", "min_size", "refusal"),
    [
        (1 * M, None, r"\$1\.00 buys 2 shares of signal #1, under the market's minimum order of 5"),
        (4 * M, 10.0, r"\$4\.00 buys 8 shares of signal #1, under the market's minimum order of 10"),
        (0, None, r"signal #1 has no stake \(not validated, sized at zero\); approve it with a size"),
    ],
)
def test_never_more_than_the_stake(
    db: Database, db_path: Path, stake: int, min_size: float | None, refusal: str
) -> None:
    """A stake too small for the market's minimum order, or none at all, is refused: raising it to
    the minimum would spend more than the trader approved."""
    settings = make_settings(db_path, paper=WIDE_OPEN)
    tokens = add_market(db, "m1", min_size=min_size)
    set_quote(db, tokens[1], ask=0.50)
    signal = add_signal(db, "m1", outcome_index=1, stake_micros=stake)
    with pytest.raises(PaperError, match=refusal):
        open_from_signal(db, signal, settings, now=NOW)
    assert db["paper_positions"].count == 0 and db["paper_ledger"].count == 0


def test_an_explicit_price_and_stake(db: Database, db_path: Path) -> None:
    """What an approval settled on (pmtui.signals.fill) fills as given."""
    settings = make_settings(db_path, paper=WIDE_OPEN)
    tokens = add_market(db, "m1", min_size=10.0)
    set_quote(db, tokens[1], ask=0.50)
    signal = add_signal(db, "m1", outcome_index=1, stake_micros=0)
    position = open_from_signal(
        db, signal, settings, now=NOW, quote=PriceQuote(0.52, "book_ask"), stake_micros=13 * M
    )
    assert position.shares_micros == 25 * M  # $13 at 0.52
    assert db.execute("SELECT price_micros, price_source FROM paper_fills").fetchone() == (
        520_000,
        "book_ask",
    )


def test_refused_when_the_bankroll_cannot_pay_and_nothing_is_written(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 2.0})
    tokens = add_market(db, "m1")
    set_quote(db, tokens[1], ask=0.50)
    signal = add_signal(db, "m1", outcome_index=1, stake_micros=3 * M)

    # $3 is clipped to the $2 the bankroll allows: 4 shares, under the minimum order of 5.
    with pytest.raises(
        PaperError, match=r"\$2\.00 buys 4 shares of signal #1, under the market's minimum order"
    ):
        open_from_signal(db, signal, settings, now=NOW)

    for table in ("paper_positions", "paper_fills", "paper_ledger", "alerts_outbox"):
        assert db[table].count == 0, table


def test_cash_already_spent_is_not_spent_twice(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper={**WIDE_OPEN, "bankroll": 100.0})
    for market, category in (("m1", "Weather"), ("m2", "Sports")):
        tokens = add_market(db, market, category=category)
        set_quote(db, tokens[1], ask=0.50)
    first = add_signal(db, "m1", stake_micros=80 * M)
    second = add_signal(db, "m2", stake_micros=30 * M)
    open_from_signal(db, first, settings, now=NOW)
    with pytest.raises(PaperError, match="cannot pay"):
        open_from_signal(db, second, settings, now=NOW)
    assert cash_micros(db) == 20 * M


@pytest.mark.parametrize("status", ["rejected", "expired"])
def test_refuses_signals_that_were_not_approved(db: Database, db_path: Path, status: str) -> None:
    add_market(db, "m1")
    signal = add_signal(db, "m1", status=status)
    with pytest.raises(PaperError, match=f"is {status}"):
        open_from_signal(db, signal, make_settings(db_path), now=NOW)


def test_refuses_a_missing_signal_and_a_resolved_market(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path)
    with pytest.raises(PaperError, match="signal #99 does not exist"):
        open_from_signal(db, 99, settings, now=NOW)
    add_market(db, "m1")
    signal = add_signal(db, "m1")
    resolve(db, "m1", 0)
    with pytest.raises(PaperError, match="market m1 is closed"):
        open_from_signal(db, signal, settings, now=NOW)


def test_opening_is_idempotent_per_signal(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    tokens = add_market(db, "m1")
    set_quote(db, tokens[1], ask=0.5)
    signal = add_signal(db, "m1")
    first = open_from_signal(db, signal, settings, now=NOW)
    again = open_from_signal(db, signal, settings, now=NOW + 5)
    assert again == first
    assert db["paper_fills"].count == 1
    assert db["alerts_outbox"].count == 1


def test_caps_are_rechecked_at_approval(db: Database, db_path: Path) -> None:
    # Cluster cap 10% of $1000 = $100. Two signals in one cluster were each sized at $80 before
    # either was approved: the second gets the $20 left; a third is refused.
    settings = make_settings(
        db_path, paper={"max_per_market": 1.0, "max_per_cluster": 0.10, "max_per_category": 1.0}
    )
    for market in ("a", "b", "c"):
        tokens = add_market(db, market, cluster_id="btc-ladder-dec")
        set_quote(db, tokens[1], ask=0.50)
    first = open_from_signal(db, add_signal(db, "a", stake_micros=80 * M), settings, now=NOW)
    second = open_from_signal(db, add_signal(db, "b", stake_micros=80 * M), settings, now=NOW)
    assert (first.cost_micros, second.cost_micros) == (80 * M, 20 * M)
    assert (
        "clipped by the cluster cap"
        in db.execute("SELECT memo FROM paper_ledger WHERE position_id = 2").fetchone()[0]
    )
    with pytest.raises(
        PaperError, match=r"the cluster cap is full: \$100\.00 already open, cap 10% of equity"
    ):
        open_from_signal(db, add_signal(db, "c", stake_micros=10 * M), settings, now=NOW)


def test_a_fill_queues_one_plain_text_alert(db: Database, db_path: Path) -> None:
    settings = make_settings(db_path, paper=WIDE_OPEN)
    tokens = add_market(db, "m1", question="Will [b]BTC[/b] <i>hit</i> $100k?\nFAKE LINE", source="demo")
    set_quote(db, tokens[1], ask=0.25)
    open_from_signal(db, add_signal(db, "m1", stake_micros=25 * M), settings, now=NOW)

    kind, key, text = db.execute("SELECT kind, dedupe_key, text FROM alerts_outbox").fetchone()
    assert (kind, key) == ("fill", "fill:1")
    assert text.splitlines() == [
        "Paper fill #1 [DEMO DATA]: bought 100 No @ 0.2500 (ask)",
        "Cost $25.00 incl. fee $0.00 · fade_longshots",
        "Will [b]BTC[/b] <i>hit</i> $100k? FAKE LINE",
    ]
