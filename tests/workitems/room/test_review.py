"""The clerk's actions on a failed invoice, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tasks import invoice_view
from tasks.payloads import HEADER_FIELDS, InvoicePayload
from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import ItemState, Store
from workitems.room import repository as repo
from workitems.room import review
from workitems.room.repository import User


def user(store: Store, name: str) -> User:
    found = repo.password_hash_of(store, name)
    assert found is not None
    return found[0]


def typed_from(store: Store, item_id: int, **changes: str) -> dict[str, str | None]:
    invoice = InvoicePayload.model_validate(store.get_item(item_id).payload)
    return {**invoice_view.predicted_fields(invoice), **changes}


def test_approve_writes_the_review_and_sends_the_item_back(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store, DemoInvoice(printed_total="3O3.57"))
    item = room_store.get_item(item_id)
    clerk = user(room_store, "clerk1")
    done = invoice_view.approve(room_store, clerk, item_id, item.version,
                          typed_from(room_store, item_id, total="303.57"))
    assert done == review.Approved()
    after = room_store.get_item(item_id)
    assert (after.state, after.step, after.attempts) == (ItemState.PENDING, "consumer", 0)
    assert after.exception_code is None
    got = InvoicePayload.model_validate(after.payload).review
    assert got is not None and got.action == "approve" and got.by == "clerk1"
    assert got.fields["total"] == "303.57"
    assert set(got.fields) == set(HEADER_FIELDS)
    assert got.lines and got.lines[0].description.startswith("Copy paper")
    # the correction is kept as a labelled example, and audited with before/after
    [correction] = repo.corrections_for(room_store, item_id)
    assert correction.predicted["total"] == "3O3.57" and correction.corrected["total"] == "303.57"
    assert correction.changed == ["total"]
    assert correction.document_sha256 == after.payload["document"]["sha256"]
    [entry] = repo.audit_entries(room_store, item_id=item_id)
    assert entry.action == "approve" and entry.actor == "clerk1"
    assert entry.before["fields"]["total"] == "3O3.57"
    assert entry.after["fields"]["total"] == "303.57"


def test_invalid_fields_save_nothing(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store)
    before = room_store.get_item(item_id)
    errors = invoice_view.approve(room_store, user(room_store, "clerk1"), item_id, before.version,
                            typed_from(room_store, item_id, total="303;57", currency="EURO")
                            ).errors
    assert set(errors) == {"total", "currency"}
    assert room_store.get_item(item_id) == before
    assert repo.corrections_for(room_store, item_id) == []


def test_a_stale_version_is_refused(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store)
    opened = room_store.get_item(item_id).version
    room_store.save_payload(item_id, room_store.load_payload(item_id), "somebody-else")
    changed = room_store.get_item(item_id)
    with pytest.raises(review.ActionRefused, match="changed since you opened it"):
        invoice_view.approve(room_store, user(room_store, "clerk1"), item_id, opened,
                       typed_from(room_store, item_id, total="1.00"))
    assert room_store.get_item(item_id) == changed


def test_an_item_claimed_by_another_clerk_is_refused(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store)
    version = room_store.get_item(item_id).version
    review.claim(room_store, user(room_store, "clerk1"), item_id, version)
    claimed = room_store.get_item(item_id)
    assert claimed.assignee == "clerk1"
    clerk2 = user(room_store, "clerk2")
    for act in (lambda: invoice_view.approve(room_store, clerk2, item_id, claimed.version,
                                       typed_from(room_store, item_id)),
                lambda: review.reject(room_store, clerk2, item_id, claimed.version, "no"),
                lambda: review.retry(room_store, clerk2, item_id, claimed.version),
                lambda: review.claim(room_store, clerk2, item_id, claimed.version)):
        with pytest.raises(review.ActionRefused, match="claimed by clerk1"):
            act()
    assert room_store.get_item(item_id) == claimed
    # the claimer can still decide
    review.retry(room_store, user(room_store, "clerk1"), item_id, claimed.version)
    assert room_store.get_item(item_id).state is ItemState.PENDING


def test_an_item_a_worker_holds_is_refused(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store)
    room_store.retry(item_id, "sup")
    reservation = room_store.reserve("ap", "consumer", "worker-7")
    assert reservation is not None and reservation.item_id == item_id
    held = room_store.get_item(item_id)
    with pytest.raises(review.ActionRefused, match="worker-7"):
        review.reject(room_store, user(room_store, "clerk1"), item_id, held.version, "dup")
    assert room_store.get_item(item_id) == held


def test_reject_closes_the_item_with_the_reason(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store, code="DUPLICATE_INVOICE")
    clerk = user(room_store, "clerk1")
    version = room_store.get_item(item_id).version
    with pytest.raises(review.ActionRefused, match="Say why"):
        review.reject(room_store, clerk, item_id, version, "  ")
    review.reject(room_store, clerk, item_id, version, "already paid in March")
    item = room_store.get_item(item_id)
    assert item.state is ItemState.DONE
    got = InvoicePayload.model_validate(item.payload).review
    assert got is not None and (got.action, got.reason) == ("reject", "already paid in March")
    assert got.fields == {}
    assert [e.kind for e in room_store.events(item_id)][-2:] == ["PAYLOAD_UPDATED", "MARKED_DONE"]
    assert room_store.events(item_id)[-1].details["reason"] == "already paid in March"


def test_exported_corrections_are_one_json_object_per_line(room_store: Store) -> None:
    clerk = user(room_store, "clerk1")
    # seeded first: an approved item is back in the consumer's queue, where seeding reserves
    item_ids = [seed_failed_invoice(room_store, DemoInvoice(invoice_number=number))
                for number in ("A-1", "A-2")]
    for item_id in item_ids:
        invoice_view.approve(room_store, clerk, item_id, room_store.get_item(item_id).version,
                       typed_from(room_store, item_id, total="10.00"))
    exported = list(repo.iter_corrections(room_store, batch=1))
    assert [c.corrected["invoice_number"] for c in exported] == ["A-1", "A-2"]
    assert all(c.by_user == "clerk1" and c.changed == ["total"] for c in exported)


def test_a_total_above_the_four_eyes_amount_needs_a_second_approver(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store, DemoInvoice(invoice_number="BIG-1"))
    rules = review.ApprovalRules(four_eyes_amount=Decimal("300"), approver_role="supervisor")
    typed = typed_from(room_store, item_id, total="311.54")
    first = invoice_view.approve(room_store, user(room_store, "clerk1"), item_id,
                           room_store.get_item(item_id).version, typed, rules=rules)
    assert first.waiting == "the total 311.54 is above 300"
    item = room_store.get_item(item_id)
    assert item.state is ItemState.FAILED
    assert item.payload["pending_approval"]["fields"]["total"] == "311.54"
    assert repo.corrections_for(room_store, item_id) == []  # kept once it is decided
    # the second person changes a field: their approval is a new first one
    changed = {**typed, "due_date": "2024-05-20"}
    again = invoice_view.approve(room_store, user(room_store, "sup"), item_id,
                           room_store.get_item(item_id).version, changed, rules=rules)
    assert again.waiting and room_store.get_item(item_id).payload["pending_approval"][
        "by"] == "sup"
    # and the first clerk cannot be the second approver of it: the role is needed
    with pytest.raises(review.ActionRefused, match="needs the supervisor role"):
        invoice_view.approve(room_store, user(room_store, "clerk1"), item_id,
                       room_store.get_item(item_id).version, changed, rules=rules)
    done = invoice_view.approve(room_store, user(room_store, "admin"), item_id,
                          room_store.get_item(item_id).version, changed, rules=rules)
    assert done == review.Approved()
    item = room_store.get_item(item_id)
    assert item.state is ItemState.PENDING
    assert [a["by"] for a in item.payload["review"]["approvals"]] == ["sup", "admin"]
    assert [e.kind for e in room_store.events(item_id)][-1] == "APPROVED"
    # below the amount, one approval is enough
    small = seed_failed_invoice_after(room_store, item_id, "SMALL-1")
    assert invoice_view.approve(room_store, user(room_store, "clerk1"), small,
                          room_store.get_item(small).version,
                          typed_from(room_store, small, total="299.99"),
                          rules=rules) == review.Approved()


def seed_failed_invoice_after(store: Store, approved: int, number: str) -> int:
    """Seed another failed item once the approved one has left the consumer's queue."""
    reservation = store.reserve("ap", "consumer", "test-worker")
    assert reservation is not None and reservation.item_id == approved
    store.complete(approved, reservation.token, "test-worker")
    return seed_failed_invoice(store, DemoInvoice(invoice_number=number))


def test_overrides_need_a_reason_and_an_overridable_check(room_store: Store) -> None:
    item_id = seed_failed_invoice(room_store, code="PO_MISMATCH", low_field="net_amount",
                                  low_confidence=0.95)
    clerk = user(room_store, "clerk1")
    version = room_store.get_item(item_id).version
    typed = typed_from(room_store, item_id)
    with pytest.raises(review.ActionRefused, match="Say why you override the PO_MISMATCH"):
        invoice_view.approve(room_store, clerk, item_id, version, typed,
                       overrides={"PO_MISMATCH": "  "})
    with pytest.raises(review.ActionRefused, match="DUPLICATE_INVOICE check cannot be"):
        invoice_view.approve(room_store, clerk, item_id, version, typed,
                       overrides={"DUPLICATE_INVOICE": "it is not a duplicate"})
    assert room_store.get_item(item_id).version == version  # nothing saved
    invoice_view.approve(room_store, clerk, item_id, version, typed,
                   overrides={"PO_MISMATCH": "price increase agreed by purchasing"})
    got = room_store.get_item(item_id).payload["review"]
    assert got["overrides"] == {"PO_MISMATCH": "price increase agreed by purchasing"}
