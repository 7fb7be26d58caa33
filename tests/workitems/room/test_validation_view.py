"""The clerk's validation view in a real headless Chromium against the Control Room served
by uvicorn: the page viewer, the fields the bot stopped on, locale input, the queue's codes,
what an approval leaves behind, and four eyes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tasks.payloads import Finding
from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import ItemState, Store

from .conftest import LiveServer
from .test_browser import logged_in as logged_in_as

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 768}


def logged_in(browser: Browser, contexts: list[BrowserContext], server: LiveServer,
              username: str, locale: str = "en-GB") -> Page:
    """Logged in on a 1366x768 laptop, in the clerk's ``locale``."""
    return logged_in_as(browser, contexts, server, username, viewport=LAPTOP, locale=locale)


def in_viewer(page: Page, selector: str) -> bool:
    """Whether the element lies inside the visible part of the page viewer."""
    return page.evaluate("""(selector) => {
        const viewer = document.getElementById("viewer").getBoundingClientRect();
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= viewer.top && box.bottom <= Math.min(viewer.bottom, innerHeight)
            && box.left >= viewer.left && box.right <= viewer.right;
    }""", selector)


def consume(store: Store, item_id: int) -> None:
    """Stand in for the consumer: take the approved item off the queue again."""
    reservation = store.reserve("ap", "consumer", "test-worker")
    assert reservation is not None and reservation.item_id == item_id
    store.complete(item_id, reservation.token, "test-worker")


def test_the_viewer_opens_on_the_box_the_bot_stopped_on(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    # On a laptop screen the IBAN in the invoice's footer is below the viewer's edge.
    store = live_server.store
    item_id = seed_failed_invoice(
        store, DemoInvoice(vendor_iban="GB82WEST12345698765432", invoice_number="VIEW-0"),
        code="BANK_ACCOUNT_CHANGED", low_field="vendor_iban", low_confidence=0.96)
    page = logged_in(browser, contexts, live_server, "clerk1")
    page.goto(f"/items/{item_id}")
    page.wait_for_load_state("load")
    iban_box = 'rect.box[data-field="vendor_iban"]'
    expect(page.locator(iban_box)).to_have_class(re.compile(r"\blow\b.*\bflash\b"))
    assert in_viewer(page, iban_box)
    expect(page.locator("#field_vendor_iban")).to_have_value("GB82 WEST 1234 5698 7654 32")
    store.mark_done(item_id, "test")


def test_the_viewer_zooms_and_shows_the_focused_fields_box(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="VIEW-1"))
    page = logged_in(browser, contexts, live_server, "clerk1")
    page.goto(f"/items/{item_id}")
    page.wait_for_load_state("load")
    iban_box = 'rect.box[data-field="vendor_iban"]'
    assert not in_viewer(page, iban_box)  # the footer is out of sight at first
    page.locator("#field_vendor_iban").focus()
    expect(page.locator(iban_box)).to_have_class(re.compile(r"\bflash\b"))
    assert in_viewer(page, iban_box)
    page.locator("#field_vendor_name").focus()
    assert in_viewer(page, 'rect.box[data-field="vendor_name"]')
    assert not in_viewer(page, iban_box)
    # zoom: the page grows in the viewer; fit-to-width brings it back
    width = page.locator("#pages").evaluate("e => e.getBoundingClientRect().width")
    page.locator("#zoom-in").click()
    expect(page.locator("#zoom-level")).to_have_text("125 %")
    assert page.locator("#pages").evaluate("e => e.getBoundingClientRect().width") == (
        pytest.approx(width * 1.25, rel=0.01))
    page.locator("#field_vendor_iban").focus()  # still brought into view when zoomed
    assert in_viewer(page, iban_box)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("0")
    expect(page.locator("#zoom-level")).to_have_text("100 %")
    # a click on a printed word puts it into the field being edited; Shift+click adds
    page.locator("#field_po_number").fill("")
    expect(page.locator("#viewer.words-ready")).to_have_count(1)
    page.locator('rect.word[data-text="Hafenstrasse"]').click()
    expect(page.locator("#field_po_number")).to_have_value("Hafenstrasse")
    expect(page.locator("#field_po_number")).to_be_focused()
    page.locator('rect.word[data-text="12,"]').click(modifiers=["Shift"])
    expect(page.locator("#field_po_number")).to_have_value("Hafenstrasse 12,")


def test_the_fields_the_bot_stopped_on_are_marked_and_come_first(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    # Vendor and date read at 0.97, under their own cut: not green, and e goes there first,
    # not to an unrelated empty field.
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="STOP-1", vendor_vat=""),
                                  findings=[
        Finding(code="LOW_CONFIDENCE", field="vendor_name",
                message="vendor name read with confidence 0.97 (needs 0.99)"),
        Finding(code="LOW_CONFIDENCE", field="invoice_date",
                message="invoice date read with confidence 0.97 (needs 0.99)")])
    page = logged_in(browser, contexts, live_server, "clerk1")
    page.goto(f"/items/{item_id}")
    stopped = page.locator(".fields tr.stopped")
    expect(stopped).to_have_count(2)
    assert [r.get_attribute("data-field") for r in stopped.all()] == [
        "vendor_name", "invoice_date"]
    expect(page.locator('.fields tr[data-field="vendor_name"] .conf')).not_to_have_class(
        re.compile(r"\bhigh\b"))
    expect(page.locator('rect.box.low[data-field="vendor_name"]')).to_have_count(1)
    expect(page.locator('.fields tr[data-field="vendor_vat"]')).not_to_have_class(
        re.compile(r"stopped|invalid"))
    page.keyboard.press("e")
    expect(page.locator("#field_vendor_name")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.locator("#field_invoice_date")).to_be_focused()


def test_a_german_clerk_types_as_printed_and_sees_what_the_approval_did(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="LOC-1",
                                                     printed_total="3O3.57"))
    page = logged_in(browser, contexts, live_server, "clerk1", locale="de-DE")
    page.goto(f"/items/{item_id}")
    expect(page.locator("#field_vendor_iban")).to_have_value("DE89 3704 0044 0532 0130 00")
    page.locator("#field_total").fill("303,57")
    page.locator("#field_invoice_date").fill("12.04.2024")
    page.locator("#approve").click()
    page.wait_for_url(re.compile(r"/queue\?notice="))
    item = store.get_item(item_id)
    assert item.state is ItemState.PENDING
    assert item.payload["review"]["fields"]["total"] == "303.57"
    # the item page says what happened, not an error
    page.goto(f"/items/{item_id}")
    expect(page.locator("#blocked")).to_have_class("notice")
    expect(page.locator("#blocked")).to_contain_text("Approved by clerk1")
    expect(page.locator("#blocked")).to_contain_text("waiting for the bot to post it")
    expect(page.locator(".blocked, .error")).to_have_count(0)
    # once posted, the ERP document number is shown
    reservation = store.reserve("ap", "consumer", "test-worker")
    assert reservation is not None and reservation.item_id == item_id
    payload = {**store.load_payload(item_id), "posting": {
        "document_number": "5100000042", "posted_at": "2026-10-20T10:00:00Z",
        "straight_through": False}}
    store.save_payload(item_id, payload, "test-worker")
    store.complete(item_id, reservation.token, "test-worker")
    page.goto(f"/items/{item_id}")
    expect(page.locator("#blocked")).to_contain_text("Posted as ERP document 5100000042")
    # history and audit: an approval, and what it changed
    supervisor = logged_in(browser, contexts, live_server, "sup")
    supervisor.goto(f"/items/{item_id}/detail")
    expect(supervisor.locator("table.events").first).to_contain_text("APPROVED")
    expect(supervisor.locator("table.events").first).not_to_contain_text("RETRIED")
    audit = supervisor.locator("table.events").nth(1)
    expect(audit).to_contain_text("fields.total: 3O3.57 -> 303.57")
    expect(audit).not_to_contain_text("fields.vendor_name")  # unchanged: not listed


def test_the_queue_shows_every_code_of_an_item(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="CODES-1"),
                                  code="PO_MISMATCH", findings=[
        Finding(code="PO_MISMATCH", field="net_amount", message="net exceeds the order"),
        Finding(code="BANK_ACCOUNT_CHANGED", field="vendor_iban", message="new IBAN")])
    page = logged_in(browser, contexts, live_server, "clerk2")
    row = page.locator(f'#queue tr[data-href="/items/{item_id}"] td.codes .code')
    expect(row).to_have_text(["PO_MISMATCH", "BANK_ACCOUNT_CHANGED"])
    store.mark_done(item_id, "test")


def test_a_changed_bank_account_needs_a_second_approver(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(
        store, DemoInvoice(vendor_iban="GB82WEST12345698765432", invoice_number="IBAN-1"),
        code="BANK_ACCOUNT_CHANGED", low_field="vendor_iban", low_confidence=0.96)
    clerk = logged_in(browser, contexts, live_server, "clerk1")
    clerk.goto(f"/items/{item_id}")
    # an override needs a reason
    clerk.locator("#override_BANK_ACCOUNT_CHANGED").check()
    clerk.locator("#approve").click()
    expect(clerk.locator(".error")).to_contain_text("Say why you override")
    clerk.locator("#override_BANK_ACCOUNT_CHANGED").check()
    clerk.locator("#override_reason_BANK_ACCOUNT_CHANGED").fill(
        "called the vendor on +49 40 123456, new account confirmed")
    clerk.locator("#approve").click()
    clerk.wait_for_url(re.compile(r"\?notice="))
    expect(clerk.locator(".notice")).to_contain_text("Your approval is recorded")
    item = store.get_item(item_id)
    assert item.state is ItemState.FAILED and item.assignee is None
    assert item.payload["pending_approval"]["by"] == "clerk1"
    clerk.goto("/queue")
    expect(clerk.locator(f'#queue tr[data-href="/items/{item_id}"]')).to_contain_text(
        "approved by clerk1, needs a second approval")
    # the same person cannot be the second pair of eyes, nor a clerk without the role
    clerk.goto(f"/items/{item_id}")
    expect(clerk.locator("#pending-approval")).to_contain_text("Approved by clerk1")
    clerk.locator("#approve").click()
    expect(clerk.locator(".error")).to_contain_text("You approved item")
    other = logged_in(browser, contexts, live_server, "clerk2")
    other.goto(f"/items/{item_id}")
    other.locator("#approve").click()
    expect(other.locator(".error")).to_contain_text("needs the supervisor role")
    assert store.get_item(item_id).state is ItemState.FAILED
    # a supervisor confirming the same fields and override sends it on, with both names
    supervisor = logged_in(browser, contexts, live_server, "sup")
    supervisor.goto(f"/items/{item_id}")
    expect(supervisor.locator("#override_BANK_ACCOUNT_CHANGED")).to_be_checked()
    expect(supervisor.locator("#override_reason_BANK_ACCOUNT_CHANGED")).to_have_value(
        "called the vendor on +49 40 123456, new account confirmed")
    supervisor.locator("#approve").click()
    supervisor.wait_for_url(re.compile(r"\?notice="))
    expect(supervisor.locator(".notice")).to_contain_text("Approved: the bot will post")
    item = store.get_item(item_id)
    assert item.state is ItemState.PENDING
    review = item.payload["review"]
    assert [a["by"] for a in review["approvals"]] == ["clerk1", "sup"]
    assert review["overrides"] == {
        "BANK_ACCOUNT_CHANGED": "called the vendor on +49 40 123456, new account confirmed"}
    assert item.payload["pending_approval"] is None
    consume(store, item_id)


def test_on_a_duplicate_reject_is_the_main_button(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="DUP-1"),
                                  code="DUPLICATE_INVOICE", low_field="invoice_number",
                                  low_confidence=0.98)
    page = logged_in(browser, contexts, live_server, "clerk1")
    page.goto(f"/items/{item_id}")
    expect(page.locator("#reject")).to_have_class(re.compile(r"\bprimary\b"))
    expect(page.locator("#approve")).not_to_have_class(re.compile(r"\bprimary\b"))
    expect(page.locator("#approve")).to_have_text("Approve anyway")
    page.keyboard.press("a")  # no one-key approval of a duplicate
    page.wait_for_timeout(300)
    assert store.get_item(item_id).state is ItemState.FAILED
    page.keyboard.press("r")
    page.keyboard.type("already posted as 5100000007")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?notice="))
    assert store.get_item(item_id).state is ItemState.DONE
