"""Page objects for the legacy ERP: what the consumer bot calls to read and post.

    session = ErpSession.start(browser, erp_url, user, password)
    vendors = session.find_vendor(vat="DE104010604")
    po = session.purchase_order("4500001001")
    doc = session.find_posted_invoice("V10001", "INV-1") or session.post_invoice(entry)

Every element is found through ``locators/locators.json`` (with fallbacks), so a new
ERP release with new element ids does not stop the bot. Expired sessions are renewed,
5xx answers and timeouts retried; see :class:`tasks.web_session.WebSession`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from skills.errors import ErrorCode, business_error
from tasks.erp_records import (
    InvoiceEntry,
    InvoiceEntryLine,
    PoLineView,
    PurchaseOrderView,
    ReceiptView,
    VendorRecord,
)
from tasks.web_session import Transient, WebSession, screenshot_on_failure

_DOCUMENT_NUMBER = re.compile(r"\b\d{10}\b")
# Grid column headers on the invoice entry screen, by the InvoiceEntryLine field they take.
_GRID_COLUMNS = {"po_line": "PO item", "description": "Description", "quantity": "Quantity",
                 "unit_price": "Unit price", "amount": "Amount"}
_HEADER_FIELDS = (
    ("ERP.Invoice.Vendor", "vendor_id"), ("ERP.Invoice.Number", "invoice_number"),
    ("ERP.Invoice.Date", "invoice_date"), ("ERP.Invoice.DueDate", "due_date"),
    ("ERP.Invoice.PoNumber", "po_number"), ("ERP.Invoice.Net", "net_amount"),
    ("ERP.Invoice.Tax", "tax_amount"), ("ERP.Invoice.Total", "total_amount"),
)


class ErpSession(WebSession):
    system = "erp"
    system_title = "The ERP"

    def _fill_login(self) -> None:
        self.find("ERP.Login.User").fill(self.user)
        self.find("ERP.Login.Password").fill(self._password)
        self.submit(self.find("ERP.Login.Submit"), allow_login_page=True)

    # -- vendor master ---------------------------------------------------------------------

    @screenshot_on_failure
    def find_vendor(self, name: str | None = None, vat: str | None = None) -> list[VendorRecord]:
        """Vendors whose name contains every word of ``name`` and/or whose VAT id is ``vat``."""
        if not (name or vat):
            raise ValueError("find_vendor needs a name or a VAT id")
        return self._run("searching the vendor master", lambda: self._find_vendor(name, vat))

    def _find_vendor(self, name: str | None, vat: str | None) -> list[VendorRecord]:
        self.open("/vendors")
        frame = self.find("ERP.Vendors.Frame").element_handle().content_frame()
        if frame is None:
            raise Transient("the vendor search frame did not load")
        frame.wait_for_load_state()
        self._check(frame)  # the frame shows the log-on page when the session ended
        self.find("ERP.VendorSearch.Name", frame).fill(name or "")
        self.find("ERP.VendorSearch.Vat", frame).fill(vat or "")
        self.submit(self.find("ERP.VendorSearch.Submit", frame), frame)
        rows = self.read_table(self.find("ERP.VendorSearch.Results", frame))
        return [
            VendorRecord(vendor_id=r["Vendor no."], name=r["Name"], vat_id=r["VAT id"],
                         city=r["City"], country=r["Country"], currency=r["Currency"],
                         iban=r["IBAN"] or None)
            for r in rows
        ]

    # -- purchase orders -------------------------------------------------------------------

    @screenshot_on_failure
    def purchase_order(self, po_number: str) -> PurchaseOrderView | None:
        """The PO with its lines and goods receipts, or None when the ERP does not know it."""
        return self._run(f"displaying PO {po_number}", lambda: self._purchase_order(po_number))

    def _purchase_order(self, po_number: str) -> PurchaseOrderView | None:
        self.open("/po")
        self.find("ERP.PO.Number").fill(po_number)
        self.submit(self.find("ERP.PO.Display"))
        if self.locators.find_optional(self.page, "ERP.Page.Alert") is not None:
            return None  # "Purchase order ... does not exist."
        head = dict(
            zip(*self.find("ERP.PO.Header").evaluate(
                """t => [Array.from(t.querySelectorAll('th')).map(c => c.innerText.trim()),
                         Array.from(t.querySelectorAll('td')).map(c => c.innerText.trim())]"""
            ), strict=False)
        )
        items = self.read_table(self.find("ERP.PO.Items"))
        receipts = self.read_table(self.find("ERP.PO.Receipts"))
        return PurchaseOrderView(
            po_number=head["PO number"], vendor_id=head["Vendor"], vendor_name=head["Vendor name"],
            order_date=_screen_date(head["Order date"]), currency=head["Currency"],
            status=head["Status"],
            lines=tuple(
                PoLineView(line=int(r["Item"]), description=r["Description"],
                           quantity=Decimal(r["Quantity"]), unit=r["Unit"],
                           unit_price=Decimal(r["Unit price"]),
                           net_amount=Decimal(r["Net amount"]),
                           received_quantity=Decimal(r["Received"]))
                for r in items
            ),
            receipts=tuple(
                ReceiptView(receipt_number=r["Receipt"], line=int(r["Item"]),
                            receipt_date=_screen_date(r["Date"]), quantity=Decimal(r["Quantity"]))
                for r in receipts
            ),
        )

    # -- invoices --------------------------------------------------------------------------

    @screenshot_on_failure
    def find_posted_invoice(self, vendor_id: str, invoice_number: str) -> str | None:
        """The ERP document number this vendor's invoice was posted as, or None."""
        return self._run(
            f"looking up invoice {invoice_number}",
            lambda: self._find_posted_invoice(vendor_id, invoice_number),
        )

    def _find_posted_invoice(self, vendor_id: str, invoice_number: str) -> str | None:
        self.open("/invoice/search")
        self.find("ERP.Find.Vendor").fill(vendor_id)
        self.find("ERP.Find.Number").fill(invoice_number)
        self.submit(self.find("ERP.Find.Submit"))
        table = self.locators.find_optional(self.page, "ERP.Find.Results")
        rows = self.read_table(table) if table is not None else []
        return rows[0]["Document no."] if rows else None

    @screenshot_on_failure
    def post_invoice(self, invoice: InvoiceEntry) -> str:
        """Key the invoice in, confirm, and return the ERP document number.

        Idempotent across retries: once a submit may have reached the ERP, the next
        attempt first looks the invoice up and returns its document number if it is
        there. The ERP's duplicate warning is cancelled and raised as DUPLICATE_INVOICE.
        """
        submitted = False

        def attempt() -> str:
            nonlocal submitted
            if submitted:
                found = self._find_posted_invoice(invoice.vendor_id, invoice.invoice_number)
                if found:
                    return found
            self.open("/invoice/new")
            self._fill_invoice(invoice)
            self.find("ERP.Invoice.Post").click()  # opens the confirmation dialog
            submitted = True
            self.submit(self.find("ERP.Invoice.ConfirmYes"))
            return self._read_outcome(invoice)

        return self._run(f"posting invoice {invoice.invoice_number}", attempt)

    def _fill_invoice(self, invoice: InvoiceEntry) -> None:
        for locator_name, field in _HEADER_FIELDS:
            self.find(locator_name).fill(_screen_text(getattr(invoice, field)))
        self.find("ERP.Invoice.Currency").select_option(invoice.currency)
        grid = self.find("ERP.Invoice.Lines")
        headers = grid.locator("thead th").all_inner_texts()
        columns = {field: headers.index(title) for field, title in _GRID_COLUMNS.items()}
        rows = grid.locator("tbody tr")
        for n, line in enumerate(invoice.grid_lines()):
            if n >= rows.count():
                self.find("ERP.Invoice.AddLine").click()
            cells = rows.nth(n).locator("td")
            for field, index in columns.items():
                cells.nth(index).locator("input").fill(_screen_text(getattr(line, field)))

    def _read_outcome(self, invoice: InvoiceEntry) -> str:
        path = self._path(self.page.url)
        if path.startswith("/invoice/posted/"):
            text = self.find("ERP.Posted.DocumentNumber").inner_text()
            if match := _DOCUMENT_NUMBER.search(text):
                return match.group()
            raise Transient(f"the result page shows no document number ({text!r})")
        if path == "/invoice/duplicate":
            warning = " ".join(self.page.get_by_role("alert").all_inner_texts())
            self.submit(self.find("ERP.Duplicate.Cancel"))
            raise business_error(
                ErrorCode.DUPLICATE_INVOICE,
                f"Invoice {invoice.invoice_number} of vendor {invoice.vendor_id} is already "
                f"posted (the ERP says: {warning.strip()})",
            )
        alert = self.locators.find_optional(self.page, "ERP.Page.Alert")
        if alert is None:
            raise Transient(f"unexpected screen after posting: {path}")
        raise _rejection(invoice, alert.inner_text().strip())


def _rejection(invoice: InvoiceEntry, message: str) -> Exception:
    """The ERP refused the entry: map its message to a business code for a person."""
    text = " ".join(message.split())
    if "Vendor" in text and "does not exist" in text:
        code = ErrorCode.UNKNOWN_VENDOR
    elif "Purchase order" in text:
        code = ErrorCode.PO_MISMATCH
    else:
        code = ErrorCode.INVALID_PAYLOAD
    return business_error(code, f"The ERP rejected invoice {invoice.invoice_number}: {text}")


def _screen_text(value: object) -> str:
    """How the legacy screens want values typed: DD.MM.YYYY dates, 1234.50 amounts."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):  # at least two decimals; finer unit prices kept as they are
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    return str(value)


def _screen_date(text: str) -> date:
    return datetime.strptime(text, "%d.%m.%Y").date()


__all__ = ["ErpSession", "InvoiceEntry", "InvoiceEntryLine", "PurchaseOrderView", "VendorRecord"]
