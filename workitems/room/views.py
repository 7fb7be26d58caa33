"""What the templates show, prepared in Python: formatting filters and the
validation view's model (fields, reasons, pages with boxes, ERP context)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from skills.errors import ErrorCode
from tasks.payloads import HEADER_FIELDS, REQUIRED_FIELDS, InvoicePayload
from workitems import Item, ItemState, Store
from workitems.room import documents
from workitems.room.fields import LABELS
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


FILTERS = {"time": fmt_time, "age": fmt_age, "seconds": fmt_seconds, "percent": fmt_percent,
           "json": fmt_json}


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
    error: str | None = None


class PageView(BaseModel):
    number: int
    width: float
    height: float
    boxes: list[documents.BoxView]


def field_views(invoice: InvoicePayload, typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> list[FieldView]:
    extracted = invoice.extracted
    fields = extracted.fields if extracted else {}
    threshold = extracted.threshold if extracted else 1.0
    reviewed = invoice.review.fields if invoice.review else {}
    out = []
    for name in HEADER_FIELDS:
        found = fields.get(name)
        value = (typed or {}).get(name)
        if value is None:
            value = reviewed.get(name) or (found.value if found else None) or ""
        view = FieldView(name=name, label=LABELS[name], value=value,
                         required=name in REQUIRED_FIELDS, error=(errors or {}).get(name))
        if found is not None:
            view.confidence = found.confidence
            view.level = documents.confidence_level(found.confidence, threshold)
            view.low = found.confidence < threshold
            view.raw, view.method, view.page = found.raw, found.method, found.page
        else:
            view.low = view.required
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
    return [PageView(number=p.number, width=p.width, height=p.height,
                     boxes=documents.boxes_on_page(invoice, p.number) if invoice else [])
            for p in infos[:20]]


def blocked_reason(item: Item, user: User) -> str | None:
    """Why this user cannot act on the item now, or None."""
    if item.state is ItemState.IN_PROGRESS:
        return f"A worker ({item.lease_owner}) is processing this item right now."
    if item.state is not ItemState.FAILED:
        return f"This item is {item.state.value}; there is nothing to decide."
    if item.assignee not in (None, user.username):
        return f"Claimed by {item.assignee}: only they can work on it until they release it."
    return None


def validation_context(store: Store, item: Item, user: User, *,
                       typed: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None) -> dict[str, Any]:
    invoice = invoice_of(item)
    return {
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
        "claimed_by_me": item.assignee == user.username,
    }
