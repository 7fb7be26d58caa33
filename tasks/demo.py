"""The main job, end to end on the embedded default (SQLite, files under output/demo/).

    python -m tasks.demo [--chaos] [--slots 2]

Starts the development ERP and supplier portal, writes an inbox of invoices
(born-digital, scanned, e-invoices, layouts the extraction model never saw, a credit
note, and deliberate problems), then runs the
producer, consumer and reporter bots through real workers, exactly as a
scheduler would, and ends with a summary: what was posted, what waits for a
person and why, and where to look next. A previous run in output/demo/ is moved aside
first (output/demo-<time>/), and workitems.env points the `workitems` commands it prints
at the new run's database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from devdata.demo_inbox import OUR_COMPANIES, POSTED, Expected, InboxPlan, build_inbox
from devdata.demo_mails import ROUTED, ExpectedMail, write_mails
from devdata.erp.chaos import Chaos
from devdata.erp.server import ErpServer
from devdata.master import load_master
from devdata.portal.server import PortalServer
from tasks.sources.folder import SETTLE_SECONDS
from workitems import Item, ItemState, open_store
from workitems.config import ENV_FILE, write_env_file
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
class MailOutcome:
    file: str
    expected: ExpectedMail | None
    intent: str  # what the model said
    confidence: float
    state: str  # ROUTED (its documents went to the consumer), a code, or PENDING/IN_PROGRESS
    item_id: int
    documents: list[str] = field(default_factory=list)  # the outcomes of the routed documents


@dataclass
class PipelineResult:
    expected: list[Expected]  # every document written, with the outcome it must reach
    outcomes: list[Outcome]
    postings: list  # the ERP's own record of every posted invoice
    seconds: dict[str, float]
    db_url: str
    workdir: Path
    mails: list[MailOutcome] = field(default_factory=list)


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
    later = workdir / "later"  # mails delivered at the next poll
    mails = (write_mails(inbox, expected, load_master(), later)
             if plan.mails and plan.problems else [])
    _settled(inbox)
    db_url = db_url or f"sqlite:///{workdir / 'workitems.db'}"
    truth = write_truth(expected, workdir / "truth.json")
    with ErpServer(workdir / "erp.db", chaos=chaos) as erp, PortalServer(portal) as web:
        os.environ.update({
            "WORKITEMS_DB": db_url, "AP_ERP_URL": erp.url, "AP_PORTAL_URL": web.url,
            "AP_INBOX": str(inbox), "AP_OUTPUT": str(workdir), "AP_TRUTH": str(truth),
            "AP_OUR_COMPANIES": str(OUR_COMPANIES)})
        seconds = _run_steps(db_url, consumer_slots, config, workdir / "logs", quiet,
                             while_running)
        if later.exists():  # the next poll: a reminder of an invoice the first one brought
            for path in sorted(later.iterdir()):
                path.rename(inbox / path.name)
            seconds.update({f"{step} (next poll)": s for step, s in _run_steps(
                db_url, consumer_slots, config, workdir / "logs", quiet, None,
                only=("producer", "triage")).items()})
        postings = erp.postings()
    outcomes = collect_outcomes(db_url, expected)
    return PipelineResult(expected, outcomes, postings, seconds, db_url, workdir,
                          collect_mails(db_url, mails, outcomes))


def _settled(inbox: Path) -> None:
    """Date the inbox's files back past the folder source's settling time: the demo wrote
    them whole, and on a fast machine the producer would otherwise leave the newest for
    its next poll, as it does with a file a scanner is still writing."""
    past = time.time() - 2 * SETTLE_SECONDS
    for path in inbox.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def write_truth(expected: list[Expected], path: Path) -> Path:
    """The generated documents' true fields by sha256 (``AP_TRUTH``): the reporter checks
    every posting against them (``wrong_postings`` in summary.json)."""
    truth = {e.sha256: {"vendor_id": e.vendor_id, "invoice_number": e.truth.invoice_number,
                        "invoice_date": e.truth.invoice_date, "currency": e.truth.currency,
                        "total": e.truth.total}
             for e in expected if e.truth is not None and e.sha256}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return path


def _run_steps(db_url: str, consumer_slots: int, config_path: Path, logs: Path, quiet: bool,
               while_running: StepHook | None,
               only: tuple[str, ...] | None = None) -> dict[str, float]:
    """Each step's worker in turn, with --exit-when-empty, as a scheduler would start them;
    ``while_running`` may meddle with a running worker (the chaos test kills one)."""
    config = load_config(config_path)
    with open_store(db_url) as store:
        store.register_process(PROCESS, config.steps(PROCESS),
                               config.processes[PROCESS].description)
        store.create_item(PROCESS, "producer", {"schedule": "demo"}, actor="demo")
    seconds = {}
    steps = [s.name for s in config.steps(PROCESS)  # in order: producer, triage, consumer...
             if only is None or s.name in only]
    for step, slots in ((s, consumer_slots if s == "consumer" else 1) for s in steps):
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
            state = _state_of(item, POSTED)
            outcomes.append(Outcome(name, by_sha.get(item.reference or ""), state, item.id,
                                    posting.get("document_number")))
    return sorted(outcomes, key=lambda o: o.file)


def _state_of(item: Item, done: str) -> str:
    """An item's outcome as the summary names it: ``done``, its exception code, or its state."""
    if item.state is ItemState.DONE:
        return done
    if item.state is ItemState.FAILED:
        return item.exception_code or "FAILED"
    return item.state.value


def collect_mails(db_url: str, expected: list[ExpectedMail],
                  outcomes: list[Outcome]) -> list[MailOutcome]:
    """Every mail item of the triage step: what the model said, and where it went."""
    by_sha = {e.sha256: e for e in expected}
    by_item = {o.item_id: o for o in outcomes}
    found = []
    with open_store(db_url) as store:
        invoices = store.list_items(process=PROCESS, step="consumer", limit=100_000)
        sent: dict[str, list[str]] = {}  # mail reference: its documents' outcomes
        for item in invoices:
            outcome = by_item.get(item.id)
            if isinstance(item.payload, dict) and item.payload.get("mail_reference") and outcome:
                sent.setdefault(item.payload["mail_reference"], []).append(
                    f"{outcome.file}: {outcome.state}")
        for item in store.list_items(process=PROCESS, step="triage", limit=100_000):
            payload = item.payload if isinstance(item.payload, dict) else {}
            if payload.get("kind") != "mail":
                continue  # an invoice passing through
            triage = payload.get("triage") or {}
            state = _state_of(item, ROUTED)
            documents = sent.pop(item.reference or "", []) or [
                f"{a['file']}: waits in the mail" for a in payload.get("attachments") or []
                if a.get("file")]
            found.append(MailOutcome(_mail_file(payload), by_sha.get(item.reference or ""),
                                     triage.get("intent", ""), triage.get("confidence", 0.0),
                                     state, item.id, documents))
        # Sure invoice and credit-note mails: their documents went straight to the consumer.
        for item in invoices:
            payload = item.payload if isinstance(item.payload, dict) else {}
            if (reference := payload.get("mail_reference")) in sent:
                found.append(MailOutcome(_mail_file(payload), by_sha.get(reference),
                                         payload.get("mail_intent") or "",
                                         payload.get("mail_confidence") or 0.0, ROUTED, item.id,
                                         sent.pop(reference)))
    return sorted(found, key=lambda m: m.file)


def _mail_file(payload: dict) -> str:
    return Path((payload.get("source") or {}).get("name", "")).name


def print_mails(mails: list[MailOutcome]) -> None:
    """The mailbox by intent, and where each mail went."""
    if not mails:
        return
    table = Table("mail", "intent (model)", "went to", title=f"{len(mails)} mails, by intent")
    for m in sorted(mails, key=lambda m: (m.intent, m.file)):
        where = {ROUTED: "consumer"}.get(m.state, f"triage queue: {m.state}")
        if m.documents:
            where += " (" + "; ".join(m.documents) + ")"
        late = " (next poll)" if m.expected and m.expected.later else ""
        table.add_row(m.file + late, f"{m.intent} {m.confidence:.0%}", where)
    console.print(table)
    by_intent = Counter(m.intent for m in mails)
    console.print("Mails by intent: " + ", ".join(f"{k} {n}" for k, n in sorted(by_intent.items()))
                  + ". The triage queue is the Control Room's queue filtered by these codes.",
                  highlight=False)
    wrong = [m for m in mails if m.expected and m.state != m.expected.outcome
             and m.state not in m.expected.alternatives]
    if wrong:
        surprises = Table("mail", "expected", "got", title="mails worth a look")
        for m in wrong:
            surprises.add_row(m.file, m.expected.outcome, m.state)  # type: ignore[union-attr]
        console.print(surprises)


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
    print_mails(result.mails)
    print_rates(result.workdir / "summary.json")
    console.print(f"Of the {len(clean)} problem-free invoices, {len(straight)} were posted by "
                  "the bots alone. Step times: " + ", ".join(
                      f"{k} {v:.0f}s" for k, v in result.seconds.items()), highlight=False)
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
    console.print(f"Logs of every bot run: {result.workdir / 'logs'}/*/log.html")


def print_rates(summary_file: Path) -> None:
    """The reporter's own figures (summary.json), so the terminal, the workbook and the
    Control Room say the same."""
    if not summary_file.exists():
        console.print("No summary.json: the reporter did not finish (see its log).")
        return
    f = json.loads(summary_file.read_text(encoding="utf-8"))
    if f.get("straight_through_rate") is not None:
        console.print(
            f"Straight-through: {f['straight_through_rate'] * 100:.1f} % ({f['straight_through']}"
            f" of {f['invoices']} invoices posted with no person involved); human intervention "
            f"{f['human_intervention_rate'] * 100:.1f} % ({f['human_intervention']}).\n"
            f"  Counted {f['rate_definition']}. summary.json, the workbook and the Control "
            "Room's overview say the same.", highlight=False)
    if f.get("wrong_postings") is not None:
        console.print(f"Wrong postings: {f['wrong_postings']} of {f['postings_checked']} "
                      "postings differ from the generated documents' true values.",
                      highlight=False)


def print_next_steps(result: PipelineResult, env_file: Path | None) -> None:
    """The commands to go on with, exactly as they work in this folder."""
    failed = [o for o in result.outcomes if o.state not in (POSTED, "PENDING", "IN_PROGRESS")]
    example = failed[0].item_id if failed else (result.outcomes[0].item_id
                                                if result.outcomes else 1)
    db = "" if env_file else f" --db {result.db_url}"
    lines = [(f".venv/bin/workitems{db} list --state FAILED", "the exception queue, at a terminal"),
             (f".venv/bin/workitems{db} show {example}", "one item and why it stopped"),
             ("make room", "the Control Room: approve an item, watch it post")]
    width = max(len(command) for command, _ in lines) + 3
    console.print("Next:\n" + "\n".join(f"  {command:<{width}}{what}" for command, what in lines),
                  highlight=False)
    if env_file:
        console.print(f"These commands use the demo's database ({result.db_url}): {env_file.name} "
                      "names it for every `workitems` command run in this folder. Delete "
                      f"{env_file.name} to go back to the default database.", highlight=False)


def keep_previous_run(workdir: Path) -> Path | None:
    """Move an earlier run (its items, users and approvals) aside instead of deleting it:
    to ``<workdir>-<when it last changed>``."""
    if not workdir.exists():
        return None
    newest = max((p.stat().st_mtime for p in workdir.rglob("*")), default=workdir.stat().st_mtime)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(newest))
    target = workdir.with_name(f"{workdir.name}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = workdir.with_name(f"{workdir.name}-{stamp}-{n}")
    workdir.rename(target)
    return target


def point_commands_at(db_url: str, folder: Path) -> Path:
    """Write ``workitems.env`` so that `workitems ...` and `make room` in ``folder`` open the
    demo's database without a --db."""
    comment = ("Written by `make demo`: the `workitems` commands run in this folder use the\n"
               "demo's database. Delete this file to go back to the default "
               "(output/workitems.db).")
    return write_env_file({"WORKITEMS_DB": db_url}, comment, folder / ENV_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chaos", action="store_true",
                        help="make the ERP slow and flaky (500s, timeouts, lost sessions)")
    parser.add_argument("--slots", type=int, default=2, help="consumer worker slots")
    args = parser.parse_args(argv)
    chaos = Chaos(error_rate=0.1, timeout_rate=0.03, hang_seconds=3, expiry_rate=0.05,
                  latency_ms=100, seed=1) if args.chaos else None
    console.rule("[bold]AP robots demo")
    # A database named in the environment wins over workitems.env: then print --db.
    env_wins = "WORKITEMS_DB" in os.environ
    workdir = REPO_ROOT / "output" / "demo"
    kept = keep_previous_run(workdir)
    if kept:
        console.print(f"The previous run (its items, users and approvals) is kept in "
                      f"{kept.relative_to(REPO_ROOT)}; delete it when you no longer need it.",
                      highlight=False)
    db_url = f"sqlite:///{workdir.relative_to(REPO_ROOT) / 'workitems.db'}"
    result = run_pipeline(workdir, chaos=chaos, consumer_slots=args.slots,
                          db_url=f"sqlite:///{workdir / 'workitems.db'}")
    result.db_url = db_url  # as the printed commands, run from the project folder, name it
    print_summary(result)
    env_file = point_commands_at(db_url, REPO_ROOT)
    print_next_steps(result, None if env_wins else env_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
