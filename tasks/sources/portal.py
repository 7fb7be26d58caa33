"""The supplier portal: log in, list every page of invoices, download each PDF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from tasks.browser import launch_browser
from tasks.payloads import Source
from tasks.portal_screens import PortalInvoiceRow, PortalSession
from tasks.settings import BotSettings
from tasks.sources.documents import Incoming, SourceReport, accept_document


def collect(settings: BotSettings, report: SourceReport) -> Iterator[Incoming]:
    assert settings.portal_url
    browser = launch_browser()
    try:
        session = PortalSession.start(browser, settings.portal_url, settings.portal_user,
                                      settings.portal_password,
                                      screenshot_dir=settings.output)
        for row in session.list_invoices():
            data = session.download(row)
            source = Source(kind="portal",
                            name=f"{settings.portal_url} {row.vendor} {row.invoice_number}",
                            received_at=datetime.now(UTC))
            if (document := accept_document(_file_name(row), data, source, report)) is not None:
                yield document
        session.close()
    finally:
        browser.close()


def _file_name(row: PortalInvoiceRow) -> str:
    """The download link's last path segment, else the invoice number."""
    last = unquote(urlsplit(row.download_url).path.rsplit("/", 1)[-1])
    return last if last.lower().endswith(".pdf") else f"{row.invoice_number}.pdf"
