"""The invoice in the Control Room: its fields with the extraction's confidences, the
fields' boxes on the pages, the ERP context and lines the bot saw, and the clerk's
approval under accounts payable's rules (four eyes, overridable checks; see
:mod:`tasks.approval_policy`). Registered for the ``ap`` process in processes.yaml.

An approval is kept as a labelled example for retraining (the fields as read and as
approved, by the document's hash).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tasks.approval_policy import OVERRIDABLE, main_action, second_approval_reason
from tasks.invoice_fields import INVOICE_FIELDS, LABELS, group_iban, validate_fields
from tasks.payloads import HEADER_FIELDS, Approval, InvoicePayload, Review
from workitems import Item, ItemState, Store
from workitems.room import documents
from workitems.room import repository as repo
from workitems.room.item_views import FieldView, ItemView
from workitems.room.locale import ClerkLocale
from workitems.room.repository import User
from workitems.room.review import (
    ActionRefused,
    ApprovalRules,
    Approved,
    check_editable,
    refuse_conflicts,
)
from workitems.room.views import StateNote, explain, page_views
from workitems.room.views import state_note as item_note

TEMPLATES = Path(__file__).resolve().parent / "templates"


def invoice_of(item: Item) -> InvoicePayload | None:
    """The item's payload as an invoice, or None for items of other kinds."""
    try:
        return InvoicePayload.model_validate(item.payload)
    except ValidationError:
        return None


def predicted_fields(invoice: InvoicePayload) -> dict[str, str | None]:
    fields = invoice.extracted.fields if invoice.extracted else {}
    return {name: (fields[name].value if name in fields else None) for name in HEADER_FIELDS}


def document_name(item: Item, invoice: InvoicePayload | None) -> str | None:
    """The file holding the invoice: the payload's document if attached, else the first file."""
    if invoice is not None and invoice.document.filename in item.files:
        return invoice.document.filename
    return item.files[0] if item.files else None


def stopped_fields(invoice: InvoicePayload) -> frozenset[str]:
    """The fields named in the reasons the bot stopped."""
    return frozenset(f.field for f in invoice.findings if f.field in HEADER_FIELDS)


def boxes_on_page(invoice: InvoicePayload, page: int,
                  stopped: frozenset[str] = frozenset()) -> list[documents.BoxView]:
    """The fields' boxes on one page; ``stopped`` fields (named in the reason the bot
    stopped) are drawn as low, whatever their confidence."""
    if invoice.extracted is None:
        return []
    threshold = invoice.extracted.threshold
    out = []
    for name, field in invoice.extracted.fields.items():
        if field.page == page and field.box and len(field.box) == 4:
            x0, y0, x1, y1 = field.box
            level = ("low" if name in stopped
                     else documents.confidence_level(field.confidence, threshold))
            out.append(documents.BoxView(field=name, x=min(x0, x1), y=min(y0, y1),
                                         width=abs(x1 - x0), height=abs(y1 - y0), level=level))
    return out


def field_views(invoice: InvoicePayload, typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> list[FieldView]:
    """The header fields in form order; the ones the bot stopped on are marked, and are
    never shown in the colour of a confident reading (their own cut may be higher than
    the document's threshold)."""
    extracted = invoice.extracted
    fields = extracted.fields if extracted else {}
    threshold = extracted.threshold if extracted else 1.0
    reviewed = (invoice.pending_approval or invoice.review)
    reviewed_fields = reviewed.fields if reviewed else {}
    stopped = stopped_fields(invoice)
    out = []
    for spec in INVOICE_FIELDS:
        name = spec.name
        found = fields.get(name)
        value = (typed or {}).get(name)
        if value is None:
            value = reviewed_fields.get(name) or (found.value if found else None) or ""
            if name == "vendor_iban" and value:
                value = group_iban(value)
        view = FieldView(name=name, label=spec.label, value=value, required=spec.required,
                         error=(errors or {}).get(name), stopped=name in stopped)
        if found is not None:
            view.confidence = found.confidence
            view.level = documents.confidence_level(found.confidence, threshold)
            view.low = found.confidence < threshold
            view.method, view.page = found.method, found.page
            if found.raw and "".join(found.raw.split()) != "".join(value.split()):
                view.raw = found.raw  # shown when it differs from the value, not in spacing
        else:
            view.low = view.required
        if view.stopped:
            view.low = True
            view.level = "low"
        out.append(view)
    return out


def state_note(item: Item, invoice: InvoicePayload, user: User) -> StateNote | None:
    """Where the invoice stands, in words: after an approval this is good news, not an
    error."""
    review, posting = invoice.review, invoice.posting
    if posting is not None:
        by = f", after {review.by}'s approval" if review and review.action == "approve" else ""
        return StateNote(text=f"Posted as ERP document {posting.document_number} on "
                              f"{posting.posted_at:%Y-%m-%d %H:%M} UTC{by}.")
    if item.state is ItemState.PENDING and review is not None and review.action == "approve":
        names = " and ".join([a.by for a in review.approvals] or [review.by])
        return StateNote(text=f"Approved by {names} on {review.at:%Y-%m-%d %H:%M}"
                              " UTC: waiting for the bot to post it.")
    if item.state is ItemState.DONE and review is not None and review.action in ("reject",
                                                                                  "done"):
        what = "Rejected" if review.action == "reject" else "Marked done"
        return StateNote(text=f"{what} by {review.by}: {review.reason}")
    return item_note(item, user)


def item_codes(item: Item, invoice: InvoicePayload) -> list[str]:
    """The item's exception code, then the other codes among its findings, each once."""
    found = [f.code for f in invoice.findings]
    return list(dict.fromkeys(c for c in [item.exception_code, *found] if c))


def _shown_erp(invoice: InvoicePayload) -> Any:
    """The ERP context with IBANs grouped as people read them."""
    if invoice.erp is None or not invoice.erp.vendor:
        return invoice.erp
    vendor = {k: group_iban(v) if "iban" in k and isinstance(v, str) and v else v
              for k, v in invoice.erp.vendor.items()}
    return invoice.erp.model_copy(update={"vendor": vendor})


class InvoiceView(ItemView):
    kind = "invoice"
    fields = INVOICE_FIELDS
    overridable = OVERRIDABLE
    template_dir = TEMPLATES
    extra_template = "invoice_extra.html"
    approved_notice = "Approved: the bot will post the corrected invoice."

    def accepts(self, payload: Any) -> bool:
        try:
            InvoicePayload.model_validate(payload)
        except ValidationError:
            return False
        return True

    def document(self, item: Item) -> str | None:
        return document_name(item, invoice_of(item))

    def context(self, store: Store, item: Item, user: User, *,
                typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> dict[str, Any]:
        invoice = InvoicePayload.model_validate(item.payload)
        codes = item_codes(item, invoice)
        stopped = stopped_fields(invoice)
        name = document_name(item, invoice)
        return {
            "codes": codes, "main_action": main_action(set(codes)),
            "pending": invoice.pending_approval,
            "fields": field_views(invoice, typed, errors),
            "document": name,
            "pages": page_views(store, item, name,
                                lambda page: boxes_on_page(invoice, page, stopped)),
            "findings": [{"code": f.code, "explanation": explain(f.code), "message": f.message,
                          "field": LABELS.get(f.field or "", f.field)}
                         for f in invoice.findings],
            "erp": _shown_erp(invoice),
            "lines": invoice.extracted.lines if invoice.extracted else [],
            "note": state_note(item, invoice, user),
        }

    def approve(self, store: Store, user: User, item_id: int, version: int,
                typed: dict[str, str | None], *, locale: ClerkLocale | None = None,
                overrides: dict[str, str] | None = None,
                rules: ApprovalRules | None = None) -> Approved:
        return approve(store, user, item_id, version, typed, locale=locale,
                       overrides=overrides, rules=rules)


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
            _record_first_approval(store, user, item, invoice, version, review, reason)
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
    refuse_conflicts(lambda: store.approve(item_id, user.username, payload=payload,
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


def _record_first_approval(store: Store, user: User, item: Item, invoice: InvoicePayload,
                           version: int, review: Review, reason: str) -> None:
    """Keep the approval in the payload and release the item for the second person."""
    payload = {**item.payload, "pending_approval": review.model_dump(mode="json")}
    refuse_conflicts(lambda: store.save_payload(item.id, payload, user.username,
                                                expected_version=version))
    if item.assignee == user.username:
        refuse_conflicts(lambda: store.unclaim(item.id, user.username))
    repo.audit(store, user.username, "approve_first", item_id=item.id,
               before={"fields": predicted_fields(invoice)},
               after={"fields": review.fields, "waiting_for": reason,
                      **({"overrides": review.overrides} if review.overrides else {})})
