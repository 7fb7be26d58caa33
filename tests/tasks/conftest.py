"""One real Chromium per test module for the page-object and form-filler tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tasks.browser import BrowserNotFound, launch_browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        launched = launch_browser(headless=True, slow_mo=0)
    except BrowserNotFound as exc:
        pytest.skip(str(exc))
    yield launched
    launched.close()
