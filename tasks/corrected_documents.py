"""The invoices clerks corrected, read from the work-item store as labelled documents.

Every approval in the Control Room keeps the fields the bot read and those the clerk
approved (``room_corrections``); the invoice itself is the item's attached file. A
document approved more than once counts once, with its latest approval.

A fixed share of the corrected documents, chosen by the document's hash, is the
frozen evaluation set: never fitted on, the same documents whenever it is drawn
(more join it as clerks correct more), so two versions are compared on documents
neither was trained on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import ValidationError

from skills.train import Corrected
from tasks.approved_values import confirmed_values
from tasks.payloads import InvoicePayload
from workitems import InvalidInput, ItemNotFound, Store
from workitems.room.repository import iter_corrections

EVALUATION_SHARE = 0.2


@dataclass(frozen=True)
class CorrectedSets:
    training: list[Corrected]
    evaluation: list[Corrected]
    skipped: int  # approvals whose item or file is gone


def in_evaluation(sha256: str, share: float = EVALUATION_SHARE) -> bool:
    """Whether a document belongs to the frozen evaluation set: a fixed draw by its hash."""
    draw = int(hashlib.sha256(f"evaluation/{sha256}".encode()).hexdigest()[:8], 16)
    return draw / 0xFFFFFFFF < share


def corrected_documents(store: Store, share: float = EVALUATION_SHARE) -> CorrectedSets:
    latest = {}
    for c in iter_corrections(store):
        latest[c.document_sha256] = c  # oldest first: the last one wins
    training, evaluation, skipped = [], [], 0
    for sha, c in sorted(latest.items(), key=lambda kv: kv[1].id):
        data, name = _document_of(store, c.item_id)
        if data is None:
            skipped += 1
            continue
        fields = confirmed_values(c.corrected)
        doc = Corrected(name=name, data=data, fields=fields, source=f"correction {c.id}")
        (evaluation if in_evaluation(sha, share) else training).append(doc)
    return CorrectedSets(training, evaluation, skipped)


def _document_of(store: Store, item_id: int) -> tuple[bytes | None, str]:
    try:
        payload = InvoicePayload.model_validate(store.get_item(item_id).payload)
        return store.get_file(item_id, payload.document.filename), payload.document.filename
    except (ItemNotFound, InvalidInput, ValidationError):
        return None, ""


def lineage(sets: CorrectedSets, store: Store, share: float = EVALUATION_SHARE) -> dict:
    """What the registry says of the corrections a version was fitted on."""
    from workitems.store import redact_url  # noqa: PLC0415

    return {"store": redact_url(store.settings.db_url),
            "sources": [d.source for d in sets.training],
            "frozen_evaluation": {"share": share, "documents": len(sets.evaluation),
                                  "sources": [d.source for d in sets.evaluation]},
            "skipped": sets.skipped}
