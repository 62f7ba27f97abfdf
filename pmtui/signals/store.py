"""Signals in SQLite: one live (pending) signal per (market, strategy, outcome).

A re-evaluation that proposes the same trade again updates the live signal in place (price, estimate,
stake, rationale, expiry) and says whether anything a trader would see changed ("updated") or not
("unchanged"); a first proposal inserts a "new" one. A pending signal ends as approved or rejected by
the trader (pmtui.signals.queue), or expired by pmtui with the reason: its condition no longer holds,
its market closed or resolved, or its expiry time passed. Every end is also a row in
signal_decisions (expiries are recorded as decided by "pmtui").

Money is integer micro-dollars (`stake_micros`); times are unix seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlite_utils import Database

from pmtui.signals.estimates import TradeEstimate

QueueChange = Literal["new", "updated", "unchanged"]
Key = tuple[str, str, int]
"""(market id, strategy, outcome index)."""

SYSTEM = "pmtui"
"""Who an automatic expiry is recorded as decided by."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A strategy's proposal priced, estimated and sized: what the queue holds once enqueued."""

    market_id: str
    question: str
    category: str | None
    cluster_id: str | None
    token_id: str | None
    outcome_index: int
    outcome: str
    strategy: str
    params: Mapping[str, Any]
    price: float
    """Executable price of the outcome at `decision_t` (see pmtui.signals.pricing)."""
    price_source: str
    cost: float
    """All-in cost per share: price + slippage + taker fee."""
    fee: float
    estimate: TradeEstimate
    edge: float | None
    """Expected payout per share − all-in cost (`estimate.edge`); None without a backtest."""
    stake_micros: int
    stake_limited_by: str | None
    rationale: str
    score: float | None
    decision_t: int
    expires: int
    volume_24h: float | None
    source: str
    """The market's source ('api', 'import', 'demo'): demo data stays labelled as such."""

    @property
    def key(self) -> Key:
        return (self.market_id, self.strategy, self.outcome_index)

    @property
    def params_json(self) -> str:
        return json.dumps(dict(self.params), sort_keys=True, separators=(",", ":"))

    @property
    def est_source_json(self) -> str:
        return json.dumps(self.estimate.to_json(), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class SignalRow:
    """One row of `signals`, joined with its market's question."""

    id: int
    created: int
    updated: int
    market_id: str
    question: str
    category: str | None
    cluster_id: str | None
    token_id: str | None
    outcome_index: int
    outcome: str
    strategy: str
    params: dict[str, Any]
    price: float
    price_source: str
    cost: float | None
    fee: float | None
    est_win_prob: float | None
    est_source: dict[str, Any]
    validated: bool
    edge: float | None
    stake_micros: int
    rationale: str
    score: float | None
    status: str
    status_time: int
    status_reason: str | None
    note: str | None
    expires: int
    decision_t: int | None
    source: str

    @property
    def key(self) -> Key:
        return (self.market_id, self.strategy, self.outcome_index)


SIGNAL_SELECT = """
    SELECT s.id, s.created, s.updated, s.market_id, COALESCE(m.question, ''), s.category, s.cluster_id,
           s.token_id, s.outcome_index, s.outcome, s.strategy, s.params_json, s.price, s.price_source,
           s.cost, s.fee, s.est_win_prob, s.est_source_json, s.validated, s.edge, s.stake_micros,
           s.rationale, s.score, s.status, s.status_time, s.status_reason, s.note, s.expires,
           s.decision_t, s.source
    FROM signals s LEFT JOIN markets m ON m.id = s.market_id
"""


def _json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def row_to_signal(row: Sequence[Any]) -> SignalRow:
    return SignalRow(
        id=int(row[0]),
        created=int(row[1]),
        updated=int(row[2]),
        market_id=row[3],
        question=row[4],
        category=row[5],
        cluster_id=row[6],
        token_id=row[7],
        outcome_index=int(row[8]),
        outcome=row[9],
        strategy=row[10],
        params=_json_dict(row[11]),
        price=float(row[12]),
        price_source=row[13],
        cost=row[14],
        fee=row[15],
        est_win_prob=row[16],
        est_source=_json_dict(row[17]),
        validated=bool(row[18]),
        edge=row[19],
        stake_micros=int(row[20]),
        rationale=row[21],
        score=row[22],
        status=row[23],
        status_time=int(row[24]),
        status_reason=row[25],
        note=row[26],
        expires=int(row[27]),
        decision_t=row[28],
        source=row[29],
    )


def get_signal(db: Database, signal_id: int) -> SignalRow | None:
    row = db.execute(SIGNAL_SELECT + " WHERE s.id = ?", [signal_id]).fetchone()
    return row_to_signal(row) if row else None


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def live_signals(db: Database, market_ids: Sequence[str]) -> dict[Key, SignalRow]:
    """The pending signals of these markets, by key."""
    found: dict[Key, SignalRow] = {}
    for chunk in _chunks(list(dict.fromkeys(market_ids))):
        marks = ",".join("?" * len(chunk))
        sql = SIGNAL_SELECT + f" WHERE s.status = 'pending' AND s.market_id IN ({marks})"
        for row in db.execute(sql, list(chunk)):
            signal = row_to_signal(row)
            found[signal.key] = signal
    return found


def decided_keys(db: Database, market_ids: Sequence[str]) -> set[Key]:
    """Keys the trader already approved or rejected: not proposed again (the answer stands)."""
    keys: set[Key] = set()
    for chunk in _chunks(list(dict.fromkeys(market_ids))):
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            "SELECT market_id, strategy, outcome_index FROM signals "
            f"WHERE status IN ('approved', 'rejected') AND market_id IN ({marks})",
            list(chunk),
        ):
            keys.add((row[0], row[1], int(row[2])))
    return keys


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return round(float(a), 6) == round(float(b), 6)


def change_kind(existing: SignalRow | None, candidate: Candidate) -> QueueChange:
    """ "new" without a live signal; "unchanged" when nothing a trader sees differs; else "updated"."""
    if existing is None:
        return "new"
    same = (
        _same(existing.price, candidate.price)
        and existing.price_source == candidate.price_source
        and _same(existing.cost, candidate.cost)
        and _same(existing.est_win_prob, candidate.estimate.p)
        and existing.validated == candidate.estimate.validated
        and existing.est_source.get("reason") == candidate.estimate.reason
        and _same(existing.edge, candidate.edge)
        and existing.stake_micros == candidate.stake_micros
        and existing.rationale == candidate.rationale
        and existing.params == json.loads(candidate.params_json)
    )
    return "unchanged" if same else "updated"


def write_candidate(
    db: Database, candidate: Candidate, existing: SignalRow | None, *, now: int
) -> tuple[QueueChange, int]:
    """Insert or refresh the live signal of `candidate.key`. Call inside a write transaction.

    An unchanged signal still gets its evaluation time and expiry moved on: the condition was seen
    to hold again, so it stays live.
    """
    kind = change_kind(existing, candidate)
    values = {
        "updated": now,
        "market_id": candidate.market_id,
        "token_id": candidate.token_id,
        "outcome_index": candidate.outcome_index,
        "outcome": candidate.outcome,
        "strategy": candidate.strategy,
        "params_json": candidate.params_json,
        "price": candidate.price,
        "price_source": candidate.price_source,
        "est_win_prob": candidate.estimate.p,
        "est_source_json": candidate.est_source_json,
        "validated": int(candidate.estimate.validated),
        "edge": candidate.edge,
        "stake_micros": candidate.stake_micros,
        "rationale": candidate.rationale,
        "score": candidate.score,
        "expires": candidate.expires,
        "decision_t": candidate.decision_t,
        "cost": candidate.cost,
        "fee": candidate.fee,
        "category": candidate.category,
        "cluster_id": candidate.cluster_id,
        "source": candidate.source,
    }
    if existing is None:
        values |= {"created": now, "status": "pending", "status_time": now}
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        cursor = db.execute(f"INSERT INTO signals ({columns}) VALUES ({marks})", values)
        return kind, int(cursor.lastrowid or 0)
    if kind == "unchanged":
        db.execute(
            "UPDATE signals SET expires = ?, decision_t = ?, score = ? WHERE id = ?",
            [candidate.expires, candidate.decision_t, candidate.score, existing.id],
        )
        return kind, existing.id
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    db.execute(f"UPDATE signals SET {assignments} WHERE id = :id", values | {"id": existing.id})
    return kind, existing.id


def expire_signal(db: Database, signal_id: int, reason: str, *, now: int, price: float | None = None) -> bool:
    """Expire a pending signal with `reason`; False if it was no longer pending. Inside a transaction."""
    cursor = db.execute(
        "UPDATE signals SET status = 'expired', status_time = ?, status_reason = ? "
        "WHERE id = ? AND status = 'pending'",
        [now, reason, signal_id],
    )
    if not cursor.rowcount:
        return False
    db.execute(
        "INSERT INTO signal_decisions (signal_id, t, action, decided_by, price, note) VALUES (?, ?, ?, ?, ?, ?)",
        [signal_id, now, "expire", SYSTEM, price, reason],
    )
    return True


def due_for_expiry(db: Database, now: int) -> list[tuple[int, str]]:
    """Pending signals that must expire at `now`, with the reason: market resolved or closed first,
    then expiry time passed. Sorted by id."""
    rows = db.execute(
        """
        SELECT s.id,
               CASE
                   WHEN m.id IS NULL THEN 'market no longer in the store'
                   WHEN m.resolution = 'resolved' THEN 'market resolved'
                   WHEN m.resolution = 'void' THEN 'market voided'
                   WHEN m.closed = 1 THEN 'market closed'
                   ELSE 'expiry time passed'
               END
        FROM signals s LEFT JOIN markets m ON m.id = s.market_id
        WHERE s.status = 'pending'
          AND (m.id IS NULL OR m.closed = 1 OR m.resolution != 'unresolved' OR s.expires <= ?)
        ORDER BY s.id
        """,
        [now],
    ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def store_clock(db: Database) -> int | None:
    """The time of the freshest price in the store (a market row's refresh or a book quote)."""
    row = db.execute(
        "SELECT MAX(t) FROM (SELECT MAX(updated_at) AS t FROM markets UNION ALL SELECT MAX(t) FROM quotes)"
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None
