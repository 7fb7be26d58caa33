"""Fill a web form once per spreadsheet row: the citizen developer's bot.

Columns are matched to the form's *visible labels* (normalised, fuzzy: "E-mail" finds
"Email address"), never to element ids or field order, so forms that shuffle their
fields or generate ids still work. Text inputs, selects, radio groups, checkboxes and
dates are handled. Each row is submitted and what the page answered is written next to
it in ``output/<spreadsheet>-results.xlsx`` (Status OK / REJECTED / ERROR / UNKNOWN, or
SUBMITTED on pages that show no message per row).

    FORM_URL=https://... FORM_XLSX=people.xlsx python -m robocorp.tasks run tasks/form_filler.py

A label is what a person reads next to a field: its ``<label>``, the text right before or
above it, its table header, then ``aria-label`` or placeholder; never an id or a name.
``FORM_START`` names a button (its visible text, e.g. "Start") pressed once when the page
is ready, before the first row. What the page says after the last row is kept as the
final message, in the workbook's Summary sheet and the log.
Without FORM_URL the bundled test form (``devdata/forms``) is started and filled.
Forms that load a new page on submit and forms whose script answers in place both work.
Speed: a row is one script call that fills every field and submits, plus one wait for
the answer: the browser's DOMContentLoaded of the answer page when the submit loads one,
else a check in the page that its script has answered (see ``bench/form_filler.py``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from playwright.sync_api import CDPSession, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pydantic import BaseModel
from robocorp.tasks import task

from skills.errors import ErrorCode, business_error
from tasks import workbooks
from tasks.browser import launch_browser
from tasks.form_matching import CellError, FormField, field_value, match_columns

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_XLSX = ROOT / "devdata" / "forms" / "people.xlsx"
_PAGE_SCRIPT = (Path(__file__).resolve().parent / "form_filler.js").read_text(encoding="utf-8")
_ANY_CALL = f"(args) => (window.__formFiller || ({_PAGE_SCRIPT}))(args)"
# The fill call also says whether the submit makes the browser load a new document: once
# requestSubmit() has returned, the submit event has been through every listener, and a
# submit that no script cancelled navigates (unless it targets another window or a dialog).
_FILL_CALL = """(args) => {
  if (!window.__formFiller) throw new Error('FIELDS_MISSING: ["helper"]');
  let submit = null;
  const seen = (event) => { submit = event; };
  window.addEventListener("submit", seen, true);
  try {
    const result = window.__formFiller(args);
    const form = submit && submit.target;
    result.navigates = Boolean(form && !submit.defaultPrevented && form.method !== "dialog"
      && (!form.target || form.target === "_self"));
    return result;
  } finally {
    window.removeEventListener("submit", seen, true);
  }
}"""
_SETTLED = (
    "() => window.__formFiller ? window.__formFiller({mode: 'settled'})"
    " : document.readyState !== 'loading'"
)
_ANSWER_LOST = {"level": "UNKNOWN", "text": "Submitted; the answer page was not read."}


class _PageHooks:
    """What the filler attaches to a page once, whichever form it fills there.

    - the helper script, defined in every document the page loads before the document's
      own scripts run, so each row sends a short call instead of the whole script;
    - a count of the documents loaded, from the browser's own events, to wait for the
      answer page without polling a document that the submit is about to replace;
    - in Chromium, a DevTools session for the per-row call: ``page.evaluate`` first puts
      Playwright's own helper into every new document, one more trip to the page per row.
      Other browsers use ``page.evaluate``.
    """

    def __init__(self, page: Page) -> None:
        page.add_init_script(f"window.__formFiller = {_PAGE_SCRIPT};")
        self.loads = 0
        page.on("domcontentloaded", self._loaded)
        try:
            self.cdp: CDPSession | None = page.context.new_cdp_session(page)
        except PlaywrightError:
            self.cdp = None

    def _loaded(self, _page: Page) -> None:
        self.loads += 1

    def evaluate(self, page: Page, script: str, arg: dict) -> Any:
        """``page.evaluate(script, arg)`` in the page's main document."""
        if self.cdp is None:
            return page.evaluate(script, arg)
        try:
            reply = self.cdp.send("Runtime.evaluate", {
                "expression": f"({script})({json.dumps(arg)})", "returnByValue": True})
        except PlaywrightError as exc:
            # Between two documents: nothing ran; Playwright waits for the next one.
            if "Cannot find default execution context" not in str(exc):
                raise
            return page.evaluate(script, arg)
        if "exceptionDetails" in reply:  # what the script threw, as page.evaluate raises it
            details = reply["exceptionDetails"]
            raise PlaywrightError(
                details.get("exception", {}).get("description") or details.get("text", ""))
        return reply["result"].get("value")


_HOOKS: weakref.WeakKeyDictionary[Page, _PageHooks] = weakref.WeakKeyDictionary()
log = logging.getLogger(__name__)


class RowResult(BaseModel):
    row: int  # the spreadsheet row number (the header is row 1)
    # OK, REJECTED (the page or the browser refused it), ERROR, UNKNOWN, SUBMITTED (the page
    # answers no row with a message, as data-entry challenges do)
    status: str
    answer: str  # what the page said, or why the row was not submitted


@dataclass
class _Outcome:
    """What submitting one row did."""

    previous_answer: dict | None = None  # the page's answer to the row before, read first
    failure: tuple[str, str] | None = None  # (status, why) when this row was not accepted
    not_a_form: bool = False  # the page shows no form to fill
    reloaded: bool = False  # the form was opened again, losing the page that was shown


class Sheet(BaseModel):
    headers: list[str]
    rows: list[dict[str, Any]]


def read_sheet(path: Path) -> Sheet:
    """The first worksheet: headers from row 1, one dict per non-empty row below."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise business_error(
            ErrorCode.INVALID_PAYLOAD, f"Cannot read the spreadsheet {path.name}: {exc}"
        ) from exc
    try:
        values = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not values or not any(values[0]):
        raise business_error(ErrorCode.INVALID_PAYLOAD, f"{path.name} has no header row.")
    headers = [str(h).strip() for h in values[0] if h is not None and str(h).strip()]
    rows = [dict(zip(headers, row, strict=False)) for row in values[1:] if any(
        cell not in (None, "") for cell in row)]
    return Sheet(headers=headers, rows=rows)


class FormFiller:
    """Fills the form at ``url`` in ``page``; one instance per form."""

    def __init__(self, page: Page, url: str, timeout_ms: float = 10_000,
                 start: str | None = None) -> None:
        self.page = page
        self.url = url
        self.start = (start or "").strip()  # the visible text of a button pressed first
        page.set_default_timeout(timeout_ms)
        page.set_default_navigation_timeout(timeout_ms)
        self.mapping: dict[str, FormField] = {}
        self.final_message = ""  # what the page said after the last row
        self._lines_at_start: set[str] = set()
        if page not in _HOOKS:
            _HOOKS[page] = _PageHooks(page)
        self._hooks = _HOOKS[page]

    def _call(self, mode: str, values: list[dict] | None = None) -> dict:
        # A page loaded before the helper was installed gets the whole script instead.
        script = _FILL_CALL if mode == "fill" else _ANY_CALL
        return self._hooks.evaluate(self.page, script, {"mode": mode, "values": values or []})

    def map_columns(self, headers: list[str]) -> dict[str, FormField]:
        """Open the form, press the start button, match every column to a field.

        A column that matches no visible label stops the run here, before anything is
        submitted, with the labels the form does show.
        """
        self.page.goto(self.url)
        if self.start:
            self._press_start()
        scanned = self._call("scan")
        fields = [FormField.model_validate(f) for f in scanned["fields"]]
        self._lines_at_start = set(self._call("lines")["lines"])
        self.mapping = match_columns(headers, fields)
        unmatched = [h for h in headers if h not in self.mapping]
        if unmatched:
            raise business_error(
                ErrorCode.INVALID_PAYLOAD,
                f"Column(s) {', '.join(repr(h) for h in unmatched)} match no field on the form "
                f"({self._shown(fields, scanned.get('unlabelled', 0))}). "
                "Rename the columns to the form's labels.",
            )
        for header, field in self.mapping.items():
            log.info("column %r -> field %r (%s)", header, field.label, field.kind)
        if left := [f.label for f in fields if f not in self.mapping.values()]:
            log.warning("no column fills the field(s) %s", ", ".join(map(repr, left)))
        return self.mapping

    def _shown(self, fields: list[FormField], unlabelled: int) -> str:
        """What the form shows, for a message: its labels and how many fields have none."""
        parts = []
        if fields:
            parts.append("the form shows " + ", ".join(f"'{f.label}'" for f in fields))
        if unlabelled:
            parts.append(f"{unlabelled} field(s) with no visible label")
        if not parts:
            hint = "; if a button must be pressed first, name it in FORM_START"
            return "the page shows no field to fill" + ("" if self.start else hint)
        return "; ".join(parts)

    def _press_start(self) -> None:
        """Press the button (or link) whose visible text is ``self.start``, once."""
        name = re.compile(rf"^\s*{re.escape(self.start)}\s*$", re.IGNORECASE)
        button = self.page.get_by_role("button", name=name).or_(
            self.page.get_by_role("link", name=name)).first
        try:
            button.wait_for(state="visible", timeout=5_000)
        except PlaywrightTimeout:
            shown = [t.strip() for t in self.page.get_by_role("button").all_inner_texts()]
            raise business_error(
                ErrorCode.INVALID_PAYLOAD,
                f"FORM_START: the page has no button {self.start!r} (its buttons: "
                f"{', '.join(repr(t) for t in shown if t) or 'none'}).",
            ) from None
        button.click()
        self.page.wait_for_load_state()
        log.info("pressed %r", self.start)

    def fill(self, sheet: Sheet) -> list[RowResult]:
        """Submit every row; answers are read from the page that each submit loads."""
        if not self.mapping:
            self.map_columns(sheet.headers)
        results: list[RowResult | None] = [None] * len(sheet.rows)
        pending: int | None = None  # the row whose answer the page shows now
        for index, row in enumerate(sheet.rows):
            try:
                values = self._values(row)
            except CellError as exc:
                results[index] = RowResult(row=index + 2, status="ERROR", answer=str(exc))
                continue
            outcome = self._submit(values)
            if outcome.not_a_form:
                # The answer page carries no form: keep its answer, reopen the form, retry.
                self._record(results, pending, self._call("answer")["answer"])
                pending = None
                self.page.goto(self.url)
                outcome = self._submit(values)
            if outcome.previous_answer is not None:
                self._record(results, pending, outcome.previous_answer)
                pending = None
            elif outcome.reloaded:  # the answer to the last row was on the page we left
                self._record(results, pending, _ANSWER_LOST)
                pending = None
            if outcome.failure is None:
                pending = index
            else:
                results[index] = RowResult(row=index + 2, status=outcome.failure[0],
                                           answer=outcome.failure[1])
        last = self._call("answer")["answer"]
        self._record(results, pending, last)
        self.final_message = self._final_message(last)
        if self.final_message:
            log.info("the page's final message: %s", self.final_message)
        return [r for r in results if r is not None]

    def _final_message(self, answer: dict) -> str:
        """The page's answer after the last row, or the text that appeared since the start."""
        if answer["level"] in ("OK", "REJECTED"):
            return answer["text"]
        new = [line for line in self._call("lines")["lines"] if line not in self._lines_at_start]
        return " ".join(new)[:1000]

    def _values(self, row: dict[str, Any]) -> list[dict]:
        return [
            {"label": field.label, "kind": field.kind, "value": field_value(field, row.get(h))}
            for h, field in self.mapping.items()
        ]

    def _submit(self, values: list[dict]) -> _Outcome:
        """Fill and submit one row in one script call, then wait until the page answered."""
        outcome = _Outcome()
        try:
            loads = self._hooks.loads
            try:
                filled = self._call("fill", values)
            except PlaywrightError as exc:
                if "STILL_SUBMITTING" not in str(exc):
                    raise
                self._wait_settled()  # the last submit was still on its way: wait, retry
                loads = self._hooks.loads
                filled = self._call("fill", values)
            outcome.previous_answer = filled["answer"]
            if filled.get("navigates"):
                self._wait_loaded(loads)
            else:
                self._wait_settled()
            if self.page.url.startswith("chrome-error:"):  # the browser's own error page
                raise PlaywrightError("the server did not answer (the browser shows an error)")
        except PlaywrightError as exc:
            message = exc.message.splitlines()[0] if exc.message else str(exc)
            if "FIELDS_MISSING" in message:
                labels = ", ".join(f.label for f in self.mapping.values())
                outcome.not_a_form = True
                outcome.failure = ("ERROR", f"The form's fields ({labels}) are not on the page.")
            elif "INVALID:" in message:  # the browser's own validation refused the values
                outcome.failure = ("REJECTED", message.split("INVALID:", 1)[1].strip())
            else:  # no answer in time, or the submit failed: open the form again
                why = ("The page did not answer in time." if isinstance(exc, PlaywrightTimeout)
                       else f"The submit failed: {message}")
                self._reopen()
                outcome.reloaded = True
                outcome.failure = ("ERROR", why)
        return outcome

    def _wait_loaded(self, loads: int) -> None:
        """Until the answer page, the document the submit loads, has been parsed.

        The browser's own event, not a check polled in the page: a check started in the
        document the submit leaves dies with it and is only retried 100 ms later. ``loads``
        is the count before the submit; the event may have come in while it was sent.
        """
        if self._hooks.loads == loads:
            self.page.wait_for_event("domcontentloaded")

    def _wait_settled(self) -> None:
        """Until a submit the page's script handles was answered, in place or by a new page.

        The check runs again in each new document, so a script that navigates after all
        is answered too.
        """
        self.page.wait_for_function(_SETTLED, polling=10)

    def _reopen(self) -> None:
        """Open the form again; a failed submit may still be showing its error page."""
        for attempt in range(3):
            try:
                self.page.wait_for_load_state("load")  # let an error page finish first
                self.page.goto(self.url)
                return
            except PlaywrightError as exc:
                if "interrupted by another navigation" not in str(exc) or attempt == 2:
                    raise

    @staticmethod
    def _record(results: list[RowResult | None], pending: int | None, answer: dict) -> None:
        """Store what the page says now as the answer to the row submitted last."""
        if pending is not None and results[pending] is None:
            if answer.get("silent"):  # no message on the page: nothing says it went wrong
                results[pending] = RowResult(row=pending + 2, status="SUBMITTED",
                                             answer="The page showed no message for this row.")
                return
            results[pending] = RowResult(row=pending + 2, status=answer["level"],
                                         answer=answer["text"])


def write_results(path: Path, sheet: Sheet, results: list[RowResult],
                  final_message: str = "") -> Path:
    """The input rows with a Status and an Answer column; a Summary sheet with the counts
    and the page's final message."""
    by_row = {r.row: r for r in results}
    book = Workbook()
    out = book.active
    out.title = "Results"
    out.append([*sheet.headers, "Status", "Answer"])
    for index, row in enumerate(sheet.rows):
        result = by_row.get(index + 2)
        out.append([*(row.get(h) for h in sheet.headers),
                    result.status if result else "ERROR", result.answer if result else ""])
    summary = book.create_sheet("Summary")
    summary.append(["Rows", len(sheet.rows)])
    for status in ("OK", "SUBMITTED", "REJECTED", "ERROR", "UNKNOWN"):
        summary.append([status, sum(r.status == status for r in results)])
    summary.append(["Final message", final_message])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbooks.save(book, path)
    return path


def run(url: str, xlsx: Path, output: Path, page: Page | None = None,
        start: str | None = None) -> list[RowResult]:
    """Fill the form at ``url`` from ``xlsx`` and write ``output``; opens a browser if needed.

    ``start``: the visible text of a button to press once before the first row.
    """
    sheet = read_sheet(xlsx)
    browser = None
    if page is None:
        browser = launch_browser()
        page = browser.new_page()
    try:
        filler = FormFiller(page, url, start=start)
        results = filler.fill(sheet)
    finally:
        if browser is not None:
            browser.close()
    write_results(output, sheet, results, filler.final_message)
    ok = sum(r.status == "OK" for r in results)
    log.info("%d of %d rows accepted; results in %s", ok, len(results), output.name)
    if filler.final_message:
        print(f"The page says: {filler.final_message}")
    return results


def _output_dir() -> Path:
    return Path(os.environ.get("ROBOT_ARTIFACTS") or ROOT / "output")


@task
def fill_form_from_spreadsheet() -> None:
    """Fill FORM_URL once per row of FORM_XLSX (defaults: the bundled test form and people).

    FORM_START: the visible text of a button to press once before the first row.
    """
    xlsx = Path(os.environ.get("FORM_XLSX") or DEFAULT_XLSX)
    output = _output_dir() / f"{xlsx.stem}-results.xlsx"
    start = os.environ.get("FORM_START")
    if url := os.environ.get("FORM_URL"):
        results = run(url, xlsx, output, start=start)
    else:
        from devdata.forms import FormServer  # the development form, only when no URL is given

        with FormServer() as form:
            results = run(form.url, xlsx, output, start=start)
    for r in results:
        print(f"row {r.row}: {r.status} - {r.answer}")
