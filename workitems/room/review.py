"""What a clerk can do to a failed item: claim, release, approve, reject, retry, mark done.

Every action checks, before writing anything, that the item is still the one
the clerk saw: FAILED (not held by a worker), not claimed by someone else, and
at the version the page was opened at. The store re-checks the version inside
its own transaction (``expected_version``), so two clerks racing each other
cannot both win. Each action lands in the audit log with before/after values;
each approval is kept as a labelled example for retraining.

Four eyes: where the AP rules (``tasks.approval_policy``) ask for it, a first approval
is only recorded (the item stays in the queue, released) and a second person with the
approver role, approving the same fields, sends it on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from tasks import mail_review
from tasks.approval_policy import OVERRIDABLE, second_approval_reason
from tasks.payloads import HEADER_FIELDS, Approval, InvoicePayload, Review
from workitems import Conflict, Item, ItemState, Store
from workitems.room import repository as repo
from workitems.room.fields import validate_fields
from workitems.room.locale import ClerkLocale
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


def invoice_of(item: Item) -> InvoicePayload | None:
    """The item's payload as an invoice, or None for items of other kinds."""
    try:
        return InvoicePayload.model_validate(item.payload)
    except ValidationError:
        return None


def predicted_fields(invoice: InvoicePayload) -> dict[str, str | None]:
    fields = invoice.extracted.fields if invoice.extracted else {}
    return {name: (fields[name].value if name in fields else None) for name in HEADER_FIELDS}


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


def _refuse_conflicts(action: Any) -> Any:
    """Run a store call; a Conflict raised inside its transaction becomes ActionRefused."""
    try:
        return action()
    except Conflict as exc:
        raise ActionRefused(f"{exc.message}; nothing was changed.") from exc


def claim(store: Store, user: User, item_id: int, version: int) -> None:
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    _refuse_conflicts(lambda: store.claim(item_id, user.username, expected_version=version))
    repo.audit(store, user.username, "claim", item_id=item_id,
               before={"assignee": item.assignee}, after={"assignee": user.username})


def release(store: Store, user: User, item_id: int) -> None:
    item = store.get_item(item_id)
    if item.assignee != user.username:
        raise ActionRefused(f"Item {item_id} is not claimed by you.")
    _refuse_conflicts(lambda: store.unclaim(item_id, user.username))
    repo.audit(store, user.username, "release", item_id=item_id,
               before={"assignee": user.username}, after={"assignee": None})


def _review(action: str, user: User, *, fields: dict[str, str | None] | None = None,
            lines: list[Any] | None = None, reason: str = "") -> dict[str, Any]:
    review = Review(action=action, fields=fields or {}, lines=lines, by=user.username,
                    at=datetime.now(UTC), reason=reason)
    return review.model_dump(mode="json")


def approve(store: Store, user: User, item_id: int, version: int,
            typed: dict[str, str | None], *, locale: ClerkLocale | None = None,
            overrides: dict[str, str] | None = None,
            rules: ApprovalRules | None = None) -> Approved:
    """Validate the clerk's fields; if all pass, either record a first approval (four
    eyes) or write the review and send the item on to its step's queue."""
    rules = rules or ApprovalRules()
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    invoice = invoice_of(item)
    if invoice is None:
        raise ActionRefused(f"Item {item_id} is not an invoice; use retry or mark done.")
    values, errors = validate_fields(typed, locale)
    if errors:
        return Approved(errors=errors)
    overrides = _checked_overrides(overrides or {})
    codes = {f.code for f in invoice.findings} | ({item.exception_code} - {None})
    now = datetime.now(UTC)
    pending = invoice.pending_approval
    lines = invoice.extracted.lines if invoice.extracted else []
    review = Review(action="approve", fields=values, lines=lines, by=user.username, at=now,
                    approvals=[Approval(by=user.username, at=now)], overrides=overrides)
    if reason := second_approval_reason(codes, values.get("total"), rules.four_eyes_amount):
        same = pending is not None and (pending.fields, pending.overrides) == (values, overrides)
        if pending is None or not same:
            _record_first_approval(store, user, item, version, review, reason)
            return Approved(waiting=reason)
        if pending.by == user.username:
            raise ActionRefused(f"You approved item {item_id} already; {reason}, so another "
                                f"person with the {rules.approver_role} role must approve it.")
        if not user.has_role(rules.approver_role):
            raise ActionRefused(f"{pending.by} approved item {item_id}; {reason}, so the second "
                                f"approval needs the {rules.approver_role} role. Nothing was "
                                "changed.")
        review.approvals = [*pending.approvals, *review.approvals]
    payload = {**item.payload, "review": review.model_dump(mode="json"),
               "pending_approval": None}
    _refuse_conflicts(lambda: store.approve(item_id, user.username, payload=payload,
                                            expected_version=version))
    predicted = predicted_fields(invoice)
    repo.save_correction(store, item_id, invoice.document.sha256, predicted, values,
                         user.username)
    repo.audit(store, user.username, "approve", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code,
                       "fields": predicted},
               after={"state": ItemState.PENDING.value, "fields": values,
                      "approved_by": [a.by for a in review.approvals],
                      **({"overrides": overrides} if overrides else {})})
    return Approved()


def _checked_overrides(overrides: dict[str, str]) -> dict[str, str]:
    """Only checks that may be overridden, each with the person's reason."""
    checked = {}
    for code, reason in overrides.items():
        if code not in OVERRIDABLE:
            raise ActionRefused(f"The {code} check cannot be overridden; nothing was saved.")
        if not reason.strip():
            raise ActionRefused(f"Say why you override the {code} check; nothing was saved.")
        checked[code] = reason.strip()
    return checked


def _record_first_approval(store: Store, user: User, item: Item, version: int,
                           review: Review, reason: str) -> None:
    """Keep the approval in the payload and release the item for the second person."""
    payload = {**item.payload, "pending_approval": review.model_dump(mode="json")}
    _refuse_conflicts(lambda: store.save_payload(item.id, payload, user.username,
                                                 expected_version=version))
    if item.assignee == user.username:
        _refuse_conflicts(lambda: store.unclaim(item.id, user.username))
    repo.audit(store, user.username, "approve_first", item_id=item.id,
               before={"fields": predicted_fields(invoice_of(item))},  # type: ignore[arg-type]
               after={"fields": review.fields, "waiting_for": reason,
                      **({"overrides": review.overrides} if review.overrides else {})})


def _with_review(payload: Any, review: dict[str, Any]) -> Any:
    """The payload with the decision recorded in it; a payload that is not a JSON object
    is left as the bot saved it (the decision is in the audit log either way)."""
    return {**payload, "review": review} if isinstance(payload, dict) else payload


def _close(store: Store, user: User, item: Item, version: int, action: str,
           reason: str) -> None:
    """Record the decision in the payload, then close the item (done, not posted)."""
    payload = _with_review(item.payload, _review(action, user, reason=reason))
    _refuse_conflicts(lambda: store.save_payload(item.id, payload, user.username,
                                                 expected_version=version))
    _refuse_conflicts(lambda: store.mark_done(item.id, user.username, reason=reason,
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
    _refuse_conflicts(lambda: store.retry(item_id, user.username, expected_version=version))
    repo.audit(store, user.username, "retry", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code},
               after={"state": ItemState.PENDING.value})


# -- mails: re-routing and the call-back of a bank-details change ---------------------------


def _mail(item: Item) -> Any:
    mail = mail_review.mail_of(item.payload)
    if mail is None:
        raise ActionRefused(f"Item {item.id} is not a mail.")
    return mail


def _refuse_decision(action: Any) -> Any:
    try:
        return action()
    except mail_review.DecisionRefused as exc:
        raise ActionRefused(exc.message) from exc


def reroute(store: Store, user: User, item_id: int, version: int, intent: str) -> None:
    """Send the mail back to its step to be routed as ``intent``; the choice is kept as a
    labelled example."""
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    mail = _mail(item)
    changed = _refuse_decision(lambda: mail_review.rerouted(mail, intent, user.username))
    _refuse_conflicts(lambda: store.approve(item_id, user.username,
                                            payload=changed.model_dump(mode="json"),
                                            expected_version=version))
    mail_review.save_example(store, mail, intent, user.username)
    repo.audit(store, user.username, "route", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code,
                       "intent": mail.triage.intent, "confidence": mail.triage.confidence},
               after={"state": ItemState.PENDING.value, "intent": intent})


def verify_callback(store: Store, user: User, item_id: int, version: int, *, outcome: str,
                    phone: str, spoke_to: str, note: str,
                    rules: ApprovalRules | None = None) -> list[int]:
    """Record a call-back on a bank-details change (approver role): the vendor's hold is
    lifted, the item is closed, and the vendor's invoices that waited go back to the bot.
    Returns the ids of those invoices."""
    rules = rules or ApprovalRules()
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    if not user.has_role(rules.approver_role):
        raise ActionRefused(f"Verifying a bank-details change needs the {rules.approver_role} "
                            "role; nothing was changed.")
    mail = _mail(item)
    checked = _refuse_decision(lambda: mail_review.called_back(
        mail, outcome=outcome, phone=phone, spoke_to=spoke_to, note=note, by=user.username))
    call = checked.callback
    reason = f"call-back to {call.spoke_to} on {call.phone}: {call.outcome}; {call.note}"
    _refuse_conflicts(lambda: store.save_payload(item_id, checked.model_dump(mode="json"),
                                                 user.username, expected_version=version))
    _refuse_conflicts(lambda: store.mark_done(item_id, user.username, reason=reason,
                                              expected_version=version + 1))
    waiting = mail_review.lift_hold(store, checked, user.username)
    for waiting_id in waiting:
        store.retry(waiting_id, user.username)
    repo.audit(store, user.username, "verify_callback", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code,
                       "hold": mail.hold},
               after={"state": ItemState.DONE.value, "outcome": call.outcome,
                      "phone": call.phone, "spoke_to": call.spoke_to, "note": call.note,
                      "verified_at": call.at.isoformat(timespec="seconds"),
                      "released_items": waiting})
    return waiting
