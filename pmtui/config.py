"""Typed settings: defaults, then the TOML file, then environment variables.

The file is `$PMTUI_CONFIG` or `<platform config dir>/pmtui/config.toml`. Every section is a frozen
dataclass; a wrong key or value raises `ConfigError`, whose message is one line naming the file, the
key and what is wrong (the CLI prints it and exits with code 2).

Environment overrides: PMTUI_DB, PMTUI_GAMMA_URL, PMTUI_CLOB_URL, PMTUI_DATA_URL, PMTUI_LIMITER_DB,
PMTUI_TELEGRAM_TOKEN, PMTUI_TELEGRAM_CHAT_ID, PMTUI_TELEGRAM_URL, PMTUI_WS_URL.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import stat
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmtui import __version__, paths


class ConfigError(Exception):
    """A bad settings file or value. `str()` is the one line shown to the user."""

    def __init__(self, source: str | Path, key: str, problem: str) -> None:
        self.source = str(source)
        self.key = key
        self.problem = problem
        super().__init__(f"{self.source}: {key}: {problem}")


class Duration(float):
    """Seconds, written in TOML as a number or as a string like "90s", "5m", "1h", "7d"."""


MAX_DURATION = 10 * 366 * 86400.0
"""Ten years: longer than any interval, timeout or lookback means, and still a number every timer
(threading, asyncio, SQLite's busy timeout in ms) takes."""
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> float:
    """Seconds from 30, 30.0, "30s", "5m", "24h", "7d", "2w". Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError('expected a duration such as 30, "5m", "24h" or "7d"')
    seconds: float | None = None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds is None:
        raise ValueError(f'expected a duration such as 30, "5m", "24h" or "7d", got {value!r}')
    if not math.isfinite(seconds):
        raise ValueError(f"expected a finite duration, got {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DURATION:
        raise ValueError(f"a duration of at most {MAX_DURATION // 86400:.0f} days, got {value!r}")
    return seconds


# --- sections --------------------------------------------------------------------------------------


MAX_BUSY_TIMEOUT = 3600.0
"""SQLite takes its busy timeout as an int of milliseconds; an hour is far past any useful wait."""


@dataclass(frozen=True)
class DatabaseSettings:
    path: Path = field(default_factory=paths.default_db_path)
    """The SQLite file every tab reads and the collector writes."""
    busy_timeout: Duration = Duration(30)
    """How long a writer waits for another process's transaction before giving up."""


@dataclass(frozen=True)
class ApiSettings:
    gamma_url: str = "https://gamma-api.polymarket.com"
    clob_url: str = "https://clob.polymarket.com"
    data_url: str = "https://data-api.polymarket.com"
    user_agent: str = f"pmtui/{__version__} (+https://github.com/pmtui/pmtui)"
    """Cloudflare blocks some default user agents; we always send this one."""
    timeout: Duration = Duration(20)
    max_retries: int = 4
    """Bounded retries of idempotent GETs on 429/5xx/timeouts."""
    backoff_base: Duration = Duration(1)
    backoff_max: Duration = Duration(60)


# Published Polymarket limits, requests per 10 s (docs.polymarket.com/api-reference/rate-limits).
PUBLISHED_BUDGETS: dict[str, int] = {
    "gamma": 4000,
    "gamma:/markets": 300,
    "gamma:/events": 500,
    "gamma:listing": 900,
    "gamma:/tags": 200,
    "clob": 9000,
    "clob:/book": 1500,
    "clob:/books": 500,
    "clob:/midpoints": 500,
    "clob:/prices": 500,
    "clob:/prices-history": 1000,
    "clob:/markets": 1500,
    "data": 1000,
    "data:/trades": 200,
}


@dataclass(frozen=True)
class LimitSettings:
    safety_factor: float = 0.5
    """Fraction of each published budget pmtui allows itself (all its processes together)."""
    window: Duration = Duration(10)
    budgets: Mapping[str, int] = field(default_factory=lambda: dict(PUBLISHED_BUDGETS))
    """Requests per window per endpoint group, before the safety factor."""
    state_file: Path = field(default_factory=paths.default_limiter_path)
    """SQLite file shared by all pmtui processes of this user, so they stay under the limits together."""

    def effective_budget(self, group: str) -> int:
        return max(1, int(self.budgets[group] * self.safety_factor))


@dataclass(frozen=True)
class CollectSettings:
    catalog_interval: Duration = Duration(900)
    snapshot_interval: Duration = Duration(3600)
    snapshot_top_n: int = 100
    history_interval: Duration = Duration(1800)
    resolutions_interval: Duration = Duration(900)
    history_markets_per_cycle: int = 200
    """Resolved markets fetched for history per cycle, so one cycle stays bounded."""
    history_fidelity_minutes: int = 60
    history_lookback: Duration = Duration(45 * 86400)
    """History kept per resolved market: this long before it closed (backtests look 24 h–30 d back)."""
    resolutions_per_cycle: int = 2000
    """Unresolved markets past their end date re-checked per cycle (100 per API call)."""
    include_closed: bool = True
    """Mirror resolved markets too (needed by the backtest)."""
    failure_retry: Duration = Duration(60)
    """A failed job runs again after this long (not after its full interval)."""


@dataclass(frozen=True)
class MonitorSettings:
    interval: Duration = Duration(300)
    aggressive_interval: Duration = Duration(60)
    candidates: int = 500
    """Per strategy, the most traded (24 h) open markets in its categories that each monitor cycle
    refreshes and evaluates; markets with a pending signal, an open position or the watch flag come
    on top."""


@dataclass(frozen=True)
class SignalSettings:
    batch_size: int = 200
    expiry: Duration = Duration(6 * 3600)
    max_queue_items: int = 50
    max_clusters: int = 25
    min_backtest_trades: int = 30
    """A signal backed by fewer similar backtest trades than this is not validated and is sized at
    zero (pmtui.backtest.estimate), whatever its interval says."""
    max_price_age: Duration = Duration(3600)
    """A market whose newest price (order book or Gamma) is older than this at evaluation time is not
    evaluated: a signal on a stale price would be a guess."""
    undo_window: Duration = Duration(10)
    """How long after approving or rejecting a signal the decision can be undone."""
    approve_tolerance: float = 0.01
    """How far (dollars a share) the price may have moved against you between the price you saw and
    the approval; further, the approval is refused and the signal stays pending."""


@dataclass(frozen=True)
class BacktestSettings:
    horizon: str = "7d"
    """How long before the anchor each trade is decided, or "open" (at the market's first price)."""
    anchor: str = "end"
    """"end": the scheduled end date (known in advance). "close": min(end date, closed time), which
    knows when an early outcome happened and flatters buying YES; kept for comparison."""
    cost: float = 0.01
    """Half-spread and slippage per share, added to the price paid."""
    max_staleness: Duration = Duration(3 * 86400)
    """A price point older than this at decision time is not used (skip "stale")."""
    kelly_fraction: float = 0.25
    settled_band: float = 0.01
    """A YES price below this or above 1 minus this at decision time means the market had
    effectively settled already (skip "settled"); 0 turns the check off."""
    kelly_bankroll: float = 100.0
    """Notional bankroll the fractional-Kelly P&L is sized on (stakes are not compounded)."""
    kelly_min_history: int = 30
    """Resolved trades a strategy needs before its Kelly stakes start (stake 0 before that)."""


MAX_BANKROLL = 1e12
"""Dollars. Money is stored as integer micro-dollars: a trillion keeps every sum far inside SQLite's
64-bit integers."""


@dataclass(frozen=True)
class PaperSettings:
    bankroll: float = 1000.0
    kelly_fraction: float = 0.25
    cost: float = 0.01
    """Slippage per share added to the last price when no order book is known."""
    max_per_market: float = 0.05
    max_per_cluster: float = 0.10
    max_per_category: float = 0.25
    """Caps on open exposure (cost basis), as fractions of the current paper equity."""
    quote_max_age: Duration = Duration(1800)
    """An order-book quote older than this is not executable: buys fall back to the last price plus
    `cost`, closes are refused and marks use the display price."""


@dataclass(frozen=True)
class AlertSettings:
    telegram_url: str = "https://api.telegram.org"
    telegram_token: str | None = field(default=None, repr=False)
    telegram_chat_id: str | None = None
    min_interval: Duration = Duration(60)
    """At most one Telegram message per interval; alerts due meanwhile are joined into the next one."""
    digest_interval: Duration = Duration(300)
    """New pending signals are grouped into one digest at most this often."""
    digest_max_items: int = 10
    """Signals listed by name in one digest (the rest are counted)."""
    collector_failing_minutes: int = 15
    enabled: bool = True
    timeout: Duration = Duration(15)
    """HTTP timeout of one sendMessage call."""
    max_attempts: int = 8
    """A message that failed this many times is given up (status 'failed')."""
    retry_base: Duration = Duration(30)
    retry_max: Duration = Duration(3600)
    """Retry backoff: retry_base * 2^(attempts-1), at most retry_max (429 retry_after wins if longer)."""
    max_age: Duration = Duration(86400)
    """Alerts still unsent after this long are dropped rather than delivered late."""
    poll_interval: Duration = Duration(5)
    """How often the background sender looks at the outbox."""


@dataclass(frozen=True)
class LiveSettings:
    """The live order books over the CLOB market-channel WebSocket (docs/book.md)."""

    ws_url: str = "wss://ws-subscriptions-clob.polymarket.com/ws/market"
    """The full URL of the market channel (env PMTUI_WS_URL)."""
    enabled: bool = True
    """Stream books in the app for the markets on screen, watched and with pending signals."""
    ping_interval: Duration = Duration(10)
    """The channel wants a text PING this often (it answers PONG)."""
    inactivity_timeout: Duration = Duration(30)
    """No frame at all (not even a PONG) for this long: the connection is dead, reconnect."""
    data_timeout: Duration = Duration(300)
    """Subscribed but no book data for this long (a known failure: PONGs but no data): reconnect,
    which also resyncs every book from a fresh snapshot."""
    reconnect_min: Duration = Duration(1)
    reconnect_max: Duration = Duration(60)
    """Reconnect backoff: doubling from `reconnect_min` up to this cap, with random jitter."""
    max_assets_per_connection: int = 500
    """Tokens subscribed on one connection; more open further connections."""
    poll_interval: Duration = Duration(5)
    """While the socket is down, books come from batched REST `/books` calls this often."""
    quote_interval: Duration = Duration(1)
    """Best bid/ask of changed tokens go to SQLite (`quotes`) at most this often per token."""
    price_point_interval: Duration = Duration(60)
    """A token's mid is added to its price series (`prices`) at most this often."""
    subscribe_debounce: Duration = Duration(0.3)
    """The app changes subscriptions this long after the trader stops scrolling."""


@dataclass(frozen=True)
class PriceAlertSettings:
    """Alerts on the prices of watched markets (docs/book.md, "Price alerts"). Prices in cents."""

    enabled: bool = True
    move_cents: float = 5.0
    """Default for every watched market: alert on a move of this many cents of the YES price..."""
    move_minutes: float = 15.0
    """...within this many minutes. 0 turns the default move alert off."""
    hysteresis_cents: float = 1.0
    """A threshold fires once per crossing: it re-arms only after the price went back this far."""
    markets: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Per market id: `above`, `below` (thresholds in cents), `move_cents`, `move_minutes`, e.g.
    `[price_alerts.markets] "559659" = { above = 60, below = 40 }`."""


@dataclass(frozen=True)
class UiSettings:
    theme: str = "textual-dark"
    """A Textual theme name; `t` in the app toggles between it and its light/dark counterpart."""
    run_collector: bool = True
    """Run the collector jobs and the live monitor inside the app."""
    run_monitor: bool = True
    refresh_interval: Duration = Duration(5)
    """How often the app re-reads visible prices and the status bar from the store."""
    page_size: int = 200
    """Markets table rows loaded at a time (`m` loads the next page). A page draws in well under
    150 ms; the table never holds the whole catalogue."""


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    collect: CollectSettings = field(default_factory=CollectSettings)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    signals: SignalSettings = field(default_factory=SignalSettings)
    backtest: BacktestSettings = field(default_factory=BacktestSettings)
    paper: PaperSettings = field(default_factory=PaperSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    live: LiveSettings = field(default_factory=LiveSettings)
    price_alerts: PriceAlertSettings = field(default_factory=PriceAlertSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    strategies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per-strategy parameter overrides, validated by `pmtui.strategies` against its defaults."""
    source: Path | None = None
    """The file these settings were read from, if any (for error messages)."""


# --- loading ---------------------------------------------------------------------------------------


def config_path() -> Path:
    env = os.environ.get("PMTUI_CONFIG")
    return Path(env).expanduser() if env else paths.default_config_file()


def load_settings(path: Path | None = None) -> Settings:
    """Defaults, overlaid by the TOML file (when it exists) and then the environment."""
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
        except RecursionError:
            raise ConfigError(
                path, "(file)", "not valid TOML for pmtui: arrays or tables nested too deeply"
            ) from None
        except OSError as exc:
            raise ConfigError(path, "(file)", f"cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(path, "(file)", "is not UTF-8 text") from None
    elif "PMTUI_CONFIG" in os.environ:
        raise ConfigError(
            path,
            "(file)",
            "does not exist (named by PMTUI_CONFIG): create it (empty is fine) or unset PMTUI_CONFIG; "
            "`pmtui info` shows every path",
        )
    # Before any value is read: a file holding a token, of whatever type, must be private.
    _refuse_world_readable_token(raw, path)
    settings = settings_from_mapping(raw, path)
    return apply_env(settings)


def settings_from_mapping(raw: Mapping[str, Any], source: Path | str = "<settings>") -> Settings:
    sections: dict[str, Any] = {}
    section_types = {f.name: f.type for f in dataclasses.fields(Settings)}
    hints = typing.get_type_hints(Settings)
    for key, value in raw.items():
        if key not in section_types or key == "source":
            raise ConfigError(source, key, f"unknown section (known: {', '.join(_public_sections())})")
        if key == "strategies":
            sections[key] = _strategies_table(value, source)
            continue
        if not isinstance(value, dict):
            raise ConfigError(source, key, "must be a table, e.g. [" + key + "]")
        sections[key] = _build_section(hints[key], value, source, key)
    return Settings(**sections, source=Path(source) if isinstance(source, Path) else None)


def _public_sections() -> list[str]:
    return [f.name for f in dataclasses.fields(Settings) if f.name != "source"]


def _strategies_table(value: object, source: Path | str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ConfigError(source, "strategies", "must be a table of [strategies.<name>] tables")
    out: dict[str, dict[str, Any]] = {}
    for name, params in value.items():
        if not isinstance(params, dict):
            raise ConfigError(source, f"strategies.{name}", "must be a table of parameters")
        out[name] = dict(params)
    return out


def _build_section(cls: Any, table: Mapping[str, Any], source: Path | str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if key not in names:
            raise ConfigError(source, dotted, f"unknown key (known: {', '.join(sorted(names))})")
        try:
            values[key] = clean(dotted, coerce(hints[key], value))
        except (TypeError, ValueError) as exc:
            raise ConfigError(source, dotted, _problem(dotted, value, exc)) from None
    section = cls(**values)
    _check_ranges(section, source, prefix)
    return section


SECRET_KEYS = frozenset({"alerts.telegram_token"})
"""Settings whose value never appears in an error message (or anywhere else)."""

_BOT_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{8,200}$")
"""A Telegram bot token as BotFather issues it: the bot's numeric id, a colon, and a base64url-ish
secret (35 characters today; the bounds are loose on purpose)."""


def clean_bot_token(value: str) -> str:
    """The token without the spaces or newline a copy-paste brings along. Raises ValueError (never
    quoting the token) when what is left does not look like a bot token: a value with a space or a
    control character inside would be percent-encoded in the URL and escape exact-match redaction."""
    token = value.strip()
    if not _BOT_TOKEN.match(token):
        raise ValueError(
            "does not look like a bot token (digits, a colon, then letters, digits, _ or -, as "
            "BotFather gives it); the value is not shown"
        )
    return token


_CLEANERS = {"alerts.telegram_token": clean_bot_token}


def clean(dotted: str, value: Any) -> Any:
    """Key-specific checks after type conversion (None, an unset optional, passes through)."""
    cleaner = _CLEANERS.get(dotted)
    return value if cleaner is None or value is None else cleaner(value)


def _problem(dotted: str, value: object, exc: Exception) -> str:
    """The error text for a bad value; for a secret, one that cannot contain the value."""
    if dotted not in SECRET_KEYS or (isinstance(exc, ValueError) and "value is not shown" in str(exc)):
        return str(exc)
    return f"expected a string, got {type(value).__name__} (the value is not shown: it is a secret)"


def coerce(annotation: Any, value: object) -> Any:
    """Check and convert one TOML value to the annotated type; raises ValueError with the reason."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return coerce(inner[0], value)
    if annotation is Duration:
        return Duration(parse_duration(value))
    if annotation is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value
    if annotation is Path:
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a file path string, got {value!r}")
        return Path(value).expanduser()
    if origin is not None and issubclass(origin, Mapping):
        if not isinstance(value, dict):
            raise ValueError("expected a table")
        key_type, value_type = args
        return {coerce(key_type, k): coerce(value_type, v) for k, v in value.items()}
    raise TypeError(f"unsupported setting type {annotation!r}")


def _check_ranges(section: Any, source: Path | str, prefix: str) -> None:
    def bad(key: str, problem: str) -> ConfigError:
        return ConfigError(source, f"{prefix}.{key}", problem)

    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise bad(f.name, f"must not be negative, got {value}")
    if isinstance(section, DatabaseSettings) and not 0 < section.busy_timeout <= MAX_BUSY_TIMEOUT:
        raise bad(
            "busy_timeout",
            f"must be above 0 and at most {MAX_BUSY_TIMEOUT:g} seconds, got {section.busy_timeout:g}",
        )
    if isinstance(section, LimitSettings):
        if not 0 < section.window <= 86400:
            # 0 would switch the limiter off: every request would start a new window.
            raise bad("window", f"must be above 0 and at most a day (86400 s), got {section.window:g}")
        if not 0 < section.safety_factor <= 1:
            raise bad("safety_factor", f"must be in (0, 1], got {section.safety_factor}")
        for group, budget in section.budgets.items():
            if budget <= 0:
                raise bad(f"budgets.{group}", f"must be a positive number of requests, got {budget}")
        merged = dict(PUBLISHED_BUDGETS)
        merged.update(section.budgets)
        object.__setattr__(section, "budgets", merged)
    if isinstance(section, MonitorSettings):
        # A cycle refreshes hundreds of books; sub-10 s cycles would only burn the shared API budget.
        for key in ("interval", "aggressive_interval"):
            if getattr(section, key) < 10:
                raise bad(key, f"must be at least 10 seconds, got {getattr(section, key):g}")
        if section.candidates < 1:
            raise bad("candidates", f"must be at least 1, got {section.candidates}")
    if isinstance(section, SignalSettings):
        if not 50 <= section.batch_size <= 300:
            raise bad("batch_size", f"must be between 50 and 300, got {section.batch_size}")
        if not 0 <= section.approve_tolerance < 0.5:
            raise bad(
                "approve_tolerance",
                f"must be in [0, 0.5) dollars a share (0.01 is 1¢), got {section.approve_tolerance}",
            )
    if isinstance(section, PaperSettings | BacktestSettings) and not 0 < section.kelly_fraction <= 1:
        raise bad("kelly_fraction", f"must be in (0, 1], got {section.kelly_fraction}")
    if isinstance(section, UiSettings):
        if section.refresh_interval < 1:
            raise bad("refresh_interval", f"must be at least 1 second, got {section.refresh_interval}")
        if not 50 <= section.page_size <= 20000:
            raise bad("page_size", f"must be between 50 and 20000, got {section.page_size}")
    if isinstance(section, BacktestSettings):
        if not 0 < section.kelly_bankroll <= MAX_BANKROLL:
            raise bad(
                "kelly_bankroll",
                f"must be a positive amount of dollars up to {MAX_BANKROLL:,.0f}, got {section.kelly_bankroll}",
            )
        if not 0 <= section.settled_band < 0.5:
            raise bad("settled_band", f"must be in [0, 0.5), got {section.settled_band}")
        if not 0 <= section.cost < 1:
            raise bad("cost", f"must be in [0, 1), got {section.cost}")
        if section.anchor not in ("end", "close"):
            raise bad("anchor", f'expected "end" or "close", got {section.anchor!r}')
        if section.horizon != "open":
            try:
                parse_duration(section.horizon)
            except ValueError as exc:
                raise bad("horizon", f'{exc} (or "open" for the first price)') from None
    if isinstance(section, ApiSettings):
        for key in ("gamma_url", "clob_url", "data_url"):
            _check_url(getattr(section, key), source, f"{prefix}.{key}")
    if isinstance(section, PaperSettings):
        if not 0 < section.bankroll <= MAX_BANKROLL:
            raise bad(
                "bankroll",
                f"must be a positive amount of dollars up to {MAX_BANKROLL:,.0f}, got {section.bankroll}",
            )
        if not section.cost < 1:
            raise bad("cost", f"must be below 1 (dollars per share), got {section.cost}")
        for key in ("max_per_market", "max_per_cluster", "max_per_category"):
            if not 0 < getattr(section, key) <= 1:
                raise bad(key, f"must be in (0, 1] (a fraction of equity), got {getattr(section, key)}")
    if isinstance(section, LiveSettings):
        if not re.match(r"^wss?://[^/\s]+", section.ws_url):
            raise bad("ws_url", f"expected a ws:// or wss:// URL, got {section.ws_url!r}")
        if section.max_assets_per_connection < 1:
            raise bad("max_assets_per_connection", "must be at least 1")
        for key in ("ping_interval", "inactivity_timeout", "poll_interval", "quote_interval"):
            if getattr(section, key) <= 0:
                raise bad(key, "must be more than 0 seconds")
        if section.inactivity_timeout <= section.ping_interval:
            raise bad(
                "inactivity_timeout", "must be longer than ping_interval (a PONG must have time to come)"
            )
    if isinstance(section, PriceAlertSettings):
        for market_id, rule in section.markets.items():
            unknown = set(rule) - {"above", "below", "move_cents", "move_minutes"}
            if unknown:
                raise bad(
                    f"markets.{market_id}",
                    f"unknown key {sorted(unknown)[0]!r} (known: above, below, move_cents, move_minutes)",
                )
            for key in ("above", "below"):
                if key in rule and not 0 < rule[key] < 100:
                    raise bad(
                        f"markets.{market_id}.{key}", f"must be a price in cents in (0, 100), got {rule[key]}"
                    )
    if isinstance(section, AlertSettings):
        _check_url(section.telegram_url, source, f"{prefix}.telegram_url")
        if section.max_attempts < 1:
            raise bad("max_attempts", f"must be at least 1, got {section.max_attempts}")
        if section.digest_max_items < 1:
            raise bad("digest_max_items", f"must be at least 1, got {section.digest_max_items}")
        if section.collector_failing_minutes < 1:
            raise bad(
                "collector_failing_minutes", f"must be at least 1, got {section.collector_failing_minutes}"
            )


def _check_url(url: str, source: Path | str, key: str) -> None:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(source, key, f"expected an http(s) URL, got {url!r}")


def _refuse_world_readable_token(raw: Mapping[str, Any], path: Path) -> None:
    """A file holding the Telegram token (whatever its type: a list or a table holds it just as
    well) must not be readable by group or others."""
    alerts = raw.get("alerts")
    if not (isinstance(alerts, dict) and alerts.get("telegram_token") not in (None, "", [], {})):
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            path,
            "alerts.telegram_token",
            f"file holding the token is readable by others (mode {mode:o}); run: chmod 600 {path}",
        )


_ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "PMTUI_DB": ("database", "path"),
    "PMTUI_GAMMA_URL": ("api", "gamma_url"),
    "PMTUI_CLOB_URL": ("api", "clob_url"),
    "PMTUI_DATA_URL": ("api", "data_url"),
    "PMTUI_LIMITER_DB": ("limits", "state_file"),
    "PMTUI_TELEGRAM_TOKEN": ("alerts", "telegram_token"),
    "PMTUI_TELEGRAM_CHAT_ID": ("alerts", "telegram_chat_id"),
    "PMTUI_TELEGRAM_URL": ("alerts", "telegram_url"),
    "PMTUI_WS_URL": ("live", "ws_url"),
}


def apply_env(settings: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    for var, (section_name, key) in _ENV_OVERRIDES.items():
        value = environ.get(var)
        if not value:
            continue
        section = getattr(settings, section_name)
        hint = typing.get_type_hints(type(section))[key]
        dotted = f"{section_name}.{key}"
        try:
            converted = clean(dotted, coerce(hint, value))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"${var}", dotted, _problem(dotted, value, exc)) from None
        if key == "ws_url":
            if not re.match(r"^wss?://[^/\s]+", converted):
                raise ConfigError(
                    f"${var}", "live.ws_url", f"expected a ws:// or wss:// URL, got {converted!r}"
                )
        elif key.endswith("_url"):
            _check_url(converted, f"${var}", f"{section_name}.{key}")
            converted = converted.rstrip("/")
        settings = dataclasses.replace(
            settings, **{section_name: dataclasses.replace(section, **{key: converted})}
        )
    return settings
