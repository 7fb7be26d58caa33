"""Vendors on hold: a request to change a vendor's bank details stops every automatic
posting for that vendor until a person has verified the change by calling the vendor back.

A hold is one record of kind ``vendor-hold`` in the work-item store (key: the vendor id),
listing the requests (the mails' references) that placed it. The producer places it the
moment it reads such a mail, before any invoice of that run reaches the consumer; the
consumer refuses to post for a vendor on hold (``VENDOR_ON_HOLD``); a person's call-back
in the Control Room lifts the request, and the hold goes when no request is left. Writes
name the version they read (the store refuses a stale one), so producers, consumers and
clerks on many machines never lose each other's changes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from workitems import Conflict, Store

KIND = "vendor-hold"
_ATTEMPTS = 5  # writes that lost a race read again and retry


class HoldRequest(BaseModel):
    reference: str  # the mail asking for the change
    requested_iban: str | None = None
    placed_at: datetime
    placed_by: str


class Hold(BaseModel):
    vendor_id: str
    vendor_name: str = ""
    requests: list[HoldRequest] = Field(default_factory=list)


def hold_of(store: Store, vendor_id: str) -> Hold | None:
    found = store.records(KIND, [vendor_id])
    return Hold.model_validate(found[0].data) if found else None


def place_hold(store: Store, vendor_id: str, vendor_name: str, reference: str,
               requested_iban: str | None, actor: str) -> Hold:
    """Put the vendor on hold for this request (idempotent: a request is listed once)."""
    request = HoldRequest(reference=reference, requested_iban=requested_iban,
                          placed_at=datetime.now(UTC), placed_by=actor)

    def change(hold: Hold | None) -> Hold:
        hold = hold or Hold(vendor_id=vendor_id, vendor_name=vendor_name)
        if all(r.reference != reference for r in hold.requests):
            hold.requests.append(request)
        return hold

    return _update(store, vendor_id, change, actor)  # type: ignore[return-value]


def lift_request(store: Store, vendor_id: str, reference: str, actor: str) -> Hold | None:
    """Take one request off the vendor's hold; the hold goes with its last request.
    Returns what is left (None: the vendor may be posted automatically again)."""

    def change(hold: Hold | None) -> Hold | None:
        if hold is None:
            return None
        hold.requests = [r for r in hold.requests if r.reference != reference]
        return hold if hold.requests else None

    return _update(store, vendor_id, change, actor)


def _update(store: Store, vendor_id: str, change, actor: str) -> Hold | None:  # noqa: ANN001
    for _ in range(_ATTEMPTS):
        found = store.records(KIND, [vendor_id])
        version = found[0].version if found else 0
        before = Hold.model_validate(found[0].data) if found else None
        after = change(before.model_copy(deep=True) if before else None)
        try:
            if after is None:
                if found:
                    store.delete_record(KIND, vendor_id)
                return None
            store.put_record(KIND, vendor_id, vendor_id, _data(after), expected_version=version,
                             actor=actor)
            return after
        except Conflict:
            continue
    raise Conflict(f"the hold of vendor {vendor_id} kept changing; try again")


def _data(hold: Hold) -> dict:
    """The record, with the summary administrators see beside it in the Control Room."""
    latest = hold.requests[-1]
    summary = {"vendor": f"{hold.vendor_name} ({hold.vendor_id})".strip(),
               "why": "bank details change requested: no automatic posting until a person "
                      "verifies it by a call-back",
               "requests": str(len(hold.requests)),
               "requested IBAN": latest.requested_iban or "not in the mail",
               "since": latest.placed_at.isoformat(timespec="seconds")}
    return {**hold.model_dump(mode="json"), "summary": summary}


def open_holds():  # noqa: ANN201 - a Store, or None
    """The store, when the bot runs on a worker of it (holds live there); else None: a bot
    run from the desktop with Robocorp's file adapter keeps no holds."""
    from tasks.run_log import on_a_worker  # noqa: PLC0415

    if not on_a_worker():
        return None
    from workitems import open_store  # noqa: PLC0415

    return open_store()
