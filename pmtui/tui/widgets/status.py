"""The status bar (jobs, price age, API use, errors) and the offline banner."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from pmtui.tui import formatting as fmt
from pmtui.tui.queries.status import StoreStatus


@dataclass(frozen=True)
class JobState:
    """A background job as the app sees it right now."""

    name: str
    state: str
    """off | starting | running | idle | failed | stopped"""
    last_run: float | None = None
    last_error: str | None = None
    next_run: float | None = None


@dataclass(frozen=True)
class ApiUse:
    calls: int
    budget: int
    """Calls allowed in the window (all endpoint groups together, after the safety factor)."""


_STATE_STYLE = {
    "running": "bold cyan",
    "starting": "cyan",
    "idle": "green",
    "ok": "green",
    "failed": "bold red",
    "error": "bold red",
    "off": "dim",
    "stopped": "dim",
    "cancelled": "yellow",
}


class StatusBar(Static):
    """One line at the bottom: each job's state and last run, price age, API calls vs budget, errors."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)

    def show(
        self,
        *,
        now: float,
        jobs: list[JobState],
        store: StoreStatus | None,
        api: ApiUse | None,
        offline: bool,
    ) -> None:
        self.update(status_line(now=now, jobs=jobs, store=store, api=api, offline=offline))


def status_line(
    *, now: float, jobs: list[JobState], store: StoreStatus | None, api: ApiUse | None, offline: bool
) -> Text:
    sep = Text(" │ ", style="dim")
    parts: list[Text] = []
    running_here = {job.name for job in jobs}
    # Jobs this app does not run but another pmtui process (e.g. `pmtui collect`) recorded.
    elsewhere = (
        [JobState(name, "off") for name in sorted(store.jobs) if name not in running_here] if store else []
    )
    for job in [*jobs, *elsewhere]:
        state = job.state
        last = job.last_run
        recorded = store.jobs.get(job.name) if store else None
        if state == "off" and recorded is not None:
            # Not run by this app, but another pmtui process (e.g. `pmtui collect`) records it.
            state = "running" if recorded.status == "running" else recorded.status
            last = recorded.finished or recorded.started
        style = _STATE_STYLE.get(state, "")
        piece = Text.assemble((job.name, "bold"), " ", ("●", style), " ", (state, style))
        if last is not None:
            piece.append(f" {fmt.age(last, now)}", style="dim")
        parts.append(piece)
    if store is not None:
        if store.freshest_price is None:
            parts.append(Text("prices: none yet", style="yellow"))
        else:
            old = now - store.freshest_price
            style = "red" if old > 3600 else "yellow" if old > 900 else ""
            parts.append(Text(f"prices {fmt.span(old)} old", style=style))
    if api is not None:
        share = api.calls / api.budget if api.budget else 0
        style = "red" if share > 0.8 else "yellow" if share > 0.5 else ""
        parts.append(Text(f"API {api.calls}/{api.budget} per 10s", style=style))
    if store is not None:
        style = "bold red" if store.errors_24h else "dim"
        parts.append(Text(f"errors {store.errors_24h} (24h)", style=style))
        if store.has_demo:
            parts.append(Text(" DEMO DATA ", style="bold black on yellow"))
    if offline:
        parts.append(Text(" OFFLINE ", style="bold white on red"))
    return sep.join(parts)


class OfflineBanner(Static):
    """An unmistakable full-width banner while the Polymarket API cannot be reached."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)

    def show_offline(self, since: float | None, now: float, reason: str | None) -> None:
        text = Text("OFFLINE", style="bold")
        text.append(" · Polymarket API unreachable")
        if since is not None:
            text.append(f" for {fmt.span(now - since)}")
        text.append(" · showing stored data · retrying in the background")
        if reason:
            text.append(" · ")
            text.append(reason)
        self.update(text)
        self.display = True

    def hide(self) -> None:
        self.display = False
