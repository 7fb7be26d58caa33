"""What every page object for a legacy web system needs, written once.

A :class:`WebSession` owns one Playwright page and keeps it logged in. Operations run
through :meth:`WebSession._run`, which turns the system's bad days into two outcomes:
it logs in again when the session ended and retries (with backoff) when a page
answered 5xx or did not answer in time; when that does not help it raises the
project's application errors. A failing public method leaves a screenshot in
``output/`` (or ``$ROBOT_ARTIFACTS``).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Frame, Locator, Page, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from skills.errors import ErrorCode, application_error
from tasks.locators import Locators

T = TypeVar("T")
log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


class Transient(Exception):
    """A page answered 5xx or not at all; trying again may help."""


class LoggedOut(Exception):
    """The system showed its log-on screen instead of the page asked for."""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def screenshot_on_failure(method: Callable[..., T]) -> Callable[..., T]:
    """Save a screenshot of the page when a public page-object method fails."""

    @functools.wraps(method)
    def wrapper(self: WebSession, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except Exception:
            self.screenshot(f"{self.system}-{method.__name__}-failed")
            raise

    return wrapper


class WebSession:
    system = "web"  # short name for screenshots and messages ("erp", "portal")
    system_title = "The web application"
    login_path = "/login"

    @classmethod
    def start(cls, browser: Browser, base_url: str, user: str, password: str,
              **options: Any) -> Self:
        """A session in a fresh browser context (its own cookies); log-on happens on first use."""
        return cls(browser.new_context().new_page(), base_url, user, password, **options)

    def close(self) -> None:
        self.page.context.close()

    def __init__(
        self,
        page: Page,
        base_url: str,
        user: str,
        password: str,
        *,
        locators: Locators | None = None,
        timeout_ms: float = 8000,
        attempts: int = 4,
        backoff_seconds: float = 0.25,
        screenshot_dir: Path | None = None,
    ) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.user = user
        self._password = password
        self.locators = locators or Locators.load()
        self.timeout_ms = timeout_ms
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        artifacts = os.environ.get("ROBOT_ARTIFACTS")
        self.screenshot_dir = screenshot_dir or (Path(artifacts) if artifacts else ROOT / "output")
        self.logins = 0  # how often this session logged on (tests and metrics read it)
        self._server_errors: list[int] = []
        self._logged_in = False
        page.set_default_timeout(timeout_ms)
        page.set_default_navigation_timeout(timeout_ms)
        page.on("response", self._on_response)

    # -- what subclasses implement ---------------------------------------------------------

    def _fill_login(self) -> None:
        raise NotImplementedError

    # -- the retry loop --------------------------------------------------------------------

    def _run(self, what: str, step: Callable[[], T]) -> T:
        """Run ``step`` until it succeeds, logging in again or backing off as needed."""
        failures = relogins = 0
        while True:
            try:
                if not self._logged_in:
                    self.login()
                return step()
            except LoggedOut:
                self._logged_in = False
                relogins += 1
                if relogins >= self.attempts:
                    raise application_error(
                        ErrorCode.SESSION_EXPIRED,
                        f"{self.system_title} ended the session {relogins} times while {what}.",
                    ) from None
                log.info("%s: session ended while %s; logging on again", self.system, what)
            except (Transient, PlaywrightError) as exc:
                # PlaywrightError covers the rest of a bad day: a frame that timed out
                # loading, an element detached by a reload. Trying again is the cure.
                failures += 1
                if failures >= self.attempts:
                    raise application_error(
                        ErrorCode.ERP_UNAVAILABLE,
                        f"{self.system_title} did not answer while {what} "
                        f"({failures} attempts, last: {_first_line(exc)}).",
                    ) from None
                pause = self.backoff_seconds * 2 ** (failures - 1)
                log.info("%s: %s while %s; retrying in %.2f s", self.system, _first_line(exc),
                         what, pause)
                time.sleep(pause)

    def login(self) -> None:
        """Log on (raises Transient on 5xx/timeouts, SESSION_EXPIRED when refused)."""
        self.open(self.login_path, allow_login_page=True)
        self._fill_login()
        if self._path(self.page.url) == self.login_path:
            alert = self.page.get_by_role("alert").all_inner_texts()
            raise application_error(
                ErrorCode.SESSION_EXPIRED,
                f"{self.system_title} refused the log-on of user '{self.user}': "
                f"{' '.join(alert) or 'no reason shown'}.",
            )
        self._logged_in = True
        self.logins += 1

    # -- navigation with checks ------------------------------------------------------------

    def open(self, path: str, allow_login_page: bool = False) -> None:
        """Go to a page of the system; raise Transient / LoggedOut if it did not show."""
        self._server_errors.clear()
        try:
            self.page.goto(self.base_url + path, wait_until="load")
        except PlaywrightTimeout as exc:
            raise Transient(f"no answer from {path} in {self.timeout_ms / 1000:.0f} s") from exc
        except PlaywrightError as exc:
            raise Transient(f"{path} failed to load: {exc.message.splitlines()[0]}") from exc
        self._check(self.page.main_frame, allow_login_page)

    def submit(
        self, button: Locator, frame: Frame | None = None, allow_login_page: bool = False
    ) -> None:
        """Click a button that loads a new page into ``frame`` (default: the page)."""
        frame = frame or self.page.main_frame
        self._server_errors.clear()
        try:
            with frame.expect_navigation(wait_until="load"):
                button.click()
        except PlaywrightTimeout as exc:
            raise Transient(f"no answer in {self.timeout_ms / 1000:.0f} s") from exc
        except PlaywrightError as exc:
            raise Transient(f"page failed to load: {exc.message.splitlines()[0]}") from exc
        self._check(frame, allow_login_page)

    def _check(self, frame: Frame, allow_login_page: bool = False) -> None:
        if self._server_errors:
            raise Transient(f"HTTP {self._server_errors[-1]}")
        if not allow_login_page and self._path(frame.url) == self.login_path:
            raise LoggedOut()

    def _on_response(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.status >= 500:
            self._server_errors.append(response.status)

    @staticmethod
    def _path(url: str) -> str:
        return urlsplit(url).path

    # -- reading screens -------------------------------------------------------------------

    def find(self, name: str, scope: Any = None) -> Locator:
        return self.locators.find(scope or self.page, name, timeout_ms=self.timeout_ms)

    @staticmethod
    def read_table(table: Locator) -> list[dict[str, str]]:
        """A table's body rows as dicts keyed by its header texts (one round trip)."""
        headers, rows = table.evaluate(
            """t => [Array.from(t.querySelectorAll('thead th')).map(h => h.innerText.trim()),
                     Array.from(t.tBodies[0] ? t.tBodies[0].rows : []).map(
                         r => Array.from(r.cells).map(c => c.innerText.trim()))]"""
        )
        return [dict(zip(headers, row, strict=False)) for row in rows]

    def screenshot(self, label: str) -> Path | None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.screenshot_dir / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', label)}-{stamp}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(path), full_page=True, timeout=5000)
        except (PlaywrightError, OSError) as exc:
            log.warning("could not save a screenshot: %s", exc)
            return None
        log.info("screenshot saved to %s", path.name)
        return path
