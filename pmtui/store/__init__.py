"""SQLite store: schema, migrations and queries. No Textual here."""

from pmtui.store.db import connect, integrity_ok, write_tx

__all__ = ["connect", "integrity_ok", "write_tx"]
