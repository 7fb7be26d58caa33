"""The AP report's rows and figures, from the work-item store or from a bot's inputs.

    report = report_from_store(store, "ap", reporter_step="reporter")
    report.figures.straight_through_rate, report.posted, report.exceptions

Posted invoices come from the consumer's items (and the reporter's inputs, which are the
consumer's outputs) that carry a ``posting``, once per document reference. Exceptions
are the consumer's FAILED items: what waits for a person now. Cycle time runs from the
moment the invoice entered the consumer queue to its posting in the ERP.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ValidationError

from tasks.payloads import InvoicePayload
from workitems import Item, ItemState, Store

log = logging.getLogger(__name__)
_PAGE = 1000
NO_CODE = "(no code)"


class PostedInvoice(BaseModel):
    reference: str
    vendor: str | None = None
    vendor_id: str | None = None
    invoice_number: str | None = None
    invoice_date: date | None = None
    total: Decimal | None = None
    currency: str | None = None
    document_number: str
    straight_through: bool
    created_at: datetime | None = None  # entered the consumer queue (or was received)
    posted_at: datetime
    cycle_hours: float | None = None
    source: str = ""
    filename: str = ""


class OpenException(BaseModel):
    item_id: int
    code: str
    type: str
    message: str
    filename: str = ""
    vendor: str | None = None
    invoice_number: str | None = None
    created_at: datetime
    failed_at: datetime
    age_days: float


class CycleTimes(BaseModel):
    count: int = 0
    p50_hours: float | None = None
    p95_hours: float | None = None
    mean_hours: float | None = None


class Figures(BaseModel):
    generated_at: datetime
    scope: Literal["store", "inputs"]
    scope_note: str
    process: str
    posted: int
    straight_through: int
    human_validated: int
    straight_through_rate: float | None  # posted without a person / all posted; None if none
    cycle_times: CycleTimes
    exceptions: int
    exceptions_by_code: dict[str, int]
    postings_per_day: dict[str, int]  # ISO date (UTC) -> invoices posted that day
    queues: dict[str, dict[str, int]] = {}  # step -> state -> items (store scope only)


class Report(BaseModel):
    figures: Figures
    posted: list[PostedInvoice]
    exceptions: list[OpenException]


# -- building the report ----------------------------------------------------------------


def report_from_store(store: Store, process: str, reporter_step: str,
                      now: datetime | None = None) -> Report:
    """The whole process: every posting and every open exception in the store."""
    now = now or datetime.now(UTC)
    consumer_step = _feeding_step(store, process, reporter_step)
    consumer = _all_items(store, process, consumer_step)
    reported = _all_items(store, process, reporter_step)
    entered = {i.reference: _utc(i.created_at) for i in consumer if i.reference}
    entered_by_id = {i.id: _utc(i.created_at) for i in consumer}
    posted: dict[str, PostedInvoice] = {}
    for item in [*consumer, *reported]:
        payload = _payload(item.payload, f"item {item.id}")
        if payload is None or payload.posting is None or payload.reference in posted:
            continue
        created = (entered.get(payload.reference) or entered_by_id.get(item.parent_id or -1)
                   or _utc(item.created_at))
        posted[payload.reference] = posted_invoice(payload, created)
    exceptions = [_exception(i, now) for i in consumer if i.state is ItemState.FAILED]
    queues = {step: states for (_, step), states in store.counts(process).items()}
    note = (f"Everything in the work-item store for process '{process}': postings from the "
            f"'{consumer_step}' step, exceptions = its FAILED items now.")
    return _report(list(posted.values()), exceptions, "store", note, process, now, queues)


def report_from_inputs(payloads: Iterable[InvoicePayload], process: str,
                       now: datetime | None = None) -> Report:
    """Only the given inputs (a desktop run with Robocorp's FileAdapter has no store):
    no exceptions, cycle times from the document's arrival."""
    now = now or datetime.now(UTC)
    posted: dict[str, PostedInvoice] = {}
    for payload in payloads:
        if payload.posting is not None and payload.reference not in posted:
            posted[payload.reference] = posted_invoice(payload, payload.source.received_at)
    note = ("Only this run's input work items (no work-item store: the bot ran with "
            "Robocorp's FileAdapter); exceptions are not known here and cycle times run from "
            "the document's arrival.")
    return _report(list(posted.values()), [], "inputs", note, process, now, {})


def parse_payload(payload: object) -> InvoicePayload:
    """An input's payload as an InvoicePayload; raises pydantic's ValidationError."""
    return InvoicePayload.model_validate(payload)


def posted_invoice(payload: InvoicePayload, created: datetime | None) -> PostedInvoice:
    assert payload.posting is not None
    fields = _fields(payload)
    posted_at = _utc_dt(payload.posting.posted_at)
    created = _utc_dt(created) if created else None
    cycle = (posted_at - created).total_seconds() / 3600 if created else None
    return PostedInvoice(
        reference=payload.reference, vendor=fields.get("vendor_name"),
        vendor_id=payload.posting.vendor_id, invoice_number=fields.get("invoice_number"),
        invoice_date=_date(fields.get("invoice_date")), total=_decimal(fields.get("total")),
        currency=fields.get("currency"), document_number=payload.posting.document_number,
        straight_through=payload.posting.straight_through, created_at=created,
        posted_at=posted_at, cycle_hours=None if cycle is None else round(max(cycle, 0.0), 4),
        source=payload.source.kind, filename=payload.document.filename)


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy's default and Excel's
    PERCENTILE.INC); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _report(posted: list[PostedInvoice], exceptions: list[OpenException],
            scope: Literal["store", "inputs"], note: str, process: str, now: datetime,
            queues: dict[str, dict[str, int]]) -> Report:
    posted.sort(key=lambda p: p.posted_at)
    exceptions.sort(key=lambda e: (e.code, e.created_at))
    straight = sum(p.straight_through for p in posted)
    cycles = [p.cycle_hours for p in posted if p.cycle_hours is not None]
    per_day = Counter(p.posted_at.date().isoformat() for p in posted)
    by_code = Counter(e.code for e in exceptions)
    figures = Figures(
        generated_at=now, scope=scope, scope_note=note, process=process, posted=len(posted),
        straight_through=straight, human_validated=len(posted) - straight,
        straight_through_rate=round(straight / len(posted), 4) if posted else None,
        cycle_times=CycleTimes(
            count=len(cycles), p50_hours=_rounded(percentile(cycles, 0.5)),
            p95_hours=_rounded(percentile(cycles, 0.95)),
            mean_hours=_rounded(sum(cycles) / len(cycles) if cycles else None)),
        exceptions=len(exceptions),
        exceptions_by_code=dict(sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))),
        postings_per_day=dict(sorted(per_day.items())), queues=queues)
    return Report(figures=figures, posted=posted, exceptions=exceptions)


# -- reading items ------------------------------------------------------------------------


def _feeding_step(store: Store, process: str, reporter_step: str) -> str:
    """The step whose outputs the reporter works: the consumer."""
    for step in store.steps(process):
        if step.next_step == reporter_step:
            return step.name
    return "consumer"


def _all_items(store: Store, process: str, step: str) -> list[Item]:
    items: list[Item] = []
    while page := store.list_items(process=process, step=step, limit=_PAGE,
                                   offset=len(items), oldest_first=True):
        items.extend(page)
        if len(page) < _PAGE:
            break
    return items


def _payload(raw: object, what: str) -> InvoicePayload | None:
    try:
        return parse_payload(raw)
    except ValidationError as exc:
        log.warning("%s is left out of the report: its payload is not an invoice (%s)", what,
                    exc.errors()[0].get("msg", exc))
        return None


def _exception(item: Item, now: datetime) -> OpenException:
    payload = _payload(item.payload, f"item {item.id}")
    fields = _fields(payload) if payload else {}
    created, failed = _utc(item.created_at), _utc(item.updated_at)
    return OpenException(
        item_id=item.id, code=item.exception_code or NO_CODE,
        type=str(item.exception_type or ""), message=item.exception_message or "",
        filename=payload.document.filename if payload else "",
        vendor=fields.get("vendor_name"), invoice_number=fields.get("invoice_number"),
        created_at=created, failed_at=failed,
        age_days=round(max((now - created).total_seconds(), 0.0) / 86400, 2))


def _fields(payload: InvoicePayload) -> dict[str, str | None]:
    """The values posted: a person's review when there is one, else what was extracted."""
    values: dict[str, str | None] = {}
    if payload.extracted is not None:
        values = {name: field.value for name, field in payload.extracted.fields.items()}
    if payload.review is not None and payload.review.action == "approve":
        values.update(payload.review.fields)
    return values


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _utc_dt(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
