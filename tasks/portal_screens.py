"""Page objects for the supplier portal: list every invoice across pages, download PDFs.

    portal = PortalSession.start(browser, portal_url, user, password)
    for row in portal.list_invoices():
        pdf_bytes = portal.download(row)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from pydantic import BaseModel, ConfigDict

from tasks.web_session import LoggedOut, Transient, WebSession, screenshot_on_failure

_MAX_PAGES = 1000  # a guard against a "Next" link that never ends


class PortalInvoiceRow(BaseModel):
    """One row of the portal's invoice table."""

    model_config = ConfigDict(frozen=True)

    invoice_number: str
    vendor: str
    invoice_date: date
    due_date: date | None
    amount: Decimal | None
    currency: str
    download_url: str


class PortalSession(WebSession):
    system = "portal"
    system_title = "The supplier portal"

    def _fill_login(self) -> None:
        self.find("Portal.Login.User").fill(self.user)
        self.find("Portal.Login.Password").fill(self._password)
        self.submit(self.find("Portal.Login.Submit"), allow_login_page=True)

    @screenshot_on_failure
    def list_invoices(self) -> list[PortalInvoiceRow]:
        """Every invoice the portal lists, page by page, in the portal's order."""
        return self._run("listing invoices", self._list_invoices)

    def _list_invoices(self) -> list[PortalInvoiceRow]:
        self.open("/invoices")
        rows: list[PortalInvoiceRow] = []
        for _ in range(_MAX_PAGES):
            table = self.find("Portal.Invoices.Table")
            links = table.locator("tbody tr a[href]").evaluate_all(
                "links => links.map(a => a.href)")
            for row, href in zip(self.read_table(table), links, strict=True):
                rows.append(_row(row, href))
            next_link = self.locators.find_optional(self.page, "Portal.Invoices.Next")
            if next_link is None:
                return rows
            self.submit(next_link)
        raise Transient(f"the invoice list did not end after {_MAX_PAGES} pages")

    @screenshot_on_failure
    def download(self, invoice: PortalInvoiceRow) -> bytes:
        """The invoice's PDF, fetched with this session's cookies."""
        return self._run(f"downloading {invoice.invoice_number}",
                         lambda: self._download(invoice))

    def _download(self, invoice: PortalInvoiceRow) -> bytes:
        url = urljoin(self.base_url + "/", invoice.download_url)
        try:
            response = self.page.request.get(url, timeout=self.timeout_ms)
        except PlaywrightError as exc:
            raise Transient(f"download failed: {exc.message.splitlines()[0]}") from exc
        if response.status >= 500:
            raise Transient(f"HTTP {response.status}")
        if self._path(response.url) == self.login_path:
            raise LoggedOut()
        body = response.body()
        if response.status != 200 or not body.startswith(b"%PDF-"):
            raise Transient(f"HTTP {response.status} without a PDF for {invoice.invoice_number}")
        return body


def _row(cells: dict[str, str], href: str) -> PortalInvoiceRow:
    amount_text = cells.get("Amount", "").strip()
    currency, _, number = amount_text.partition(" ")
    return PortalInvoiceRow(
        invoice_number=cells["Invoice number"],
        vendor=cells["Vendor"],
        invoice_date=date.fromisoformat(cells["Date"]),
        due_date=date.fromisoformat(cells["Due date"]) if cells.get("Due date") else None,
        amount=Decimal(number.replace(",", "")) if number else None,
        currency=currency if number else "",
        download_url=href,
    )
