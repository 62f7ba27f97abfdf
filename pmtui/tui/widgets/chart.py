"""Line and bar charts drawn with plotext (price history, equity curves, calibration).

plotext is imported, and its plot mounted, at the first drawing: a chart that has not drawn anything
yet (the Markets detail before a market is picked) costs the first screen nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from textual_plotext import PlotextPlot


class Chart(Widget):
    """A plotext chart that redraws from plain data; shows `empty_text` when there is none."""

    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 6; }
    Chart > * { height: 1fr; }
    Chart > .chart-placeholder { content-align: center top; text-align: center; color: $text-muted; }
    """

    def __init__(self, *, empty_text: str = "no data", id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._empty_text = empty_text
        self._plot: PlotextPlot | None = None

    def compose(self) -> ComposeResult:
        yield Static("", classes="chart-placeholder")

    def _draw(self, title: str, draw: Callable[[Any], None]) -> None:
        """Clear the figure, title it, run `draw(plt)`, and show it (mounting the plot the first time)."""
        if self._plot is None:
            from textual_plotext import PlotextPlot

            self._plot = PlotextPlot()
            self.query(".chart-placeholder").remove()
            self.mount(self._plot)
        plt = self._plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        draw(plt)
        self._plot.refresh()

    def show_empty(self, title: str, reason: str | None = None) -> None:
        text = reason or self._empty_text
        if self._plot is None:  # nothing drawn yet: words do, without plotext
            self.query_one(".chart-placeholder", Static).update(Text.assemble((title, "bold"), "\n\n", text))
            return

        def draw(plt: Any) -> None:
            plt.text(text, 0.5, 0.5, alignment="center")
            plt.xlim(0, 1)
            plt.ylim(0, 1)
            plt.xticks([])
            plt.yticks([])

        self._draw(title, draw)

    def show_lines(
        self,
        title: str,
        series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
        *,
        xlabels: tuple[Sequence[float], Sequence[str]] | None = None,
        ylim: tuple[float, float] | None = None,
        ylabels: tuple[Sequence[float], Sequence[str]] | None = None,
    ) -> None:
        """Each series is (label, xs, ys); `xlabels` / `ylabels` place readable tick labels."""
        if not any(len(xs) for _, xs, _ in series):
            self.show_empty(title)
            return

        def draw(plt: Any) -> None:
            for label, xs, ys in series:
                if len(xs):
                    plt.plot(list(xs), list(ys), label=label or None, marker="braille")
            if xlabels is not None:
                plt.xticks(list(xlabels[0]), list(xlabels[1]))
            if ylim is not None:
                plt.ylim(*ylim)
            if ylabels is not None:
                plt.yticks(list(ylabels[0]), list(ylabels[1]))

        self._draw(title, draw)

    def show_bars(self, title: str, labels: Sequence[str], values: Sequence[float]) -> None:
        if not labels:
            self.show_empty(title)
            return
        self._draw(title, lambda plt: plt.bar(list(labels), list(values), width=0.6))
