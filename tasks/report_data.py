"""The AP report's rows and figures, from the work-item store or from a bot's inputs.

    report = report_from_store(store, "ap", reporter_step="reporter")
    report.figures.straight_through_rate, report.posted, report.exceptions

Posted invoices come from the consumer's items (and the reporter's inputs, which are the
consumer's outputs) that carry a ``posting``, once per document reference. Exceptions
are the consumer's FAILED items: what waits for a person now. Cycle time runs from the
moment the invoice entered the consumer queue to its posting in the ERP.

Straight-through and human intervention follow the one definition of
``workitems.rates`` (per invoice, at the consumer step), with one addition only the
payload can tell: an invoice posted with a person's review is never straight-through.
When the true values of the documents are known (``AP_TRUTH``: a JSON file of true
fields by document sha256, as the demo's generated inbox has), every posting is checked
against them: ``wrong_postings``.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from tasks.payloads import InvoicePayload
from workitems import Item, ItemState, Store
from workitems.rates import Rates, is_straight_through, item_kinds, rates_of

RATE_DEFINITION = ("per invoice, at the consumer step: straight-through = posted with no "
                   "person involved, of all invoices the consumer posted or sent to a person; "
                   "human intervention = the rest (a person fixed, approved, rejected or "
                   "closed it)")

log = logging.getLogger(__name__)
_PAGE = 1000
NO_CODE = "(no code)"


class PostedInvoice(BaseModel):
    reference: str
    vendor: str | None = None
    vendor_id: str | None = None
    invoice_number: str | None = None
    invoice_date: date | None = None
    due_date: date | None = None
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
    total: Decimal | None = None
    currency: str | None = None
    due_date: date | None = None
    created_at: datetime
    failed_at: datetime
    age_days: float


class CycleTimes(BaseModel):
    count: int = 0
    p50_hours: float | None = None
    p95_hours: float | None = None
    mean_hours: float | None = None
    p50: str = "n/a"  # the same, as a person reads them: "4 min", "2.5 h", "3 d"
    p95: str = "n/a"


class WrongPosting(BaseModel):
    reference: str
    filename: str
    document_number: str
    fields: dict[str, tuple[str | None, str | None]]  # field -> (posted, true)


class Figures(BaseModel):
    generated_at: datetime
    scope: Literal["store", "inputs"]
    scope_note: str
    process: str
    # Straight-through and human intervention: per invoice, at the consumer step.
    invoices: int  # invoices the consumer posted or sent to a person
    straight_through: int  # of those, posted with no person involved
    human_intervention: int  # of those, a person had to act (the rest)
    straight_through_rate: float | None  # straight_through / invoices; None without invoices
    human_intervention_rate: float | None
    rate_definition: str = RATE_DEFINITION
    posted: int
    human_validated: int  # posted after a person validated the fields
    posted_amounts: dict[str, Decimal] = {}  # currency -> total posted
    waiting_amounts: dict[str, Decimal] = {}  # currency -> total of open exceptions
    cycle_times: CycleTimes
    exceptions: int
    exceptions_by_code: dict[str, int]
    due_within_7_days: int = 0  # posted or waiting invoices falling due in the next 7 days
    overdue_waiting: int = 0  # open exceptions already past their due date
    postings_per_day: dict[str, int]  # ISO date (UTC) -> invoices posted that day
    # Postings whose fields differ from the document's true values (None: truth unknown).
    wrong_postings: int | None = None
    postings_checked: int = 0  # postings whose document's truth is known
    wrong_posting_details: list[WrongPosting] = []
    queues: dict[str, dict[str, int]] = {}  # step -> state -> items (store scope only)


class Report(BaseModel):
    figures: Figures
    posted: list[PostedInvoice]
    exceptions: list[OpenException]


# -- building the report ----------------------------------------------------------------


def report_from_store(store: Store, process: str, reporter_step: str,
                      now: datetime | None = None, truth: Truth | None = None) -> Report:
    """The whole process: every posting and every open exception in the store."""
    now = now or datetime.now(UTC)
    consumer_step = _feeding_step(store, process, reporter_step)
    consumer = _all_items(store, process, consumer_step)
    reported = _all_items(store, process, reporter_step)
    kinds = item_kinds(store, process, consumer_step)
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
    for item in consumer:  # a person's review in the payload is a person involved, too
        payload = _payload(item.payload, f"item {item.id}")
        if payload is not None and (payload.review is not None or (
                payload.posting is not None and not payload.posting.straight_through)):
            kinds[item.id].add("RETRIED")
    rates = rates_of(kinds)
    by_reference = {i.reference: i.id for i in consumer if i.reference}
    for p in posted.values():  # each row says what the rate counted
        if p.reference in by_reference:
            p.straight_through = is_straight_through(kinds[by_reference[p.reference]])
    exceptions = [_exception(i, now) for i in consumer if i.state is ItemState.FAILED]
    queues = {step: states for (_, step), states in store.counts(process).items()}
    note = (f"Everything in the work-item store for process '{process}': postings from the "
            f"'{consumer_step}' step, exceptions = its FAILED items now.")
    return _report(list(posted.values()), exceptions, "store", note, process, now, queues,
                   rates, truth)


def report_from_inputs(payloads: Iterable[InvoicePayload], process: str,
                       now: datetime | None = None, truth: Truth | None = None) -> Report:
    """Only the given inputs (a desktop run with Robocorp's FileAdapter has no store):
    no exceptions, cycle times from the document's arrival."""
    now = now or datetime.now(UTC)
    posted: dict[str, PostedInvoice] = {}
    for payload in payloads:
        if payload.posting is not None and payload.reference not in posted:
            posted[payload.reference] = posted_invoice(payload, payload.source.received_at)
    note = ("Only this run's input work items (no work-item store: the bot ran with "
            "Robocorp's FileAdapter); exceptions are not known here, so the rates count the "
            "posted invoices only, and cycle times run from the document's arrival.")
    straight = sum(p.straight_through for p in posted.values())
    rates = Rates(dealt_with=len(posted), straight_through=straight)
    return _report(list(posted.values()), [], "inputs", note, process, now, {}, rates, truth)


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
        invoice_date=_date(fields.get("invoice_date")), due_date=_date(fields.get("due_date")),
        total=_decimal(fields.get("total")),
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
            queues: dict[str, dict[str, int]], rates: Rates, truth: Truth | None) -> Report:
    posted.sort(key=lambda p: p.posted_at)
    exceptions.sort(key=lambda e: (e.code, e.created_at))
    cycles = [p.cycle_hours for p in posted if p.cycle_hours is not None]
    per_day = Counter(p.posted_at.date().isoformat() for p in posted)
    by_code = Counter(e.code for e in exceptions)
    p50, p95 = percentile(cycles, 0.5), percentile(cycles, 0.95)
    wrong = check_postings(posted, truth) if truth is not None else None
    week = now.date() + timedelta(days=7)
    figures = Figures(
        generated_at=now, scope=scope, scope_note=note, process=process,
        invoices=rates.dealt_with, straight_through=rates.straight_through,
        human_intervention=rates.with_person,
        straight_through_rate=_rounded4(rates.straight_through_rate),
        human_intervention_rate=_rounded4(rates.human_intervention_rate),
        posted=len(posted), human_validated=sum(not p.straight_through for p in posted),
        posted_amounts=amounts_by_currency(posted),
        waiting_amounts=amounts_by_currency(exceptions),
        cycle_times=CycleTimes(
            count=len(cycles), p50_hours=_rounded(p50), p95_hours=_rounded(p95),
            mean_hours=_rounded(sum(cycles) / len(cycles) if cycles else None),
            p50=readable_hours(p50), p95=readable_hours(p95)),
        exceptions=len(exceptions),
        exceptions_by_code=dict(sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))),
        due_within_7_days=sum(1 for r in [*posted, *exceptions]
                              if r.due_date and now.date() <= r.due_date <= week),
        overdue_waiting=sum(1 for e in exceptions if e.due_date and e.due_date < now.date()),
        postings_per_day=dict(sorted(per_day.items())),
        wrong_postings=None if wrong is None else len(wrong),
        postings_checked=0 if truth is None else sum(p.reference in truth for p in posted),
        wrong_posting_details=wrong or [], queues=queues)
    return Report(figures=figures, posted=posted, exceptions=exceptions)


# -- what the AP manager reads: amounts, ageing, due dates ------------------------------


class VendorAmount(BaseModel):
    vendor: str
    currency: str
    invoices: int
    amount: Decimal


class CodeAgeing(BaseModel):
    code: str
    currency: str
    items: int
    amount: Decimal  # value waiting (invoices whose total is unreadable count as 0)
    under_1_day: int
    days_1_to_3: int
    days_3_to_7: int
    over_7_days: int
    oldest_days: float


class DueInvoice(BaseModel):
    due_date: date
    days_left: int  # negative: overdue
    status: str  # "posted" (to be paid) or the exception code it waits on
    vendor: str | None
    invoice_number: str | None
    total: Decimal | None
    currency: str | None


def amounts_by_currency(rows: Iterable[PostedInvoice | OpenException]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r.total is not None:
            totals[r.currency or "?"] += r.total
    return dict(sorted(totals.items()))


def amounts_by_vendor(posted: Iterable[PostedInvoice]) -> list[VendorAmount]:
    """Posted amounts per vendor and currency, largest first."""
    groups: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for p in posted:
        groups[(p.vendor or "(unknown)", p.currency or "?")].append(p.total or Decimal(0))
    rows = [VendorAmount(vendor=v, currency=c, invoices=len(a), amount=sum(a, Decimal(0)))
            for (v, c), a in groups.items()]
    return sorted(rows, key=lambda r: (-r.amount, r.vendor))


def exceptions_by_code_and_age(exceptions: Iterable[OpenException]) -> list[CodeAgeing]:
    """The value waiting in the exception queue per code and currency, with its ageing."""
    groups: dict[tuple[str, str], list[OpenException]] = defaultdict(list)
    for e in exceptions:
        groups[(e.code, e.currency or "?")].append(e)
    rows = []
    for (code, currency), items in groups.items():
        ages = [e.age_days for e in items]
        rows.append(CodeAgeing(
            code=code, currency=currency, items=len(items),
            amount=sum((e.total or Decimal(0) for e in items), Decimal(0)),
            under_1_day=sum(a < 1 for a in ages), days_1_to_3=sum(1 <= a < 3 for a in ages),
            days_3_to_7=sum(3 <= a < 7 for a in ages), over_7_days=sum(a >= 7 for a in ages),
            oldest_days=max(ages)))
    return sorted(rows, key=lambda r: (-r.amount, r.code))


def due_invoices(report: Report, days: int = 7) -> list[DueInvoice]:
    """Invoices overdue or falling due within ``days``: posted ones to be paid, and waiting
    ones that a person must clear first. Soonest first."""
    today = report.figures.generated_at.date()
    rows = [DueInvoice(due_date=r.due_date, days_left=(r.due_date - today).days,
                       status=status, vendor=r.vendor, invoice_number=r.invoice_number,
                       total=r.total, currency=r.currency)
            for r, status in [*((p, "posted") for p in report.posted),
                              *((e, e.code) for e in report.exceptions)]
            if r.due_date is not None and (r.due_date - today).days <= days]
    return sorted(rows, key=lambda r: (r.due_date, r.vendor or ""))


def readable_hours(hours: float | None) -> str:
    """A duration as a person says it: "45 s", "12 min", "2.5 h", "3.2 d"."""
    if hours is None:
        return "n/a"
    seconds = hours * 3600
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if hours < 36:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


# -- checking postings against the documents' true values --------------------------------

Truth = dict[str, dict[str, str | None]]  # document sha256 -> field -> true value
CHECKED_FIELDS = ("vendor_id", "invoice_number", "invoice_date", "currency", "total")


def load_truth(path: Path | None) -> Truth | None:
    """The true fields of known documents (``AP_TRUTH``), or None when there is no file."""
    if path is None or not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def check_postings(posted: Iterable[PostedInvoice], truth: Truth) -> list[WrongPosting]:
    """Postings whose fields differ from their document's true values."""
    wrong = []
    for p in posted:
        true = truth.get(p.reference)
        if true is None:
            continue
        values = {"vendor_id": p.vendor_id, "invoice_number": p.invoice_number,
                  "invoice_date": p.invoice_date.isoformat() if p.invoice_date else None,
                  "currency": p.currency, "total": p.total}
        differ = {name: (_text(values[name]), _text(true.get(name))) for name in CHECKED_FIELDS
                  if true.get(name) is not None and not _same(values[name], true[name])}
        if differ:
            wrong.append(WrongPosting(reference=p.reference, filename=p.filename,
                                      document_number=p.document_number, fields=differ))
    return wrong


def _same(posted: object, true: object) -> bool:
    if isinstance(posted, Decimal):
        return posted == _decimal(str(true))
    return _text(posted) == _text(true)


def _text(value: object) -> str | None:
    return None if value is None else str(value).strip()


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
        total=_decimal(fields.get("total")), currency=fields.get("currency"),
        due_date=_date(fields.get("due_date")), created_at=created, failed_at=failed,
        age_days=round(max((now - created).total_seconds(), 0.0) / 86400, 4))


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


def _rounded4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
