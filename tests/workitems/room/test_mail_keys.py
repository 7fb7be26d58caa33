"""One key re-routes a mail, in real headless Chromium against the served Control Room."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from skills.errors import ErrorCode
from tests.tasks.mail_fixtures import hand_written, queued_mail
from workitems import ItemState

from .conftest import LiveServer
from .test_browser import logged_in
from .test_mail_view import STEPS

pytestmark = pytest.mark.browser


def test_key_9_sends_an_unsure_mail_on_as_spam(browser: Browser, contexts: list[BrowserContext],
                                              live_server: LiveServer) -> None:
    store = live_server.store
    store.register_process("ap", STEPS)
    item_id = queued_mail(store, hand_written("33-spam-en.eml"), ErrorCode.INTENT_UNSURE.value,
                          name="keys.eml")
    page = logged_in(browser, contexts, live_server, "clerk1")
    page.goto(f"/items/{item_id}")
    expect(page.locator("#mail-subject")).to_have_text(
        store.get_item(item_id).payload["subject"])
    page.locator("body").click()  # the keys work outside any field
    page.keyboard.press("9")
    page.wait_for_url(lambda url: f"/items/{item_id}" not in url.split("?")[0])
    item = store.get_item(item_id)
    assert item.state is ItemState.PENDING
    assert item.payload["decision"]["intent"] == "spam"
    assert item.payload["decision"]["by"] == "clerk1"
