"""Price alerts on watched markets: a threshold crossed, or a move of N cents within M minutes.

    engine = PriceAlertEngine(settings)
    fired = engine.check(db, [PriceSample(market_id, yes_price, t), ...], now)

Rules, all on the YES (outcome 0) price in cents (docs/book.md, "Price alerts"):
- per market, from `[price_alerts.markets]`: `above` / `below` thresholds and/or its own move rule;
- every watched market without its own move rule gets the default move rule
  (`price_alerts.move_cents` within `price_alerts.move_minutes`).

Once per crossing: a threshold alert fires when the price reaches it from the other side, then stays
quiet until the price has gone back past it by `hysteresis_cents` (re-armed). The first price seen
only arms a threshold (a market already above it did not cross it now). A move alert fires when the
price is N cents away from any price of the last M minutes, then measures new moves from there.
Threshold state lives in `price_alert_state` (so the app and `pmtui monitor` side by side fire once
between them, and a restart does not fire again); move windows live in this process.

A fired alert is returned (the app shows a toast) and, when Telegram is configured, queued in the
outbox with a dedupe key per crossing; the sender's rate limit and joining apply as to every alert.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlite_utils import Database

from pmtui.alerts.messages import clean
from pmtui.alerts.outbox import enqueue
from pmtui.config import Settings
from pmtui.store.db import write_tx


@dataclass(frozen=True, slots=True)
class PriceSample:
    market_id: str
    price: float
    """YES price in [0, 1] (the mid of outcome 0's book)."""
    t: int


@dataclass(frozen=True, slots=True)
class PriceAlert:
    market_id: str
    question: str
    kind: str
    """above | below | move"""
    price: float
    reference: float
    """The threshold crossed, or the price the move started from."""
    minutes: float = 0.0
    source: str = "api"

    @property
    def text(self) -> str:
        now = _cents(self.price)
        demo = " [DEMO DATA]" if self.source == "demo" else ""
        if self.kind == "above":
            head = f"Price alert{demo}: YES rose to {now} (above {_cents(self.reference)})"
        elif self.kind == "below":
            head = f"Price alert{demo}: YES fell to {now} (below {_cents(self.reference)})"
        else:
            delta = (self.price - self.reference) * 100
            head = (
                f"Price alert{demo}: YES moved {delta:+.1f}¢ to {now} "
                f"in {self.minutes:g} min (from {_cents(self.reference)})"
            )
        return f"{head}\n{clean(self.question)}"

    @property
    def summary(self) -> str:
        """One short line: the question (cut) and what happened."""
        what = {"above": "rose above", "below": "fell below"}.get(self.kind)
        change = (
            f"{what} {_cents(self.reference)}"
            if what
            else f"moved {(self.price - self.reference) * 100:+.1f}¢"
        )
        return f"{clean(self.question, 48)} · {change}, now {_cents(self.price)}"


def _cents(price: float) -> str:
    return f"{price * 100:.1f}¢"


@dataclass(frozen=True, slots=True)
class Rule:
    above: float | None = None
    below: float | None = None
    """Thresholds as prices in [0, 1]."""
    move: float | None = None
    """A move of this much (price units) within `minutes`."""
    minutes: float = 0.0


def rules_for(settings: Settings, market_ids: Iterable[str], watched: set[str]) -> dict[str, Rule]:
    """The rule of each market that has one: its own from the config, else the default move rule
    when it is watched."""
    config = settings.price_alerts
    default_move = config.move_cents / 100 if config.move_cents > 0 and config.move_minutes > 0 else None
    rules: dict[str, Rule] = {}
    for market_id in market_ids:
        own: Mapping[str, float] | None = config.markets.get(market_id)
        if own is not None:
            move_cents = own.get("move_cents")
            minutes = own.get("move_minutes", config.move_minutes)
            rules[market_id] = Rule(
                above=own["above"] / 100 if "above" in own else None,
                below=own["below"] / 100 if "below" in own else None,
                move=move_cents / 100 if move_cents else (default_move if market_id in watched else None),
                minutes=minutes,
            )
        elif market_id in watched and default_move is not None:
            rules[market_id] = Rule(move=default_move, minutes=config.move_minutes)
    return rules


class PriceAlertEngine:
    """Checks samples against the rules; keeps this process's move windows."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._windows: dict[str, deque[tuple[int, float]]] = {}

    def check(self, db: Database, samples: Iterable[PriceSample], now: int) -> list[PriceAlert]:
        config = self.settings.price_alerts
        latest = {s.market_id: s for s in samples if 0.0 <= s.price <= 1.0}
        if not config.enabled or not latest:
            return []
        watched = _watched(db, list(latest))
        rules = rules_for(self.settings, latest, watched)
        if not rules:
            return []
        info = _market_info(db, list(rules))
        fired: list[PriceAlert] = []
        hysteresis = config.hysteresis_cents / 100
        telegram = _telegram_configured(self.settings)
        with write_tx(db):
            for market_id, rule in rules.items():
                sample = latest[market_id]
                question, source = info.get(market_id, (market_id, "api"))
                for kind, level in (("above", rule.above), ("below", rule.below)):
                    if level is not None and self._threshold(db, market_id, kind, level, sample, hysteresis):
                        fired.append(
                            PriceAlert(market_id, question, kind, sample.price, level, source=source)
                        )
                if rule.move is not None and rule.minutes > 0:
                    start = self._move(market_id, rule, sample)
                    if start is not None:
                        fired.append(
                            PriceAlert(market_id, question, "move", sample.price, start, rule.minutes, source)
                        )
            for alert in fired:
                if telegram:
                    enqueue(
                        db, kind="price", dedupe_key=_dedupe_key(db, alert, now), text=alert.text, now=now
                    )
        return fired

    # --- thresholds (state in the store) -----------------------------------------------------------

    @staticmethod
    def _threshold(
        db: Database, market_id: str, kind: str, level: float, sample: PriceSample, hysteresis: float
    ) -> bool:
        beyond = sample.price >= level if kind == "above" else sample.price <= level
        back = sample.price <= level - hysteresis if kind == "above" else sample.price >= level + hysteresis
        row = db.execute(
            "SELECT armed, level FROM price_alert_state WHERE market_id = ? AND rule = ?", [market_id, kind]
        ).fetchone()
        if row is None or row[1] != level:
            # First sight (or a new threshold): arm only if the price is on the near side of it.
            db.execute(
                "INSERT INTO price_alert_state (market_id, rule, level, armed, episode, price, t)"
                " VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (market_id, rule) DO UPDATE SET"
                " level = excluded.level, armed = excluded.armed, price = excluded.price, t = excluded.t",
                [market_id, kind, level, int(not beyond), sample.price, sample.t],
            )
            return False
        armed = bool(row[0])
        if armed and beyond:
            db.execute(
                "UPDATE price_alert_state SET armed = 0, episode = episode + 1, price = ?, t = ?"
                " WHERE market_id = ? AND rule = ?",
                [sample.price, sample.t, market_id, kind],
            )
            return True
        if not armed and back:
            db.execute(
                "UPDATE price_alert_state SET armed = 1, price = ?, t = ? WHERE market_id = ? AND rule = ?",
                [sample.price, sample.t, market_id, kind],
            )
        return False

    # --- moves (windows in this process) -----------------------------------------------------------

    def _move(self, market_id: str, rule: Rule, sample: PriceSample) -> float | None:
        """The price the move started from when `sample` is `rule.move` away from a price of the last
        `rule.minutes`; the window then restarts at `sample`."""
        assert rule.move is not None
        window = self._windows.setdefault(market_id, deque())
        horizon = sample.t - rule.minutes * 60
        while window and window[0][0] < horizon:
            window.popleft()
        start: float | None = None
        for _, price in window:
            if abs(sample.price - price) >= rule.move - 1e-9 and (
                start is None or abs(sample.price - price) > abs(sample.price - start)
            ):
                start = price
        if start is not None:
            window.clear()
        window.append((sample.t, sample.price))
        return start


def _dedupe_key(db: Database, alert: PriceAlert, now: int) -> str:
    """One outbox row per crossing: thresholds by their episode (shared state); moves by window, so
    two processes watching the same market queue one message per move window between them."""
    if alert.kind == "move":
        window = max(60, int(alert.minutes * 60))
        return f"price:{alert.market_id}:move:{now // window}"
    row = db.execute(
        "SELECT episode FROM price_alert_state WHERE market_id = ? AND rule = ?",
        [alert.market_id, alert.kind],
    ).fetchone()
    return f"price:{alert.market_id}:{alert.kind}:{int(row[0]) if row else 0}"


def _watched(db: Database, market_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(market_ids), 500):
        chunk = market_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found |= {
            str(r[0])
            for r in db.execute(f"SELECT id FROM markets WHERE watched = 1 AND id IN ({marks})", chunk)
        }
    return found


def _market_info(db: Database, market_ids: list[str]) -> dict[str, tuple[str, str]]:
    info: dict[str, tuple[str, str]] = {}
    for start in range(0, len(market_ids), 500):
        chunk = market_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for market_id, question, source in db.execute(
            f"SELECT id, question, source FROM markets WHERE id IN ({marks})", chunk
        ):
            info[str(market_id)] = (str(question), str(source))
    return info


def _telegram_configured(settings: Settings) -> bool:
    alerts = settings.alerts
    return bool(alerts.enabled and alerts.telegram_token and alerts.telegram_chat_id)
