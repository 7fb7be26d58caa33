"""What every page object for a legacy web system needs, written once.

A :class:`WebSession` owns one browser context (one log-on) and keeps it logged in.
Operations run through :meth:`WebSession._run`, which turns the system's bad days into
two outcomes: it logs in again when the session ended and retries (with backoff) when a
page answered 5xx or did not answer in time; when that does not help it raises the
project's application errors. A failing public method leaves a screenshot in
``output/`` (or ``$ROBOT_ARTIFACTS``).

Legacy systems are slow mostly in page loads, so a session keeps one tab per screen it
uses (:meth:`screen`): a search screen stays loaded between queries, an entry screen is
loaded ahead while the bot works on (:meth:`preload`), and forms in different tabs are
submitted together (:meth:`submit_all`, :meth:`submitting`).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Frame, Locator, Page, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from skills.errors import ErrorCode, application_error
from tasks.locators import Locators
from workitems import tracing

T = TypeVar("T")
log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


# How script types into an input, as Playwright's fill() does: value, then input and change.
TYPE_JS = """function type(input, text) {
    input.focus();
    input.value = text;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
}"""
# Type into inputs found by CSS selector; returns the selectors it found no input for.
_TYPE_INTO_INPUTS = f"""pairs => {{
    {TYPE_JS}
    return pairs.filter(([selector, text]) => {{
        const input = document.querySelector(selector);
        if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) {{
            return true;
        }}
        type(input, text);
        return false;
    }}).map(([selector]) => selector);
}}"""


class Transient(Exception):
    """A page answered 5xx or not at all; trying again may help."""


class LoggedOut(Exception):
    """The system showed its log-on screen instead of the page asked for."""


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def screenshot_on_failure(method: Callable[..., T]) -> Callable[..., T]:
    """A public page-object method: a span of the item's trace ("erp.post_invoice"), and a
    screenshot of the page when it fails."""

    @functools.wraps(method)
    def wrapper(self: WebSession, *args: Any, **kwargs: Any) -> T:
        with tracing.span(f"{self.system}.{method.__name__}"):
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
        for loading in self._loading.values():
            loading.__exit__(PlaywrightError, PlaywrightError("session closed"), None)  # cancel
        self._loading.clear()
        self.page.context.close()

    # -- tabs kept on screens ----------------------------------------------------------------
    # A legacy system is slow mostly in page loads. Search screens answer on the same
    # screen, so a tab kept on one needs no load before the next query; other screens
    # (the entry form) can be loaded in their tab ahead of time, while the bot does
    # something else. A tab is trusted only while nothing has gone wrong since it was used.

    def screen(self, path: str) -> Page:
        """The tab that shows the screen at ``path``, loaded and ready for input."""
        tab = self.tab(path)
        if (loading := self._loading.pop(path, None)) is not None:
            try:
                loading.__exit__(None, None, None)  # waits for the load started by preload()
                self._check(tab.main_frame)
                if self._path(tab.url) == path:
                    self._ready.add(path)
            except (PlaywrightError, Transient, LoggedOut):
                pass  # loaded with an error, or the log-on page: open it again below
        if path not in self._ready:
            self.open(path, page=tab)
            self._ready.add(path)
        self._last = tab
        return tab

    def is_ready(self, path: str) -> bool:
        """Whether the tab kept for ``path`` shows that screen, untouched by any failure."""
        return path in self._ready

    def spoil(self, path: str) -> None:
        """The tab kept for ``path`` no longer shows a fresh screen: open it again next time."""
        self._ready.discard(path)

    def preload(self, path: str) -> None:
        """Start loading the screen at ``path`` in its tab and return at once; the next
        :meth:`screen` call for it waits for that load (or opens the screen again if it
        went wrong)."""
        tab = self.tab(path)
        self._ready.discard(path)
        if path in self._loading or self._path(tab.url) == path:
            return
        self._errors[tab].clear()
        loading = tab.expect_navigation(wait_until="load")
        loading.__enter__()
        try:
            tab.evaluate("url => { window.location.href = url; }", self.base_url + path)
        except PlaywrightError as exc:
            loading.__exit__(type(exc), exc, None)  # cancels the wait; screen() opens it
            return
        self._loading[path] = loading

    def tab(self, path: str) -> Page:
        """The tab kept for the screen at ``path`` (opened on first use)."""
        tab = self._tabs.get(path)
        if tab is None or tab.is_closed():
            tab = self._tabs[path] = self._setup_page(self.page.context.new_page())
        return tab

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
        self._logged_in = False
        self._errors: dict[Page, list[int]] = {}  # 5xx answers to each tab's last load
        self._tabs: dict[str, Page] = {}  # screen path -> the tab kept on that screen
        self._ready: set[str] = set()  # screens whose tab shows them, ready for input
        self._loading: dict[str, Any] = {}  # screen path -> the wait for its preload
        self._last = page  # the tab used last: a failure's screenshot shows it
        self._redirected: dict[Page, bool] = {}  # whether a tab's last page came by redirect
        self._setup_page(page)

    def _setup_page(self, page: Page) -> Page:
        page.set_default_timeout(self.timeout_ms)
        page.set_default_navigation_timeout(self.timeout_ms)
        errors = self._errors[page] = []

        def on_response(response: Response) -> None:
            if response.request.resource_type != "document":
                return
            if response.status >= 500:
                errors.append(response.status)
            if response.frame == page.main_frame and response.status < 300:
                self._redirected[page] = response.request.redirected_from is not None

        page.on("response", on_response)
        return page

    # -- what subclasses implement ---------------------------------------------------------

    def _fill_login(self) -> None:
        raise NotImplementedError

    # -- the retry loop --------------------------------------------------------------------

    def _run(self, what: str, step: Callable[[], T]) -> T:
        """Run ``step`` until it succeeds, logging in again or backing off as needed."""
        failures = relogins = 0
        while True:
            try:
                try:
                    if not self._logged_in:
                        self.login()
                    return step()
                except Exception:
                    # Whatever went wrong, a kept tab may now show an error page or the
                    # log-on screen, and an element may have moved: look at everything again.
                    self._ready.clear()
                    self.locators.distrust()
                    raise
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
        """Log on (raises Transient on 5xx/timeouts, SESSION_EXPIRED when refused, LoggedOut
        when the system accepted the log-on but ended the session at once)."""
        with tracing.span(f"{self.system}.login"):
            self._login()

    def _login(self) -> None:
        self.open(self.login_path, allow_login_page=True)
        self._fill_login()
        if self._path(self.page.url) == self.login_path:
            if self._redirected.get(self.page):
                # The system took the password and sent us on, and the page we were sent
                # to sent us back: the new session died at once. Not a refusal; _run logs
                # on again (a refused log-on answers the form itself, no redirect).
                log.info("%s: the session ended right after logging on", self.system)
                raise LoggedOut()
            alert = self.page.get_by_role("alert").all_inner_texts()
            raise application_error(
                ErrorCode.SESSION_EXPIRED,
                f"{self.system_title} refused the log-on of user '{self.user}': "
                f"{' '.join(alert) or 'no reason shown'}.",
            )
        self._logged_in = True
        self.logins += 1

    # -- navigation with checks ------------------------------------------------------------

    def open(self, path: str, allow_login_page: bool = False, page: Page | None = None) -> None:
        """Go to a page of the system (in ``page``, default the session's main tab); raise
        Transient / LoggedOut if it did not show."""
        page = self._last = page or self.page
        self._errors[page].clear()
        try:
            page.goto(self.base_url + path, wait_until="load")
        except PlaywrightTimeout as exc:
            raise Transient(f"no answer from {path} in {self.timeout_ms / 1000:.0f} s") from exc
        except PlaywrightError as exc:
            raise Transient(f"{path} failed to load: {exc.message.splitlines()[0]}") from exc
        self._check(page.main_frame, allow_login_page)

    def submit(
        self, button: Locator, frame: Frame | None = None, allow_login_page: bool = False
    ) -> None:
        """Click a button that loads a new page into ``frame`` (default: the page)."""
        self.submit_all([(button, frame or self.page.main_frame)], allow_login_page)

    def submit_all(self, forms: list[tuple[Locator, Frame]],
                   allow_login_page: bool = False) -> None:
        """Click each form's button and wait until every frame has loaded its answer: the
        system works on all of them at once (each form in a tab of its own)."""
        with ExitStack() as answers:
            for form in forms:
                answers.enter_context(self.submitting(form, allow_login_page))

    @contextmanager
    def submitting(self, form: tuple[Locator, Frame],
                   allow_login_page: bool = False) -> Iterator[Frame]:
        """Click the form's button, run the body while the system works on the answer,
        then wait for the answer to load in the form's frame and check it."""
        button, frame = form
        self._errors[frame.page].clear()
        try:
            with frame.expect_navigation(wait_until="load"):
                button.click(force=True, no_wait_after=True)  # why force: see below
                yield frame
        except PlaywrightTimeout as exc:
            raise Transient(f"no answer in {self.timeout_ms / 1000:.0f} s") from exc
        except PlaywrightError as exc:
            raise Transient(f"page failed to load: {exc.message.splitlines()[0]}") from exc
        self._check(frame, allow_login_page)

    # Clicks are forced (no wait for the element to stand still): the screens are static,
    # and a browser gives no animation frames to a tab that is not in front, so that wait
    # would take seconds in every tab but one.

    def _check(self, frame: Frame, allow_login_page: bool = False) -> None:
        if errors := self._errors.get(frame.page):
            raise Transient(f"HTTP {errors[-1]}")
        if not allow_login_page and self._path(frame.url) == self.login_path:
            raise LoggedOut()

    @staticmethod
    def _path(url: str) -> str:
        return urlsplit(url).path

    # -- reading screens -------------------------------------------------------------------

    def find(self, name: str, scope: Any = None) -> Locator:
        return self.locators.find(scope or self.page, name, timeout_ms=self.timeout_ms)

    def fill_all(self, scope: Page | Frame, values: dict[str, str]) -> None:
        """Type each value into the input named by its key (a locator name).

        Inputs whose locator is trusted and plain CSS are typed in one round trip, as
        Playwright's fill() types (value set, then input and change events); the rest,
        and any that script cannot find, go through :meth:`find` one by one.
        """
        by_css = {name: css for name in values if (css := self.locators.trusted_css(name))}
        missed = scope.evaluate(_TYPE_INTO_INPUTS, [[by_css[n], values[n]] for n in by_css]
                                ) if by_css else []
        rest = [name for name in values if name not in by_css or by_css[name] in missed]
        for name in rest:
            self.find(name, scope).fill(values[name])

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
            self._last.screenshot(path=str(path), full_page=True, timeout=5000)
        except (PlaywrightError, OSError) as exc:
            log.warning("could not save a screenshot: %s", exc)
            return None
        log.info("screenshot saved to %s", path.name)
        return path
