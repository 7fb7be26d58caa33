"""Errors raised by the work-item store, one class per problem a caller can act on.

Every error carries a stable ``code`` (for logs, the CLI and the HTTP API) and a
message that names the problem in words a person understands::

    WorkItemsError
    ├── ItemNotFound          no item with that id
    ├── InvalidInput          the caller's data is wrong (never retried)
    │   ├── InvalidPayload    not a JSON value, too large or too deeply nested
    │   ├── InvalidFileName   empty, "..", "/", "\\" or NUL in a file name
    │   └── FileTooLarge      over the configured limit
    ├── DuplicateReference    an item with this reference already exists in the step
    ├── Conflict              the item is not in a state that allows the action
    │   ├── LeaseLost         the worker's lease expired and someone else holds the item
    │   └── ParentReleased    an output for an input already released (also a ValueError,
    │                         as Robocorp's adapters raise)
    └── StoreUnavailable      the database cannot be reached (retryable)
"""

from __future__ import annotations


class WorkItemsError(Exception):
    code = "WORKITEMS_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ItemNotFound(WorkItemsError):
    code = "ITEM_NOT_FOUND"

    def __init__(self, item_id: object) -> None:
        super().__init__(f"there is no work item with id {item_id!r}")
        self.item_id = item_id


class InvalidInput(WorkItemsError):
    code = "INVALID_INPUT"


class InvalidPayload(InvalidInput):
    code = "INVALID_PAYLOAD"


class InvalidFileName(InvalidInput):
    code = "INVALID_FILE_NAME"


class FileTooLarge(InvalidInput):
    code = "FILE_TOO_LARGE"


class DuplicateReference(WorkItemsError):
    code = "DUPLICATE_REFERENCE"

    def __init__(self, reference: str, existing_id: int) -> None:
        super().__init__(
            f"an item with reference {reference!r} already exists (item {existing_id}); "
            "the same document is not processed twice"
        )
        self.reference = reference
        self.existing_id = existing_id


class Conflict(WorkItemsError):
    code = "CONFLICT"


class LeaseLost(Conflict):
    code = "LEASE_LOST"


class ParentReleased(Conflict, ValueError):
    code = "PARENT_RELEASED"


class StoreUnavailable(WorkItemsError):
    code = "STORE_UNAVAILABLE"
