"""One backtest run, or two side by side: the metrics per strategy, an equity curve, calibration.

Metrics are rows and strategies are columns (the layout of `pmtui backtest`), so a comparison is
just more columns; columns that do not fit the width go to a second table below, so nothing is cut
off and nothing scrolls sideways. Every win
rate carries its 95% Wilson interval and n; generated (demo) data is labelled above everything.
Strategy names, categories and labels come from the store and are shown literally.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from pmtui.backtest.eligibility import run_cannot_speak, run_facts
from pmtui.tui import formatting as fmt
from pmtui.tui.queries.backtests import LoadedRun
from pmtui.tui.widgets.chart import Chart
from pmtui.tui.widgets.table import VimTable

TOO_FEW = "⚠ too few trades"
DEMO_BANNER = "GENERATED DEMO DATA: made-up markets (pmtui demo), not real results."
LABEL_WIDTH = 18
Entry = dict[str, Any]
Shown = tuple[str, LoadedRun]
"""(prefix, run): the prefix is "" for one run, "A"/"B" when comparing."""


def _n(entry: Entry) -> int:
    """Trades with an outcome (the win rate's n)."""
    if "losses" in entry:
        return int(entry.get("wins", 0)) + int(entry["losses"])
    return int(entry.get("trades", 0)) - int(entry.get("voids", 0))


def win_rate_text(entry: Entry) -> Text:
    rate, ci = entry.get("win_rate"), entry.get("win_rate_ci")
    if rate is None:
        return Text(f"{fmt.DASH} n={_n(entry):,}", style="dim")
    text = f"{rate * 100:.1f}%"
    if ci:
        text += f" [{ci[0] * 100:.1f}–{ci[1] * 100:.1f}]"
    return Text(f"{text} n={_n(entry):,}")


def _signed(value: float | None, digits: int = 3) -> Text:
    if value is None:
        return Text(fmt.DASH, style="dim")
    style = "green" if value > 0 else "red" if value < 0 else ""
    return Text(f"{value:+.{digits}f}", style=style)


def _cents(price: float | None) -> Text:
    """A price per share in cents, the app's one unit for prices."""
    return Text(fmt.DASH, style="dim") if price is None else Text(fmt.cents(price))


def _signed_cents(value: float | None) -> Text:
    return Text(fmt.DASH, style="dim") if value is None else fmt.signed_cents(value)


def _plain(value: float | None, digits: int) -> Text:
    return Text(fmt.DASH, style="dim") if value is None else Text(f"{value:.{digits}f}")


def _mean_return(entry: Entry) -> Text:
    text = _signed(entry.get("mean_return"))
    ci = entry.get("mean_return_ci")
    if ci:
        text.append(f" [{ci[0]:+.3f},{ci[1]:+.3f}]", style="")
    return text


def verdict_text(entry: Entry) -> Text:
    """ "edge" only when the whole 95% return interval is above 0. A run stored before pmtui gave
    verdicts has none: its return interval was a t interval and cannot be trusted."""
    verdict = entry.get("verdict")
    if verdict is None:
        return Text(f"{fmt.DASH} run again", style="dim")
    if verdict == "edge":
        return Text("edge", style="bold green")
    return Text("no evidence", style="yellow")


def _zero_losses(entry: Entry) -> Text:
    """With no loss in n: the loss rate the data still allow (rule of three)."""
    found = entry.get("zero_losses")
    if not isinstance(found, dict) or "loss_rate_upper" not in found:
        return Text("")
    return Text(f"loss ≤{found['loss_rate_upper'] * 100:.1f}%", style="yellow")


def too_few(entry: Entry, min_trades: int) -> bool:
    if "too_few_trades" in entry:
        return bool(entry["too_few_trades"])
    return _n(entry) < min_trades


def _warning_cell(min_trades: int) -> Callable[[Entry], Text]:
    def cell(entry: Entry) -> Text:
        return Text(TOO_FEW, style="bold yellow") if too_few(entry, min_trades) else Text("")

    return cell


METRICS: list[tuple[str, str, Callable[[Entry], Text]]] = [
    # (row key, label, cell)
    ("considered", "Markets considered", lambda e: Text(f"{e.get('considered', 0):,}")),
    ("trades", "Trades", lambda e: Text(f"{e.get('trades', 0):,}", style="bold")),
    (
        "wlv",
        "Wins/losses/voids",
        lambda e: Text(f"{e.get('wins', 0):,} / {_n(e) - int(e.get('wins', 0)):,} / {e.get('voids', 0):,}"),
    ),
    ("win_rate", "Win rate [95% CI]", win_rate_text),
    ("avg_cost", "Avg cost", lambda e: _cents(e.get("avg_cost"))),
    ("edge", "Edge (win − cost)", lambda e: _signed_cents(e.get("edge"))),
    ("mean_return", "Return/$1 [95% CI]", _mean_return),
    ("verdict", "Verdict", lambda e: verdict_text(e)),
    ("zero_losses", "0-loss bound", lambda e: _zero_losses(e)),
    ("total_pnl", "P&L $1 flat", lambda e: _signed(e.get("total_pnl"), 2)),
    ("kelly_pnl", "P&L frac. Kelly", lambda e: _signed(e.get("kelly_pnl"), 2)),
    ("max_drawdown", "Max drawdown $1", lambda e: _plain(e.get("max_drawdown"), 2)),
    ("brier", "Brier (prices)", lambda e: _plain(e.get("brier"), 4)),
]


def columns_of(shown: Sequence[Shown]) -> list[tuple[str, Entry]]:
    """(heading, metrics) per strategy of each run; a split run adds before/after columns."""
    columns: list[tuple[str, Entry]] = []
    for prefix, run in shown:
        for result in run.results:
            name = str(result.get("strategy", "?"))
            heading = f"{prefix} {name}" if prefix else name
            columns.append((heading, result))
            split = result.get("split")
            if isinstance(split, dict):
                columns.append((f"{heading} <{split.get('date')}", split.get("before", {})))
                columns.append((f"{heading} ≥{split.get('date')}", split.get("after", {})))
    return columns


def skip_reasons(columns: Sequence[tuple[str, Entry]]) -> list[str]:
    reasons: dict[str, None] = {}
    for _, entry in columns:
        for reason in entry.get("skipped", {}) or {}:
            reasons[str(reason)] = None
    return list(reasons)


def config_line(config: dict[str, Any]) -> str:
    horizon = config.get("horizon", "?")
    decision = "at first price" if horizon == "open" else f"{horizon} before {config.get('anchor', 'end')}"
    cost = config.get("cost")
    parts = [decision, "cost ?" if cost is None else f"cost {float(cost) * 100:g}¢/share"]
    staleness = config.get("max_staleness_s")
    if staleness is not None:
        parts.append(f"staleness {fmt.short_span(float(staleness))}")
    if config.get("category"):
        parts.append(f"category {config['category']}")
    if config.get("from") or config.get("to"):
        parts.append(f"{config.get('from') or '…'} → {config.get('to') or '…'}")
    if config.get("split"):
        parts.append(f"split {config['split']}")
    return " · ".join(parts)


def run_header(prefix: str, run: LoadedRun) -> Text:
    text = Text()
    if prefix:
        text.append(f"{prefix} ", style="bold reverse")
    text.append(run.run_id, style="bold")
    text.append(f"  {fmt.utc_date(run.created)}", style="dim")
    if run.label:
        text.append("  ")
        text.append(fmt.literal(run.label, style="italic"))
    if run.generated_data:
        text.append("  ")
        text.append("DEMO", style="bold black on yellow")
    text.append("\n")
    text.append(fmt.literal(config_line(run.config), style="dim"))
    markets = run.document.get("markets")
    if isinstance(markets, dict) and "considered" in markets:
        text.append(
            f" · {markets['considered']:,} resolved markets, {markets.get('with_price', 0):,} priced",
            style="dim",
        )
    facts = run_facts(run.run_id, int(run.created), run.generated_data, json.dumps(run.config))
    reason = run_cannot_speak(facts)
    if reason is not None:
        text.append(f"\nnever validates a signal: {reason}", style="yellow")
    return text


class BacktestResults(VerticalScroll):
    """The right-hand side of the Backtests tab."""

    def compose(self) -> ComposeResult:
        yield Static("", id="bt-demo-banner")
        yield Static(Text("No run open: run one from the form (ctrl+r) or open a past run."), id="bt-header")
        yield Static("", id="bt-warning", classes="warning")
        yield Vertical(id="bt-metrics-group")
        with Horizontal(id="bt-charts"):
            yield Chart(empty_text="no trades", id="bt-equity")
            yield Chart(empty_text="no calibration", id="bt-calibration")

    def on_mount(self) -> None:
        self.query_one("#bt-demo-banner").display = False
        self.query_one("#bt-warning").display = False
        self.query_one("#bt-charts").display = False
        self._shown_table: tuple[Sequence[tuple[str, Entry]], int] | None = None
        self._table_width = 0

    @property
    def metrics(self) -> VimTable:
        """The first metrics table (strategies beyond what fits the width follow in more tables)."""
        return self.query_one("#bt-metrics", VimTable)

    def on_resize(self) -> None:
        if self._shown_table is not None and self._room() != self._table_width:
            self._table(*self._shown_table)

    def _room(self) -> int:
        """The width the tables may take: the pane's, less the vertical scrollbar even while it is not
        shown yet (the tables themselves can make the pane scroll)."""
        width = self.scrollable_content_region.width or self.size.width
        if not self.show_vertical_scrollbar:
            width -= self.styles.scrollbar_size_vertical
        return width

    def show(self, shown: Sequence[Shown]) -> None:
        """One run (prefix "") or two ("A", "B")."""
        self._banner(shown)
        self.query_one("#bt-header", Static).update(Text("\n").join([run_header(p, r) for p, r in shown]))
        min_trades = min(int(r.config.get("min_trades", 30)) for _, r in shown)
        columns = columns_of(shown)
        self._warning(columns, min_trades)
        self._table(columns, min_trades)
        self.query_one("#bt-charts").display = True
        self._equity(shown)
        self._calibration(shown)
        self.scroll_home(animate=False)

    def _banner(self, shown: Sequence[Shown]) -> None:
        banner = self.query_one("#bt-demo-banner", Static)
        generated = [p for p, r in shown if r.generated_data]
        banner.display = bool(generated)
        if generated:
            which = f"{' and '.join(generated)}: " if any(generated) else ""
            banner.update(Text(which + DEMO_BANNER))

    def _warning(self, columns: Sequence[tuple[str, Entry]], min_trades: int) -> None:
        few = [f"{heading} ({_n(entry):,})" for heading, entry in columns if too_few(entry, min_trades)]
        warning = self.query_one("#bt-warning", Static)
        warning.display = bool(few)
        if few:
            warning.update(Text(f"{TOO_FEW} (< {min_trades} with an outcome): {', '.join(few)}"))

    def _table(self, columns: Sequence[tuple[str, Entry]], min_trades: int) -> None:
        """Metrics as rows, strategies as columns, in as many tables (one under the other) as the
        width needs: never a table wider than the pane (no sideways scrolling, also when comparing)."""
        self._shown_table = (columns, min_trades)
        room = self._table_width = self._room()
        columns_room = room - (LABEL_WIDTH + 2) - 1
        # As wide as the widest figure, but never wider than the room (a lone column then cuts its
        # longest cell rather than make the table scroll).
        widest = max(12, min(24, columns_room - 2))
        widths = [
            min(max(len(heading), len(win_rate_text(entry)), len(_mean_return(entry)), 12), widest)
            for heading, entry in columns
        ]
        rows: list[tuple[str, str, Callable[[Entry], Text]]] = list(METRICS[:2])
        for reason in skip_reasons(columns):
            rows.append((f"skip:{reason}", f" skip {reason}", _skip_cell(reason)))
        rows += METRICS[2:]
        rows.append(("warning", "", _warning_cell(min_trades)))
        tables: list[VimTable] = []
        for part, numbers in enumerate(fit_columns(widths, columns_room)):
            # A read-only table: no row cursor. Its height is set, not measured, so it never
            # shows empty for a frame (or a snapshot) before its rows were measured.
            table = VimTable(id="bt-metrics" if part == 0 else f"bt-metrics-{part + 1}", classes="bt-metrics")
            table.cursor_type = "none"
            table.styles.height = len(rows) + 1
            table.add_column(Text("Metric"), key="metric", width=LABEL_WIDTH)
            for number in numbers:
                heading = Text(columns[number][0], justify="right")
                table.add_column(heading, key=f"c{number}", width=widths[number])
            for key, label, cell in rows:
                cells = [fmt.right(cell(columns[number][1])) for number in numbers]
                table.add_row(Text(label, style="dim" if label.startswith(" ") else ""), *cells, key=key)
            tables.append(table)
        self.run_worker(self._replace_tables(tables), group="bt-metrics", exclusive=True)

    async def _replace_tables(self, tables: list[VimTable]) -> None:
        group = self.query_one("#bt-metrics-group")
        await group.remove_children()  # first: the new tables reuse the old ones' ids
        await group.mount(*tables)

    def _equity(self, shown: Sequence[Shown]) -> None:
        chart = self.query_one("#bt-equity", Chart)
        series: list[tuple[str, list[float], list[float]]] = []
        all_t: list[float] = []
        for prefix, run in shown:
            for name, curve in run.curves.items():
                keep = [i for i, t in enumerate(curve.resolve_t.tolist()) if not math.isnan(t)]
                xs = [float(curve.resolve_t[i]) for i in keep]
                ys = [float(curve.flat[i]) for i in keep]
                if xs:
                    series.append((f"{prefix} {name}".strip(), xs, ys))
                    all_t += xs
        title = "Equity: cumulative P&L, $1 per trade"
        if not series:
            chart.show_empty(title, "no trades stored for this run")
            return
        all_t.sort()
        chart.show_lines(title, series, xlabels=fmt.time_ticks(all_t))

    def _calibration(self, shown: Sequence[Shown]) -> None:
        chart = self.query_one("#bt-calibration", Chart)
        series: list[tuple[str, list[float], list[float]]] = []
        for prefix, run in shown:
            rows = [
                r
                for r in run.document.get("calibration", []) or []
                if r.get("n") and r.get("mean_price") is not None and r.get("share_yes") is not None
            ]
            if rows:
                label = f"{prefix} resolved YES".strip()
                prices = [r["mean_price"] * 100 for r in rows]
                series.append((label, prices, [r["share_yes"] * 100 for r in rows]))
        # Prices in cents, as everywhere in the app; how often YES won in percent.
        title = "Calibration: YES won % by price"
        if not series:
            chart.show_empty(title, "no priced markets")
            return
        series.append(("perfect", [0.0, 100.0], [0.0, 100.0]))
        ticks = [0.0, 25.0, 50.0, 75.0, 100.0]
        chart.show_lines(title, series, xlabels=(ticks, [f"{t:g}¢" for t in ticks]), ylim=(0.0, 100.0))


def _skip_cell(reason: str) -> Callable[[Entry], Text]:
    def cell(entry: Entry) -> Text:
        count = (entry.get("skipped") or {}).get(reason, 0)
        return Text(f"{count:,}", style="dim" if not count else "")

    return cell


def fit_columns(widths: Sequence[int], room: int) -> list[list[int]]:
    """Column numbers in groups, each group's columns (2 cells of padding each) within `room` cells;
    at least one column per group however narrow the room."""
    groups: list[list[int]] = [[]]
    used = 0
    for number, width in enumerate(widths):
        if groups[-1] and used + width + 2 > room:
            groups.append([])
            used = 0
        groups[-1].append(number)
        used += width + 2
    return groups
