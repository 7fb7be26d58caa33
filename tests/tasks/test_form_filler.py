"""The spreadsheet form filler in real Chromium against the shuffling test form."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError
from robocorp.workitems import BusinessException

from devdata.forms import FormServer
from devdata.forms.challenge import FIELDS, ROWS
from tasks.form_filler import (
    DEFAULT_XLSX,
    FormFiller,
    fill_form_from_spreadsheet,
    read_sheet,
    run,
)

pytestmark = pytest.mark.browser


def _xlsx(path: Path, headers: list[str], rows: list[list]) -> Path:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def form():
    with FormServer(seed=21) as server:
        yield server


@pytest.fixture(scope="module")
def page(browser: Browser):
    p = browser.new_page()
    yield p
    p.close()


def test_every_row_of_the_sample_is_submitted_correctly(page, form, tmp_path: Path) -> None:
    before = len(form.submissions)
    output = tmp_path / "people-results.xlsx"
    results = run(form.url, DEFAULT_XLSX, output, page=page)
    assert [r.status for r in results] == ["OK"] * 10
    saved = form.submissions[before:]
    assert [s["last_name"] for s in saved] == [r["last_name"] for r in read_sheet(
        DEFAULT_XLSX).rows]
    ada, grace, emilie = saved[0], saved[1], saved[2]
    assert ada == {**ada, "email": "ada@example.org", "country": "GB", "contact": "email",
                   "newsletter": True, "start_date": "2027-01-15"}
    assert (grace["country"], grace["contact"], grace["newsletter"]) == ("US", "phone", True)
    assert (emilie["first_name"], emilie["start_date"]) == ("Émilie", "2027-03-03")
    assert results[0].answer == f"Registration {ada['registration']} saved for Ada Lovelace."
    sheet = load_workbook(output).active
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ["Status", "Answer"]
    assert [row[-2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["OK"] * 10


def test_bad_rows_are_reported_and_good_rows_still_go(page, form, tmp_path: Path) -> None:
    headers = ["first name", "Last name", "Email", "Country", "Preferred contact",
               "Newsletter", "Start date"]
    rows = [
        ["Bob", "Valid", "bob@example.org", "Germany", "Post", "no", "2027-01-01"],
        ["Eve", "NoMail", "eve@", "Germany", "Post", "no", "2027-01-01"],  # browser refuses
        ["Old", "Date", "old@example.org", "Spain", "Email", "yes", datetime(2019, 5, 1)],
        ["Ann", "Where", "ann@example.org", "Atlantis", "Email", "yes", "2027-01-01"],
        ["Joe", "Valid", "joe@example.org", "NL", "phone", "yes", "2027-02-02"],
    ]
    before = len(form.submissions)
    results = run(form.url, _xlsx(tmp_path / "in.xlsx", headers, rows),
                  tmp_path / "out.xlsx", page=page)
    assert [(r.row, r.status) for r in results] == [
        (2, "OK"), (3, "REJECTED"), (4, "REJECTED"), (5, "ERROR"), (6, "OK")]
    assert "Email address" in results[1].answer
    assert "Start date must not be before 2020" in results[2].answer
    assert "Atlantis" in results[3].answer
    assert [s["last_name"] for s in form.submissions[before:]] == ["Valid", "Valid"]


def test_answer_pages_without_a_form_are_read_then_left(page, tmp_path: Path) -> None:
    sheet = read_sheet(DEFAULT_XLSX)
    sheet.rows[:] = sheet.rows[:3]
    with FormServer(seed=5, answer_with_form=False) as form:
        results = FormFiller(page, form.url).fill(sheet)
        assert [r.status for r in results] == ["OK", "OK", "OK"]
        assert [s["first_name"] for s in form.submissions] == ["Ada", "Grace", "Émilie"]
    assert results[2].answer.endswith("saved for Émilie du Châtelet.")


def test_a_form_that_answers_in_place_is_filled_too(page) -> None:
    # The page never reloads: a script posts the form and swaps in the answer and a new form.
    sheet = read_sheet(DEFAULT_XLSX)
    with FormServer(seed=8, in_page=True) as form:
        results = FormFiller(page, form.url).fill(sheet)
        assert [r.status for r in results] == ["OK"] * 10
        assert [s["first_name"] for s in form.submissions] == [r["First Name"] for r in sheet.rows]
    assert [r.answer.split(" saved")[0] for r in results] == [
        f"Registration R-{n:04d}" for n in range(1, 11)]


def test_without_a_devtools_session_the_rows_go_through_page_evaluate(
        browser: Browser, form, monkeypatch) -> None:
    # Firefox and WebKit have no DevTools session: the same calls go through page.evaluate.
    def refuse(self, page):
        raise PlaywrightError("CDP session is only available in Chromium")

    sheet = read_sheet(DEFAULT_XLSX)
    sheet.rows[:] = sheet.rows[:3]
    sheet.rows[1] = {**sheet.rows[1], "E-mail": "grace@"}  # the browser refuses it
    page = browser.new_page()
    monkeypatch.setattr(type(page.context), "new_cdp_session", refuse)
    before = len(form.submissions)
    try:
        results = FormFiller(page, form.url).fill(sheet)
    finally:
        page.close()
    assert [r.status for r in results] == ["OK", "REJECTED", "OK"]
    assert "Email address" in results[1].answer
    assert results[2].answer.endswith("saved for Émilie du Châtelet.")
    assert [s["first_name"] for s in form.submissions[before:]] == ["Ada", "Émilie"]


_SAVING_FIRST = """<script>
document.addEventListener("submit", (event) => {
  // Cancel the browser's submit, show a spinner, then post the form a moment later.
  event.preventDefault();
  const note = document.createElement("p");
  note.textContent = "Saving...";
  document.body.append(note);
  setTimeout(() => event.target.submit(), 50);
});
</script></body>"""


def test_a_form_whose_script_posts_it_later_is_answered_by_the_new_page(page) -> None:
    # The submit event is cancelled, so no page load is expected, but the script loads one.
    sheet = read_sheet(DEFAULT_XLSX)
    sheet.rows[:] = sheet.rows[:3]

    def add_the_script(route) -> None:
        response = route.fetch()
        route.fulfill(response=response,
                      body=response.text().replace("</body>", _SAVING_FIRST))

    with FormServer(seed=13) as form:
        page.route(f"{form.url}**", add_the_script)
        try:
            results = FormFiller(page, form.url).fill(sheet)
        finally:
            page.unroute(f"{form.url}**")
        assert [s["first_name"] for s in form.submissions] == ["Ada", "Grace", "Émilie"]
    assert [r.status for r in results] == ["OK", "OK", "OK"]
    assert results[1].answer.endswith("saved for Grace Hopper.")


def test_a_failed_submit_marks_only_its_row(page, form) -> None:
    sheet = read_sheet(DEFAULT_XLSX)
    sheet.rows[:] = sheet.rows[:3]
    posts = []

    def drop_the_second_post(route) -> None:
        posts.append(route.request.method)
        if posts.count("POST") == 2 and route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/submit", drop_the_second_post)
    try:
        results = FormFiller(page, form.url).fill(sheet)
    finally:
        page.unroute("**/submit")
    assert [r.status for r in results] == ["OK", "ERROR", "OK"]
    assert results[0].answer.endswith("saved for Ada Lovelace.")
    assert "The submit failed" in results[1].answer


CHALLENGE_XLSX = Path(__file__).resolve().parents[2] / "devdata" / "forms" / "challenge.xlsx"


def _challenge_score(form: FormServer, runs_before: int) -> dict:
    # The page posts its score when it shows the final message; wait for that post.
    for _ in range(100):
        if len(form.challenge_results) > runs_before:
            return form.challenge_results[-1]
        time.sleep(0.02)
    raise AssertionError("the challenge page posted no score")


@pytest.mark.parametrize("labels", ["", "renamed"])
def test_the_challenge_page_is_filled_right_by_visible_labels(
        page, form, tmp_path: Path, labels: str) -> None:
    # <label> before each input (no for, no wrapping), random ids and names, the seven fields
    # shuffled and rebuilt after each submit, disabled until Start is pressed.
    before = len(form.challenge_results)
    output = tmp_path / "challenge-results.xlsx"
    results = run(f"{form.challenge_url}?labels={labels}", CHALLENGE_XLSX, output, page=page,
                  start="Start")
    score = _challenge_score(form, before)
    assert (score["right"], score["total"]) == (70, 70)
    assert score["received"] == [dict(zip(FIELDS, map(str, row), strict=True)) for row in ROWS]
    assert [r.status for r in results] == ["SUBMITTED"] * 10
    summary = dict(load_workbook(output)["Summary"].iter_rows(values_only=True))
    assert summary["Final message"] == (
        f"Congratulations! Your success rate is 100% ( 70 out of 70 fields) in {score['ms']} "
        "milliseconds")
    assert summary["Rows"] == 10


def test_a_column_with_no_label_stops_before_the_first_submit(page, form) -> None:
    sheet = read_sheet(CHALLENGE_XLSX)
    sheet.headers.append("Shoe size")
    before = len(form.challenge_results)
    with pytest.raises(BusinessException, match="'Shoe size' match no field") as caught:
        FormFiller(page, f"{form.challenge_url}?extra=Middle%20name", start="Start").fill(sheet)
    # The labels as shown (in the page's shuffled order), never the random names.
    shown = re.search(r"the form shows (.*?)\)\. Rename", str(caught.value)).group(1)
    assert sorted(shown.split(", ")) == sorted(f"'{label}'" for label in [
        *FIELDS.values(), "Middle name"])
    assert page.locator("form input[type=text]").first.input_value() == ""  # nothing typed
    assert len(form.challenge_results) == before


def test_without_the_start_button_the_message_says_to_name_it(page, form) -> None:
    sheet = read_sheet(CHALLENGE_XLSX)
    with pytest.raises(BusinessException, match="shows no field to fill; if a button must be "
                                                "pressed first, name it in FORM_START"):
        FormFiller(page, form.challenge_url).fill(sheet)
    with pytest.raises(BusinessException, match=r"no button 'Begin' \(its buttons: 'Start'\)"):
        FormFiller(page, form.challenge_url, start="Begin").fill(sheet)


_LABELLED_SOMEHOW = """<!doctype html><html><body><h1>Order</h1>
<form>
 <p>Customer <input name="x81hq"></p>
 <div><span>Delivery street</span><br><input name="q9z" id="r4"></div>
 <table>
  <tr><th>Item</th><th>Quantity</th></tr>
  <tr><td><input name="k1"></td><td><input name="k2" type="number"></td></tr>
 </table>
 <table><tr><th>Coupon</th><td><input name="k3"></td></tr></table>
 <input name="zz1" aria-label="Gift message">
 <input name="zz2" placeholder="Phone number">
 <div><input type="checkbox" name="c1"> Gift wrap</div>
 <div style="margin-top:300px"><input name="gNd7r"></div>
 <button>Send</button>
</form></body></html>"""


def test_labels_are_read_as_a_person_reads_them(page) -> None:
    url = "http://forms.invalid/order"
    page.route(url, lambda route: route.fulfill(body=_LABELLED_SOMEHOW,
                                                content_type="text/html"))
    try:
        filler = FormFiller(page, url)
        with pytest.raises(BusinessException) as caught:
            filler.map_columns(["Nothing like it"])
    finally:
        page.unroute(url)
    message = str(caught.value)
    shown = ("the form shows 'Customer', 'Delivery street', 'Item', 'Quantity', 'Coupon', "
             "'Gift message', 'Phone number', 'Gift wrap'; 1 field(s) with no visible label")
    assert shown in message
    assert "gNd7r" not in message and "x81hq" not in message


def test_a_column_the_form_does_not_have_is_a_clear_error(page, form, tmp_path) -> None:
    sheet = read_sheet(_xlsx(tmp_path / "in.xlsx", ["First name", "Shoe size"], [["A", 42]]))
    with pytest.raises(BusinessException, match="'Shoe size' match no field") as caught:
        FormFiller(page, form.url).fill(sheet)
    assert caught.value.code == "INVALID_PAYLOAD"


def test_a_broken_spreadsheet_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BusinessException, match="Cannot read the spreadsheet broken.xlsx"):
        read_sheet(broken)
    with pytest.raises(BusinessException, match="no header row"):
        read_sheet(_xlsx(tmp_path / "empty.xlsx", [], []))


@pytest.mark.slow
def test_the_task_fills_form_url_from_form_xlsx(form, tmp_path, monkeypatch, capsys) -> None:
    # The robocorp task itself (robot.yaml's "Fill web form"), called in this process.
    monkeypatch.setenv("ROBOT_ARTIFACTS", str(tmp_path))
    monkeypatch.setenv("FORM_XLSX", str(DEFAULT_XLSX))
    monkeypatch.setenv("FORM_URL", form.url)
    fill_form_from_spreadsheet()
    statuses = [row[-2] for row in load_workbook(tmp_path / "people-results.xlsx").active
                .iter_rows(min_row=2, values_only=True)]
    assert statuses == ["OK"] * 10
    assert "row 11: OK - Registration" in capsys.readouterr().out


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.slow
def test_tasks_local_runs_the_form_filler_on_the_development_challenge() -> None:
    # What a citizen developer types: the bot against the development form it starts itself.
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    if not _port_free(8072):
        pytest.skip("something else listens on 127.0.0.1:8072, the development form's port")
    results = root / "output" / "challenge-results.xlsx"
    results.unlink(missing_ok=True)
    run_ = subprocess.run([sys.executable, "-m", "tasks.local", "form_filler"], cwd=root,
                          capture_output=True, text=True, timeout=300, check=False)
    assert run_.returncode == 0, run_.stdout[-2000:] + run_.stderr[-2000:]
    assert "started the development form at http://127.0.0.1:8072/challenge" in run_.stdout
    assert "The page says: Congratulations! Your success rate is 100% ( 70 out of 70 fields)" \
        in run_.stdout
    summary = dict(load_workbook(results)["Summary"].iter_rows(values_only=True))
    assert summary["SUBMITTED"] == 10
    assert summary["Final message"].startswith("Congratulations! Your success rate is 100%")
