"""`pmtui signals` (run the batch signal processor) and `pmtui queue` (review the signals)."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.text import Text

from pmtui.cli.common import AppContext, cell, console, echo, echo_json, fail, one_line, pass_app
from pmtui.config import ConfigError


def _parse_at(value: str | None) -> int | None:
    if value is None:
        return None
    from pmtui.polymarket.parsing import parse_time

    if value.strip().lower() == "now":
        return int(time.time())
    parsed = parse_time(value)
    if parsed is None:
        raise click.BadParameter(f"expected unix seconds, an ISO date/time or 'now', got {value!r}")
    return parsed


def _who() -> str:
    return os.environ.get("USER") or "cli"


def _table(*columns: str) -> Any:
    from rich.table import Table

    table = Table(header_style="bold", show_lines=False)
    for column in columns:
        wide = column in ("market", "why", "market / why")
        # An outcome name comes from outside: a long one wraps in its own column rather than
        # squeezing the market column away.
        wraps = wide or column == "buy"
        table.add_column(
            column,
            overflow="fold",
            no_wrap=not wraps,
            ratio=3 if wide else None,
            max_width=None if wide else 24,
        )
    return table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the compact JSON document.")
@click.option("--dry-run", is_flag=True, help="Evaluate without touching the queue.")
@click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help="Evaluation time (unix seconds, ISO date/time or 'now'). Default: the time of the freshest "
    "price in the store, so two dry runs on the same store agree.",
)
@click.option(
    "--batch-size", type=int, help="Markets per batch (50–300; default settings.signals.batch_size)."
)
@click.option("--max-batches", type=click.IntRange(min=1), help="Stop after this many batches.")
@click.option("--strategy", "strategies", multiple=True, metavar="NAME", help="Run only these strategies.")
@click.option("--market", "markets", multiple=True, metavar="ID", help="Evaluate only these market ids.")
@click.option(
    "--param", "params", multiple=True, metavar="NAME.KEY=VALUE", help="Override a strategy parameter."
)
@pass_app
def signals(
    app: AppContext,
    as_json: bool,
    dry_run: bool,
    at_text: str | None,
    batch_size: int | None,
    max_batches: int | None,
    strategies: tuple[str, ...],
    markets: tuple[str, ...],
    params: tuple[str, ...],
) -> None:
    """Run the strategies over the open markets in the store and fill the review queue.

    Markets go in batches through dedupe, categorize, cluster, evaluate, rank and enqueue. Signals
    carry the executable price, the strategy's backtested win rate (or "unvalidated", stake 0),
    the edge after fees and a fractional-Kelly stake.
    """
    from pmtui.signals.batch import BatchOptions, run_signals
    from pmtui.signals.document import report_document
    from pmtui.signals.estimates import backtest_estimates
    from pmtui.strategies.params import parse_param_overrides

    settings = app.settings
    try:
        options = BatchOptions(
            at=_parse_at(at_text),
            batch_size=batch_size,
            max_batches=max_batches,
            strategies=strategies,
            param_overrides=parse_param_overrides(params),
            market_ids=markets or None,
            dry_run=dry_run,
        )
        db = app.open_db()
        report = run_signals(db, settings, backtest_estimates(), options)
    except ConfigError as exc:
        from pmtui.cli.common import fail_config

        fail_config(exc)
    document = report_document(report, settings)
    if as_json:
        echo_json(document)
        return
    _print_report(document)


def _print_report(document: dict[str, Any]) -> None:
    from rich.text import Text

    out = console()
    summary = document["dedupe_summary"]
    plan = document["next_batch_plan"]
    changes = document["queue_changes"]
    mode = "dry run: queue untouched" if document["dry_run"] else "queue updated"
    out.print(
        Text(
            f"{summary['unique_items']} markets ({summary['input_items']} in, {summary['clusters']} clusters), "
            f"{plan['markets_evaluated']} evaluated in {plan['batches_run']} batches of {plan['batch_size']}; "
            f"{mode}: {changes['new']} new, {changes['updated']} updated, {changes['unchanged']} unchanged, "
            f"{changes['expired']} expired"
        )
    )
    table = _table("#", "queue", "strategy", "buy", "price ¢", "win est", "edge ¢", "stake $", "market / why")
    for item in document["review_queue"]:
        # cell(...) everywhere: market questions come from strangers and must be neither read as
        # markup nor obeyed by the terminal.
        table.add_row(
            cell(item["signal_id"] or "-"),
            cell(item["queue"]),
            cell(item["strategy"]),
            cell(item["outcome"]),
            cell(f"{_cents(item['price'])} {item['price_source']}"),
            estimate_cell(item["estimate"]),
            cell("-" if item["edge"] is None else _cents(item["edge"], signed=True)),
            cell(f"{item['stake_usd']:.2f}"),
            _market_why(item["question"], item["rationale"], item["estimate"]),
        )
    out.print(table)
    shown, total = len(document["review_queue"]), document["review_queue_total"]
    if total > shown:
        out.print(Text(f"showing the best {shown} of {total} proposals"))
    if document["skipped"]:
        out.print(cell("skipped: " + ", ".join(f"{k} {v}" for k, v in document["skipped"].items())))
    out.print(
        Text(f"next batch: {plan['stop_reason']}, recommended batch size {plan['recommended_batch_size']}")
    )


def estimate_cell(estimate: dict[str, Any]) -> Text:
    """p with its 95% interval and n, "validated" or not; "no backtest" without one."""
    from rich.text import Text

    from pmtui.stats import chance_text

    p, interval = estimate.get("p"), estimate.get("p_interval")
    if p is None or not interval:
        return cell("no backtest")
    verdict = "validated" if estimate.get("validated") else "not validated"
    head = f"{chance_text(p)} [{chance_text(interval[0])}–{chance_text(interval[1])}]"
    return cell(head) + Text("\n") + cell(f"n={estimate.get('n', 0)} {verdict}")


def _estimate_line(estimate: dict[str, Any]) -> str:
    """The estimate's reason and the run it came from, e.g. "no edge: return [...] on 23 similar
    trades (bt-…, costs 93.5–96.9¢, horizon 7d)"."""
    reason = str(estimate.get("reason") or "no backtest yet")
    run = estimate.get("run_id")
    if not run:
        return reason
    matched = estimate.get("matched_on") or {}
    where = [str(run)]
    costs = matched.get("cost")
    if isinstance(costs, list) and len(costs) == 2:
        where.append(f"costs {costs[0] * 100:.1f}–{costs[1] * 100:.1f}¢")  # cents, as the price column
    if matched.get("horizon"):
        where.append(f"horizon {matched['horizon']}")
    if estimate.get("generated_data"):
        where.append("GENERATED DATA")
    return f"{reason} ({', '.join(where)})"


def _market_why(question: str, rationale: str, estimate: dict[str, Any]) -> Text:
    from rich.text import Text

    return Text.assemble(
        cell(question),
        "\n",
        cell(rationale, style="dim"),
        "\n",
        cell(_estimate_line(estimate), style="italic"),
    )


# --- queue -------------------------------------------------------------------------------------------


@click.group()
def queue() -> None:
    """Review the signals: list, approve, reject."""


def _signal_document(signal: Any) -> dict[str, Any]:
    from pmtui.money import MICROS

    return {
        "id": signal.id,
        "status": signal.status,
        "status_time": signal.status_time,
        "status_reason": signal.status_reason,
        "note": signal.note,
        "created": signal.created,
        "updated": signal.updated,
        "expires": signal.expires,
        "market_id": signal.market_id,
        "question": signal.question,
        "category": signal.category,
        "strategy": signal.strategy,
        "params": signal.params,
        "outcome_index": signal.outcome_index,
        "outcome": signal.outcome,
        "token_id": signal.token_id,
        "price": signal.price,
        "price_source": signal.price_source,
        "cost": signal.cost,
        "validated": signal.validated,
        "est_win_prob": signal.est_win_prob,
        "estimate": signal.est_source,
        "edge": signal.edge,
        "score": signal.score,
        "stake_usd": round(signal.stake_micros / MICROS, 2),
        "rationale": signal.rationale,
        "source": signal.source,
    }


@queue.command("list")
@click.option(
    "--status", type=click.Choice(["pending", "approved", "rejected", "expired"]), help="Only this status."
)
@click.option("--strategy", metavar="NAME", help="Only this strategy.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def queue_list(app: AppContext, status: str | None, strategy: str | None, as_json: bool) -> None:
    """List signals, pending first (best first). Expires what is due before listing."""
    from pmtui.signals.queue import expire_due, list_signals

    db = app.open_db()
    expire_due(db, int(time.time()))
    rows = list_signals(db, status=status, strategy=strategy)
    if as_json:
        echo_json([_signal_document(s) for s in rows])
        return
    from rich.text import Text

    table = _table(
        "id", "status", "strategy", "buy", "price ¢", "win est", "edge ¢", "stake $", "market / why"
    )
    for s in rows:
        table.add_row(
            cell(s.id),
            cell(s.status) if s.status == "pending" else cell(s.status) + Text("\n") + cell(s.status_reason),
            cell(s.strategy),
            cell(s.outcome),
            cell(_cents(s.price)),
            estimate_cell(s.est_source),
            cell("-" if s.edge is None else _cents(s.edge, signed=True)),
            cell(f"{s.stake_micros / 1e6:.2f}"),
            _market_why(s.question, s.rationale, s.est_source),
        )
    console().print(table)
    if not rows:
        echo("no signals")


def _signal_output(db: Any, signal: Any, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    from pmtui.signals import queue as review

    position = db.execute("SELECT id FROM paper_positions WHERE signal_id = ?", [signal.id]).fetchone()
    if as_json:
        document = _signal_document(signal)
        document["paper_position_id"] = position[0] if position else None
        document.update(extra or {})
        echo_json(document)
        return
    echo(
        f"signal #{signal.id} {signal.status}: {one_line(signal.strategy)} buy {one_line(signal.outcome)} "
        f"on {one_line(signal.question)}"
    )
    if position:
        echo(f"paper position #{position[0]}: {one_line(review.fill_text(db, signal.id))}")


@queue.command("approve")
@click.argument("signal_id", type=int)
@click.option(
    "--stake",
    type=click.FloatRange(min=0, min_open=True),
    metavar="DOLLARS",
    help="Spend this much (fee included; the caps and the cash still apply). Needed for a signal that "
    "is not validated, which pmtui sizes at zero.",
)
@click.option("--dry-run", is_flag=True, help="Show the fill it would make now, and approve nothing.")
@click.option("--offline", is_flag=True, help="Do not refresh the order book: price from the store only.")
@click.option("--note", metavar="TEXT", help="Why (kept with the decision).")
@click.option("--json", "as_json", is_flag=True, help="Print the signal (or the plan) as JSON.")
@pass_app
def approve_command(
    app: AppContext,
    signal_id: int,
    stake: float | None,
    dry_run: bool,
    offline: bool,
    note: str | None,
    as_json: bool,
) -> None:
    """Approve a pending signal and fill its paper position at the price of now.

    The order book is fetched again first; the fill is re-priced at the current ask, re-estimated and
    re-sized. Refused (the signal stays pending) when the price moved against you by more than
    `signals.approve_tolerance` (1¢), when its edge is gone, when it is not validated and no --stake
    was given, or when it expired or was already decided.
    """
    from pmtui.money import to_micros
    from pmtui.signals import queue as review
    from pmtui.signals.estimates import backtest_estimates
    from pmtui.signals.fill import plan_fill, refresh_book
    from pmtui.signals.store import get_signal

    db = app.open_db()
    signal = get_signal(db, signal_id)
    if signal is None:
        fail(f"no signal #{signal_id}")
    refreshed = None if offline else refresh_book(db, app.settings, signal.market_id)
    if refreshed is not None and not as_json:
        echo(f"{refreshed}; pricing from the store", err=True, one_line=True)
    stake_micros = None if stake is None else to_micros(stake)
    now = int(time.time())
    if dry_run:
        plan = plan_fill(
            db, signal_id, app.settings, backtest_estimates(), now=now, stake_micros=stake_micros
        )
        if as_json:
            echo_json(_plan_document(plan))
        else:
            echo(("would fill: " if plan.ok else "") + plan.summary(), one_line=True)
        if not plan.ok:
            raise SystemExit(1)
        return
    try:
        approved = review.approve(
            db, signal_id, by=_who(), note=note, settings=app.settings, stake_micros=stake_micros, now=now
        )
    except review.QueueError as exc:
        fail(str(exc))
    _signal_output(db, approved, as_json)


def _plan_document(plan: Any) -> dict[str, Any]:
    from pmtui.money import usd_number

    return {
        "signal_id": plan.signal.id,
        "ok": plan.ok,
        "refusal": plan.refusal,
        "seen_price": plan.seen_price,
        "price": plan.price,
        "fill_price": plan.fill_price,
        "price_source": plan.price_source,
        "shares": plan.shares_micros / 1e6,
        "fee": usd_number(plan.fee_micros),
        "cost": usd_number(plan.cost_micros),
        "limited_by": plan.limit_text if plan.ok else None,
        "estimate": None if plan.estimate is None else plan.estimate.to_json(),
    }


@queue.command("reject")
@click.argument("signal_id", type=int)
@click.option("--note", metavar="TEXT", help="Why (kept with the decision).")
@click.option("--json", "as_json", is_flag=True, help="Print the signal as JSON.")
@pass_app
def reject_command(app: AppContext, signal_id: int, note: str | None, as_json: bool) -> None:
    """Reject a pending signal; the trade is not proposed again (refused if expired or decided)."""
    from pmtui.signals import queue as review

    db = app.open_db()
    try:
        signal = review.reject(db, signal_id, by=_who(), note=note)
    except review.QueueError as exc:
        fail(str(exc))
    _signal_output(db, signal, as_json)


def _cents(price: float, *, signed: bool = False) -> str:
    """A price (or a price difference) per share in cents, as the app and the rationales show it;
    the table headings say so. `--json` keeps prices in dollars (0-1)."""
    return f"{price * 100:+.1f}" if signed else f"{price * 100:.1f}"


COMMANDS = [signals, queue]
