"""`pmtui paper`: the paper book headless (positions, P&L, forward test), close and settle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from pmtui.cli.common import AppContext, cell, console, echo, echo_json, fail, pass_app
from pmtui.money import usd

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from pmtui.paper.summary import PaperSummary


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def paper(ctx: click.Context, as_json: bool) -> None:
    """Show the paper book: cash, equity, open positions with marks and unrealized P&L, closed
    trades, P&L per strategy and category, and the forward test (live vs backtest)."""
    if ctx.invoked_subcommand is not None:
        return
    from pmtui.paper.summary import paper_summary, summary_json

    app = ctx.find_object(AppContext)
    assert app is not None
    db = app.open_db()
    summary = paper_summary(db, app.settings)
    if as_json:
        echo_json(summary_json(summary))
    else:
        _print_summary(summary)


@paper.command("close")
@click.argument("position_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def close_command(app: AppContext, position_id: int, as_json: bool) -> None:
    """Close open position POSITION_ID at the current best bid (refused when no fresh bid is known)."""
    from pmtui.money import usd_number
    from pmtui.paper.book import close_position
    from pmtui.paper.models import PaperError

    db = app.open_db()
    try:
        position = close_position(db, position_id, app.settings)
    except PaperError as exc:
        fail(str(exc))
    document = {
        "id": position.id,
        "status": position.status,
        "exit_price": position.mark_price,
        "proceeds": usd_number(position.proceeds_micros),
        "realized_pnl": usd_number(position.realized_micros),
    }
    if as_json:
        echo_json(document)
        return
    price = "the bid" if position.mark_price is None else f"{position.mark_price * 100:.2f}¢"
    echo(
        f"closed #{position.id} at {price}: proceeds ${document['proceeds']:,.2f}, "
        f"P&L {usd(position.realized_micros, signed=True)}"
    )


@paper.command("settle")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def settle_command(app: AppContext, as_json: bool) -> None:
    """Settle every open position whose market has resolved (winner $1 a share, 50-50 pays $0.50)."""
    from pmtui.money import usd_number
    from pmtui.paper.book import settle_resolved

    db = app.open_db()
    settled = settle_resolved(db)
    if as_json:
        echo_json(
            {
                "settled": [
                    {
                        "id": p.id,
                        "result": p.result,
                        "proceeds": usd_number(p.proceeds_micros),
                        "realized_pnl": usd_number(p.realized_micros),
                    }
                    for p in settled
                ]
            }
        )
        return
    if not settled:
        echo("nothing to settle: no open position's market has resolved")
    for p in settled:
        echo(f"settled #{p.id} {p.result}: P&L {usd(p.realized_micros, signed=True)}")


# --- rendering -----------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _ci(interval: tuple[float, float] | None, *, percent: bool = True) -> str:
    if interval is None:
        return ""
    if percent:
        return f" [{interval[0] * 100:.1f}–{interval[1] * 100:.1f}]"
    return f" [{interval[0]:+.3f}, {interval[1]:+.3f}]"


def _ret(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _date(t: int | None) -> str:
    return "-" if t is None else datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def _print_summary(summary: PaperSummary) -> None:
    from rich.table import Table
    from rich.text import Text

    # Piped or captured: no terminal width to respect, keep rows whole (160 columns).
    out = console(highlight=False, soft_wrap=False)

    def market(question: str, source: str) -> Text:
        # Questions are untrusted: cell() renders them literally (no markup) and terminal-safe.
        text = cell(question if len(question) <= 60 else question[:59] + "…")
        if source == "demo":
            text.append(" [DEMO]", style="bold yellow")
        return text

    started = "" if summary.started else "  (not started: the bankroll is deposited on the first fill)"
    out.print(
        Text(
            f"Paper book  cash {usd(summary.cash_micros)}  equity {usd(summary.equity_micros)}  "
            f"realized {usd(summary.realized_micros, signed=True)}  unrealized {usd(summary.unrealized_micros, signed=True)}"
            f"{started}"
        )
    )
    if summary.awaiting_settlement:
        out.print(
            Text(
                f"{summary.awaiting_settlement} position(s) on resolved markets: run `pmtui paper settle`",
                style="yellow",
            )
        )
    if not summary.ledger.ok:
        out.print(cell("LEDGER PROBLEMS: " + "; ".join(summary.ledger.problems), style="bold red"))

    table = Table(title="Open positions", title_justify="left")
    # Prices per share in cents (as in the app), money in dollars: the headings say which.
    for column in (
        "#",
        "market",
        "outcome",
        "strategy",
        "shares",
        "entry ¢",
        "mark ¢",
        "value",
        "unrealized",
    ):
        table.add_column(
            column, justify="right" if column in ("#", "shares", "entry ¢", "value", "unrealized") else "left"
        )
    for m in summary.open:
        p = m.position
        mark = "at cost" if m.mark is None else f"{m.mark.price * 100:.1f} {m.mark.source}"
        if m.awaiting_settlement:
            mark += " (settle)"
        table.add_row(
            str(p.id),
            market(p.question, p.market_source),
            cell(p.outcome),
            cell(p.strategy),
            f"{p.shares_micros / 1_000_000:,.2f}",
            f"{float(p.entry_price) * 100:.2f}",
            mark,
            usd(m.value_micros),
            usd(m.unrealized_micros, signed=True),
        )
    _print_table(out, table, "no open positions")

    table = Table(title="Closed trades (latest 20)", title_justify="left")
    for column in ("#", "market", "outcome", "strategy", "result", "cost", "proceeds", "P&L", "closed"):
        table.add_column(column, justify="right" if column in ("#", "cost", "proceeds", "P&L") else "left")
    for p in summary.closed[:20]:
        table.add_row(
            str(p.id),
            market(p.question, p.market_source),
            cell(p.outcome),
            cell(p.strategy),
            p.result or "-",
            usd(p.cost_micros),
            usd(p.proceeds_micros or 0),
            usd(p.realized_micros, signed=True),
            _date(p.closed_t),
        )
    _print_table(out, table, "no closed trades")

    for title, groups in (("P&L by strategy", summary.by_strategy), ("P&L by category", summary.by_category)):
        table = Table(title=title, title_justify="left")
        for column in ("", "open", "closed", "W/L/void/sold", "realized", "unrealized", "total"):
            table.add_column(column, justify="left" if column == "" else "right")
        for g in groups:
            table.add_row(
                cell(g.key),
                str(g.n_open),
                str(g.n_closed),
                f"{g.wins}/{g.losses}/{g.voids}/{g.sold}",
                usd(g.realized_micros, signed=True),
                usd(g.unrealized_micros, signed=True),
                usd(g.total_micros, signed=True),
            )
        _print_table(out, table, "no positions yet")

    table = Table(title="Forward test: live paper vs latest backtest (95% intervals)", title_justify="left")
    for column in (
        "strategy",
        "live n",
        "live win rate",
        "live return/$1",
        "live P&L",
        "bt n",
        "bt win rate",
        "bt return/$1",
        "verdict",
    ):
        table.add_column(column, justify="left" if column in ("strategy", "verdict") else "right")
    for row in summary.forward:
        live, bt = row.live, row.backtest
        bt_n = (
            "-" if bt is None or bt.trades is None else f"{bt.trades}{' (demo)' if bt.generated_data else ''}"
        )
        table.add_row(
            cell(row.strategy),
            f"{live.n_settled} (+{live.voids} void)" if live.voids else str(live.n_settled),
            _pct(live.win_rate) + _ci(live.win_rate_ci),
            _ret(live.mean_return) + _ci(live.mean_return_ci, percent=False),
            usd(live.realized_micros, signed=True),
            bt_n,
            "-" if bt is None else _pct(bt.win_rate) + _ci(bt.win_rate_ci),
            "-" if bt is None else _ret(bt.mean_return) + _ci(bt.mean_return_ci, percent=False),
            Text(
                row.verdict
                if bt is None or bt.cannot_speak is None
                else f"{row.verdict}: {bt.run_id} {bt.cannot_speak}"
            ),
        )
    _print_table(out, table, "no strategy has paper trades or a backtest yet")
    out.print(Text(f"as of {_date(summary.now)} UTC", style="dim"))


def _print_table(out: Console, table: Table, empty: str) -> None:
    from rich.text import Text

    if table.row_count:
        out.print(table)
    else:
        out.print(Text(f"{table.title}: {empty}", style="dim"))


COMMANDS = [paper]
