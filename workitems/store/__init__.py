"""The work-item store: one interface, SQLite or PostgreSQL chosen by a URL."""

from workitems.store._store import Store, open_store

__all__ = ["Store", "open_store"]
