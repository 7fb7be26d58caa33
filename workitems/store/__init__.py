"""The work-item store: one interface, SQLite or PostgreSQL chosen by a URL."""

from workitems.store._breakers import Breaker, BreakerState
from workitems.store._db import redact_url
from workitems.store._readings import Reading
from workitems.store._records import Record
from workitems.store._store import Store, open_store

__all__ = ["Breaker", "BreakerState", "Reading", "Record", "Store", "open_store", "redact_url"]
