"""What the templates show, prepared in Python: formatting filters and the
validation view's model (fields, reasons, pages with boxes, ERP context)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from skills.errors import ErrorCode
from tasks import mail_review
from tasks.approval_policy import OVERRIDABLE, main_action
from tasks.payloads import HEADER_FIELDS, REQUIRED_FIELDS, InvoicePayload
from workitems import Item, ItemState, Store
from workitems.room import documents
from workitems.room.fields import LABELS, group_iban
from workitems.room.repository import User
from workitems.room.review import invoice_of


def fmt_time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio * 100:.1f} %"


def fmt_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys: {"fields": {"total": 1}} -> {"fields.total": 1}."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix else {}
    out: dict[str, Any] = {}
    for key, inner in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        out.update(_flat(inner, name) if isinstance(inner, dict) and inner else {name: inner})
    return out


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                            default=str)


def fmt_changes(entry: Any) -> list[str]:
    """An audit entry as what it changed, one "field: old -> new" per value that differs
    (values only before or only after are shown as added or removed)."""
    before, after = _flat(entry.before or {}), _flat(entry.after or {})
    lines = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        if key not in after:
            lines.append(f"{key}: {_shown(old)} (removed)")
        elif key not in before:
            lines.append(f"{key}: {_shown(new)}")
        else:
            lines.append(f"{key}: {_shown(old)} -> {_shown(new)}")
    return lines


FILTERS = {"time": fmt_time, "age": fmt_age, "seconds": fmt_seconds, "percent": fmt_percent,
           "json": fmt_json, "changes": fmt_changes, "iban": group_iban}


def explain(code: str | None) -> str:
    """The exception code in plain words (codes from elsewhere are shown as they are)."""
    if not code:
        return ""
    try:
        return ErrorCode(code).explanation
    except ValueError:
        return code


class FieldView(BaseModel):
    name: str
    label: str
    value: str
    confidence: float | None = None
    level: str = "none"  # high, medium, low, none (not extracted)
    raw: str | None = None
    method: str | None = None
    page: int | None = None
    required: bool = False
    low: bool = False  # below the auto-accept threshold: the clerk should look
    stopped: bool = False  # named in the reason the bot stopped: the clerk must look
    error: str | None = None


class PageView(BaseModel):
    number: int
    width: float
    height: float
    boxes: list[documents.BoxView]


def stopped_fields(invoice: InvoicePayload) -> frozenset[str]:
    """The fields named in the reasons the bot stopped."""
    return frozenset(f.field for f in invoice.findings if f.field in HEADER_FIELDS)


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
    for name in HEADER_FIELDS:
        found = fields.get(name)
        value = (typed or {}).get(name)
        if value is None:
            value = reviewed_fields.get(name) or (found.value if found else None) or ""
            if name == "vendor_iban" and value:
                value = group_iban(value)
        view = FieldView(name=name, label=LABELS[name], value=value,
                         required=name in REQUIRED_FIELDS, error=(errors or {}).get(name),
                         stopped=name in stopped)
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


def page_views(store: Store, item: Item, invoice: InvoicePayload | None) -> list[PageView]:
    name = documents.document_name(item, invoice)
    if name is None:
        return []
    try:
        infos = documents.page_infos(store.get_file(item.id, name))
    except Exception:  # an unreadable file: the clerk still sees the fields and reason
        return []
    stopped = stopped_fields(invoice) if invoice else frozenset()
    return [PageView(number=p.number, width=p.width, height=p.height,
                     boxes=documents.boxes_on_page(invoice, p.number, stopped)
                     if invoice else [])
            for p in infos[:20]]


class StateNote(BaseModel):
    """A line above the actions saying where the item stands: ``info`` for the normal
    course of things (approved, posted), ``warn`` when someone else holds it."""

    text: str
    tone: str = "info"


def blocked_reason(item: Item, user: User) -> str | None:
    """Why this user cannot act on the item now, or None."""
    if item.state is ItemState.IN_PROGRESS:
        return f"A worker ({item.lease_owner}) is processing this item right now."
    if item.state is not ItemState.FAILED:
        return f"This item is {item.state.value}."
    if item.assignee not in (None, user.username):
        return f"Claimed by {item.assignee}: only they can work on it until they release it."
    return None


def state_note(item: Item, invoice: InvoicePayload | None, user: User) -> StateNote | None:
    """Where the item stands, in words: after an approval this is good news, not an error."""
    review = invoice.review if invoice else None
    posting = invoice.posting if invoice else None
    if posting is not None:
        by = f", after {review.by}'s approval" if review and review.action == "approve" else ""
        return StateNote(text=f"Posted as ERP document {posting.document_number} on "
                              f"{posting.posted_at:%Y-%m-%d %H:%M} UTC{by}.")
    if item.state is ItemState.IN_PROGRESS:
        return StateNote(text=f"A worker ({item.lease_owner}) is processing this item now.")
    if item.state is ItemState.PENDING:
        if review is not None and review.action == "approve":
            return StateNote(text=f"Approved by {_people(review)} on {review.at:%Y-%m-%d %H:%M}"
                                  " UTC: waiting for the bot to post it.")
        return StateNote(text="Waiting in the queue for the bot.")
    if item.state is ItemState.DONE:
        if review is not None and review.action in ("reject", "done"):
            what = "Rejected" if review.action == "reject" else "Marked done"
            return StateNote(text=f"{what} by {review.by}: {review.reason}")
        return StateNote(text="Done.")
    if item.assignee not in (None, user.username):
        return StateNote(text=f"Claimed by {item.assignee}: only they can work on it until "
                              "they release it.", tone="warn")
    return None


def _people(review: Any) -> str:
    names = [a.by for a in review.approvals] or [review.by]
    return " and ".join(names)


def item_codes(item: Item, invoice: InvoicePayload | None) -> list[str]:
    """The item's exception code, then the other codes among its findings, each once."""
    found = [f.code for f in invoice.findings] if invoice else []
    return list(dict.fromkeys(c for c in [item.exception_code, *found] if c))


ROUTE_KEYS = "1234567890"  # one key per intent, in mail_review.INTENTS order


def mail_context(item: Item) -> dict[str, Any] | None:
    """What the page shows of a mail item: the mail as sent, what the model said, the
    facts it found, the bot's findings and suggested reply, and the re-routing keys."""
    mail = mail_review.mail_of(item.payload)
    if mail is None:
        return None
    entities = mail.triage.entities
    amounts = [f"{a['value']} {a['currency']}" for a in entities.get("amounts") or []]
    vendor = entities.get("vendor")
    facts = {"vendor": f"{vendor['name']} ({vendor['vendor_id']}, by {vendor['matched_by']})"
             if vendor else "", "vendor's IBAN on file": (vendor or {}).get("master_iban") or "",
             "new IBAN in the mail": entities.get("new_iban") or "",
             "invoice numbers": ", ".join(entities.get("invoice_numbers") or []),
             "amounts": ", ".join(amounts), "dates": ", ".join(entities.get("dates") or []),
             "IBANs": ", ".join(entities.get("ibans") or []),
             "IBANs with wrong check digits": ", ".join(entities.get("invalid_ibans") or [])}
    return {"mail": mail, "facts": {k: v for k, v in facts.items() if v},
            "routes": list(zip(ROUTE_KEYS, mail_review.INTENTS, strict=True)),
            "bank_change": mail.wanted_route() == "bank_change" or bool(mail.hold)}


def validation_context(store: Store, item: Item, user: User, *,
                       typed: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None) -> dict[str, Any]:
    invoice = invoice_of(item)
    codes = item_codes(item, invoice)
    return {
        "mail_view": mail_context(item),
        "codes": codes,
        "main_action": main_action(set(codes)),
        "overridable": {c: OVERRIDABLE[c] for c in codes if c in OVERRIDABLE},
        "pending": invoice.pending_approval if invoice else None,
        "item": item,
        "invoice": invoice,
        "fields": field_views(invoice, typed, errors) if invoice else [],
        "pages": page_views(store, item, invoice),
        "document": documents.document_name(item, invoice),
        "reason": explain(item.exception_code),
        "findings": [{"code": f.code, "explanation": explain(f.code), "message": f.message,
                      "field": LABELS.get(f.field or "", f.field)}
                     for f in (invoice.findings if invoice else [])],
        "erp": invoice.erp if invoice else None,
        "lines": invoice.extracted.lines if invoice and invoice.extracted else [],
        "blocked": blocked_reason(item, user),
        "note": state_note(item, invoice, user),
        "claimed_by_me": item.assignee == user.username,
    }
