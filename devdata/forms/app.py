"""A registration form whose field order and element ids change on every page load.

For trying and testing the spreadsheet form filler: the only stable things are the
visible labels, which are attached in different ways (``for``, wrapping label,
fieldset legend, ``aria-labelledby``). Submitting answers with a status or an
alert and a fresh, reshuffled form, as many real sign-up pages do.
"""

from __future__ import annotations

import html
import random
import re
import secrets
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from devdata.forms.challenge import ChallengeApp, add_routes

COUNTRIES = {"DE": "Germany", "FR": "France", "ES": "Spain", "NL": "Netherlands",
             "GB": "United Kingdom", "US": "United States"}
CONTACTS = {"email": "Email", "phone": "Phone", "post": "Post"}
FIELDS = ("first_name", "last_name", "email", "country", "contact", "newsletter", "start_date")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_MAX_FORMS = 500  # rendered forms whose random field names the server still remembers


class FormApp:
    def __init__(
        self, seed: int | None = None, answer_with_form: bool = True, in_page: bool = False
    ) -> None:
        self._rng = random.Random(seed)
        self.answer_with_form = answer_with_form  # False: the answer page has only a link
        self.in_page = in_page  # True: a script posts the form and answers without a reload
        self._lock = threading.Lock()
        self._issued: OrderedDict[str, dict[str, str]] = OrderedDict()  # token -> name -> field
        self.submissions: list[dict[str, Any]] = []

    # -- rendering -------------------------------------------------------------------------

    def _names(self) -> tuple[str, dict[str, str]]:
        with self._lock:
            token = secrets.token_hex(8)
            names = {f: f"f{self._rng.getrandbits(40):010x}" for f in FIELDS}
            self._issued[token] = {name: field for field, name in names.items()}
            while len(self._issued) > _MAX_FORMS:
                self._issued.popitem(last=False)
            order = list(FIELDS)
            self._rng.shuffle(order)
        return token, {"__order__": ",".join(order), **names}

    def page(self, message: str = "", level: str = "", fragment: bool = False) -> str:
        """The whole page, or (``fragment``) only the answer and a fresh form for the script."""
        if message and not self.answer_with_form:
            return _ANSWER_ONLY.format(notice=_notice(message, level))
        token, names = self._names()
        order = names.pop("__order__").split(",")
        rid = lambda: f"i{self._rng.getrandbits(32):08x}"  # noqa: E731  # a fresh id each time
        blocks = [_FIELD_HTML[field](names[field], rid) for field in order]
        notice = _notice(message, level) if message else ""
        app = _APP.format(notice=notice, token=token, fields="\n".join(blocks))
        if fragment:
            return app
        return _PAGE.format(app=app, script=_IN_PAGE_SCRIPT if self.in_page else "")

    # -- submitting ------------------------------------------------------------------------

    def submit(self, form: dict[str, str]) -> tuple[str, str]:
        """Check and store one submission; returns (level, message)."""
        with self._lock:
            names = self._issued.pop(form.get("token", ""), None)
        if names is None:
            return "error", "This form has expired; please fill it in again."
        values = {field: form.get(name, "").strip() for name, field in names.items()}
        values["newsletter"] = values["newsletter"] == "yes"
        problems = _problems(values)
        if problems:
            return "error", "Please correct: " + " ".join(problems)
        with self._lock:
            number = len(self.submissions) + 1
            self.submissions.append({"registration": f"R-{number:04d}", **values})
        return "ok", (f"Registration R-{number:04d} saved for "
                      f"{values['first_name']} {values['last_name']}.")


def _notice(message: str, level: str) -> str:
    role = "status" if level == "ok" else "alert"
    return f'<p role="{role}" class="{level}">{html.escape(message)}</p>'


def _problems(v: dict[str, Any]) -> list[str]:
    problems = []
    if not v["first_name"] or not v["last_name"]:
        problems.append("First and last name are required.")
    if not _EMAIL.fullmatch(v["email"]):
        problems.append("Email address is not valid.")
    if v["country"] not in COUNTRIES:
        problems.append("Choose a country.")
    if v["contact"] not in CONTACTS:
        problems.append("Choose a preferred contact.")
    try:
        if date.fromisoformat(v["start_date"]) < date(2020, 1, 1):
            problems.append("Start date must not be before 2020.")
    except ValueError:
        problems.append("Start date is not a date.")
    return problems


def _text(label: str, kind: str = "text", required: bool = True):
    def render(name: str, rid) -> str:
        i = rid()
        req = " required" if required else ""
        return (f'<div class="row"><label for="{i}">{label}</label>'
                f'<input id="{i}" name="{name}" type="{kind}"{req}></div>')
    return render


def _wrapped(label: str):
    def render(name: str, rid) -> str:
        return (f'<div class="row"><label>{label} '
                f'<input id="{rid()}" name="{name}" type="text" required></label></div>')
    return render


def _country(name: str, rid) -> str:
    i = rid()
    options = "".join(f'<option value="{c}">{n}</option>' for c, n in COUNTRIES.items())
    return (f'<div class="row"><label for="{i}">Country</label><select id="{i}" name="{name}">'
            f'<option value="">- choose -</option>{options}</select></div>')


def _contact(name: str, rid) -> str:
    radios = "".join(
        f'<label><input type="radio" id="{rid()}" name="{name}" value="{v}"> {t}</label> '
        for v, t in CONTACTS.items()
    )
    return f'<fieldset class="row"><legend>Preferred contact</legend>{radios}</fieldset>'


def _newsletter(name: str, rid) -> str:
    i = rid()
    return (f'<div class="row"><input type="checkbox" id="{i}" name="{name}" value="yes">'
            f'<label for="{i}">Subscribe to newsletter</label></div>')


def _start_date(name: str, rid) -> str:
    i, lab = rid(), rid()
    return (f'<div class="row"><span id="{lab}">Start date</span>'
            f'<input type="date" id="{i}" name="{name}" aria-labelledby="{lab}"></div>')


_FIELD_HTML = {
    "first_name": _text("First name"),
    "last_name": _wrapped("Last name"),
    "email": _text("Email address", kind="email"),
    "country": _country,
    "contact": _contact,
    "newsletter": _newsletter,
    "start_date": _start_date,
}

_APP = """{notice}
<form method="post" action="/submit">
<input type="hidden" name="token" value="{token}">
{fields}
<button type="submit">Register</button>
</form>"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register</title>
<style>body{{font-family:sans-serif;margin:24px}} .row{{margin:8px 0}}
.ok{{color:#060}} .error{{color:#a00}} fieldset{{border:1px solid #ccc}}</style></head>
<body><h1>Event registration</h1>
<div id="app">
{app}
</div>{script}</body></html>"""

# The in-page variant: the form is posted with fetch and the answer, with a fresh
# shuffled form, replaces the old one; the page itself never reloads.
_IN_PAGE_SCRIPT = """
<script>
document.getElementById("app").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch("/submit?fragment=1", {method: "POST",
                                                      body: new FormData(event.target)});
  document.getElementById("app").innerHTML = await response.text();
});
</script>"""


_ANSWER_ONLY = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Registration</title></head>
<body><h1>Event registration</h1>
{notice}
<p><a href="/">Register another person</a></p></body></html>"""


def create_app(form_app: FormApp, challenge: ChallengeApp | None = None) -> FastAPI:
    """The registration form at ``/``, the data-entry challenge at ``/challenge``."""
    app = FastAPI(title="Test form", docs_url=None, redoc_url=None, openapi_url=None)
    add_routes(app, challenge or ChallengeApp())

    @app.get("/", response_class=HTMLResponse)
    def show() -> str:
        return form_app.page()

    @app.post("/submit", response_class=HTMLResponse)
    async def submit(request: Request, fragment: str = "") -> HTMLResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        level, message = form_app.submit(form)
        return HTMLResponse(form_app.page(message, level, fragment=bool(fragment)),
                            status_code=200 if level == "ok" else 422)

    return app
