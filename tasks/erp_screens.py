"""Page objects for the legacy ERP: what the consumer bot calls to read and post.

    session = ErpSession.start(browser, erp_url, user, password)
    vendors = session.find_vendor(vat="DE104010604")
    po = session.purchase_order("4500001001")
    vendors, po = session.vendor_and_order(vat="DE104010604", po_number="4500001001")
    doc = session.find_posted_invoice("V10001", "INV-1")
    doc = session.post_invoice(entry)  # looks the invoice up first: never posts it twice

Every element is found through ``locators/locators.json`` (with fallbacks), so a new
ERP release with new element ids does not stop the bot. Expired sessions are renewed,
5xx answers and timeouts retried; see :class:`tasks.web_session.WebSession`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from playwright.sync_api import Frame, Page

from skills.errors import ErrorCode, business_error
from tasks.erp_records import (
    InvoiceEntry,
    InvoiceEntryLine,
    PoLineView,
    PurchaseOrderView,
    ReceiptView,
    VendorRecord,
)
from tasks.web_session import TYPE_JS, Button, Transient, WebSession, screenshot_on_failure

_DOCUMENT_NUMBER = re.compile(r"\b\d{10}\b")
_READ_HEAD = """t => [Array.from(t.querySelectorAll('th')).map(c => c.innerText.trim()),
                     Array.from(t.querySelectorAll('td')).map(c => c.innerText.trim())]"""
_READ_GRID_SHAPE = """t => [Array.from(t.querySelectorAll('thead th')).map(h => h.innerText.trim()),
                           t.tBodies[0].rows.length]"""
# Types each line into its row; rows beyond the invoice's lines (a screen the browser
# restored with an earlier entry's rows) are cleared, so only this invoice's lines remain.
_TYPE_INTO_GRID = f"""(table, rows) => {{
    {TYPE_JS}
    Array.from(table.tBodies[0].rows).forEach((row, n) => {{
        const cells = rows[n];
        row.querySelectorAll("input").forEach(input => {{
            const column = String(input.closest("td").cellIndex);
            const text = cells ? cells[column] : "";
            if (text !== undefined && (cells || input.value !== "")) type(input, text);
        }});
    }});
    if (table.tBodies[0].rows.length < rows.length) throw new Error("the grid has too few rows");
}}"""
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
    _search_frame: Frame | None = None  # the vendor search frame, while its tab is ready

    def _fill_login(self) -> None:
        self.fill_all(self.page, {"ERP.Login.User": self.user,
                                  "ERP.Login.Password": self._password})
        self.submit("ERP.Login.Submit", allow_login_page=True)

    # -- vendor master and purchase orders ---------------------------------------------------
    # Each search is three steps: fill the form, submit it, read the answer. Split like
    # that, a vendor search and a PO display can be submitted together, each in its tab.

    @screenshot_on_failure
    def find_vendor(self, name: str | None = None, vat: str | None = None) -> list[VendorRecord]:
        """Vendors whose name contains every word of ``name`` and/or whose VAT id is ``vat``."""
        return self._vendor_and_order(name, vat, None)[0]

    @screenshot_on_failure
    def purchase_order(self, po_number: str) -> PurchaseOrderView | None:
        """The PO with its lines and goods receipts, or None when the ERP does not know it."""
        return self._run(f"displaying PO {po_number}", lambda: self._read_order(
            self._submit(self._order_form(po_number))))

    @screenshot_on_failure
    def vendor_and_order(self, name: str | None = None, vat: str | None = None,
                         po_number: str | None = None,
                         ) -> tuple[list[VendorRecord], PurchaseOrderView | None]:
        """:meth:`find_vendor` and :meth:`purchase_order` at once (the PO when given)."""
        return self._vendor_and_order(name, vat, po_number)

    def _vendor_and_order(self, name: str | None, vat: str | None, po_number: str | None,
                          ) -> tuple[list[VendorRecord], PurchaseOrderView | None]:
        if not (name or vat):
            raise ValueError("find_vendor needs a name or a VAT id")

        def step() -> tuple[list[VendorRecord], PurchaseOrderView | None]:
            forms = [self._vendor_form(name, vat)]
            if po_number:
                forms.append(self._order_form(po_number))
            self.submit_all(forms)
            vendors = self._read_vendors(forms[0][1])
            return vendors, self._read_order(forms[1][1]) if po_number else None

        what = "searching the vendor master" + (f" and displaying PO {po_number}"
                                                if po_number else "")
        return self._run(what, step)

    def _submit(self, form: tuple[Button, Frame]) -> Frame:
        self.submit_all([form])
        return form[1]

    def _vendor_form(self, name: str | None, vat: str | None) -> tuple[Button, Frame]:
        frame = self._search_frame if self.is_ready("/vendors") else None
        tab = self.screen("/vendors")
        if frame is None or frame.is_detached():
            handle = self.find("ERP.Vendors.Frame", tab).element_handle()
            frame = self._search_frame = handle.content_frame()
            if frame is None:
                raise Transient("the vendor search frame did not load")
            frame.wait_for_load_state()
            self._check(frame)  # the frame shows the log-on page when the session ended
        self.fill_all(frame, {"ERP.VendorSearch.Name": name or "",
                              "ERP.VendorSearch.Vat": vat or ""})
        return "ERP.VendorSearch.Submit", frame

    def _read_vendors(self, frame: Frame) -> list[VendorRecord]:
        rows = self.read_table("ERP.VendorSearch.Results", frame)
        return [
            VendorRecord(vendor_id=r["Vendor no."], name=r["Name"], vat_id=r["VAT id"],
                         city=r["City"], country=r["Country"], currency=r["Currency"],
                         iban=r["IBAN"] or None)
            for r in rows
        ]

    def _order_form(self, po_number: str) -> tuple[Button, Frame]:
        tab = self.screen("/po")
        self.fill_all(tab, {"ERP.PO.Number": po_number})
        return "ERP.PO.Display", tab.main_frame

    def _read_order(self, frame: Frame) -> PurchaseOrderView | None:
        tab = frame.page
        try:
            if self.locators.find_optional(tab, "ERP.Page.Alert") is not None:
                return None  # "Purchase order ... does not exist."
            return _order_view(self.on_element("ERP.PO.Header", tab, _READ_HEAD),
                               self.read_table("ERP.PO.Items", tab),
                               self.read_table("ERP.PO.Receipts", tab))
        finally:
            self.preload("/po")  # the next PO's search screen loads while the bot works on

    # -- invoices --------------------------------------------------------------------------

    def find_posted_invoice(self, vendor_id: str, invoice_number: str) -> str | None:
        """The ERP document number this vendor's invoice was posted as, or None."""
        row = self.posted_invoice(vendor_id, invoice_number)
        return row["Document no."] if row else None

    @screenshot_on_failure
    def posted_invoice(self, vendor_id: str, invoice_number: str) -> dict[str, str] | None:
        """The ERP's row of this vendor's posted invoice (document number, invoice date,
        total, currency, as the screen shows them), or None."""
        return self._run(f"looking up invoice {invoice_number}", lambda: self._read_posted(
            self._submit(self._posted_form(vendor_id, invoice_number))))

    def _posted_form(self, vendor_id: str, invoice_number: str) -> tuple[Button, Frame]:
        tab = self.screen("/invoice/search")
        self.fill_all(tab, {"ERP.Find.Vendor": vendor_id, "ERP.Find.Number": invoice_number})
        return "ERP.Find.Submit", tab.main_frame

    def _read_posted(self, frame: Frame) -> dict[str, str] | None:
        table = self.locators.find_optional(frame.page, "ERP.Find.Results")
        rows = self.read_table(table) if table is not None else []
        return rows[0] if rows else None

    @screenshot_on_failure
    def post_invoice(self, invoice: InvoiceEntry,
                     before_submit: Callable[[str | None], str | None] | None = None) -> str:
        """Key the invoice in, confirm, and return the ERP document number.

        Never posts twice: the invoice is looked up first (while it is typed in), and
        ``before_submit`` is told what the look-up found (the document number or None).
        It returns a document number to use instead of posting (say, the bot's own
        posting from an attempt that crashed), None to post, or raises. Without it, an
        invoice the ERP already has is a DUPLICATE_INVOICE. A retry after a submit that
        may have reached the ERP returns the posting the look-up finds. The ERP's own
        duplicate warning is cancelled and raised as DUPLICATE_INVOICE.
        """
        decide = before_submit or (lambda found: _already_posted(invoice, found))
        submitted = False

        def attempt() -> str:
            nonlocal submitted
            with self.submitting(self._posted_form(invoice.vendor_id,
                                                   invoice.invoice_number)) as search:
                tab = self.screen("/invoice/new")
                self._fill_invoice(tab, invoice)
            row = self._read_posted(search)
            found = row["Document no."] if row else None
            if found is not None and submitted:
                return found  # an earlier attempt's submit did reach the ERP
            if (document := decide(found)) is not None:
                self.spoil("/invoice/new")  # typed in, never posted
                return document
            self.click("ERP.Invoice.Post", tab)  # opens the confirmation
            submitted = True
            self.submit("ERP.Invoice.ConfirmYes", tab.main_frame)
            document = self._read_outcome(tab, invoice)
            self.preload("/invoice/new")  # the next invoice's entry screen loads meanwhile
            return document

        return self._run(f"posting invoice {invoice.invoice_number}", attempt)

    def _fill_invoice(self, tab: Page, invoice: InvoiceEntry) -> None:
        self.fill_all(tab, {**{locator_name: _screen_text(getattr(invoice, field))
                               for locator_name, field in _HEADER_FIELDS},
                            "ERP.Invoice.Currency": invoice.currency})
        headers, row_count = self.on_element("ERP.Invoice.Lines", tab, _READ_GRID_SHAPE)
        columns = {field: headers.index(title) for field, title in _GRID_COLUMNS.items()}
        lines = invoice.grid_lines()
        for _ in range(len(lines) - row_count):
            self.click("ERP.Invoice.AddLine", tab)  # the grid's own button
        # The grid's cells have no ids or labels, only their column: type every cell in one
        # round trip, as a person typing would (value set, then input and change events).
        cells = [{str(index): _screen_text(getattr(line, field))
                  for field, index in columns.items()} for line in lines]
        self.on_element("ERP.Invoice.Lines", tab, _TYPE_INTO_GRID, cells)

    def _read_outcome(self, tab: Page, invoice: InvoiceEntry) -> str:
        path = self._path(tab.url)
        if path.startswith("/invoice/posted/"):
            text = self.on_element("ERP.Posted.DocumentNumber", tab, "e => e.innerText")
            if match := _DOCUMENT_NUMBER.search(text):
                return match.group()
            raise Transient(f"the result page shows no document number ({text!r})")
        if path == "/invoice/duplicate":
            warning = " ".join(tab.get_by_role("alert").all_inner_texts())
            self.submit("ERP.Duplicate.Cancel", tab.main_frame)
            raise business_error(
                ErrorCode.DUPLICATE_INVOICE,
                f"Invoice {invoice.invoice_number} of vendor {invoice.vendor_id} is already "
                f"posted (the ERP says: {warning.strip()})",
            )
        alert = self.locators.find_optional(tab, "ERP.Page.Alert")
        if alert is None:
            raise Transient(f"unexpected screen after posting: {path}")
        raise _rejection(invoice, alert.inner_text().strip())


def _order_view(head_cells: list[list[str]], items: list[dict[str, str]],
                receipts: list[dict[str, str]]) -> PurchaseOrderView:
    head = dict(zip(*head_cells, strict=False))
    return PurchaseOrderView(
        po_number=head["PO number"], vendor_id=head["Vendor"], vendor_name=head["Vendor name"],
        order_date=_screen_date(head["Order date"]), currency=head["Currency"],
        status=head["Status"],
        lines=tuple(
            PoLineView(line=int(r["Item"]), description=r["Description"],
                       quantity=Decimal(r["Quantity"]), unit=r["Unit"],
                       unit_price=Decimal(r["Unit price"]), net_amount=Decimal(r["Net amount"]),
                       received_quantity=Decimal(r["Received"]))
            for r in items
        ),
        receipts=tuple(
            ReceiptView(receipt_number=r["Receipt"], line=int(r["Item"]),
                        receipt_date=_screen_date(r["Date"]), quantity=Decimal(r["Quantity"]))
            for r in receipts
        ),
    )


def _already_posted(invoice: InvoiceEntry, document: str | None) -> None:
    if document is not None:
        raise business_error(
            ErrorCode.DUPLICATE_INVOICE,
            f"Invoice {invoice.invoice_number} of vendor {invoice.vendor_id} is already "
            f"posted as ERP document {document}")


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
