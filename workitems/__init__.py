"""A Control Room-style work-item backbone: queues, leases, workers, schedules.

Bots use ``robocorp.workitems`` and reach the store through :mod:`workitems.adapter`
(``RC_WORKITEM_ADAPTER=workitems.adapter.StoreAdapter``); the one thing of ours a bot may
ask is :func:`workitems.adapter.settling_attempt` (whether the item in hand is on its
settling attempt, see :class:`RetryPolicy`).
People and schedulers use the ``workitems`` command (:mod:`workitems.cli`).
"""

from workitems.config import Settings
from workitems.errors import (
    Conflict,
    DuplicateReference,
    FileTooLarge,
    InvalidFileName,
    InvalidInput,
    InvalidPayload,
    ItemNotFound,
    LeaseLost,
    ParentReleased,
    StoreUnavailable,
    WorkItemsError,
)
from workitems.models import (
    Created,
    Duplicates,
    Event,
    EventKind,
    ExceptionType,
    Item,
    ItemState,
    Reservation,
    Run,
    Step,
)
from workitems.retry import BreakerPolicy, RetryPolicy
from workitems.store import Store, open_store

__all__ = [
    "BreakerPolicy",
    "Conflict",
    "Created",
    "DuplicateReference",
    "Duplicates",
    "Event",
    "EventKind",
    "ExceptionType",
    "FileTooLarge",
    "InvalidFileName",
    "InvalidInput",
    "InvalidPayload",
    "Item",
    "ItemNotFound",
    "ItemState",
    "LeaseLost",
    "ParentReleased",
    "Reservation",
    "RetryPolicy",
    "Run",
    "Settings",
    "Step",
    "Store",
    "StoreUnavailable",
    "WorkItemsError",
    "open_store",
]
