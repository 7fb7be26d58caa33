"""A data-entry challenge page built like the classic RPA benchmark, for the form filler.

The page shows seven text fields whose ``<label>`` elements come right before their inputs,
with no ``for`` attribute and no wrapping; every input gets a random id and name, and the
fields are shuffled and rebuilt after every submit, all by the page's own script (the page
never reloads). The fields stay disabled until "Start" is pressed, which also starts the
clock. After the last row the form goes and the page says how many fields were right and
how long it took; the page also posts its score and what it received to the server, where
tests read it (``ChallengeApp.results``).

``?labels=renamed`` shows other wordings of three labels ("Surname", "E-mail",
"Phone no."), as another site might; ``?extra=LABEL`` adds a field with that label.

    python -m devdata.forms.sample        # also writes challenge.xlsx, the rows to type
"""

from __future__ import annotations

import html
import json
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

FIELDS = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "company": "Company Name",
    "role": "Role in Company",
    "address": "Address",
    "email": "Email",
    "phone": "Phone Number",
}
RENAMED = {"last_name": "Surname", "email": "E-mail", "phone": "Phone no."}
HEADERS = list(FIELDS.values())  # the spreadsheet's columns, as the original wording
ROWS = [
    ["John", "Smith", "IT Solutions", "Analyst", "98 North Road", "jsmith@itsolutions.co.uk",
     40716543298],
    ["Jane", "Dorsey", "MediCare", "Medical Engineer", "11 Crown Street", "jdorsey@mc.com",
     40791345621],
    ["Albert", "Kipling", "Waterfront", "Accountant", "22 Guild Street", "kipling@waterfront.com",
     40735416854],
    ["Michael", "Robertson", "MediCare", "IT Specialist", "17 Farburn Terrace",
     "mrobertson@mc.com", 40733652145],
    ["Doug", "Derrick", "Timepath Inc.", "Analyst", "99 Shire Oak Road", "dderrick@timepath.co.uk",
     40799885412],
    ["Jessie", "Marlowe", "Aperture Inc.", "Scientist", "27 Cheshire Street",
     "jmarlowe@aperture.us", 40733154268],
    ["Stan", "Hamm", "Sugarwell", "Advisor", "10 Dam Road", "shamm@sugarwell.org", 40712462257],
    ["Michelle", "Norton", "Aperture Inc.", "Scientist", "13 White Rabbit Street",
     "mnorton@aperture.us", 40731254562],
    ["Stacy", "Shelby", "TechDev", "HR Manager", "19 Pineapple Boulevard", "sshelby@techdev.com",
     40741785214],
    ["Lara", "Palmer", "Timepath Inc.", "Programmer", "87 Orange Street", "lpalmer@timepath.co.uk",
     40731653845],
]


class ChallengeApp:
    """The page, and the scores its script posts back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.results: list[dict[str, Any]] = []  # one per finished run, in order

    def page(self, labels: str = "", extra: str = "") -> str:
        names = {**FIELDS, **(RENAMED if labels == "renamed" else {})}
        if extra:
            names["extra"] = extra
        expected = [dict(zip(FIELDS, (str(v) for v in row), strict=True)) for row in ROWS]
        for row in expected:
            if extra:
                row["extra"] = ""
        return _PAGE.replace("__LABELS__", json.dumps(names)).replace(
            "__ROWS__", json.dumps(expected)).replace("__TITLE__", html.escape("Input Forms"))

    def record(self, result: dict[str, Any]) -> None:
        with self._lock:
            self.results.append(result)


def add_routes(app: FastAPI, challenge: ChallengeApp) -> None:
    @app.get("/challenge", response_class=HTMLResponse)
    def show(labels: str = "", extra: str = "") -> str:
        return challenge.page(labels, extra)

    @app.post("/challenge/result")
    async def result(request: Request) -> dict[str, str]:
        challenge.record(await request.json())
        return {"status": "recorded"}


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{font-family:sans-serif;margin:24px;max-width:760px}
#start{font-size:1.1em;padding:8px 24px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px 24px;border:0;padding:0;margin:16px 0}
.grid label{display:block;font-weight:bold;margin-bottom:4px}
.grid input[type=text]{width:100%;padding:4px;box-sizing:border-box}
.message{border:2px solid #2a7;padding:12px;margin-top:16px}
</style></head>
<body>
<h1>__TITLE__</h1>
<p>Press Start, then type the rows of the spreadsheet into the form, one row per submit.
The fields move after every submit.</p>
<button type="button" id="start">Start</button>
<div id="area"></div>
<script>
(() => {
  const LABELS = __LABELS__;
  const ROWS = __ROWS__;
  const area = document.getElementById("area");
  const startButton = document.getElementById("start");
  let started = 0, round = 0, right = 0, total = 0, inputs = new Map(), received = [];
  const rid = () => Math.random().toString(36).slice(2, 7);
  function shuffled(list) {
    const copy = list.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
  function render() {
    const form = document.createElement("form");
    form.autocomplete = "off";
    const grid = document.createElement("fieldset");
    grid.className = "grid";
    grid.disabled = !started;
    inputs = new Map();
    for (const key of shuffled(Object.keys(LABELS))) {
      const cell = document.createElement("div");
      const label = document.createElement("label");
      label.textContent = LABELS[key];
      const input = document.createElement("input");
      input.type = "text";
      input.id = rid();
      input.name = rid();
      cell.append(label, input);
      grid.append(cell);
      inputs.set(key, input);
    }
    const submit = document.createElement("input");
    submit.type = "submit";
    submit.value = "Submit";
    grid.append(submit);
    form.append(grid);
    form.addEventListener("submit", onSubmit);
    area.replaceChildren(form);
  }
  function onSubmit(event) {
    event.preventDefault();
    if (!started) return;
    const want = ROWS[round], got = {};
    for (const [key, input] of inputs) {
      got[key] = input.value.trim();
      total += 1;
      if (got[key] === want[key]) right += 1;
    }
    received.push(got);
    round += 1;
    if (round < ROWS.length) render(); else finish();
  }
  function finish() {
    const ms = Math.round(performance.now() - started);
    const rate = Math.round(100 * right / total);
    const box = document.createElement("div");
    box.className = "message";
    const title = document.createElement("h2");
    title.textContent = "Congratulations!";
    const text = document.createElement("p");
    text.textContent = `Your success rate is ${rate}% ( ${right} out of ${total} fields)`
      + ` in ${ms} milliseconds`;
    box.append(title, text);
    area.replaceChildren(box);
    startButton.disabled = false;
    started = 0;
    fetch("/challenge/result", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({right, total, ms, received})});
  }
  startButton.addEventListener("click", () => {
    started = performance.now();
    round = right = total = 0;
    received = [];
    startButton.disabled = true;
    render();
  });
  render();
})();
</script>
</body></html>"""
