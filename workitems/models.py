"""The store's data types: what an item, a file, an event and a step are."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from workitems.retry import RetryPolicy

JSON = dict[str, Any]
# A work item's payload: any JSON value, as in Robocorp (an object, a list, a string, a
# number, true/false or null), stored and returned exactly as the bot saved it.
Payload = Any


class ItemState(StrEnum):
    PENDING = "PENDING"  # waiting in its step's queue (maybe until a retry time)
    IN_PROGRESS = "IN_PROGRESS"  # leased by a worker
    DONE = "DONE"  # finished; its outputs are in the next step's queue
    FAILED = "FAILED"  # waits for a person (BUSINESS) or gave up retrying (APPLICATION)


class ExceptionType(StrEnum):
    BUSINESS = "BUSINESS"  # the data is wrong: a person decides, never retried
    APPLICATION = "APPLICATION"  # something technical broke: retried with backoff


class Duplicates(StrEnum):
    REFUSE = "refuse"  # raise DuplicateReference
    MERGE = "merge"  # return the existing item and log the second arrival on it


class Item(BaseModel):
    id: int
    process: str
    step: str
    state: ItemState
    payload: Payload
    parent_id: int | None = None
    reference: str | None = None
    priority: int = 0
    attempts: int = 0
    exception_type: ExceptionType | None = None
    exception_code: str | None = None
    exception_message: str | None = None
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    available_at: float
    assignee: str | None = None
    version: int
    created_at: float
    updated_at: float
    files: list[str] = Field(default_factory=list)
    traceparent: str | None = None  # the W3C trace context its work continues


class Reservation(BaseModel):
    """An item leased to one worker; the token proves the lease when releasing."""

    item_id: int
    token: str
    attempt: int
    lease_expires_at: float
    # Past the step's last attempt, after a lease expiry: the bot settles, it does not redo.
    settling: bool = False
    traceparent: str | None = None  # the item's trace context (workitems.tracing)


class Event(BaseModel):
    id: int
    item_id: int
    at: float
    actor: str
    kind: str
    from_state: ItemState | None = None
    to_state: ItemState | None = None
    details: JSON = Field(default_factory=dict)


class Step(BaseModel):
    process: str
    name: str
    position: int = 0
    next_step: str | None = None
    task: str | None = Field(None, description="robocorp task as 'path/to/file.py::task_name'")
    lease_seconds: float = Field(60.0, gt=0)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)


class Run(BaseModel):
    id: int
    process: str
    step: str
    worker: str
    started_at: float
    ended_at: float | None = None
    status: str
    items_done: int = 0
    items_failed: int = 0


class EventKind(StrEnum):
    CREATED = "CREATED"  # an item entered a queue (for outputs: when its parent finished)
    MERGED = "MERGED"  # the same reference arrived again and was folded into this item
    RESERVED = "RESERVED"  # a worker leased the item
    COMPLETED = "COMPLETED"  # the worker finished it
    FAILED = "FAILED"  # BUSINESS failure, or APPLICATION failure out of attempts
    RETRY_SCHEDULED = "RETRY_SCHEDULED"  # APPLICATION failure, back in the queue later
    LEASE_EXPIRED = "LEASE_EXPIRED"  # the worker holding it stopped renewing (crash, kill -9)
    OUTPUT_DISCARDED = "OUTPUT_DISCARDED"  # an unfinished attempt's output was dropped
    RETRIED = "RETRIED"  # a person sent it back to the queue
    APPROVED = "APPROVED"  # a person approved it: it goes on with the data they validated
    MARKED_DONE = "MARKED_DONE"  # a person closed it (handled outside)
    PAYLOAD_UPDATED = "PAYLOAD_UPDATED"
    FILE_ADDED = "FILE_ADDED"
    FILE_REMOVED = "FILE_REMOVED"
    CLAIMED = "CLAIMED"  # a person took it to work on
    UNCLAIMED = "UNCLAIMED"


class Created(BaseModel):
    id: int
    created: bool  # False when the reference already existed and the arrival was merged
