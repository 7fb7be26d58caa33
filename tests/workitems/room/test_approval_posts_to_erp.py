"""From the clerk's approval to the ERP: a LOW_CONFIDENCE invoice, its total fixed in the
Control Room in a real browser, is then posted by the real consumer bot under a worker
into the development ERP with the corrected total."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from devdata.approved_invoices import an_invoice_the_erp_expects
from devdata.erp.server import ErpServer
from workitems import ItemState
from workitems.processes import REPO_ROOT
from workitems.room.demo import seed_failed_invoice

from .conftest import PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_approved_correction_is_posted_with_the_corrected_total(
        browser: Browser, live_server: LiveServer, tmp_path: Path) -> None:
    store = live_server.store
    invoice = an_invoice_the_erp_expects()
    item_id = seed_failed_invoice(store, invoice)

    page = browser.new_context(base_url=live_server.url).new_page()
    page.goto("/login")
    page.get_by_label("User name").fill("clerk1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/items/{item_id}")
    page.locator("#field_total").fill(str(invoice.total))
    page.locator("#approve").click()
    page.wait_for_url(re.compile(r"/queue\?notice="))
    expect(page.locator(".notice")).to_contain_text("Approved")
    page.context.close()

    with ErpServer(tmp_path / "erp.db") as erp:
        env = {**os.environ, "AP_ERP_URL": erp.url, "AP_OUTPUT": str(tmp_path)}
        subprocess.run([sys.executable, "-m", "workitems", "--db", store.settings.db_url,
                        "worker", "consumer", "--exit-when-empty", "--quiet", "--logs",
                        str(tmp_path / "logs")], cwd=REPO_ROOT, env=env, check=True,
                       timeout=600)
        [posting] = erp.postings()
    item = store.get_item(item_id)
    assert item.state is ItemState.DONE, (item.exception_code, item.exception_message)
    assert posting.total_amount == invoice.total == Decimal(item.payload["review"]["fields"]
                                                              ["total"])
    assert (posting.invoice_number, posting.po_number) == ("RE-7781", invoice.po_number)
    assert item.payload["posting"]["document_number"] == posting.document_number
    assert item.payload["posting"]["straight_through"] is False
