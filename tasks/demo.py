"""The main job, end to end on the embedded default (SQLite, files under output/demo/).

    python -m tasks.demo [--chaos] [--slots 2]

Starts the development ERP and supplier portal, writes an inbox of invoices
(born-digital, scanned, e-invoices, layouts the extraction model never saw, a credit
note, and deliberate problems), then runs the
producer, consumer and reporter bots through real workers, exactly as a
scheduler would, and ends with a summary: what was posted, what waits for a
person and why, and where to look next.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from devdata.demo_inbox import OUR_COMPANIES, POSTED, Expected, InboxPlan, build_inbox
from devdata.erp.chaos import Chaos
from devdata.erp.server import ErpServer
from devdata.portal.server import PortalServer
from workitems import ItemState, open_store
from workitems.processes import DEFAULT_CONFIG, REPO_ROOT, load_config

PROCESS = "ap"
console = Console()


@dataclass
class Outcome:
    file: str
    expected: Expected | None
    state: str  # POSTED, an exception code, or PENDING/IN_PROGRESS when unfinished
    item_id: int | None
    document_number: str | None = None


@dataclass
class PipelineResult:
    expected: list[Expected]  # every document written, with the outcome it must reach
    outcomes: list[Outcome]
    postings: list  # the ERP's own record of every posted invoice
    seconds: dict[str, float]
    db_url: str
    workdir: Path


StepHook = Callable[[str, subprocess.Popen], None]


def run_pipeline(workdir: Path, plan: InboxPlan | None = None, *, consumer_slots: int = 2,
                 chaos: Chaos | None = None, db_url: str | None = None,
                 config: Path = DEFAULT_CONFIG, quiet: bool = False,
                 while_running: StepHook | None = None) -> PipelineResult:
    """Everything the demo does, returned as data (the end-to-end test checks it)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    inbox, portal = workdir / "inbox", workdir / "portal"
    plan = plan or InboxPlan()
    total = (plan.clean_pdf + plan.scanned + plan.einvoice + plan.unseen_layouts
             + plan.credit_notes)
    with Progress(console=console, transient=True, disable=quiet) as bar:
        task = bar.add_task("writing the inbox", total=total)
        expected = build_inbox(inbox, portal, plan, progress=lambda: bar.advance(task))
    db_url = db_url or f"sqlite:///{workdir / 'workitems.db'}"
    with ErpServer(workdir / "erp.db", chaos=chaos) as erp, PortalServer(portal) as web:
        os.environ.update({
            "WORKITEMS_DB": db_url, "AP_ERP_URL": erp.url, "AP_PORTAL_URL": web.url,
            "AP_INBOX": str(inbox), "AP_OUTPUT": str(workdir),
            "AP_OUR_COMPANIES": str(OUR_COMPANIES)})
        seconds = _run_steps(db_url, consumer_slots, config, workdir / "logs", quiet,
                             while_running)
        postings = erp.postings()
    return PipelineResult(expected, collect_outcomes(db_url, expected), postings, seconds, db_url,
                          workdir)


def _run_steps(db_url: str, consumer_slots: int, config_path: Path, logs: Path, quiet: bool,
               while_running: StepHook | None) -> dict[str, float]:
    """Each step's worker in turn, with --exit-when-empty, as a scheduler would start them;
    ``while_running`` may meddle with a running worker (the chaos test kills one)."""
    config = load_config(config_path)
    with open_store(db_url) as store:
        store.register_process(PROCESS, config.steps(PROCESS),
                               config.processes[PROCESS].description)
        store.create_item(PROCESS, "producer", {"schedule": "demo"}, actor="demo")
    seconds = {}
    for step, slots in (("producer", 1), ("consumer", consumer_slots), ("reporter", 1)):
        started = time.monotonic()
        command = [sys.executable, "-m", "workitems", "--db", db_url, "worker", step,
                   "--process", PROCESS, "--slots", str(slots), "--exit-when-empty",
                   "--poll", "0.5", "--config", str(config_path), "--logs", str(logs)]
        if quiet:
            command.append("--quiet")
        else:
            console.rule(f"[bold]{step}")
        worker = subprocess.Popen(command, cwd=REPO_ROOT, text=True,
                                  stdout=subprocess.PIPE if quiet else None)
        if while_running:
            while_running(step, worker)
        out, _ = worker.communicate()
        if worker.returncode != 0:
            raise RuntimeError(f"the {step} worker failed (exit {worker.returncode}); see "
                               f"{logs}/{step}-slot*/console.log\n{out or ''}")
        seconds[step] = time.monotonic() - started
    return seconds


def collect_outcomes(db_url: str, expected: list[Expected]) -> list[Outcome]:
    by_sha = {e.sha256: e for e in expected}
    outcomes = []
    with open_store(db_url) as store:
        for item in store.list_items(process=PROCESS, step="consumer", limit=100_000):
            name = (item.payload.get("document") or {}).get("filename", "")
            posting = item.payload.get("posting") or {}
            if item.state is ItemState.DONE:
                state = POSTED
            elif item.state is ItemState.FAILED:
                state = item.exception_code or "FAILED"
            else:
                state = item.state.value
            outcomes.append(Outcome(name, by_sha.get(item.reference or ""), state, item.id,
                                    posting.get("document_number")))
    return sorted(outcomes, key=lambda o: o.file)


def print_summary(result: PipelineResult) -> None:
    outcomes = result.outcomes
    by_state = Counter(o.state for o in outcomes)
    clean = [o for o in outcomes if o.expected and o.expected.outcome == POSTED
             and not o.expected.alternatives]
    straight = [o for o in clean if o.state == POSTED]
    table = Table("outcome", "documents", title=f"{len(outcomes)} invoices")
    for state, n in sorted(by_state.items(), key=lambda kv: (kv[0] != POSTED, kv[0])):
        table.add_row(state, str(n))
    console.print(table)
    wrong = [o for o in outcomes if o.expected and o.state != o.expected.outcome
             and o.state not in o.expected.alternatives]
    if wrong:
        surprises = Table("file", "expected", "got", title="worth a look")
        for o in wrong:
            surprises.add_row(o.file, str(o.expected.outcome), o.state)  # type: ignore[union-attr]
        console.print(surprises)
    rate = len(straight) / len(clean) if clean else 0.0
    console.print(f"Straight-through: {len(straight)} of {len(clean)} problem-free invoices "
                  f"({rate:.0%}) posted without a person. Step times: " + ", ".join(
                      f"{k} {v:.0f}s" for k, v in result.seconds.items()))
    unseen = [o for o in outcomes if o.expected and o.expected.kind == "unseen layout"]
    if unseen:
        through = sum(o.state == POSTED for o in unseen)
        waiting = Counter(o.state for o in unseen if o.state != POSTED)
        console.print(f"Layouts the extraction model never saw: {through} of {len(unseen)} "
                      "posted without a person" + ("; waiting: " + ", ".join(
                          f"{n} {state}" for state, n in sorted(waiting.items()))
                          if waiting else "") + ".")
    report = result.workdir / "ap-report.xlsx"
    console.print(f"Report: {report if report.exists() else 'not written (see the reporter log)'}")
    console.print("Exception queue: create a user, then open the Control Room:\n"
                  f"  .venv/bin/workitems --db {result.db_url} room create-admin\n"
                  f"  .venv/bin/workitems --db {result.db_url} room serve\n"
                  f"Logs of every bot run: {result.workdir / 'logs'}/*/log.html")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chaos", action="store_true",
                        help="make the ERP slow and flaky (500s, timeouts, lost sessions)")
    parser.add_argument("--slots", type=int, default=2, help="consumer worker slots")
    args = parser.parse_args(argv)
    chaos = Chaos(error_rate=0.1, timeout_rate=0.03, hang_seconds=3, expiry_rate=0.05,
                  latency_ms=100, seed=1) if args.chaos else None
    console.rule("[bold]AP robots demo")
    result = run_pipeline(REPO_ROOT / "output" / "demo", chaos=chaos, consumer_slots=args.slots)
    print_summary(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
