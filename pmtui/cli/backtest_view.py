"""Rendering a backtest document (live or stored) as rich tables for the terminal.

Everything that came from the store (categories, strategy descriptions, error lines) is wrapped in
`Text` (never interpreted as Rich markup), and text from outside goes through `common.cell()`
(terminal-safe).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pmtui.cli.common import cell as untrusted
from pmtui.cli.common import console as safe_console
from pmtui.text import terminal_safe

if TYPE_CHECKING:
    from pmtui.backtest.runs import RunSummary

TOO_FEW = "⚠ too few trades"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _ci_pct(value: float | None, ci: list[float] | None) -> str:
    if value is None:
        return "—"
    if not ci:
        return _pct(value)
    return f"{value * 100:.1f}% [{ci[0] * 100:.1f}, {ci[1] * 100:.1f}]"


def _signed(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:+.{digits}f}"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:+,.2f}"


def _note(entry: dict[str, Any]) -> Text:
    return Text(TOO_FEW, style="bold yellow") if entry.get("too_few_trades") else Text("")


def verdict_text(entry: dict[str, Any], *, short: bool = False) -> Text:
    """ "edge" (green) only when the 95% return interval is above 0; runs stored before pmtui gave
    verdicts have none (their return interval was a t interval, not to be trusted)."""
    verdict = entry.get("verdict")
    if verdict is None:
        return Text("— (run again)", style="dim")
    if verdict == "edge":
        return Text("edge", style="bold green")
    return Text("no evidence" if short else str(verdict), style="yellow")


def _edge_style(value: float | None) -> str:
    if value is None:
        return ""
    return "green" if value > 0 else "red" if value < 0 else ""


_CARD_ROWS: list[tuple[str, Any]] = [
    ("considered", lambda e: f"{e['considered']:,}"),
    ("trades", lambda e: f"{e['trades']:,}"),
    ("wins / losses / voids", lambda e: f"{e['wins']:,} / {e['losses']:,} / {e['voids']:,}"),
    ("win rate", lambda e: _pct(e["win_rate"])),
    ("  95% CI (Wilson)", lambda e: _ci_range(e["win_rate_ci"])),
    ("avg cost $", lambda e: "—" if e["avg_cost"] is None else f"{e['avg_cost']:.3f}"),
    ("edge $", lambda e: Text(_signed(e["edge"]), style=_edge_style(e["edge"]))),
    ("return per $1", lambda e: _signed(e["mean_return"])),
    ("  95% CI", lambda e: _num_range(e["mean_return_ci"])),
    ("verdict", lambda e: verdict_text(e)),
    ("P&L, $1 flat", lambda e: Text(_money(e["total_pnl"]), style=_edge_style(e["total_pnl"]))),
    ("P&L, fractional Kelly", lambda e: _money(e["kelly_pnl"])),
    ("max drawdown, $1 flat", lambda e: "—" if e["max_drawdown"] is None else f"{e['max_drawdown']:.2f}"),
    ("Brier of prices traded", lambda e: "—" if e.get("brier") is None else f"{e['brier']:.4f}"),
    ("", lambda e: _note(e)),
]
_LABEL_WIDTH = 24
_CARD_WIDTH = 19


def _ci_range(ci: list[float] | None) -> str:
    return "—" if not ci else f"{ci[0] * 100:.1f} – {ci[1] * 100:.1f}%"


def _num_range(ci: list[float] | None) -> str:
    return "—" if not ci else f"{ci[0]:+.3f} – {ci[1]:+.3f}"


def _cards(title: str, columns: list[tuple[str, dict[str, Any]]], width: int) -> list[Table]:
    """Metrics as rows, one column per entry; as many columns per table as the width allows."""
    per_table = max(1, (width - _LABEL_WIDTH - 4) // (_CARD_WIDTH + 3))
    tables = []
    for start in range(0, len(columns), per_table):
        chunk = columns[start : start + per_table]
        table = Table(
            title=title if start == 0 else None,
            title_justify="left",
            caption_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
        )
        table.add_column("", no_wrap=True, min_width=_LABEL_WIDTH - 2)
        for heading, _ in chunk:
            table.add_column(Text(heading), justify="right", min_width=_CARD_WIDTH - 4)
        for label, cell in _CARD_ROWS:
            table.add_row(label, *[cell(entry) for _, entry in chunk])
        tables.append(table)
    return tables


def _results(document: dict[str, Any], width: int) -> list[Table]:
    config = document["config"]
    tables = _cards("Strategies", [(r["strategy"], r) for r in document["results"]], width)
    notes = [
        f"{r['strategy']}: {r['zero_losses']['text']}" for r in document["results"] if r.get("zero_losses")
    ]
    tables[-1].caption = "\n".join(
        [
            *notes,
            '$1 per trade held to resolution; a 50-50 resolution pays $0.50 a share. Verdict "edge" '
            "only when the whole 95% return interval is above 0.",
            f"Kelly: {config['kelly_fraction']:g}× Kelly on a ${config['kelly_bankroll']:g} notional "
            "bankroll, each stake sized from trades resolved before the decision (none before "
            f"{config['kelly_min_history']} outcomes).",
        ]
    )
    return tables


def _skips(document: dict[str, Any]) -> Table:
    table = Table(
        title="Markets skipped, by reason", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD
    )
    table.add_column("Strategy", no_wrap=True)
    table.add_column("Skipped")
    for result in document["results"]:
        text = " · ".join(f"{reason} {count:,}" for reason, count in result["skipped"].items()) or "none"
        table.add_row(Text(result["strategy"]), Text(text))
    return table


def _by_category(result: dict[str, Any], limit: int) -> Table:
    table = Table(
        title=f"{result['strategy']}: by category",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Category", no_wrap=True, max_width=20)
    for header in ("Trades", "Win [95% CI]", "Cost $", "Edge $", "Ret/$1", "P&L $1", "Verdict"):
        table.add_column(header, justify="right", no_wrap=True)
    with_trades = [c for c in result["by_category"] if c["trades"]]
    for entry in with_trades[:limit]:
        ci = entry["win_rate_ci"]
        rate = "—" if entry["win_rate"] is None else f"{entry['win_rate'] * 100:.1f}%"
        if ci:
            rate += f" [{ci[0] * 100:.0f}–{ci[1] * 100:.0f}]"
        trades = Text(f"{entry['trades']:,}")
        if entry["too_few_trades"]:
            trades.append("⚠", style="bold yellow")
        table.add_row(
            untrusted(entry["category"]),
            trades,
            rate,
            "—" if entry["avg_cost"] is None else f"{entry['avg_cost']:.2f}",
            Text(_signed(entry["edge"], 2), style=_edge_style(entry["edge"])),
            _signed(entry["mean_return"], 2),
            Text(_money(entry["total_pnl"]), style=_edge_style(entry["total_pnl"])),
            verdict_text(entry, short=True),
        )
    notes = ["⚠ = fewer than 30 trades with an outcome"]
    if len(with_trades) > limit:
        notes.append(f"{len(with_trades) - limit} more categories in --json")
    table.caption = "; ".join(notes)
    return table


def _split(document: dict[str, Any], width: int) -> list[Table]:
    date = document["config"]["split"]
    columns: list[tuple[str, dict[str, Any]]] = []
    for result in document["results"]:
        columns.append((f"{result['strategy']}\nbefore {date}", result["split"]["before"]))
        columns.append((f"{result['strategy']}\nfrom {date}", result["split"]["after"]))
    return _cards(f"Before / from {date} (by decision time)", columns, width)


def _calibration(document: dict[str, Any]) -> Table:
    brier = document.get("brier")
    title = "Calibration"
    if brier is not None:  # None when no market had a price and an outcome (nothing to backtest)
        title = f"Calibration of YES prices at decision time (Brier {brier:.4f}, n={document.get('brier_n') or 0:,})"
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for header in ("Price bucket", "n", "Mean price $", "Resolved YES [95% CI]"):
        table.add_column(header, justify="right")
    for row in document["calibration"]:
        if not row["n"]:
            continue
        table.add_row(
            row["bucket"],
            f"{row['n']:,}",
            f"{row['mean_price']:.3f}",
            _ci_pct(row["share_yes"], row["share_yes_ci"]),
        )
    return table


def _header(document: dict[str, Any]) -> Text:
    config = document["config"]
    markets = document["markets"]
    anchor = (
        "first price"
        if config["horizon"] == "open"
        else f"{config['horizon']} before {config['anchor']} date"
    )
    parts = [
        f"run {document['run_id'] or '(not stored)'}",
        f"decision {anchor}",
        f"cost {config['cost']:g}/share + fees",
        f"max staleness {config['max_staleness_s'] / 3600:g}h",
    ]
    if config.get("category"):
        parts.append(f"category {config['category']}")
    if config.get("from") or config.get("to"):
        parts.append(f"decided {config.get('from') or '…'} to {config.get('to') or '…'}")
    text = untrusted(" · ".join(parts))
    text.append(
        f"\n{markets['considered']:,} resolved markets considered, {markets['with_price']:,} with a usable price "
        "at decision time\n"
    )
    text.append(signals_note(document))
    if not markets["considered"]:
        text.append(
            "\nNothing to backtest: no resolved market matches (the store, the category and the dates "
            "decide which). Fill the store with `pmtui collect`, `pmtui import FILE` or `pmtui demo`.",
            style="bold yellow",
        )
    return text


def signals_note(document: dict[str, Any]) -> Text:
    """Whether this run may validate live signals (pmtui.backtest.eligibility), in one line."""
    from pmtui.backtest.eligibility import run_cannot_speak, run_facts

    config = json.dumps(document.get("config") or {})
    facts = run_facts(str(document.get("run_id") or ""), 0, bool(document.get("generated_data")), config)
    reason = run_cannot_speak(facts)
    if reason is None:
        return Text(
            "Signals: this run may validate the signals of strategies run live with these parameters.",
            style="dim",
        )
    return Text(f"Signals: this run never validates a signal ({reason}).", style="yellow")


def render(document: dict[str, Any], *, width: int = 100, categories: int = 12) -> Group:
    parts: list[Any] = []
    if document.get("generated_data"):
        parts.append(
            Panel(
                Text(
                    "GENERATED DEMO DATA: these markets and outcomes are made up (pmtui demo). "
                    "The numbers show how the engine works, not how a strategy would have done.",
                    style="bold",
                ),
                border_style="red",
            )
        )
    parts += [_header(document), *_results(document, width), _skips(document)]
    if document["config"].get("split"):
        parts += _split(document, width)
    for result in document["results"]:
        if any(c["trades"] for c in result["by_category"]):
            parts.append(_by_category(result, categories))
        if result.get("errors"):
            parts.append(Text(f"{result['strategy']}: decide() failed on some markets:", style="bold red"))
            parts += [untrusted(f"  {line}") for line in result["errors"]]
    parts.append(_calibration(document))
    return Group(*parts)


def print_document(document: dict[str, Any], console: Console | None = None) -> None:
    console = console or safe_console(piped_width=None)
    console.print(render(document, width=console.width))


def runs_table(runs: Sequence[RunSummary]) -> Group:
    """`pmtui backtest runs`: two lines per stored run, the facts then the strategies (and label).

    The run id is what `show` and `export` take, so it leads its line in full at any width and when
    piped; only the strategies line wraps (indented under its run).
    """
    ids = [terminal_safe(r.run_id) for r in runs]
    id_width = max(len("Run"), *(len(run_id) for run_id in ids))
    header = Text(f"{'Run':<{id_width}}  {'Created UTC':<16}  {'Horizon':<7}  Data  Secs", style="bold")
    header.no_wrap = True
    lines: list[Any] = [header]
    for r, run_id in zip(runs, ids, strict=True):
        created = r.to_json()["created"][:16].replace("T", " ")
        line = Text(f"{run_id:<{id_width}}  {created:<16}  ")
        line.append(f"{terminal_safe(r.horizon or ''):<7}  ")
        line.append(
            "demo" if r.generated_data else "real", style="bold black on yellow" if r.generated_data else ""
        )
        line.append("  " + ("" if r.duration_s is None else f"{r.duration_s:>4.1f}"))
        line.no_wrap = True
        lines.append(line)
        detail = untrusted(", ".join(f"{name} ({r.trades.get(name, 0):,})" for name in r.strategies), "dim")
        if r.label:
            detail.append(" · label: ")
            detail.append(untrusted(r.label))
        lines.append(Padding(detail, (0, 0, 0, 2), expand=False))
    return Group(*lines)
