"""SQLite store: schema, migrations and queries. No Textual here."""

from pmtui.store.db import StoreError, connect, integrity_ok, write_tx

__all__ = ["StoreError", "connect", "integrity_ok", "write_tx"]
