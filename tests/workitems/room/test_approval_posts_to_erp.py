"""From the clerk's approval to the ERP: a LOW_CONFIDENCE invoice, its total fixed in the
Control Room in a real browser, is then posted by the real consumer bot under a worker
into the development ERP with the corrected total."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from devdata.approved_invoices import an_invoice_the_erp_expects
from devdata.erp.server import ErpServer
from tasks.room_demo import seed_failed_invoice
from workitems import ItemState, Store
from workitems.processes import REPO_ROOT

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
        run_consumer(store, erp, tmp_path)
        [posting] = erp.postings()
    item = store.get_item(item_id)
    assert item.state is ItemState.DONE, (item.exception_code, item.exception_message)
    assert posting.total_amount == invoice.total == Decimal(item.payload["review"]["fields"]
                                                              ["total"])
    assert (posting.invoice_number, posting.po_number) == ("RE-7781", invoice.po_number)
    assert item.payload["posting"]["document_number"] == posting.document_number
    assert item.payload["posting"]["straight_through"] is False


def test_after_approval_the_consumer_still_runs_the_checks_not_overridden(
        live_server: LiveServer, tmp_path: Path) -> None:
    """A changed bank account: posted only when two people approved and one overrode the
    check with a reason; approved without the override, or overridden by one person, the
    bot stops on it again."""
    from tasks import invoice_view
    from tasks.payloads import Approval, Review
    from workitems.room import repository as repo
    from workitems.room import review

    store = live_server.store
    base = an_invoice_the_erp_expects()
    ids = {}
    for name, number in (("both", "RE-7801"), ("no_override", "RE-7802"), ("alone", "RE-7803")):
        ids[name] = seed_failed_invoice(store, base.model_copy(update={
            "vendor_iban": "GB82WEST12345698765432", "invoice_number": number,
            "printed_total": None}), code="BANK_ACCOUNT_CHANGED", low_field="vendor_iban",
            low_confidence=0.96)
    people = {name: repo.password_hash_of(store, name)[0] for name in ("clerk1", "sup")}
    why = {"BANK_ACCOUNT_CHANGED": "confirmed by phone with the vendor's accounts team"}

    def approve(item_id: int, who: str, overrides: dict[str, str]) -> review.Approved:
        fields = invoice_view.predicted_fields(invoice_view.invoice_of(store.get_item(item_id)))
        return invoice_view.approve(store, people[who], item_id, store.get_item(item_id).version,
                              fields, overrides=overrides)

    for name, overrides in (("both", why), ("no_override", {})):
        assert approve(ids[name], "clerk1", overrides).waiting
        assert approve(ids[name], "sup", overrides) == review.Approved()
    # one person's override, as an older or tampered approval would carry it
    item = store.get_item(ids["alone"])
    now = datetime.now(UTC)
    fields = invoice_view.predicted_fields(invoice_view.invoice_of(item))
    alone = Review(action="approve", fields=fields, by="clerk1", at=now,
                   approvals=[Approval(by="clerk1", at=now)], overrides=why)
    store.approve(ids["alone"], "clerk1", payload={**item.payload,
                                                   "review": alone.model_dump(mode="json")})

    with ErpServer(tmp_path / "erp.db") as erp:
        run_consumer(store, erp, tmp_path)
        postings = erp.postings()
    posted = store.get_item(ids["both"])
    assert posted.state is ItemState.DONE, (posted.exception_code, posted.exception_message)
    assert [p.invoice_number for p in postings] == ["RE-7801"]
    assert posted.payload["posting"]["document_number"] == postings[0].document_number
    for name, words in (("no_override", "the vendor master has"),
                        ("alone", "needs the approval of two people")):
        item = store.get_item(ids[name])
        assert (item.state, item.exception_code) == (ItemState.FAILED, "BANK_ACCOUNT_CHANGED")
        assert words in (item.exception_message or ""), item.exception_message


def run_consumer(store: Store, erp: ErpServer, tmp_path: Path) -> None:
    """One consumer worker against ``erp`` until the queue is empty."""
    env = {**os.environ, "AP_ERP_URL": erp.url, "AP_OUTPUT": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "workitems", "--db", store.settings.db_url,
                    "worker", "consumer", "--exit-when-empty", "--quiet", "--logs",
                    str(tmp_path / "logs")], cwd=REPO_ROOT, env=env, check=True, timeout=600)
