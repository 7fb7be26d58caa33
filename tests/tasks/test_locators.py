"""The locator resolver on small pages in real Chromium: order, fallbacks, clear failures."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from robocorp.workitems import ApplicationException

from tasks.locators import LOCATORS_FILE, Locators

pytestmark = pytest.mark.browser

ENTRIES = {
    "Form.Email": {
        "type": "browser", "strategy": "css", "value": "#email-1",
        "fallbacks": [
            {"strategy": "label", "value": "E-mail"},
            {"strategy": "role", "role": "textbox", "name": "E-mail"},
        ],
    },
    "Form.Send": {
        "type": "browser", "strategy": "id", "value": "send",
        "fallbacks": [{"strategy": "role", "role": "button", "name": "Send"}],
    },
}


@pytest.fixture(scope="module")
def page(browser: Browser):
    p = browser.new_page()
    yield p
    p.close()


@pytest.fixture
def locators(tmp_path: Path) -> Locators:
    path = tmp_path / "locators.json"
    path.write_text(json.dumps(ENTRIES))
    return Locators.load(path)


def test_primary_wins_when_it_matches(page: Page, locators: Locators) -> None:
    page.set_content('<label for="email-1">E-mail</label><input id="email-1">'
                     '<button id="send">Send</button>')
    assert locators.find(page, "Form.Email").get_attribute("id") == "email-1"
    assert locators.last_hit["Form.Email"] == "css '#email-1'"
    assert locators.last_hit == {"Form.Email": "css '#email-1'"}


def test_fallback_hits_when_ids_change(page: Page, locators: Locators, caplog) -> None:
    page.set_content('<label for="x93">E-mail</label><input id="x93">'
                     '<button id="b77">Send</button>')
    with caplog.at_level(logging.WARNING, logger="tasks.locators"):
        email = locators.find(page, "Form.Email")
        button = locators.find(page, "Form.Send")
    assert email.get_attribute("id") == "x93" and button.get_attribute("id") == "b77"
    assert locators.last_hit["Form.Email"] == "label 'E-mail'"
    assert locators.last_hit["Form.Send"] == "role button named 'Send'"
    assert "Form.Email: primary missed, fallback 1 hit" in caplog.text


def test_the_fallback_that_hit_is_tried_first_next_time(page: Page, locators: Locators,
                                                        caplog) -> None:
    page.set_content('<label for="x93">E-mail</label><input id="x93">')
    with caplog.at_level(logging.WARNING, logger="tasks.locators"):
        for _ in range(3):
            assert locators.find(page, "Form.Email").get_attribute("id") == "x93"
    assert caplog.text.count("primary missed") == 1  # warned once, not on every lookup
    assert locators.last_hit["Form.Email"] == "label 'E-mail'"


def test_element_added_later_is_waited_for(page: Page, locators: Locators) -> None:
    page.set_content("<script>setTimeout(() => document.body.innerHTML ="
                     " '<button>Send</button>', 200)</script>")
    assert locators.find(page, "Form.Send", timeout_ms=3000).inner_text() == "Send"


def test_nothing_found_names_the_locator(page: Page, locators: Locators) -> None:
    page.set_content("<p>An empty screen</p>")
    with pytest.raises(ApplicationException) as caught:
        locators.find(page, "Form.Email", timeout_ms=200)
    assert caught.value.code == "LOCATOR_NOT_FOUND"
    assert "'Form.Email'" in str(caught.value) and "label 'E-mail'" in str(caught.value)
    assert locators.find_optional(page, "Form.Send") is None
    with pytest.raises(ApplicationException, match="No locator named 'Nope'"):
        locators.find(page, "Nope")


def test_project_locators_file_loads_and_every_entry_has_fallbacks() -> None:
    locators = Locators.load(LOCATORS_FILE)
    assert len(locators.entries) >= 30
    for name, entry in locators.entries.items():
        assert entry.type == "browser" and entry.value, name
        assert entry.fallbacks, f"{name} has no fallback"


def test_malformed_locators_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "locators.json"
    bad.write_text('{"X": {"type": "browser", "strategy": "telepathy"}}')
    with pytest.raises(ValueError, match="cannot load locators from locators.json"):
        Locators.load(bad)
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="cannot load locators"):
        Locators.load(bad)
