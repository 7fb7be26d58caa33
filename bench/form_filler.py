"""How fast the spreadsheet form filler fills the shuffling test form, against a naive bot.

    .venv/bin/python -m bench.form_filler [--runs 5] [--xlsx devdata/forms/people.xlsx]

Both fill the same 10 rows x 7 fields into ``devdata/forms`` in the same browser page
(browser start excluded), alternating run by run; every run must end with every row
accepted, or the benchmark fails. Reported: median, min and max wall time per pass, and
the median CPU time a pass costs this process and the driver and browser under it (Linux),
which other work on the same cores moves less than the wall time.

- form_filler: ``tasks.form_filler.FormFiller`` (column matching included): it opens the
  form, reads its fields and matches the columns once; then per row one script call fills
  every field and submits, and the browser's DOMContentLoaded of the answer page, which
  already holds the next form, says the row was answered.
- naive (baseline): what a first Playwright bot looks like: per row ``page.goto`` the
  form, ``get_by_label(label)`` and ``fill`` / ``select_option`` / ``check`` per field,
  click the button, read the answer. It is given the column-to-label mapping by hand.
- form_filler_in_page: the same filler on the form's other variant, which posts with a
  script and answers without reloading the page (shown for scale; not the target case).
- challenge: the filler on the data-entry challenge page (``devdata/forms/challenge.py``,
  built like the classic RPA benchmark: labels before inputs without ``for``, random ids,
  seven fields shuffled and rebuilt after each submit), ``challenge.xlsx``, pressing its
  Start button first; the page's own score must say every field was right. Its time is
  from opening the page to the final message; the page's own clock (Start to the last
  submit) is reported too.

The machine's load average, at the start and the end, is printed too: other work on the
same cores slows both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts bench/ first on the path, where a sibling module could shadow
# the standard library (bench/queue.py would hide queue); the repository root goes there.
sys.path[0] = str(ROOT)

from devdata.forms import FormServer  # noqa: E402
from tasks.browser import launch_browser  # noqa: E402
from tasks.form_filler import FormFiller, Sheet, read_sheet  # noqa: E402
from tasks.form_matching import FormField, Option, field_value  # noqa: E402

# The naive bot's hand-written mapping: spreadsheet column -> form label and kind.
_NAIVE_FIELDS = {
    "First Name": FormField(label="First name", kind="text"),
    "last_name": FormField(label="Last name", kind="text"),
    "E-mail": FormField(label="Email address", kind="email"),
    "Country": FormField(label="Country", kind="select", options=tuple(
        Option(value=v, text=t) for v, t in (
            ("DE", "Germany"), ("FR", "France"), ("ES", "Spain"), ("NL", "Netherlands"),
            ("GB", "United Kingdom"), ("US", "United States")))),
    "Contact preference": FormField(label="Preferred contact", kind="radio", options=(
        Option(value="email", text="Email"), Option(value="phone", text="Phone"),
        Option(value="post", text="Post"))),
    "Newsletter": FormField(label="Subscribe to newsletter", kind="checkbox"),
    "Start date": FormField(label="Start date", kind="date"),
}


def cpu_seconds() -> float | None:
    """CPU time used so far by this process and every process under it; None off Linux."""
    if not os.path.exists(f"/proc/{os.getpid()}/task"):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        try:  # a process may end while it is read: the total is then a little short
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            for thread in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{thread}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return total


def wait_for_score(form: FormServer, runs_before: int) -> dict:
    """The score the challenge page posts when it shows its final message."""
    for _ in range(250):
        if len(form.challenge_results) > runs_before:
            return form.challenge_results[-1]
        time.sleep(0.02)
    raise SystemExit("the challenge page posted no score")


def form_filler_pass(page, url: str, sheet: Sheet) -> list[str]:
    return [r.status for r in FormFiller(page, url).fill(sheet)]


def naive_pass(page, url: str, sheet: Sheet) -> list[str]:
    statuses = []
    for row in sheet.rows:
        page.goto(url)
        for header, field in _NAIVE_FIELDS.items():
            value = field_value(field, row[header])
            if field.kind == "select":
                page.get_by_label(field.label, exact=True).select_option(value)
            elif field.kind == "radio":
                text = next(o.text for o in field.options if o.value == value)
                page.get_by_role("radio", name=text, exact=True).check()
            elif field.kind == "checkbox":
                page.get_by_label(field.label, exact=True).set_checked(bool(value))
            else:
                page.get_by_label(field.label, exact=True).fill(str(value))
        with page.expect_navigation():
            page.get_by_role("button", name="Register").click()
        ok = page.locator("[role=status]").count() > 0
        statuses.append("OK" if ok else "REJECTED")
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--xlsx", type=Path, default=ROOT / "devdata" / "forms" / "people.xlsx")
    args = parser.parse_args(argv)
    sheet = read_sheet(args.xlsx)
    fields = len(sheet.headers)
    # name -> (one pass, which form variant it fills)
    methods = {"form_filler": (form_filler_pass, "page"), "naive": (naive_pass, "page"),
               "form_filler_in_page": (form_filler_pass, "in_page")}
    challenge_sheet = read_sheet(ROOT / "devdata" / "forms" / "challenge.xlsx")
    times: dict[str, list[float]] = {name: [] for name in methods}
    times["challenge"], page_ms = [], []
    cpu: dict[str, list[float]] = {name: [] for name in methods}
    load_start = os.getloadavg()[0]
    browser = launch_browser(headless=True, slow_mo=0)
    try:
        page = browser.new_page()
        with FormServer() as form, FormServer(in_page=True) as in_page_form:
            urls = {"page": form.url, "in_page": in_page_form.url}
            for run, variant in methods.values():  # warm-up: first navigation, script compile
                run(page, urls[variant], sheet)
            for _ in range(args.runs):
                for name, (run, variant) in methods.items():
                    cpu_before, started = cpu_seconds(), time.perf_counter()
                    statuses = run(page, urls[variant], sheet)
                    times[name].append(time.perf_counter() - started)
                    cpu_after = cpu_seconds()
                    if cpu_before is not None and cpu_after is not None:
                        cpu[name].append(cpu_after - cpu_before)
                    if statuses != ["OK"] * len(sheet.rows):
                        raise SystemExit(f"{name} did not get every row accepted: {statuses}")
                started = time.perf_counter()
                FormFiller(page, form.challenge_url, start="Start").fill(challenge_sheet)
                times["challenge"].append(time.perf_counter() - started)
                score = wait_for_score(form, len(page_ms))
                if score["right"] != score["total"]:
                    raise SystemExit(f"challenge: {score['right']} of {score['total']} right")
                page_ms.append(score["ms"])
            submitted = len(form.submissions) + len(in_page_form.submissions)
    finally:
        browser.close()

    load = os.getloadavg()[0]
    median = {name: statistics.median(t) for name, t in times.items()}
    cpu_median = {name: statistics.median(c) if c else None for name, c in cpu.items()}
    print(f"form filling: {len(sheet.rows)} rows x {fields} fields, {args.runs} runs each, "
          f"{submitted} submissions accepted, load average {load_start:.1f} -> {load:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'method':<22}{'median s':>10}{'min s':>9}{'max s':>9}{'ms/row':>9}{'cpu s':>8}")
    for name, t in times.items():
        cpu_text = "-" if cpu_median.get(name) is None else f"{cpu_median[name]:.3f}"
        print(f"{name:<22}{median[name]:>10.3f}{min(t):>9.3f}{max(t):>9.3f}"
              f"{1000 * median[name] / len(sheet.rows):>9.1f}{cpu_text:>8}")
    print(f"challenge page: every field right in each of {len(page_ms)} runs; its own clock "
          f"(Start to the last submit) median {statistics.median(page_ms):.0f} ms")
    speedup = median["naive"] / median["form_filler"]
    print(f"speed-up over the naive baseline: {speedup:.2f}x; "
          f"target {len(sheet.rows)} rows under 1 s: "
          f"{'met' if median['form_filler'] < 1 else 'NOT met'}")
    print(json.dumps({
        "rows": len(sheet.rows), "fields": fields, "runs": args.runs,
        "form_filler_median_s": round(median["form_filler"], 4),
        "naive_median_s": round(median["naive"], 4),
        "form_filler_in_page_median_s": round(median["form_filler_in_page"], 4),
        "speedup_vs_naive": round(speedup, 2),
        "challenge_median_s": round(median["challenge"], 4),
        "challenge_page_clock_median_ms": statistics.median(page_ms),
        **{f"{name}_cpu_s": round(c, 4) for name, c in cpu_median.items() if c is not None},
        "load_average_1m_start": round(load_start, 2), "load_average_1m": round(load, 2),
        "cpus": os.cpu_count(),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
