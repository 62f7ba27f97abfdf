"""The status bar (jobs, price age, API use, errors) and the offline banner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from pmtui.tui import formatting as fmt
from pmtui.tui.queries.status import RECENT, ApiUse, StoreStatus

if TYPE_CHECKING:
    from pmtui.collect.live_books import FeedStatus


@dataclass(frozen=True)
class JobState:
    """A background job as the app sees it right now."""

    name: str
    state: str
    """off | waiting (for its first slot) | running | idle | failed | stopped | failed earlier
    (the latest run, recorded by another process or before, failed more than `RECENT` ago)"""
    last_run: float | None = None
    last_error: str | None = None
    next_run: float | None = None


@dataclass(frozen=True)
class CatalogProgress:
    """How far the running catalogue job is: markets stored so far and pages read."""

    markets: int
    pages: int


EARLIER = "failed earlier"
_STATE_STYLE = {
    "running": "bold cyan",
    "waiting": "dim",
    "idle": "green",
    "ok": "green",
    "failed": "bold red",
    "error": "bold red",
    EARLIER: "yellow",
    "off": "dim",
    "stopped": "dim",
    "cancelled": "yellow",
}
_STATE_MARK = {"failed": "✗", "error": "✗", EARLIER: "✗", "running": "◐", "waiting": "○"}
"""The one-character state of a job in the compact status line (a dot otherwise): running ◐ and
waiting ○ differ without colour."""
_STATE_WORD = {EARLIER: "failed", "waiting": "waiting"}


class StatusBar(Static):
    """One line at the bottom: each job's state and last run, price age, API calls vs budget, errors.
    It drops detail (then job names) rather than overflow a narrow terminal."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self._shown: dict[str, Any] | None = None
        """The arguments of the last `show()`, to redraw at a new width."""

    def show(
        self,
        *,
        now: float,
        jobs: list[JobState],
        store: StoreStatus | None,
        api: ApiUse | None,
        offline: bool,
        catalog: CatalogProgress | None = None,
        jobs_off: bool = False,
        feed: FeedStatus | None = None,
    ) -> None:
        self._shown = {
            "now": now,
            "jobs": jobs,
            "store": store,
            "api": api,
            "offline": offline,
            "catalog": catalog,
            "jobs_off": jobs_off,
            "feed": feed,
        }
        self._draw()

    def _draw(self) -> None:
        if self._shown is not None:
            width = max(0, self.size.width - 2) or 10_000  # padding 0 1; unknown before layout
            self.update(status_line(**self._shown, width=width))

    def on_resize(self) -> None:
        self._draw()


def merged_jobs(jobs: list[JobState], store: StoreStatus | None, now: float) -> list[JobState]:
    """The app's jobs with what the store recorded (running right now, last run), then the jobs only
    another pmtui process (e.g. `pmtui collect`) runs. A failure recorded more than `RECENT` ago is
    history (`failed earlier`), not an alarm: nothing here is retrying it."""
    merged: list[JobState] = []
    for job in jobs:
        recorded = store.jobs.get(job.name) if store else None
        if recorded is None:
            merged.append(job)
            continue
        last = job.last_run if job.last_run is not None else recorded.finished or recorded.started
        state = job.state
        if recorded.status == "running" and (job.last_run is None or recorded.started >= job.last_run):
            state = "running"
        elif state == "off":
            state = recorded.status
        merged.append(JobState(job.name, state, last, job.last_error, job.next_run))
    running_here = {job.name for job in jobs}
    recorded_jobs = store.jobs if store is not None else {}
    for name in sorted(recorded_jobs):
        if name not in running_here:
            recorded = recorded_jobs[name]
            when = recorded.finished or recorded.started
            state = recorded.status
            if state == "error" and now - when > RECENT:
                state = EARLIER
            merged.append(JobState(name, state, when, recorded.error))
    return merged


def _progress_piece(progress: CatalogProgress, short: bool) -> Text:
    """The running catalogue's progress: kept in words while other jobs give way to marks."""
    mark = ("◐", _STATE_STYLE["running"])
    if short:
        return Text.assemble(("catalog", "bold"), " ", mark, f"{progress.markets:,} p{progress.pages:,}")
    return Text.assemble(
        ("catalog", "bold"), " ", mark, f" {progress.markets:,} markets, page {progress.pages:,}"
    )


def _job_piece(job: JobState, now: float, detail: int) -> Text:
    """detail 3: name, state and age in words; 2: name, state mark and age; 1: the same, name cut."""
    style = _STATE_STYLE.get(job.state, "")
    if detail >= 3:
        word = _STATE_WORD.get(job.state, job.state)
        piece = Text.assemble(
            (job.name, "bold"), " ", (_STATE_MARK.get(job.state, "●"), style), " ", (word, style)
        )
        if job.state == "waiting" and job.next_run is not None and job.next_run > now:
            piece.append(f", next in {fmt.span(job.next_run - now)}", style="dim")
        elif job.last_run is not None and job.state != "waiting":
            piece.append(f" {fmt.age(job.last_run, now)}", style="dim")
        if job.state == "failed" and job.next_run is not None and job.next_run > now:
            piece.append(f", retry in {fmt.span(job.next_run - now)}", style="dim")
        return piece
    name = job.name if detail >= 2 else job.name[:4]
    piece = Text.assemble((name, "bold"), " ", (_STATE_MARK.get(job.state, "●"), style))
    if job.last_run is not None and job.state != "waiting":
        piece.append(fmt.short_span(now - job.last_run), style="dim")
    return piece


def _jobs_summary(jobs: list[JobState]) -> Text:
    """All jobs in a few characters: how many are in each state (● idle, ◐ running), and which failed."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.state] = counts.get(job.state, 0) + 1
    piece = Text("jobs", style="bold")
    for state, count in sorted(counts.items()):
        piece.append(" ")
        mark = _STATE_MARK.get(state, "●")
        if state in ("failed", "error"):  # which ones, not how many
            names = ",".join(job.name for job in jobs if job.state == state)
            piece.append(f"{mark}{names}", style=_STATE_STYLE[state])
        else:
            piece.append(f"{mark}{count}", style=_STATE_STYLE.get(state, ""))
    return piece


def status_line(
    *,
    now: float,
    jobs: list[JobState],
    store: StoreStatus | None,
    api: ApiUse | None,
    offline: bool,
    catalog: CatalogProgress | None = None,
    jobs_off: bool = False,
    width: int = 10_000,
    feed: FeedStatus | None = None,
) -> Text:
    """The most detailed line that fits `width` cells. `jobs_off`: this app runs no jobs (`--offline`):
    it says so, and nothing it cannot retry shows as an alarm."""
    merged = merged_jobs(jobs, store, now)
    line = Text()
    # Job detail gives way first (full, then compact, then with short names), then the wording of
    # the rest, then the jobs are only counted.
    for detail, short in ((3, False), (2, False), (1, False), (2, True), (1, True), (0, True)):
        line = _line(now, merged, store, api, offline, catalog, jobs_off, detail, short)
        if feed is not None:
            line = Text.assemble(feed_piece(feed, short), Text("│" if short else " │ ", style="dim"), line)
        if line.cell_len <= width:
            return line
    return line


def _line(
    now: float,
    jobs: list[JobState],
    store: StoreStatus | None,
    api: ApiUse | None,
    offline: bool,
    catalog: CatalogProgress | None,
    jobs_off: bool,
    detail: int,
    short: bool,
) -> Text:
    sep = Text("│" if short else " │ ", style="dim")
    parts: list[Text] = []
    if jobs_off:
        parts.append(Text("offline mode" if not short else "offline", style="bold"))
    running = next((job for job in jobs if job.name == "catalog" and job.state == "running"), None)
    if catalog is not None and running is not None:
        # In words until the very last resort: on a new store it is what the trader waits for.
        parts.append(_progress_piece(catalog, detail == 0))
        jobs = [job for job in jobs if job is not running]
    if detail:
        parts.extend(_job_piece(job, now, detail) for job in jobs)
    elif jobs:
        parts.append(_jobs_summary(jobs))
    full = not short
    if store is not None:
        if store.freshest_price is None:
            parts.append(Text("prices: none yet" if full else "no prices", style="yellow"))
        else:
            old = now - store.freshest_price
            style = "" if jobs_off else "red" if old > 3600 else "yellow" if old > 900 else ""
            parts.append(
                Text(f"prices {fmt.span(old)} old" if full else f"prices {fmt.short_span(old)}", style=style)
            )
    if api is not None:
        share = max(api.calls / api.budget if api.budget else 0.0, api.busiest_share)
        style = "red" if share > 0.8 or api.blocked_for else "yellow" if share > 0.5 else ""
        piece = Text(f"API {api.calls}/{api.budget}", style=style)
        if full:
            piece.append(f" per {api.window:g}s")
            if api.busiest and api.busiest_share > 0.5:
                piece.append(f" ({api.busiest} {api.busiest_share:.0%})")
        if api.blocked_for:
            piece.append(f" held {fmt.span(api.blocked_for)}", style="bold red")
        parts.append(piece)
    if store is not None:
        # Red only for errors of the last minutes; older ones are counted, quietly.
        style = (
            "bold red" if store.errors_recent and not jobs_off else "yellow" if store.errors_24h else "dim"
        )
        parts.append(
            Text(f"errors {store.errors_24h} (24h)" if full else f"err {store.errors_24h}", style=style)
        )
        if store.has_demo:
            parts.append(Text(" DEMO DATA " if full else "DEMO", style="bold black on yellow"))
    if offline:
        parts.append(Text(" OFFLINE " if full else "OFFLINE", style="bold white on red"))
    return sep.join(parts)


def feed_piece(feed: FeedStatus, short: bool = False) -> Text:
    """The live books' state: `WS ●` streaming, `WS ✗ polling` (socket down, REST books),
    `WS ✗ offline`, `WS ◐` connecting, `WS ○` nothing subscribed."""
    if feed.mode == "ws":
        return Text("WS ●", style="green")
    if feed.mode == "polling":
        return Text("WS ✗ polling" if not short else "WS ✗ poll", style="yellow")
    if feed.mode == "offline":
        return Text("WS ✗ offline" if not short else "WS ✗", style="bold red")
    if feed.mode == "connecting":
        return Text("WS ◐", style="cyan")
    return Text("WS ○", style="dim")


class OfflineBanner(Static):
    """An unmistakable full-width banner while the Polymarket API cannot be reached."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)

    def show_offline(self, since: float | None, now: float, reason: str | None) -> None:
        text = Text("OFFLINE", style="bold")
        text.append(" · Polymarket API unreachable")
        if since is not None:
            clock = dt.datetime.fromtimestamp(since, tz=dt.UTC).strftime("%H:%M:%S")
            text.append(f" since {clock} UTC ({fmt.span(now - since)})")
        text.append(" · showing stored data · retrying in the background")
        if reason:
            text.append(" · ")
            text.append(fmt.literal(reason))
        self.update(text)
        self.display = True

    def hide(self) -> None:
        self.display = False
