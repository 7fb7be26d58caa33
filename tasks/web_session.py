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

Each round trip to the browser costs CPU in the bot, Playwright's driver and Chromium, so
a session types, clicks and reads through page script (:class:`InputMethod`): one round
trip per screen action where a locator is plain CSS, Playwright's own actions elsewhere.
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
from enum import StrEnum
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
Button = str | Locator  # a locator's name in locators.json, or a Locator
log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


# How script types into an input, as Playwright's fill() does: value, then input and change.
TYPE_JS = """function type(input, text) {
    input.focus();
    input.value = text;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
}"""
# Type into inputs (and choose in selects) found by CSS selector; returns the selectors it
# found no such element for, or whose select has no option of that value.
_TYPE_INTO_INPUTS = f"""pairs => {{
    {TYPE_JS}
    return pairs.filter(([selector, text]) => {{
        const input = document.querySelector(selector);
        if (input instanceof HTMLSelectElement) {{
            if (!Array.from(input.options).some(o => o.value === text)) return true;
            type(input, text);
            return false;
        }}
        if (!(input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement)) {{
            return true;
        }}
        type(input, text);
        return false;
    }}).map(([selector]) => selector);
}}"""
_READ_TABLE = """t => [Array.from(t.querySelectorAll('thead th')).map(h => h.innerText.trim()),
                    Array.from(t.tBodies[0] ? t.tBodies[0].rows : []).map(
                        r => Array.from(r.cells).map(c => c.innerText.trim()))]"""
_CLICK = "element => element.click()"


def _on_element(script: str) -> str:
    """Page script running ``script`` (a function of an element and an argument) on the
    element a CSS selector finds: [true, its result], or [false, null] when none does."""
    return f"""([selector, arg]) => {{
        let element;
        try {{ element = document.querySelector(selector); }} catch (e) {{ return [false, null]; }}
        return element ? [true, ({script})(element, arg)] : [false, null];
    }}"""


class InputMethod(StrEnum):
    """How a session types and clicks (``AP_INPUT``), as RPA tools offer it."""

    SIMULATE = "simulate"  # page script sets values and clicks: one round trip an action
    MOUSE = "mouse"  # Playwright's fill and mouse clicks: for screens that need real events

    @classmethod
    def from_env(cls) -> InputMethod:
        text = os.environ.get("AP_INPUT", "").strip().lower() or cls.SIMULATE
        try:
            return cls(text)
        except ValueError:
            raise ValueError(f"AP_INPUT is 'simulate' (page script types and clicks, the "
                             f"default) or 'mouse' (Playwright's fill and mouse), not "
                             f"{text!r}") from None


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
        input_method: InputMethod | None = None,
    ) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.user = user
        self._password = password
        self.locators = locators or Locators.load()
        self.timeout_ms = timeout_ms
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.input_method = input_method or InputMethod.from_env()
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
        self, button: Button, frame: Frame | None = None, allow_login_page: bool = False
    ) -> None:
        """Click a button (a locator's name, or a Locator) that loads a new page into
        ``frame`` (default: the page)."""
        self.submit_all([(button, frame or self.page.main_frame)], allow_login_page)

    def submit_all(self, forms: list[tuple[Button, Frame]],
                   allow_login_page: bool = False) -> None:
        """Click each form's button and wait until every frame has loaded its answer: the
        system works on all of them at once (each form in a tab of its own)."""
        with ExitStack() as answers:
            for form in forms:
                answers.enter_context(self.submitting(form, allow_login_page))

    @contextmanager
    def submitting(self, form: tuple[Button, Frame],
                   allow_login_page: bool = False) -> Iterator[Frame]:
        """Click the form's button, run the body while the system works on the answer,
        then wait for the answer to load in the form's frame and check it."""
        button, frame = form
        self._errors[frame.page].clear()
        try:
            with frame.expect_navigation(wait_until="load"):
                self.click(button, frame)
                yield frame
        except PlaywrightTimeout as exc:
            raise Transient(f"no answer in {self.timeout_ms / 1000:.0f} s") from exc
        except PlaywrightError as exc:
            raise Transient(f"page failed to load: {exc.message.splitlines()[0]}") from exc
        self._check(frame, allow_login_page)

    def click(self, button: Button, scope: Page | Frame | None = None) -> None:
        """Click ``button`` (a locator's name, or a Locator) in ``scope`` (default: the page).

        Simulated input clicks as page script does (the element's handlers, then its default
        action: a form is submitted), in one round trip when the locator's plain CSS finds
        it; the mouse is Playwright's click, several round trips (scroll into view, the
        element's box, mouse moved, pressed and released), used for the rest."""
        scope = scope or self.page
        if isinstance(button, str):
            if self.input_method is InputMethod.SIMULATE and self._by_css(scope, button, _CLICK)[0]:
                return
            button = self.find(button, scope)
        button.click(force=True, no_wait_after=True)  # why force: see below

    # Mouse clicks are forced (no wait for the element to stand still): the screens are
    # static, and a browser gives no animation frames to a tab that is not in front, so
    # that wait would take seconds in every tab but one.

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

        With simulated input, inputs and selects whose locator is plain CSS are typed in
        one round trip, as Playwright's fill() types (value set, then input and
        change events); the rest, and any that script cannot find, go through :meth:`find`
        one by one, typed by Playwright (an option chosen in a select).
        """
        simulate = self.input_method is InputMethod.SIMULATE
        by_css = {name: css for name in values
                  if simulate and (css := self.locators.script_css(name))}
        missed = scope.evaluate(_TYPE_INTO_INPUTS, [[by_css[n], values[n]] for n in by_css]
                                ) if by_css else []
        rest = [name for name in values if name not in by_css or by_css[name] in missed]
        for name in rest:
            element = self.find(name, scope)
            if element.evaluate("e => e instanceof HTMLSelectElement"):
                element.select_option(values[name])
            else:
                element.fill(values[name])

    def on_element(self, name: str, scope: Page | Frame, script: str, arg: Any = None) -> Any:
        """What ``script`` (a page function of the element and ``arg``) returns on the
        element named ``name``: one round trip when its locator's plain CSS finds it,
        else found with :meth:`find` first."""
        found, value = self._by_css(scope, name, script, arg)
        return value if found else self.find(name, scope).evaluate(script, arg)

    def _by_css(self, scope: Page | Frame, name: str, script: str, arg: Any = None
                ) -> tuple[bool, Any]:
        """(True, what ``script`` returns) on the element named ``name`` when its locator's
        plain CSS finds it, in one round trip; (False, None) otherwise."""
        if (css := self.locators.script_css(name)) is None:
            return False, None
        found, value = scope.evaluate(_on_element(script), [css, arg])
        return bool(found), value

    def read_table(self, table: str | Locator, scope: Page | Frame | None = None
                   ) -> list[dict[str, str]]:
        """A table's body rows as dicts keyed by its header texts; ``table`` is a locator's
        name (read in ``scope``, default the page) or a Locator."""
        if isinstance(table, str):
            headers, rows = self.on_element(table, scope or self.page, _READ_TABLE)
        else:
            headers, rows = table.evaluate(_READ_TABLE)
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
