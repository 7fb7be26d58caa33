"""What a clerk can do to any failed item: claim, release, reject, retry, mark done.

Every action checks, before writing anything, that the item is still the one
the clerk saw: FAILED (not held by a worker), not claimed by someone else, and
at the version the page was opened at. The store re-checks the version inside
its own transaction (``expected_version``), so two clerks racing each other
cannot both win. Each action lands in the audit log with before/after values.

Approving corrected fields, and any decision of a process's own, belong to the
process's view (:mod:`workitems.room.item_views`); they use the checks here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from workitems import Conflict, Item, ItemState, Store, tracing
from workitems.room import repository as repo
from workitems.room.repository import User


class ApprovalRules(BaseModel):
    """When an approval needs a second person, and which role that person needs."""

    four_eyes_amount: Decimal | None = None  # totals above this need two approvals
    approver_role: str = "supervisor"


class Approved(BaseModel):
    """What an approval did: ``errors`` by field (nothing saved), or ``waiting`` (why a
    second approval is needed; the first is recorded), or neither (sent to the bot)."""

    errors: dict[str, str] = {}
    waiting: str | None = None


class ActionRefused(Exception):
    """The action cannot be done as asked; the message tells the clerk why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_editable(store: Store, item: Item, user: User, version: int) -> None:
    """Raise ActionRefused unless this user may change the item as they saw it."""
    if item.state is ItemState.IN_PROGRESS:
        raise ActionRefused(f"A worker ({item.lease_owner}) is processing item {item.id} right "
                            "now; nothing was changed. Wait until it finishes, then reload.")
    if item.assignee not in (None, user.username):
        raise ActionRefused(f"Item {item.id} is claimed by {item.assignee}; nothing was "
                            "changed. Ask them to release it.")
    if item.version != version:
        who = _last_actor(store, item.id)
        raise ActionRefused(f"Item {item.id} changed since you opened it (by {who}); nothing "
                            "was changed. Reload the page to see the current state.")
    if item.state is not ItemState.FAILED:
        raise ActionRefused(f"Item {item.id} is {item.state.value}; only failed items can be "
                            "changed here.")


def _last_actor(store: Store, item_id: int) -> str:
    events = store.events(item_id, limit=10_000)
    return events[-1].actor if events else "someone"


def refuse_conflicts(action: Any) -> Any:
    """Run a store call; a Conflict raised inside its transaction becomes ActionRefused."""
    try:
        return action()
    except Conflict as exc:
        raise ActionRefused(f"{exc.message}; nothing was changed.") from exc


@contextmanager
def traced(store: Store, user: User, item_id: int, decision: str) -> Iterator[None]:
    """A person's decision on an item, as a span of the item's trace (refused: failed)."""
    with tracing.item_span(store, item_id, f"decision.{decision}",
                           {"workitems.decision": decision, "workitems.user": user.username}):
        yield


def claim(store: Store, user: User, item_id: int, version: int) -> None:
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    refuse_conflicts(lambda: store.claim(item_id, user.username, expected_version=version))
    repo.audit(store, user.username, "claim", item_id=item_id,
               before={"assignee": item.assignee}, after={"assignee": user.username})


def release(store: Store, user: User, item_id: int) -> None:
    item = store.get_item(item_id)
    if item.assignee != user.username:
        raise ActionRefused(f"Item {item_id} is not claimed by you.")
    refuse_conflicts(lambda: store.unclaim(item_id, user.username))
    repo.audit(store, user.username, "release", item_id=item_id,
               before={"assignee": user.username}, after={"assignee": None})


def _review(action: str, user: User, reason: str) -> dict[str, Any]:
    return {"action": action, "fields": {}, "by": user.username,
            "at": datetime.now(UTC).isoformat(), "reason": reason}


def _with_review(payload: Any, review: dict[str, Any]) -> Any:
    """The payload with the decision recorded in it; a payload that is not a JSON object
    is left as the bot saved it (the decision is in the audit log either way)."""
    return {**payload, "review": review} if isinstance(payload, dict) else payload


def _close(store: Store, user: User, item: Item, version: int, action: str,
           reason: str) -> None:
    """Record the decision in the payload, then close the item (done, not posted)."""
    payload = _with_review(item.payload, _review(action, user, reason))
    refuse_conflicts(lambda: store.save_payload(item.id, payload, user.username,
                                                 expected_version=version))
    refuse_conflicts(lambda: store.mark_done(item.id, user.username, reason=reason,
                                              expected_version=version + 1))
    repo.audit(store, user.username, action, item_id=item.id,
               before={"state": item.state.value, "code": item.exception_code},
               after={"state": ItemState.DONE.value, "reason": reason})


def reject(store: Store, user: User, item_id: int, version: int, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ActionRefused("Say why the invoice is rejected; nothing was changed.")
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    _close(store, user, item, version, "reject", reason)


def mark_done(store: Store, user: User, item_id: int, version: int, reason: str) -> None:
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    _close(store, user, item, version, "done", reason.strip() or "handled outside the bots")


def retry(store: Store, user: User, item_id: int, version: int) -> None:
    """Send a technical failure back unchanged: the bot tries again from the start."""
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    refuse_conflicts(lambda: store.retry(item_id, user.username, expected_version=version))
    repo.audit(store, user.username, "retry", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code},
               after={"state": ItemState.PENDING.value})
