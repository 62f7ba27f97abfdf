"""Endpoint names and rate-limit groups, shared by the client's limiter and the fake server.

Polymarket publishes its limits per endpoint *group* (docs.polymarket.com/api-reference/rate-limits,
table in docs/polymarket-api.md, "Rate limits"): a request to Gamma `/markets/keyset` counts against
`gamma:/markets` (300 / 10 s), the combined listing group `gamma:listing` (/markets + /events, 900)
and the API-wide `gamma` group (4,000). Both sides use this one table, so the fake server enforces
exactly what the limiter budgets for. The cross-API "general 15,000 / 10 s" needs no group of its
own: the three API-wide budgets together stay below it.
"""

from __future__ import annotations

import re
from typing import Literal

Api = Literal["gamma", "clob", "data"]
APIS: tuple[Api, ...] = ("gamma", "clob", "data")

_ID_SEGMENT = re.compile(r"/(\d+|0x[0-9a-fA-F]+)(?=/|$)")


def endpoint_name(api: str, path: str) -> str:
    """A stable name for accounting: `gamma:/markets/keyset`, `gamma:/markets/{id}`, `clob:/books`."""
    path = path.split("?", 1)[0].rstrip("/") or "/"
    return f"{api}:{_ID_SEGMENT.sub('/{id}', path)}"


def limit_groups(api: str, path: str) -> tuple[str, ...]:
    """Every rate-limit group a request to `path` on `api` counts against, most specific first.

    Groups the budget table does not name are simply not enforced by the limiter.
    """
    path = path.split("?", 1)[0]
    groups: list[str] = []
    if api == "gamma":
        if path.startswith("/markets"):
            groups += ["gamma:/markets", "gamma:listing"]
        elif path.startswith("/events"):
            groups += ["gamma:/events", "gamma:listing"]
        elif path.startswith("/tags"):
            groups.append("gamma:/tags")
    elif api == "clob":
        first = "/" + path.strip("/").split("/", 1)[0]
        if first in ("/book", "/books", "/midpoints", "/prices", "/prices-history", "/markets"):
            groups.append(f"clob:{first}")
    elif api == "data" and path.rstrip("/") == "/trades":
        groups.append("data:/trades")
    groups.append(api)
    return tuple(groups)
