"""The Control Room in a real headless Chromium against the app served by uvicorn.

One browser and one server for the module; each test seeds its own items.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import ItemState, Store

from .conftest import PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def logged_in(browser: Browser, contexts: list[BrowserContext], server: LiveServer,
              username: str, **context_options: object) -> Page:
    """A page logged in as ``username``, in a new context (``viewport``, ``locale``...)."""
    context = browser.new_context(base_url=server.url, **context_options)
    contexts.append(context)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/queue")
    return page


def consume(store: Store, item_id: int) -> None:
    """Stand in for the consumer: take the approved item off the queue again."""
    reservation = store.reserve("ap", "consumer", "test-worker")
    assert reservation is not None and reservation.item_id == item_id
    store.complete(item_id, reservation.token, "test-worker")


@pytest.mark.slow  # the whole clerk's path: about 5 s
def test_a_clerk_fixes_the_total_and_approves(browser: Browser, contexts: list[BrowserContext],
                                              live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(printed_total="3O3.57"))
    page = logged_in(browser, contexts, live_server, "clerk1")
    row = page.locator(f'#queue tr[data-href="/items/{item_id}"]')
    expect(row).to_contain_text("LOW_CONFIDENCE")
    expect(row).to_contain_text("3O3.57 EUR")
    row.get_by_role("link").click()
    page.wait_for_url(f"**/items/{item_id}")
    # the page image, the total's box drawn in the low-confidence colour, the reason in words
    expect(page.locator("img[alt^='page 1']")).to_be_visible()
    assert page.locator("img[alt^='page 1']").evaluate("i => i.naturalWidth") > 500
    expect(page.locator('rect.box.low[data-field="total"]')).to_have_count(1)
    expect(page.locator(".reason")).to_contain_text("could not read some fields")
    expect(page.locator(".reason")).to_contain_text("total read with confidence 0.41")
    expect(page.locator(".erp")).to_contain_text("PO-4711")
    # e jumps to the first low-confidence field: the total
    page.keyboard.press("e")
    expect(page.locator("#field_total")).to_be_focused()
    page.keyboard.type("3O3,57")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.locator("#error_total")).to_contain_text("not an amount")
    assert store.get_item(item_id).state is ItemState.FAILED  # nothing saved
    page.locator("#field_total").fill("303.57")
    page.locator("#approve").click()
    page.wait_for_url(re.compile(r"/queue\?notice="))
    expect(page.locator(".notice")).to_contain_text("Approved")
    item = store.get_item(item_id)
    assert (item.state, item.step) == (ItemState.PENDING, "consumer")
    assert item.payload["review"]["action"] == "approve"
    assert item.payload["review"]["fields"]["total"] == "303.57"
    assert item.payload["review"]["by"] == "clerk1"
    consume(store, item_id)


def test_a_clerk_cannot_reach_an_admin_page(browser: Browser, contexts: list[BrowserContext],
                                            live_server: LiveServer) -> None:
    page = logged_in(browser, contexts, live_server, "clerk2")
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("needs the admin role")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)


def test_without_a_session_there_is_only_the_login_page(browser: Browser,
                                                       contexts: list[BrowserContext],
                                                       live_server: LiveServer) -> None:
    context = browser.new_context(base_url=live_server.url)
    contexts.append(context)
    page = context.new_page()
    for path in ("/queue", "/overview", "/items/1", "/items/1/files/invoice.pdf", "/metrics",
                 "/admin/users", "/corrections.jsonl"):
        page.goto(path)
        assert page.url.startswith(f"{live_server.url}/login"), path
        expect(page.locator("h1")).to_have_text("Log in")
        expect(page.locator("table")).to_have_count(0)


def test_a_form_post_without_its_csrf_token_is_refused(browser: Browser,
                                                       contexts: list[BrowserContext],
                                                       live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="CSRF-1"))
    version = store.get_item(item_id).version
    page = logged_in(browser, contexts, live_server, "clerk1")
    # the browser's own cookies go along, as they would from a hostile page's form
    response = page.request.post(f"/items/{item_id}/claim", form={"version": str(version)})
    assert response.status == 403
    assert "security token" in response.text()
    assert store.get_item(item_id).assignee is None


@pytest.mark.slow  # two clerks, two logins: about 5 s on a busy 2-core machine
def test_a_second_clerk_cannot_approve_an_item_the_first_claimed(
        browser: Browser, contexts: list[BrowserContext], live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="CLAIM-1"))
    first = logged_in(browser, contexts, live_server, "clerk1")
    first.goto(f"/items/{item_id}")
    first.locator("#claim").click()
    expect(first.locator(".notice")).to_contain_text("You are working on this item")
    second = logged_in(browser, contexts, live_server, "clerk2")
    second.goto(f"/items/{item_id}")
    expect(second.locator("#blocked")).to_contain_text("Claimed by clerk1")
    expect(second.locator("#approve")).to_be_disabled()
    # even a hand-made post with a valid token and the current version is refused
    claimed = store.get_item(item_id)
    form = {"csrf_token": second.locator("input[name=csrf_token]").first.input_value(),
            "version": str(claimed.version), "field_total": "1.00"}
    response = second.request.post(f"/items/{item_id}/approve", form=form)
    assert response.status == 409
    assert "claimed by clerk1" in response.text()
    assert store.get_item(item_id) == claimed


@pytest.mark.slow  # about 5 s
def test_a_stale_version_is_refused(browser: Browser, contexts: list[BrowserContext],
                                    live_server: LiveServer) -> None:
    store = live_server.store
    item_id = seed_failed_invoice(store, DemoInvoice(invoice_number="STALE-1"))
    page = logged_in(browser, contexts, live_server, "clerk1")
    page.goto(f"/items/{item_id}")
    # meanwhile someone else changes the item
    store.save_payload(item_id, {**store.load_payload(item_id), "note": "edited"}, "sup")
    changed = store.get_item(item_id)
    page.locator("#field_total").fill("999.00")
    page.locator("#approve").click()
    expect(page.locator("#error")).to_contain_text("changed since you opened it (by sup)")
    assert store.get_item(item_id) == changed
    assert changed.payload.get("review") is None
