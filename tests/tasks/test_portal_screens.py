"""The portal page objects in real Chromium: every page listed, PDFs downloaded intact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from devdata.erp import Chaos
from devdata.portal import DEV_PASSWORD, DEV_USER, PortalServer, write_sample_invoices
from tasks.portal_screens import PortalSession

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portal")
    write_sample_invoices(path, count=7)
    return path


def test_lists_every_page_and_downloads(browser: Browser, folder: Path, tmp_path: Path) -> None:
    with PortalServer(folder, page_size=3) as portal:
        session = PortalSession.start(browser, portal.url, DEV_USER, DEV_PASSWORD,
                                      screenshot_dir=tmp_path)
        rows = session.list_invoices()
        assert [r.invoice_number for r in rows] == [i.invoice_number for i in portal.invoices]
        first = portal.invoices[0]
        assert (rows[0].vendor, rows[0].invoice_date, rows[0].due_date) == (
            first.vendor, first.invoice_date, first.due_date)
        assert (rows[0].amount, rows[0].currency) == (first.amount, first.currency)
        assert isinstance(rows[0].amount, Decimal)
        assert session.download(rows[2]) == (folder / portal.invoices[2].filename).read_bytes()
        session.close()


def test_survives_portal_chaos(browser: Browser, folder: Path, tmp_path: Path) -> None:
    chaos = Chaos(error_rate=0.15, expiry_rate=0.1, seed=7)
    with PortalServer(folder, page_size=2, chaos=chaos) as portal:
        session = PortalSession.start(browser, portal.url, DEV_USER, DEV_PASSWORD,
                                      screenshot_dir=tmp_path, attempts=10,
                                      backoff_seconds=0.01)
        rows = session.list_invoices()
        assert len(rows) == 7
        for row, expected in zip(rows[:3], portal.invoices[:3], strict=True):
            assert session.download(row) == (folder / expected.filename).read_bytes()
        session.close()
