"""Consumer bot: read each invoice, check it against the ERP, post it, or hand it to a person.

    python -m robocorp.tasks run tasks/consumer.py -t consume

Per item: read the document (text layer, e-invoice XML or OCR) and extract its
fields, unless a clerk already approved corrected fields in the Control Room;
find the vendor in the ERP's vendor master; check bank account, purchase order
(2- and 3-way match) and arithmetic (on approved fields too, except the checks the
clerk overrode with a reason); then key the invoice into the ERP and
record the document number. Anything a person must decide fails the item with a
BUSINESS code and saves what the bot saw in the payload. One browser and one ERP
login serve every item of the run, started when the first item needs the ERP.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from robocorp import workitems
from robocorp.tasks import task
from robocorp.workitems import ApplicationException, BusinessException

from skills.errors import ErrorCode, UnreadableDocument, application_error, business_error
from skills.validate import (
    Finding,
    PoLine,
    PurchaseOrder,
    Vendor,
    checks,
    confirm_suggested_currency,
    match_vendor,
    name_key,
)
from tasks.erp_records import InvoiceEntry, InvoiceEntryLine, PurchaseOrderView, VendorRecord
from tasks.layout_memory import open_layouts
from tasks.model_rollout import RolloutReader, open_reader
from tasks.payloads import (
    REQUIRED_FIELDS,
    ErpContext,
    Extracted,
    FieldValue,
    InvoicePayload,
    LineItem,
    Posting,
    PostingTarget,
)
from tasks.payloads import Finding as PayloadFinding
from tasks.phase_clock import PhaseClock
from tasks.reconcile import ask_erp, is_unsettled, settled
from tasks.run_log import RunTally
from tasks.settings import BotSettings
from tasks.vendor_holds import hold_of, open_holds
from workitems import tracing
from workitems.adapter import settling_attempt

if TYPE_CHECKING:
    from skills.layouts.memory import LayoutMemory
    from workitems import Store

DEFAULT_PAYMENT_DAYS = 30  # when an invoice prints no due date
LOGGER = logging.getLogger(__name__)


@task
def consume() -> None:
    """Post every invoice in the queue, or fail it with a reason for the AP clerk."""
    clock = PhaseClock()
    tracing.setup("ap/consumer")  # under a worker its adapter did; from the desktop, here
    with clock.phase("start"):
        settings = BotSettings.from_env()
        layouts = open_layouts()
        reader = open_reader()
        holds = open_holds()
    tally = RunTally("posted")
    erp = ErpOnDemand(settings, clock)
    try:
        for item in workitems.inputs:
            with clock.phase("other"), item, tally.item(_item_name(item)), \
                    tracing.item_work("ap/consumer", {"workitems.item_id": item.id}):
                guarded(InvoiceJob(item, erp, settings, layouts, reader, holds, clock).run)
    finally:
        clock.write()
        if layouts is not None:
            layouts.close()
        if reader is not None:
            reader.store.close()
        if holds is not None:
            holds.close()
        erp.close()
    tally.finish()


class ErpOnDemand:
    """The run's ERP session, its browser started at the first call: a run whose items
    all stop before the ERP (unreadable or unsure documents) starts none. Every call
    counts as the clock's "erp" phase, the start as "browser start"."""

    def __init__(self, settings: BotSettings, clock: PhaseClock) -> None:
        self._settings = settings
        self._clock = clock
        self._browser = None
        self._session = None

    def __getattr__(self, name: str) -> object:
        if self._session is None:
            self._start()
        return getattr(self._session, name)

    def _start(self) -> None:
        from tasks.browser import launch_browser
        from tasks.erp_screens import ErpSession

        with self._clock.phase("browser start"):
            self._browser = launch_browser()
            self._session = self._clock.timed(ErpSession.start(
                self._browser, self._settings.erp_url, self._settings.erp_user,
                self._settings.erp_password), "erp")

    def close(self) -> None:
        try:
            if self._session is not None:
                self._session.close()
        finally:
            if self._browser is not None:
                self._browser.close()
        self._session = self._browser = None


def _item_name(item: workitems.Input) -> str:
    payload = item.payload if isinstance(item.payload, dict) else {}
    document = payload.get("document") if isinstance(payload.get("document"), dict) else {}
    return str(document.get("filename") or f"item {item.id}")


def _item_id(item: workitems.Input) -> int | None:
    """The store's id of an item (a worker's items are numbered); None for other adapters."""
    return int(item.id) if str(item.id).isdigit() else None


def guarded(job: Callable[[], None]) -> None:
    """Run one item's job; a bug or an unforeseen failure becomes a retryable APPLICATION
    failure of that item (logged with its traceback) instead of ending the whole run."""
    try:
        job()
    except (BusinessException, ApplicationException):
        raise
    except Exception as exc:
        LOGGER.exception("unexpected error")
        raise application_error(ErrorCode.UNEXPECTED_ERROR,
                                f"{type(exc).__name__}: {exc}") from exc


class InvoiceJob:
    """One invoice item, from payload to posting."""

    def __init__(self, item: workitems.Input, erp, settings: BotSettings,  # noqa: ANN001
                 layouts: LayoutMemory | None = None,
                 reader: RolloutReader | None = None, holds: Store | None = None,
                 clock: PhaseClock | None = None) -> None:
        self.item = item
        self.clock = clock or PhaseClock()  # where the time goes (tasks.phase_clock)
        self.erp = erp
        self.settings = settings
        self.layouts = layouts  # learned vendor layouts (skills.layouts), None: none kept
        # Reads with the model versions the store's rollout names and records their
        # answers (tasks.model_rollout); None: the registered model, nothing recorded.
        self.reader = reader
        self.holds = holds  # the store keeping vendor holds; None: a desktop run keeps none
        self.payload = _invoice_payload(item)
        # A currency that could not be read, suggested from the seller's country, and what
        # to tell a person if the ERP does not confirm it.
        self.suggested_currency: tuple[str, str] | None = None
        # Why the bot is not sure the invoice quotes no purchase order, if it is not.
        self.unsure_no_order: str | None = None

    def run(self) -> None:
        if settling_attempt():
            self._settle_last_attempt()
            return
        try:
            self._work()
        except ApplicationException as exc:
            if not is_unsettled(self.payload):
                raise
            self._settle_from_erp(exc)

    def _work(self) -> None:
        fields, lines, by_person = self._fields()
        with tracing.span("validate.vendor"):
            vendor, po = self._vendor_and_order(fields)
        with tracing.span("validate.vendor_hold"):
            self._refuse_vendor_on_hold(vendor)
        order = po and _po_facts(po)
        if order is None and self.unsure_no_order is not None:
            self._fail([Finding(ErrorCode.LOW_CONFIDENCE, self.unsure_no_order, "po_number")])
        if self.suggested_currency is not None:
            self._confirm_currency(vendor, order)
        findings = self._validate(fields, vendor, order)
        if by_person:
            findings = self._not_overridden(findings)
        if findings:
            self._fail(findings)
        entry = self._entry(fields, lines, vendor)
        document_number = self._post(entry, vendor)
        self.payload.posting = Posting(document_number=document_number,
                                       posted_at=datetime.now(UTC), vendor_id=vendor.vendor_id,
                                       straight_through=not by_person)
        self._finish()

    def _validate(self, fields: dict[str, str | None], vendor: Vendor,
                  order: PurchaseOrder | None) -> list[Finding]:
        """Every check, each a span of the item's trace with the codes it found."""
        findings: list[Finding] = []
        tolerance = Decimal(str(self.settings.amount_tolerance))
        for name, check in checks(fields, vendor, order, tolerance):
            with tracing.span(f"validate.{name}") as span:
                found = check()
                span.set_attribute("ap.findings", [f.code.value for f in found])
            findings += found
        return findings

    def _finish(self) -> None:
        self._save()
        with self.clock.phase("store"):
            workitems.outputs.create(payload=self.payload.model_dump(mode="json"))

    def _settle_from_erp(self, failure: ApplicationException) -> None:
        """An attempt failed after a submit that may have reached the ERP: the ERP's records,
        not the failure, decide. Posted: the item is done with the ERP's document number.
        Not posted: the failure stands (retried, or failed at the last attempt). No answer:
        POSTING_UNCONFIRMED, which ``python -m tasks.reconcile`` settles later."""
        try:
            document = ask_erp(self.erp, self.payload)
        except ApplicationException as unanswered:
            raise application_error(
                ErrorCode.POSTING_UNCONFIRMED,
                f"{failure}; the invoice may already be in the ERP, which could not be asked "
                f"({unanswered}); reconciliation settles it when the ERP answers") from failure
        if document is None:
            raise failure
        LOGGER.warning("the ERP has this invoice as document %s although the attempt failed "
                       "(%s): settled from the ERP's records", document, failure)
        self.payload = settled(self.payload, document)
        self._finish()

    def _settle_last_attempt(self) -> None:
        """The item's last attempt stopped without a word (the bot was killed): this attempt
        posts nothing. If that bot had started posting, the ERP decides: posted, the item is
        done with the ERP's document number; not posted, it fails as the stop left it."""
        stopped = application_error(
            ErrorCode.LEASE_EXPIRED, "the bot working this invoice stopped on its last "
            "attempt without finishing it; check the worker logs, then retry")
        if not is_unsettled(self.payload):
            raise stopped  # it never reached the posting: nothing to settle
        self._settle_from_erp(stopped)

    # -- fields: from a person's review, or read from the document -------------------------

    def _fields(self) -> tuple[dict[str, str | None], list[LineItem], bool]:
        review = self.payload.review
        if review is not None and review.action == "approve":
            self._teach(review.fields)
            return dict(review.fields), list(review.lines or []), True
        from skills.documents import read_document
        from skills.extract import extract

        data = self._document_bytes()
        with self.clock.phase("reading"):
            with tracing.span("read", {"ap.document": self.payload.document.filename}) as span:
                try:
                    doc = read_document(data, self.payload.document.filename)
                except UnreadableDocument as exc:
                    self._fail([Finding(ErrorCode.UNREADABLE_DOCUMENT,
                                        exc.message or str(exc))])
                span.set_attributes({"ap.pages": len(doc.pages), "ap.methods": sorted(
                    {str(p.method) for p in doc.pages})})
            with tracing.span("extract") as span:
                if self.reader is None:
                    extraction = extract(doc, layouts=self.layouts)
                else:
                    extraction = self.reader.read(doc, self.payload.reference,
                                                  _item_id(self.item), self.layouts)
                span.set_attribute("ap.model", f"{extraction.model_name} "
                                   f"{extraction.model_version}")
        LOGGER.info("%s: %d page(s) read (%s); %s", self.payload.document.filename,
                    len(doc.pages), ", ".join(sorted({str(p.method) for p in doc.pages})),
                    "; ".join(f"{name}={f.value!r} ({f.confidence:.2f})"
                              for name, f in extraction.fields.items() if f.value is not None))
        self.payload.extracted = Extracted(
            fields={name: FieldValue(value=f.value, confidence=f.confidence, page=f.page,
                                     box=list(f.box) if f.box else None, method=f.method,
                                     raw=f.raw, layout=f.layout)
                    for name, f in extraction.fields.items()},
            lines=[LineItem(description=li.description, quantity=li.quantity,
                            unit_price=li.unit_price, amount=li.amount)
                   for li in extraction.line_items],
            model=f"{extraction.model_name} {extraction.model_version}",
            threshold=extraction.threshold)
        values = extraction.values()
        if extraction.document_type == "credit_note":
            # The bot keys invoices only: a credit note waits for a person, whatever its
            # fields (they are in the payload, negative, for the clerk to post).
            self._fail([Finding(ErrorCode.CREDIT_NOTE,
                                f"credit note {values.get('invoice_number') or ''} over "
                                f"{values.get('total') or '?'} {values.get('currency') or ''}: "
                                "post it as a credit memo")])
        needed = [name for name in REQUIRED_FIELDS if not _sure(extraction, name)]
        po = extraction.fields["po_number"]
        if po.value is None and po.check:
            # Posting without an order skips the order match: not when the document gives
            # a reason to think one is printed (an unknown label, the order label itself).
            # Checked once the vendor is known: an unknown vendor says more.
            self.unsure_no_order = _unsure_message(extraction, "po_number")
        currency = extraction.fields["currency"]
        if "currency" in needed and currency.method == "inferred" and currency.value:
            # Posted only if the vendor master and the order agree (see run).
            needed.remove("currency")
            self.suggested_currency = (currency.value, _unsure_message(extraction, "currency"))
        if "vendor_name" in needed and _sure(extraction, "vendor_vat"):
            # The VAT id names the vendor and the ERP knows its name: look it up by VAT
            # only, never by a name the bot is unsure of.
            needed.remove("vendor_name")
            values["vendor_name"] = None
        unsure = [Finding(ErrorCode.LOW_CONFIDENCE, _unsure_message(extraction, name), name)
                  for name in needed] or _one_date_for_two(extraction)
        if unsure:
            self._fail(unsure)
        return values, list(self.payload.extracted.lines), False

    def _teach(self, approved: dict[str, str | None]) -> None:
        """Teach the vendor's layout the values a person approved, so its next invoice is
        read at the places they were found. The memory only learns: a document that
        cannot be read again, or a memory that cannot be reached, never stops the posting."""
        if (self.layouts is None or self.payload.layout_taught is not None
                or self.payload.document.filename not in self.item.files):
            return
        from skills.documents import read_document
        from skills.layouts import teach_document
        from tasks.approved_values import confirmed_values

        try:
            doc = read_document(self._document_bytes(), self.payload.document.filename)
            read = ({name: f.value for name, f in self.payload.extracted.fields.items()}
                    if self.payload.extracted is not None else None)
            layout = teach_document(self.layouts, doc, confirmed_values(approved), read=read)
        except Exception as exc:  # noqa: BLE001 - learning is never worth a failed item
            LOGGER.warning("the layout memory did not learn from %s: %s",
                           self.payload.document.filename, exc)
            return
        if layout is not None:
            LOGGER.info("layout %s of %s taught (%d documents)", layout.id, layout.vendor,
                        layout.documents)
            self.payload.layout_taught = layout.id
            self._save()

    def _not_overridden(self, findings: list[Finding]) -> list[Finding]:
        """The checks that still stand after a person's approval: every check runs again
        on the approved fields; only those the person overrode, with a reason, are dropped.
        A changed bank account is only taken with two people's approval."""
        review = self.payload.review
        overrides = review.overrides if review else {}
        approvers = {a.by for a in review.approvals} if review else set()
        standing = []
        for finding in findings:
            code = finding.code.value
            if code not in overrides:
                standing.append(finding)
            elif code == ErrorCode.BANK_ACCOUNT_CHANGED.value and len(approvers) < 2:
                standing.append(Finding(finding.code, f"{finding.message} (a bank account "
                                        "change needs the approval of two people)",
                                        finding.field))
            else:
                LOGGER.info("%s overridden by %s: %s", code, ", ".join(sorted(approvers)),
                            overrides[code])
        return standing

    def _document_bytes(self) -> bytes:
        name = self.payload.document.filename
        if name not in self.item.files:
            self._fail([Finding(ErrorCode.INVALID_PAYLOAD,
                                f"the work item has no attached file named {name!r}")])
        with self.clock.phase("store"), tempfile.TemporaryDirectory() as tmp:
            return Path(self.item.get_file(name, Path(tmp) / "document")).read_bytes()

    def _confirm_currency(self, vendor: Vendor, po: PurchaseOrder | None) -> None:
        suggested, message = self.suggested_currency  # type: ignore[misc]
        if not confirm_suggested_currency(suggested, vendor, po):
            erp = f"the vendor master says {vendor.currency or 'nothing'}" + (
                f", purchase order {po.po_number} {po.currency}" if po else "")
            self._fail([Finding(ErrorCode.LOW_CONFIDENCE, f"{message} ({erp})", "currency")])
        LOGGER.info("currency %s: suggested from the seller's country, confirmed by the ERP",
                    suggested)

    # -- the ERP's facts -------------------------------------------------------------------

    def _vendor_and_order(self, fields: dict[str, str | None],
                          ) -> tuple[Vendor, PurchaseOrderView | None]:
        """The vendor master entry and the purchase order, asked of the ERP together."""
        name, vat = fields.get("vendor_name"), fields.get("vendor_vat")
        number = fields.get("po_number") or None
        words = sorted(name_key(name).split(), key=len, reverse=True) if name else []
        candidates: list[VendorRecord] = []
        po = None
        if vat or words:  # by VAT id when there is one, else by the name's longest word
            candidates, po = self.erp.vendor_and_order(
                vat=vat, name=None if vat else words[0], po_number=number)
        if not candidates and vat and words:
            candidates = self.erp.find_vendor(name=words[0])
        vendor, how = match_vendor(name, vat, [_vendor_facts(v) for v in candidates])
        if vendor is None:
            self._fail([Finding(ErrorCode.UNKNOWN_VENDOR,
                                f"no vendor master entry matches this invoice ({how}); "
                                "create the vendor in the ERP or correct the name/VAT id",
                                "vendor_name")])
        record = next(v for v in candidates if v.vendor_id == vendor.vendor_id)
        self.payload.erp = ErpContext(vendor=record.model_dump(mode="json"))
        if po is not None:
            data = po.model_dump(mode="json")
            self.payload.erp.receipts = data.pop("receipts")
            self.payload.erp.purchase_order = data
        return vendor, po

    def _refuse_vendor_on_hold(self, vendor: Vendor) -> None:
        """A vendor whose bank details someone asked to change is posted by nobody until a
        person has verified the change by a call-back (tasks.vendor_holds)."""
        if self.holds is None or self.payload.posting_started is not None:
            return  # a submit that may have reached the ERP is settled, never stopped
        with self.clock.phase("store"):
            hold = hold_of(self.holds, vendor.vendor_id)
        if hold is not None:
            since = hold.requests[0].placed_at.strftime("%Y-%m-%d %H:%M") if hold.requests \
                else "now"
            self._fail([Finding(ErrorCode.VENDOR_ON_HOLD,
                                f"{vendor.name} ({vendor.vendor_id}) is on hold since {since} UTC: "
                                "a request to change its bank details waits for a call-back; "
                                "no automatic posting until a person verifies it",
                                "vendor_iban")])

    # -- posting, exactly once -------------------------------------------------------------

    def _post(self, entry: InvoiceEntry, vendor: Vendor) -> str:
        def before_submit(existing: str | None) -> str | None:
            if existing is not None:
                if self.payload.posting_started is not None:
                    return existing  # our own posting from an attempt that crashed afterwards
                self._fail([Finding(ErrorCode.DUPLICATE_INVOICE,
                                    f"invoice {entry.invoice_number} of {vendor.name} is "
                                    f"already posted as ERP document {existing}",
                                    "invoice_number")])
            self.payload.posting_started = datetime.now(UTC)
            self.payload.posting_target = PostingTarget(vendor_id=entry.vendor_id,
                                                        invoice_number=entry.invoice_number)
            self._save()  # durable before the submit: a retry will know the ERP may have it
            return None

        return self.erp.post_invoice(entry, before_submit)

    def _entry(self, fields: dict[str, str | None], lines: list[LineItem],
               vendor: Vendor) -> InvoiceEntry:
        try:
            invoice_date = date.fromisoformat(fields["invoice_date"] or "")
            due = fields.get("due_date")
            net, tax, total = (Decimal(fields.get(k) or "0")
                               for k in ("net_amount", "tax_amount", "total"))
            return InvoiceEntry(
                vendor_id=vendor.vendor_id, invoice_number=fields["invoice_number"] or "",
                invoice_date=invoice_date,
                due_date=date.fromisoformat(due) if due else invoice_date + timedelta(
                    days=DEFAULT_PAYMENT_DAYS),
                po_number=fields.get("po_number") or None,
                currency=fields.get("currency") or vendor.currency or "",
                net_amount=net, tax_amount=tax, total_amount=total,
                lines=_entry_lines(lines, net))
        except (ValueError, InvalidOperation, ValidationError) as exc:
            self._fail([Finding(ErrorCode.LOW_CONFIDENCE,
                                f"the fields cannot be keyed into the ERP: {_first_error(exc)}")])

    # -- bookkeeping -----------------------------------------------------------------------

    def _save(self) -> None:
        with self.clock.phase("store"):
            self.item.payload = self.payload.model_dump(mode="json")
            self.item.save()

    def _fail(self, findings: list[Finding]):  # noqa: ANN202 - never returns
        self.payload.findings = [PayloadFinding(code=f.code.value, message=f.message,
                                                field=f.field) for f in findings]
        self._save()
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise business_error(first.code, first.message + more)


def _invoice_payload(item: workitems.Input) -> InvoicePayload:
    try:
        return InvoicePayload.model_validate(item.payload)
    except ValidationError as exc:
        raise business_error(ErrorCode.INVALID_PAYLOAD,
                             f"the work item is not an invoice item: {_first_error(exc)}") from exc


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    return str(exc)


def _unsure_message(extraction, name: str) -> str:  # noqa: ANN001
    field = extraction.fields[name]
    if field.value is None:
        message = f"{name.replace('_', ' ')} was not found on the document"
        return f"{message} ({field.check})" if field.check else message
    if field.method == "inferred":  # e.g. a currency sign the OCR cannot read
        return (f"{name.replace('_', ' ')} is not printed legibly; {field.value!r} is "
                f"suggested from the seller's country ({field.raw.replace('_', ' ')}): "
                "confirm it")
    message = (f"{name.replace('_', ' ')} read as {field.value!r} with confidence "
               f"{field.confidence:.2f} (needs {extraction.threshold_of(name):.2f})")
    return f"{message}: {field.check}" if field.check else message


def _sure(extraction, name: str) -> bool:  # noqa: ANN001
    field = extraction.accepted().get(name)  # the extractor's own threshold rule
    return field is not None and field.value is not None


def _one_date_for_two(extraction) -> list[Finding]:  # noqa: ANN001
    """The invoice date and the due date read from the very same words: one of them is
    not what the label says (an OCR slip in the other date's label or month name)."""
    issued, due = extraction.fields["invoice_date"], extraction.fields.get("due_date")
    if due is None or due.box is None or issued.box is None or tuple(due.box) != tuple(
            issued.box) or due.page != issued.page:
        return []
    return [Finding(ErrorCode.LOW_CONFIDENCE, f"the invoice date and the due date were both "
                    f"read from {issued.raw!r}; check which is which", "invoice_date")]


def _entry_lines(lines: list[LineItem], net: Decimal) -> tuple[InvoiceEntryLine, ...]:
    """The extracted lines, if they are complete and add up to the net; else none (the ERP
    then books one summary line over the net)."""
    try:
        entry = tuple(
            InvoiceEntryLine(description=li.description or "Item",
                             quantity=Decimal(li.quantity or "1"),
                             unit_price=Decimal(li.unit_price or li.amount or "0"),
                             amount=Decimal(li.amount or "0"))
            for li in lines)
    except (InvalidOperation, ValidationError):
        return ()
    if entry and abs(sum(li.amount for li in entry) - net) <= Decimal("0.01"):
        return entry
    return ()


def _vendor_facts(record: VendorRecord) -> Vendor:
    return Vendor(vendor_id=record.vendor_id, name=record.name, vat_id=record.vat_id,
                  iban=record.iban, currency=record.currency)


def _po_facts(po: PurchaseOrderView) -> PurchaseOrder:
    return PurchaseOrder(
        po_number=po.po_number, vendor_id=po.vendor_id, currency=po.currency, status=po.status,
        lines=tuple(PoLine(line=ln.line, quantity=ln.quantity, unit_price=ln.unit_price,
                           received_quantity=ln.received_quantity) for ln in po.lines))
