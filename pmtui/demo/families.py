"""Question families of the generated demo data, each with a price model that fits how it resolves.

Every family returns a `DraftEvent`: its markets with question, outcomes, category, features, times,
and the *true* probability of outcome 0 along a time grid, simulated so that it is a martingale that
converges to the outcome (the way a well-informed price should move). `pmtui.demo.generate` then
turns the true probability into a market price with a favourite–longshot bias and tick rounding.

Models:
- threshold markets ("reach $X by", "dip to", "above $X on"): a geometric Brownian path of the asset;
  "reach"/"dip" use the reflection principle and resolve early (closed the moment the level is hit);
- up/down windows: 0.5 until the window opens, then Φ(log return / remaining volatility);
- buckets (temperature, tweet counts): a forecast that converges to the realised value, each
  bucket priced from the forecast's normal distribution, exactly one bucket resolving YES;
- matches and other questions: a latent Brownian score X, outcome = [X_T > 0], probability
  Φ(X_t / √remaining variance); sports put most of the variance into the game itself;
- "... by DATE?" events: a hazard model; the event can happen (and the market close) early.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from pmtui.stats import normal_quantile

ET = ZoneInfo("America/New_York")
YEAR = 365 * 86400
DAY = 86400
HOUR = 3600


@dataclass(slots=True)
class Draft:
    question: str
    outcomes: list[str]
    category: str
    features: dict[str, Any]
    start: int
    end: int
    t: np.ndarray
    """Point times (int64), strictly increasing, all before the anchor."""
    true_p: np.ndarray
    """True probability of outcome 0 at each point."""
    winner: int | None
    """Index of the outcome that won (None for a void)."""
    closed: int
    """When it resolved (may be before `end` for markets that resolve early)."""
    group_item_title: str | None = None
    fee_rate: float | None = None
    extra_outcome_prices: list[float] = field(default_factory=list)
    """For markets with more than two outcomes: final display prices of outcomes 1..n-1."""


@dataclass(slots=True)
class DraftEvent:
    title: str
    category: str
    markets: list[Draft]
    neg_risk: bool = False
    series_slug: str | None = None


# --- helpers ---------------------------------------------------------------------------------------


def phi(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF, vectorised (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7)."""
    z = np.abs(x) / math.sqrt(2)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def grid(start: int, end: int, points: int) -> np.ndarray:
    """`points` evenly spaced times in [start, end), at least a minute apart."""
    count = int(max(2, min(points, (end - start) // 60)))
    return start + (np.arange(count, dtype=np.int64) * (end - start)) // count


def day_label(t: int) -> str:
    moment = datetime.fromtimestamp(t, UTC)
    return f"{moment:%B} {moment.day}"


def iso_day(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


def money(value: float) -> str:
    if value >= 10_000 and value % 1000 == 0:
        return f"${int(value) // 1000}K"
    if value >= 100:
        return f"${round(value):,}"
    return f"${value:g}"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120]


def latent_path(rng: np.random.Generator, p0: float, step_var: np.ndarray) -> tuple[np.ndarray, float]:
    """True probability of X_T > 0 along a Brownian X with per-step variances `step_var` (summing to
    1) started so that P(X_T > 0) = p0; returns (probability at each step start, X_T)."""
    x0 = normal_quantile(min(max(p0, 1e-6), 1 - 1e-6))
    increments = rng.normal(0.0, np.sqrt(step_var))
    x = x0 + np.concatenate(([0.0], np.cumsum(increments)))
    remaining = np.maximum(1.0 - np.concatenate(([0.0], np.cumsum(step_var)))[:-1], 1e-9)
    return phi(x[:-1] / np.sqrt(remaining)), float(x[-1])


def gbm(rng: np.random.Generator, s0: float, t: np.ndarray, end: int, vol_year: float) -> np.ndarray:
    """Asset prices at the grid times and at `end` (last element), zero drift."""
    times = np.concatenate((t, [end])).astype(np.float64)
    dt = np.diff(times, prepend=times[0])
    sigma = vol_year / math.sqrt(YEAR)
    steps = rng.normal(0.0, sigma * np.sqrt(dt)) - 0.5 * sigma**2 * dt
    return s0 * np.exp(np.cumsum(steps))


# --- families ----------------------------------------------------------------------------------------

Family = Callable[[np.random.Generator, int, int], DraftEvent]
"""(rng, end time of the event, max points per market) -> event."""


def _ladder(
    rng: np.random.Generator,
    end: int,
    points: int,
    *,
    asset: str,
    name: str,
    category: str,
    spot: float,
    vol: float,
    step: float,
) -> DraftEvent:
    """ "What price will Bitcoin hit in December?": reach/dip thresholds, resolving when hit."""
    start = end - int(rng.integers(20, 35)) * DAY
    t = grid(start, end, points)
    path = gbm(rng, spot, t, end, vol)
    deadline = day_label(end)
    markets: list[Draft] = []
    ups = sorted({round(spot * k / step) * step for k in (1.05, 1.1, 1.2, 1.3, 1.5)})
    downs = sorted({round(spot * k / step) * step for k in (0.95, 0.9, 0.8, 0.7)}, reverse=True)
    sigma = vol / math.sqrt(YEAR)
    remaining = np.maximum(end - t, 1).astype(np.float64)
    # The level only counts as hit at grid times, which is rarer than a continuous touch: the
    # Broadie–Glasserman shift of the barrier by 0.5826·σ·√Δt keeps the probabilities calibrated.
    shift = 0.5826 * sigma * math.sqrt(float(np.mean(np.diff(t))) if len(t) > 1 else 1.0)
    for level, direction in [*((u, "reach") for u in ups), *((d, "dip") for d in downs)]:
        if direction == "reach":
            hit = np.flatnonzero(path >= level)
            distance = np.log(level / path[:-1]) + shift
            question = f"Will {name} reach {money(level)} by {deadline}?"
        else:
            hit = np.flatnonzero(path <= level)
            distance = np.log(path[:-1] / level) + shift
            question = f"Will {name} dip to {money(level)} by {deadline}?"
        p = np.clip(2.0 * (1.0 - phi(distance / (sigma * np.sqrt(remaining)))), 0.0, 1.0)
        p = np.where(distance - shift <= 0, 1.0, p)  # the level traded at this point
        if len(hit) and hit[0] < len(t):
            # Hit between grid points: the market resolves YES then, minutes after the trade.
            k = int(hit[0])
            times, probs, winner, closed = t[: k + 1], p[: k + 1], 0, int(t[k]) + 600
        elif len(hit):
            times, probs, winner, closed = t, p, 0, end + 2 * HOUR
        else:
            times, probs, winner, closed = t, p, 1, end + 2 * HOUR
        markets.append(
            Draft(
                question=question,
                outcomes=["Yes", "No"],
                category=category,
                features={
                    "asset": asset,
                    "threshold": float(level),
                    "direction": direction,
                    "deadline": iso_day(end),
                },
                start=start,
                end=end,
                t=times,
                true_p=probs,
                winner=winner,
                closed=closed,
                group_item_title=f"{'↑' if direction == 'reach' else '↓'} {money(level)}",
            )
        )
    month = datetime.fromtimestamp(end, UTC).strftime("%B")
    return DraftEvent(f"What price will {name} hit in {month}?", category, markets, neg_risk=False)


def btc_ladder(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    spot = float(rng.uniform(60_000, 130_000))
    return _ladder(
        rng,
        end,
        points,
        asset="BTC",
        name="Bitcoin",
        category="Crypto/BTC-Price",
        spot=spot,
        vol=0.5,
        step=5000,
    )


def altcoin_ladder(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    name, asset, low, high, step = [
        ("Solana", "SOL", 120, 280, 10),
        ("XRP", "XRP", 1.5, 3.5, 0.25),
        ("Dogecoin", "DOGE", 0.12, 0.4, 0.02),
        ("Hyperliquid", "HYPE", 20, 60, 5),
    ][int(rng.integers(0, 4))]
    spot = float(rng.uniform(low, high))
    return _ladder(
        rng, end, points, asset=asset, name=name, category="Crypto/Altcoins", spot=spot, vol=0.8, step=step
    )


def _above_on_date(
    rng: np.random.Generator,
    end: int,
    points: int,
    *,
    asset: str,
    name: str,
    category: str,
    spot: float,
    vol: float,
    step: float,
    unit: str = "USD",
    question_format: str = "Will the price of {name} be above {level} on {day}?",
) -> DraftEvent:
    start = end - int(rng.integers(5, 9)) * DAY
    t = grid(start, end, points)
    path = gbm(rng, spot, t, end, vol)
    sigma = vol / math.sqrt(YEAR)
    remaining = np.maximum(end - t, 1).astype(np.float64)
    centre = round(spot / step) * step
    levels = [centre + k * step for k in (-2, -1, 0, 1, 2) if centre + k * step > 0]
    markets = []
    for level in levels:
        p = phi(np.log(path[:-1] / level) / (sigma * np.sqrt(remaining)))
        markets.append(
            Draft(
                question=question_format.format(name=name, level=money(level), day=day_label(end)),
                outcomes=["Yes", "No"],
                category=category,
                features={
                    "asset": asset,
                    "threshold": float(level),
                    "direction": "above",
                    "unit": unit,
                    "deadline": iso_day(end),
                },
                start=start,
                end=end,
                t=t,
                true_p=p,
                winner=0 if path[-1] > level else 1,
                closed=end + HOUR,
                group_item_title=money(level),
            )
        )
    return DraftEvent(f"{name} above ___ on {day_label(end)}?", category, markets)


def eth_above(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    spot = float(rng.uniform(2000, 5000))
    return _above_on_date(
        rng, end, points, asset="ETH", name="Ethereum", category="Crypto/ETH", spot=spot, vol=0.65, step=100
    )


def stock_above(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    name, ticker, low, high, step = [
        ("NVIDIA (NVDA)", "NVDA", 120, 220, 5),
        ("Tesla (TSLA)", "TSLA", 200, 450, 10),
        ("Apple (AAPL)", "AAPL", 180, 260, 5),
    ][int(rng.integers(0, 3))]
    spot = float(rng.uniform(low, high))
    return _above_on_date(
        rng,
        end,
        points,
        asset=ticker,
        name=name,
        category="Economy/Stocks",
        spot=spot,
        vol=0.45,
        step=step,
        question_format="Will {name} close above {level} on {day}?",
    )


def btc_up_down(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    """ "Bitcoin Up or Down - July 23, 7PM ET": a one-hour window, listed a day before."""
    local = datetime.fromtimestamp(end, ET).replace(minute=0, second=0, microsecond=0)
    window_start = local - timedelta(hours=1)
    end = int(local.timestamp())
    begin = int(window_start.timestamp())
    start = begin - DAY
    t = grid(start, end, points)
    sigma = 0.5 / math.sqrt(YEAR)
    in_window = t >= begin
    s0 = 100_000.0
    # The asset path starts at the window's opening price; before the window Up is a coin flip.
    path = gbm(rng, s0, np.concatenate(([begin], t[in_window])), end, 0.5)
    remaining = np.maximum(end - t[in_window], 1).astype(np.float64)
    window_p = phi(np.log(path[1:-1] / s0) / (sigma * np.sqrt(remaining)))
    up = bool(path[-1] >= s0)
    p = np.concatenate((np.full(int((~in_window).sum()), 0.5), window_p))
    hour = window_start.strftime("%I").lstrip("0") + window_start.strftime("%p")
    label = f"{window_start:%B} {window_start.day}, {hour} ET"
    market = Draft(
        question=f"Bitcoin Up or Down - {label}",
        outcomes=["Up", "Down"],
        category="Crypto/BTC-UpDown",
        features={
            "asset": "BTC",
            "start_hour_et": window_start.hour,
            "start_minute_et": 0,
            "window_minutes": 60,
            "deadline": iso_day(end),
        },
        start=start,
        end=end,
        t=t,
        true_p=p,
        winner=0 if up else 1,
        closed=end + 120,
        fee_rate=0.07,
    )
    return DraftEvent(
        f"Bitcoin Up or Down - {label}", "Crypto/BTC-UpDown", [market], series_slug="btc-up-or-down-hourly"
    )


def _buckets(
    rng: np.random.Generator,
    t: np.ndarray,
    actual: float,
    sd0: float,
    edges: list[tuple[float | None, float | None]],
    integer: bool,
) -> tuple[list[np.ndarray], int]:
    """Bucket probabilities from a forecast converging on `actual`; returns (paths, winning index)."""
    n = len(t)
    tau = np.arange(n) / n
    # A backward random walk: forecast error shrinks to zero at resolution.
    steps = rng.normal(0.0, sd0 * math.sqrt(1.0 / n), n)
    error = np.cumsum(steps[::-1])[::-1]
    forecast = actual + error
    sd = np.maximum(sd0 * np.sqrt(1.0 - tau), 0.35 if integer else sd0 * 0.02)
    realised = round(actual) if integer else actual
    paths, winner = [], -1
    for index, (low, high) in enumerate(edges):
        lo = -np.inf if low is None else (low - 0.5 if integer else low)
        hi = np.inf if high is None else (high + 0.5 if integer else high)
        upper = phi((hi - forecast) / sd) if np.isfinite(hi) else np.ones(n)
        lower = phi((lo - forecast) / sd) if np.isfinite(lo) else np.zeros(n)
        paths.append(np.clip(upper - lower, 0.0, 1.0))
        if (low is None or realised >= low) and (high is None or realised <= high):
            winner = index
    return paths, winner


PLACES_F = [("NYC", 78), ("Chicago", 75), ("Miami", 88), ("Dallas", 90), ("Atlanta", 84), ("Seattle", 70)]
PLACES_C = [("London", 21), ("Seoul", 27), ("Toronto", 24)]


def temperature(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    """ "Will the highest temperature in NYC be between 74-75°F on July 23?" buckets."""
    day_end = end - end % DAY + DAY
    start = day_end - int(rng.integers(2, 5)) * DAY
    t = grid(start, day_end, points)
    if rng.random() < 0.7:
        place, mean = PLACES_F[int(rng.integers(0, len(PLACES_F)))]
        unit, width, count = "F", 2, 9
    else:
        place, mean = PLACES_C[int(rng.integers(0, len(PLACES_C)))]
        unit, width, count = "C", 1, 9
    actual = float(rng.normal(mean, 4.0 if unit == "F" else 2.5))
    first = round(mean - width * count / 2)
    edges: list[tuple[float | None, float | None]] = [(None, float(first - 1))]
    edges += [(float(first + k * width), float(first + k * width + width - 1)) for k in range(count - 2)]
    edges.append((float(first + (count - 2) * width), None))
    paths, winner = _buckets(rng, t, actual, 5.0 if unit == "F" else 3.0, edges, integer=True)
    day = day_label(day_end - DAY)
    markets = []
    for index, ((low, high), p) in enumerate(zip(edges, paths, strict=True)):
        if low is None:
            text, title = f"{int(high or 0)}°{unit} or below", f"{int(high or 0)}°{unit} or below"
        elif high is None:
            text, title = f"{int(low)}°{unit} or higher", f"{int(low)}°{unit} or higher"
        elif low == high:
            text, title = f"{int(low)}°{unit}", f"{int(low)}°{unit}"
        else:
            text, title = f"between {int(low)}-{int(high)}°{unit}", f"{int(low)}-{int(high)}°{unit}"
        features = {
            "place": place,
            "unit": unit,
            "deadline": iso_day(day_end - DAY),
            **range_features(low, high),
        }
        markets.append(
            Draft(
                question=f"Will the highest temperature in {place} be {text} on {day}?",
                outcomes=["Yes", "No"],
                category="Weather/Temperature",
                features=features,
                start=start,
                end=day_end,
                t=t,
                true_p=p,
                winner=0 if index == winner else 1,
                closed=day_end + 10 * HOUR,
                group_item_title=title,
            )
        )
    return DraftEvent(
        f"Highest temperature in {place} on {day}?", "Weather/Temperature", markets, neg_risk=True
    )


def range_features(low: float | None, high: float | None) -> dict[str, Any]:
    """A bucket's features as the taxonomy extracts them from a real question: its bounds (an open
    end has none) and which way it points."""
    features: dict[str, Any] = {
        "direction": "between"
        if low is not None and high is not None
        else ("below" if low is None else "above")
    }
    if low is not None:
        features["range_low"] = low
    if high is not None:
        features["range_high"] = high
    return features


def musk_tweets(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    """ "Will Elon Musk post 250-274 tweets from July 18 to July 25, 2025?" buckets."""
    end = end - end % HOUR
    window = 7 * DAY
    start = end - window - int(rng.integers(1, 3)) * DAY
    t = grid(start, end, points)
    actual = float(max(40.0, rng.normal(300, 70)))
    width, first, count = 25, 150, 14
    edges: list[tuple[float | None, float | None]] = [(None, float(first - 1))]
    edges += [(float(first + k * width), float(first + k * width + width - 1)) for k in range(count - 2)]
    edges.append((float(first + (count - 2) * width), None))
    paths, winner = _buckets(rng, t, actual, 70.0, edges, integer=True)
    begin = end - window
    year = datetime.fromtimestamp(end, UTC).year
    period = f"{day_label(begin)} to {day_label(end)}, {year}"
    markets = []
    for index, ((low, high), p) in enumerate(zip(edges, paths, strict=True)):
        if low is None:
            text = f"less than {int(first)}"
        elif high is None:
            text = f"{int(low)} or more"
        else:
            text = f"{int(low)}-{int(high)}"
        features = {"unit": "tweets", "period": period, "deadline": iso_day(end), **range_features(low, high)}
        markets.append(
            Draft(
                question=f"Will Elon Musk post {text} tweets from {day_label(begin)} to {day_label(end)}, {year}?",
                outcomes=["Yes", "No"],
                category="Tech/Musk-Tweets",
                features=features,
                start=start,
                end=end,
                t=t,
                true_p=p,
                winner=0 if index == winner else 1,
                closed=end + 2 * HOUR,
                group_item_title=text,
            )
        )
    return DraftEvent(f"Elon Musk # tweets {period}?", "Tech/Musk-Tweets", markets, neg_risk=True)


TEAMS: dict[str, list[str]] = {
    "Sports/NBA": [
        "Lakers",
        "Celtics",
        "Warriors",
        "Knicks",
        "Nuggets",
        "Bucks",
        "Heat",
        "Suns",
        "Thunder",
        "Mavericks",
    ],
    "Sports/NFL": ["Chiefs", "Bills", "Eagles", "49ers", "Cowboys", "Ravens", "Lions", "Packers"],
    "Sports/MLB": ["Yankees", "Red Sox", "Dodgers", "Mets", "Astros", "Braves", "Cubs", "Padres"],
    "Sports/NHL": ["Rangers", "Bruins", "Maple Leafs", "Oilers", "Panthers", "Avalanche"],
    "Sports/Tennis": ["Sinner", "Alcaraz", "Djokovic", "Zverev", "Medvedev", "Fritz"],
    "Sports/Esports": ["T1", "Gen.G", "G2", "Fnatic", "Team Liquid", "NAVI", "Vitality", "FaZe"],
    "Sports/College": ["Duke", "North Carolina", "Kentucky", "Kansas", "Gonzaga", "UConn"],
}
SOCCER = [
    "Arsenal",
    "Chelsea",
    "Liverpool",
    "Man City",
    "Real Madrid",
    "Barcelona",
    "Bayern Munich",
    "PSG",
    "Inter",
]


def _match_variance(t: np.ndarray, game_start: int) -> np.ndarray:
    """15% of the uncertainty resolves before the game (news, line-ups), 85% during it."""
    pre = t < game_start
    var = np.where(pre, 0.15 / max(int(pre.sum()), 1), 0.85 / max(int((~pre).sum()), 1))
    return var / var.sum()


def match(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    """ "Lakers vs. Celtics": two outcomes, the team names."""
    category = list(TEAMS)[int(rng.integers(0, len(TEAMS)))]
    a, b = rng.choice(TEAMS[category], size=2, replace=False).tolist()
    game_length = 3 * HOUR
    start = end - int(rng.integers(3, 8)) * DAY
    t = grid(start, end, points)
    p0 = float(rng.beta(3.0, 3.0))
    p, final = latent_path(rng, p0, _match_variance(t, end - game_length))
    prefix = "LoL: " if category == "Sports/Esports" and rng.random() < 0.5 else ""
    question = f"{prefix}{a} vs. {b}"
    draft = Draft(
        question=question,
        outcomes=[a, b],
        category=category,
        features={"teams": [a, b], "deadline": iso_day(end)},
        start=start,
        end=end,
        t=t,
        true_p=p,
        winner=0 if final > 0 else 1,
        closed=end + 30 * 60,
        fee_rate=0.03,
    )
    return DraftEvent(question, category, [draft], series_slug=slugify(category))


def soccer(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    """Three binary markets (home win / draw / away win), exactly one resolving YES."""
    home, away = rng.choice(SOCCER, size=2, replace=False).tolist()
    start = end - int(rng.integers(3, 8)) * DAY
    t = grid(start, end, points)
    step_var = _match_variance(t, end - 2 * HOUR)
    x0 = float(rng.normal(0.2, 0.5))
    cut = 0.35  # |X_T| below this is a draw
    increments = rng.normal(0.0, np.sqrt(step_var))
    x = x0 + np.concatenate(([0.0], np.cumsum(increments)))
    remaining = np.sqrt(np.maximum(1.0 - np.concatenate(([0.0], np.cumsum(step_var)))[:-1], 1e-9))
    home_p = phi((x[:-1] - cut) / remaining)
    away_p = phi((-x[:-1] - cut) / remaining)
    draw_p = np.clip(1.0 - home_p - away_p, 0.0, 1.0)
    final = x[-1]
    result = 0 if final > cut else (2 if final < -cut else 1)
    day = iso_day(end)
    specs = [
        (f"Will {home} win on {day}?", home_p, 0, home),
        (f"Will {home} vs. {away} end in a draw?", draw_p, 1, "Draw"),
        (f"Will {away} win on {day}?", away_p, 2, away),
    ]
    markets = [
        Draft(
            question=question,
            outcomes=["Yes", "No"],
            category="Sports/Soccer",
            features={"teams": [home, away], "deadline": day},
            start=start,
            end=end,
            t=t,
            true_p=p,
            winner=0 if result == index else 1,
            closed=end + HOUR,
            group_item_title=title,
            fee_rate=0.03,
        )
        for question, p, index, title in specs
    ]
    return DraftEvent(f"{home} vs. {away}", "Sports/Soccer", markets, neg_risk=True)


def _hazard_by_date(
    rng: np.random.Generator, start: int, end: int, points: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """ "Will X happen by DATE?": (times, probability path, winner, closed time). The event can occur
    early, and then the market closes early; without it the price decays toward 0 at the deadline."""
    t = grid(start, end, points)
    p0 = float(rng.beta(0.8, 2.5))
    horizon = float(end - start)
    rate = -math.log(max(1.0 - p0, 1e-6)) / horizon
    belief = np.exp(np.cumsum(rng.normal(0.0, 0.08, len(t))))  # the market's view of the rate wanders
    occurs_at = start + rng.exponential(1.0 / rate) if rate > 0 else math.inf
    p = 1.0 - np.exp(-rate * belief * (end - t))
    if occurs_at < end:
        # It happened: the price jumps within the hour, the market closes a few hours later.
        stop = max(int(np.searchsorted(t, occurs_at, side="right")), 1)
        jump_t = max(int(occurs_at) + HOUR, int(t[stop - 1]) + 60)
        times = np.concatenate((t[:stop], [jump_t]))
        return times, np.concatenate((p[:stop], [0.995])), 0, jump_t + 2 * HOUR
    return t, p, 1, end + 6 * HOUR


BY_DATE_QUESTIONS: list[tuple[str, str]] = [
    ("Geopolitics", "Russia x Ukraine ceasefire by {day}?"),
    ("Geopolitics", "Will Israel strike Iran by {day}?"),
    ("Geopolitics", "Will China invade Taiwan by {day}?"),
    ("Geopolitics", "Will Putin meet Zelenskyy by {day}?"),
    ("Politics/US-Government", "US government shutdown by {day}?"),
    ("Politics/US-Government", "Will the Senate confirm the new Fed chair by {day}?"),
    ("Politics/Trump", "Will Trump visit China by {day}?"),
    ("Politics/Trump", "Will Trump announce new tariffs on the EU by {day}?"),
    ("Tech/AI", "Will OpenAI release GPT-6 by {day}?"),
    ("Tech/AI", "Will Google release Gemini 4 by {day}?"),
    ("Tech", "Will SpaceX launch Starship to orbit by {day}?"),
    ("Culture", "Will Taylor Swift announce a new album by {day}?"),
    ("Culture", "Will GTA VI be released by {day}?"),
    ("Crypto/Tokens", "Will MetaMask launch a token by {day}?"),
    ("Economy", "US recession declared by {day}?"),
    ("Other", "Will a meteor larger than 10 m hit Earth by {day}?"),
]


def by_date(rng: np.random.Generator, end: int, points: int, top: str | None = None) -> DraftEvent:
    """ "Russia x Ukraine ceasefire by June 30?"; `top` picks a question of that top category."""
    choices = [q for q in BY_DATE_QUESTIONS if top is None or q[0].split("/")[0] == top]
    category, template = choices[int(rng.integers(0, len(choices)))]
    start = end - int(rng.integers(30, 200)) * DAY
    t, p, winner, closed = _hazard_by_date(rng, start, end, points)
    question = template.format(day=f"{day_label(end)}, {datetime.fromtimestamp(end, UTC).year}")
    draft = Draft(
        question=question,
        outcomes=["Yes", "No"],
        category=category,
        features={"deadline": iso_day(end)},
        start=start,
        end=end,
        t=t,
        true_p=p,
        winner=winner,
        closed=min(closed, end + 6 * HOUR),
        fee_rate=0.0 if category == "Geopolitics" else None,
    )
    return DraftEvent(question, category, [draft])


ELECTIONS = [
    "Will the Democrats win the Virginia governor race?",
    "Will the Republicans win the New Jersey governor race?",
    "Will Zohran Mamdani win the NYC mayoral election?",
    "Will the CDU win the most seats in the German election?",
    "Will Pierre Poilievre become Prime Minister of Canada?",
    "Will the Liberal Party win the Australian federal election?",
    "Will Nicușor Dan win the Romanian presidential election?",
    "Will Lee Jae-myung win the South Korean presidential election?",
]
OTHER_BINARY = [
    ("Politics/Trump", 'Will Trump say "crypto" during his next press conference?'),
    ("Politics/Trump", "Trump approval rating above 45% on {day}?"),
    ("Culture", "Will the next Marvel movie gross over $100M on opening weekend?"),
    ("Culture", "Will Oppenheimer's director win Best Director again?"),
    ("Other", "Will the Powerball jackpot exceed $1B before {day}?"),
    ("Sports/Golf", "Will Scottie Scheffler win the next major?"),
]


def election(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    start = end - int(rng.integers(60, 300)) * DAY
    t = grid(start, end, points)
    if rng.random() < 0.12:
        # An old-style multi-outcome market: outcome 0's series only; backtests skip it (not_binary).
        p0 = float(rng.dirichlet([2, 2, 1])[0])
        p, final = latent_path(rng, p0, np.full(len(t), 1.0 / len(t)))
        winner = 0 if final > 0 else int(rng.integers(1, 3))
        draft = Draft(
            question="Which party will win the most seats in the next UK general election?",
            outcomes=["Labour", "Conservative", "Reform UK"],
            category="Politics/Election",
            features={"deadline": iso_day(end)},
            start=start,
            end=end,
            t=t,
            true_p=p,
            winner=winner,
            closed=end + DAY,
            extra_outcome_prices=[1.0 if winner == 1 else 0.0, 1.0 if winner == 2 else 0.0],
        )
        return DraftEvent(draft.question, "Politics/Election", [draft])
    if rng.random() < 0.7:
        category, question = "Politics/Election", ELECTIONS[int(rng.integers(0, len(ELECTIONS)))]
    else:
        category, question = OTHER_BINARY[int(rng.integers(0, len(OTHER_BINARY)))]
        question = question.format(day=day_label(end))
    p0 = float(rng.beta(0.9, 1.6))
    p, final = latent_path(rng, p0, np.full(len(t), 1.0 / len(t)))
    draft = Draft(
        question=question,
        outcomes=["Yes", "No"],
        category=category,
        features={"deadline": iso_day(end)},
        start=start,
        end=end,
        t=t,
        true_p=p,
        winner=0 if final > 0 else 1,
        closed=end + 12 * HOUR,
        fee_rate=0.04 if category.startswith("Politics") else None,
    )
    return DraftEvent(question, category, [draft])


def fed_decision(rng: np.random.Generator, end: int, points: int) -> DraftEvent:
    """Fed meeting outcomes as three mutually exclusive binary markets."""
    start = end - int(rng.integers(30, 60)) * DAY
    t = grid(start, end, points)
    step_var = np.full(len(t), 1.0 / len(t))
    x0 = float(rng.normal(0.0, 1.0))
    x = x0 + np.concatenate(([0.0], np.cumsum(rng.normal(0.0, np.sqrt(step_var)))))
    remaining = np.sqrt(np.maximum(1.0 - np.concatenate(([0.0], np.cumsum(step_var)))[:-1], 1e-9))
    cut = 0.6
    cut_p = phi((x[:-1] - cut) / remaining)
    hike_p = phi((-x[:-1] - cut) / remaining)
    hold_p = np.clip(1.0 - cut_p - hike_p, 0.0, 1.0)
    result = 0 if x[-1] > cut else (2 if x[-1] < -cut else 1)
    month = datetime.fromtimestamp(end, UTC).strftime("%B %Y")
    specs = [
        (f"Fed decreases interest rates by 25 bps after {month} meeting?", cut_p, 0, "25 bps decrease"),
        (f"No change in Fed interest rates after {month} meeting?", hold_p, 1, "No change"),
        (f"Fed increases interest rates by 25+ bps after {month} meeting?", hike_p, 2, "25+ bps increase"),
    ]
    markets = [
        Draft(
            question=question,
            outcomes=["Yes", "No"],
            category="Economy/Fed",
            features={"period": month, "deadline": iso_day(end)},
            start=start,
            end=end,
            t=t,
            true_p=p,
            winner=0 if result == index else 1,
            closed=end + 2 * HOUR,
            group_item_title=title,
        )
        for question, p, index, title in specs
    ]
    return DraftEvent(f"Fed decision in {month}?", "Economy/Fed", markets, neg_risk=True)


FAMILIES: dict[str, tuple[Family, float]] = {
    "btc_ladder": (btc_ladder, 0.07),
    "btc_up_down": (btc_up_down, 0.22),
    "altcoin_ladder": (altcoin_ladder, 0.03),
    "eth_above": (eth_above, 0.03),
    "temperature": (temperature, 0.07),
    "musk_tweets": (musk_tweets, 0.03),
    "match": (match, 0.25),
    "soccer": (soccer, 0.06),
    "election": (election, 0.09),
    "by_date": (by_date, 0.07),
    "by_date_geopolitics": (partial(by_date, top="Geopolitics"), 0.01),
    "by_date_tech": (partial(by_date, top="Tech"), 0.01),
    "by_date_culture": (partial(by_date, top="Culture"), 0.005),
    "by_date_other": (partial(by_date, top="Other"), 0.005),
    "fed_decision": (fed_decision, 0.02),
    "stock_above": (stock_above, 0.03),
}
"""Family → (generator, share of events). Bucket and ladder events hold 3–14 markets each. The
generator takes one event of each family first, so every top-level category appears."""
