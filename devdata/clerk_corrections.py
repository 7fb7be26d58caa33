"""Clerks correcting generated invoices in a work-item store, for tests and benchmarks of
learning from corrections: invoices of recurring vendors, the consumer's reading of each
(through the model rollout) left in the exception queue, and a clerk's approval of the
true values through the Control Room's own action, which keeps the correction."""

from __future__ import annotations

import hashlib
import re

from argon2 import PasswordHasher

from devdata.generator import render_invoice
from skills.documents import read_document
from tasks import invoice_view
from tasks.model_rollout import RolloutReader
from tasks.payloads import DocumentRef, Extracted, FieldValue, InvoicePayload, Source
from tasks.room_demo import PROCESS, STEPS
from workitems import ExceptionType, Store
from workitems.room import repository as repo
from workitems.room.auth import hash_password, use_hasher

FAMILY = "procedural-heldout"
# The PDF's creation time and the file id made from it are all that differs between two
# renderings of an invoice: fixed, a run sees the same documents (and so the same frozen
# evaluation set).
_CREATED = re.compile(rb"/CreationDate \(D:\d{14}Z\)")
_FILE_ID = re.compile(rb"/ID \[<[0-9A-F]{32}><[0-9A-F]{32}>\]")


def _fixed_time(pdf: bytes) -> bytes:
    pdf = _CREATED.sub(rb"/CreationDate (D:20260101000000Z)", pdf)
    return _FILE_ID.sub(b"/ID [<" + b"0" * 32 + b"><" + b"0" * 32 + b">]", pdf)
PASSWORD = "correct horse battery"


def cheap_passwords() -> None:
    """argon2 at its production cost takes most of a second per user; these clerks only
    exist to approve."""
    use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def invoices(seed: int, houses: int, per_house: int, start: int = 0
             ) -> list[tuple[bytes, dict[str, str | None]]]:
    """``per_house`` born-digital invoices of each of ``houses`` vendors (one layout
    each), interleaved as they would arrive."""
    out = []
    for i in range(start, start + per_house):
        for house in range(houses):
            data, _, generated = render_invoice(seed, i * houses + house, FAMILY, house=house)
            out.append((_fixed_time(data), generated.truth.header()))
    return out


def clerk(store: Store, name: str = "clerk1", role: str = "clerk") -> repo.User:
    if repo.password_hash_of(store, name) is None:
        repo.create_user(store, name, hash_password(PASSWORD), role)
    found = repo.password_hash_of(store, name)
    assert found is not None
    return found[0]


def bot_fails(store: Store, reader: RolloutReader, data: bytes) -> int:
    """The consumer's reading of one invoice through the rollout, left in the exception
    queue as LOW_CONFIDENCE (a person checks every field of these test items)."""
    store.register_process(PROCESS, STEPS, "Accounts-payable invoices")
    sha = hashlib.sha256(data).hexdigest()
    payload = InvoicePayload(reference=sha, source=Source(kind="folder", name="inbox"),
                             document=DocumentRef(filename="invoice.pdf", sha256=sha))
    item = store.create_item(PROCESS, "consumer", payload.model_dump(mode="json"),
                             {"invoice.pdf": data}, reference=sha)
    held = store.reserve(PROCESS, "consumer", "worker-1")
    assert held is not None and held.item_id == item.id
    extraction = reader.read(read_document(data, "invoice.pdf"), sha, item.id)
    payload.extracted = Extracted(
        fields={n: FieldValue(value=f.value, confidence=f.confidence, method=f.method)
                for n, f in extraction.fields.items()},
        model=f"{extraction.model_name} {extraction.model_version}")
    store.save_payload(item.id, payload.model_dump(mode="json"), "worker-1", token=held.token)
    store.fail(item.id, held.token, "worker-1", ExceptionType.BUSINESS, "LOW_CONFIDENCE",
               "a person checks the fields")
    return item.id


def clerk_approves(store: Store, item_id: int, truth: dict[str, str | None],
                   by: str = "clerk1") -> None:
    """The clerk types the invoice's true values and approves (the Control Room's action)."""
    item = store.get_item(item_id)
    done = invoice_view.approve(store, clerk(store, by), item_id, item.version,
                          {k: v for k, v in truth.items()})
    assert not done.errors and done.waiting is None, done
    # The bot then posts the approved fields (the ERP's part is not under test here).
    held = store.reserve(PROCESS, "consumer", "worker-1")
    assert held is not None and held.item_id == item_id
    store.complete(item_id, held.token, "worker-1")


def read_and_confirm(store: Store, reader: RolloutReader,
                     batch: list[tuple[bytes, dict[str, str | None]]]) -> list[int]:
    ids = []
    for data, truth in batch:
        item_id = bot_fails(store, reader, data)
        clerk_approves(store, item_id, truth)
        ids.append(item_id)
    return ids
