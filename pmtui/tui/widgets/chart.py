"""Line and bar charts drawn with plotext (price history, equity curves, calibration)."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot


class Chart(PlotextPlot):
    """A plotext chart that redraws from plain data; shows `empty_text` when there is none."""

    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 6; }
    """

    def __init__(self, *, empty_text: str = "no data", id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._empty_text = empty_text

    def _reset(self, title: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)

    def show_empty(self, title: str, reason: str | None = None) -> None:
        self._reset(title)
        self.plt.text(reason or self._empty_text, 0.5, 0.5, alignment="center")
        self.plt.xlim(0, 1)
        self.plt.ylim(0, 1)
        self.plt.xticks([])
        self.plt.yticks([])
        self.refresh()

    def show_lines(
        self,
        title: str,
        series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
        *,
        xlabels: tuple[Sequence[float], Sequence[str]] | None = None,
        ylim: tuple[float, float] | None = None,
    ) -> None:
        """Each series is (label, xs, ys); `xlabels` places readable tick labels on the x axis."""
        if not any(len(xs) for _, xs, _ in series):
            self.show_empty(title)
            return
        self._reset(title)
        plt = self.plt
        for label, xs, ys in series:
            if len(xs):
                plt.plot(list(xs), list(ys), label=label or None, marker="braille")
        if xlabels is not None:
            plt.xticks(list(xlabels[0]), list(xlabels[1]))
        if ylim is not None:
            plt.ylim(*ylim)
        self.refresh()

    def show_bars(self, title: str, labels: Sequence[str], values: Sequence[float]) -> None:
        if not labels:
            self.show_empty(title)
            return
        self._reset(title)
        self.plt.bar(list(labels), list(values), width=0.6)
        self.refresh()
