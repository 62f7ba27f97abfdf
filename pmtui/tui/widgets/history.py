"""The price-history chart of a market: stored points (fetched history, snapshots, live points) with
the live price appended, in cents."""

from __future__ import annotations

from pmtui.tui import formatting as fmt
from pmtui.tui.widgets.chart import Chart


def draw_history(
    chart: Chart,
    history: list[tuple[int, float]],
    label: str,
    *,
    live: tuple[float, float] | None = None,
    empty: str = "no price history stored",
) -> None:
    """Draw `history` ((t, price) oldest first) and, when newer, the live (t, price) at its end."""
    points = list(history)
    if live is not None and 0 <= live[1] <= 1 and (not points or live[0] > points[-1][0]):
        points.append((int(live[0]), live[1]))
    if not points:
        chart.show_empty("price history", empty)
        return
    xs = [float(t) for t, _ in points]
    ys = [p * 100 for _, p in points]
    title = f"{label} price, ¢"
    if live is not None:
        title += f" · now {fmt.cents(live[1])}"
    # As many date labels as fit: plotext drops labels that collide, and which one it drops is not
    # stable from run to run, so a narrow chart asks for fewer.
    width = chart.size.width or 80
    count = 4 if width >= 48 else 3 if width >= 34 else 2
    chart.show_lines(title, [("", xs, ys)], xlabels=fmt.time_ticks(xs, count), ylim=(0, 100))
