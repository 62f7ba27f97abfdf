"""The paper cash ledger: every movement of cash is one `paper_ledger` row, so cash = Σ rows.

Rows: one 'deposit' (the configured `paper.bankroll`, written on first use), and per position a 'buy'
(−notional) and a 'fee' (−taker fee) per buy fill, then either a 'sell' (+notional) and a 'fee' (−fee)
on a sale, or a 'settle': +$1 a winning share, 0 for a losing one, +$0.50 a share when the market
resolved 50-50 ("void"). Books written before pmtui paid 50-50 resolutions as Polymarket does hold a
'refund' (+cost basis) for a void instead; `check_ledger` accepts those as they were.

`check_ledger()` verifies the books balance from three independent records (ledger rows, fills and
position rows): a test runs it after random sequences of fills, closes and settlements.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.money import to_micros
from pmtui.paper.fees import notional_micros


def post(
    db: Database, *, t: int, kind: str, cash_micros: int, position_id: int | None, memo: str = ""
) -> None:
    db.execute(
        "INSERT INTO paper_ledger (t, kind, cash_micros, position_id, memo) VALUES (?, ?, ?, ?, ?)",
        [t, kind, cash_micros, position_id, memo],
    )


def void_proceeds_micros(shares_micros: int) -> int:
    """What a market resolved 50-50 pays for `shares_micros`: $0.50 a share, rounded down to a
    micro-dollar (never invents money)."""
    return shares_micros // 2


def deposits_micros(db: Database) -> int:
    row = db.execute(
        "SELECT COALESCE(SUM(cash_micros), 0) FROM paper_ledger WHERE kind = 'deposit'"
    ).fetchone()
    return int(row[0])


def has_deposit(db: Database) -> bool:
    return db.execute("SELECT 1 FROM paper_ledger WHERE kind = 'deposit' LIMIT 1").fetchone() is not None


def ensure_deposit(db: Database, bankroll_dollars: float, now: int) -> None:
    """Write the initial deposit once (first use of the book). Call inside a write transaction.

    Later changes of `paper.bankroll` do not move money: the book keeps its history.
    """
    if not has_deposit(db):
        post(
            db,
            t=now,
            kind="deposit",
            cash_micros=to_micros(bankroll_dollars),
            position_id=None,
            memo="initial bankroll",
        )


def cash_micros(db: Database) -> int:
    return int(db.execute("SELECT COALESCE(SUM(cash_micros), 0) FROM paper_ledger").fetchone()[0])


def cash_or_bankroll(db: Database, bankroll_dollars: float) -> int:
    """Cash in the book, or the configured bankroll before the first deposit."""
    return cash_micros(db) if has_deposit(db) else to_micros(bankroll_dollars)


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    cash_micros: int
    deposits_micros: int
    open_cost_micros: int
    realized_micros: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger(db: Database) -> LedgerCheck:
    """Verify the invariants of the book; `problems` names every broken one."""
    problems: list[str] = []
    cash = cash_micros(db)
    deposits = deposits_micros(db)
    if db.execute("SELECT COUNT(*) FROM paper_ledger WHERE kind = 'deposit'").fetchone()[0] > 1:
        problems.append("more than one deposit row")
    if cash < 0:
        problems.append(f"cash is negative ({cash} micro-dollars)")
    orphans = db.execute(
        "SELECT COUNT(*) FROM paper_ledger WHERE kind != 'deposit' AND position_id IS NULL"
    ).fetchone()[0]
    if orphans:
        problems.append(f"{orphans} ledger rows without a position")

    ledger: dict[int, dict[str, int]] = {}
    for pid, kind, total in db.execute(
        "SELECT position_id, kind, SUM(cash_micros) FROM paper_ledger WHERE position_id IS NOT NULL GROUP BY 1, 2"
    ):
        ledger.setdefault(int(pid), {})[str(kind)] = int(total)
    fills: dict[int, dict[str, list[int]]] = {}
    for pid, side, shares, price, fee in db.execute(
        "SELECT position_id, side, shares_micros, price_micros, fee_micros FROM paper_fills"
    ):
        # Per side: [shares, notional, fee]
        agg = fills.setdefault(int(pid), {}).setdefault(str(side), [0, 0, 0])
        agg[0] += int(shares)
        agg[1] += notional_micros(int(shares), int(price))
        agg[2] += int(fee)

    open_cost = 0
    realized = 0
    for pid, status, shares, cost, fee, proceeds, result in db.execute(
        "SELECT id, status, shares_micros, cost_micros, fee_micros, proceeds_micros, result FROM paper_positions"
    ):
        rows = ledger.get(int(pid), {})
        buy = fills.get(int(pid), {}).get("buy", [0, 0, 0])
        sell = fills.get(int(pid), {}).get("sell", [0, 0, 0])
        name = f"position {pid}"
        if buy[0] != shares:
            problems.append(f"{name}: {shares} shares but buy fills total {buy[0]}")
        if buy[1] + buy[2] != cost:
            problems.append(f"{name}: cost basis {cost} but buy fills cost {buy[1] + buy[2]}")
        if buy[2] + sell[2] != fee:
            problems.append(f"{name}: fees {fee} but fills charged {buy[2] + sell[2]}")
        if rows.get("buy", 0) != -buy[1]:
            problems.append(f"{name}: ledger buys {rows.get('buy', 0)} != -{buy[1]} from fills")
        if rows.get("fee", 0) != -(buy[2] + sell[2]):
            problems.append(f"{name}: ledger fees {rows.get('fee', 0)} != -{buy[2] + sell[2]} from fills")
        if rows.get("sell", 0) != sell[1]:
            problems.append(f"{name}: ledger sells {rows.get('sell', 0)} != {sell[1]} from fills")
        exits = rows.get("sell", 0) + rows.get("settle", 0) + rows.get("refund", 0) - sell[2]
        if status == "open":
            open_cost += int(cost)
            if proceeds is not None or result is not None or exits:
                problems.append(f"{name}: open but has an exit recorded")
            continue
        if proceeds is None or exits != proceeds:
            problems.append(f"{name}: proceeds {proceeds} but ledger exits {exits}")
            continue
        if result == "sold" and sell[0] != shares:
            problems.append(f"{name}: sold {sell[0]} of {shares} shares")
        if result == "win" and rows.get("settle", 0) != shares:
            problems.append(f"{name}: a win pays $1 a share ({shares}) but settled {rows.get('settle', 0)}")
        if result == "loss" and exits != 0:
            problems.append(f"{name}: a loss pays nothing but got {exits}")
        if result == "void":
            if "refund" in rows:  # the old rule, kept readable in books written under it
                if rows["refund"] != cost:
                    problems.append(f"{name}: a void refunds the cost {cost} but refunded {rows['refund']}")
            elif rows.get("settle", 0) != void_proceeds_micros(shares):
                problems.append(
                    f"{name}: a 50-50 resolution pays $0.50 a share ({void_proceeds_micros(shares)}) "
                    f"but settled {rows.get('settle', 0)}"
                )
        realized += int(proceeds) - int(cost)

    if deposits - open_cost + realized != cash:
        problems.append(f"deposits {deposits} - open cost {open_cost} + realized {realized} != cash {cash}")
    return LedgerCheck(cash, deposits, open_cost, realized, tuple(problems))
