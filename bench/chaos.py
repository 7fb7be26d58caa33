"""Exactly once, checked from outside: approved invoices through two consumer workers
while the run is hit at its worst moments, then checked against the ERP's own database
and the store's event log.

Faults, in this order, each as soon as an item is in a bot's hands:

- ``kill-after-post``: a bot killed (SIGKILL) right after its invoice reached the ERP
  (a new row in the ERP's database while the item is still IN_PROGRESS);
- ``kill-worker``: a worker killed (SIGKILL) mid-item, a replacement started; its bot
  must die with it;
- ``pause-bot``: a bot stopped (SIGSTOP) past its lease, so another worker finishes its
  item, then resumed: its writes must be refused;
- ``erp-restart``: the ERP stopped (4 s, or ``--erp-down`` seconds), then started on
  the same port; the consumer's circuit breaker keeps items waiting meanwhile;
- ``kill-after-post`` once more.

The ERP runs with light chaos throughout (500s, dropped sessions, latency). When the
queue is empty the workers stop, ``python -m tasks.reconcile`` settles what needs
it, and the run is checked: every invoice in the ERP exactly once (none lost, none
twice), every item DONE with the ERP's document number of its invoice, no item
completed twice and nothing written to an item after it was done, no bot left over.

    python -m bench.chaos [--invoices 12] [--erp-down 60] [--pg postgresql://... | --sqlite]

Prints a table, then one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
from rich.console import Console
from rich.table import Table

from devdata.approved_invoices import approved_invoices
from devdata.erp.chaos import Chaos
from devdata.erp.db import ErpDatabase
from devdata.erp.server import ErpServer
from workitems import ItemState, Store, open_store
from workitems.processes import REPO_ROOT

LEASE_SECONDS = 6
CHAOS = Chaos(latency_ms=80, error_rate=0.03, expiry_rate=0.03, seed=16)
FAULTS = ("kill-after-post", "kill-worker", "pause-bot", "erp-restart", "kill-after-post")
CONFIG = f"""
processes:
  ap:
    steps:
      - name: consumer
        task: tasks/consumer.py::consume
        next: reporter
        lease: {LEASE_SECONDS}s
        retry:
          max_attempts: 4
          initial_seconds: 1
          jitter: 0
          breaker: {{target: erp, codes: [ERP_UNAVAILABLE, POSTING_UNCONFIRMED], after: 3,
                    open_seconds: 2, max_open_seconds: 8}}
          settling_attempt: true
      - name: reporter
"""
console = Console(stderr=True)


class Run:
    """The workers, the ERP and the faults of one chaos run."""

    def __init__(self, workdir: Path, db_url: str, erp_down: float) -> None:
        self.workdir, self.db_url, self.erp_down = workdir, db_url, erp_down
        self.config = workdir / "processes.yaml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.erp_db = workdir / "erp.db"
        self.erp = ErpServer(self.erp_db, chaos=CHAOS, page_delay_ms=100)
        self.erp.start()
        self.port = urlsplit(self.erp.url).port
        self.workers: list[subprocess.Popen] = []
        self.orphans: list[int] = []  # bots found alive 5 s after their worker was killed
        self.injected: Counter[str] = Counter()

    def start_worker(self) -> None:
        n = len(self.workers)
        self.workers.append(subprocess.Popen(
            [sys.executable, "-m", "workitems", "--db", self.db_url, "worker", "consumer",
             "--process", "ap", "--config", str(self.config), "--quiet", "--poll", "0.2",
             "--logs", str(self.workdir / f"logs-{n}")], cwd=REPO_ROOT,
            env={**os.environ, "AP_ERP_URL": self.erp.url, "AP_OUTPUT": str(self.workdir)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def stop_workers(self) -> None:
        for w in self.workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in self.workers:
            try:
                w.wait(90)
            except subprocess.TimeoutExpired:
                w.kill()

    # -- faults ----------------------------------------------------------------------

    def holder(self, store: Store, invoices: set[str] | None = None,
               ) -> tuple[int, psutil.Process, psutil.Process] | None:
        """An item in a bot's hands (one posting one of ``invoices``, if given):
        (item id, its worker, its bot)."""
        for item in store.list_items(step="consumer", state=ItemState.IN_PROGRESS):
            target = (item.payload.get("posting_target") or {}).get("invoice_number")
            if invoices is not None and target not in invoices:
                continue
            try:
                worker = psutil.Process(int((item.lease_owner or "").split(":")[-2]))
                bots = worker.children()
            except (ValueError, IndexError, psutil.Error):
                continue
            if bots:
                return item.id, worker, bots[0]
        return None

    def kill_after_post(self, store: Store, seen: set[str]) -> bool:
        new = {p.invoice_number for p in ErpDatabase(self.erp_db).postings()} - seen
        seen |= new
        held = self.holder(store, new) if new else None
        if held is None:
            return False
        held[2].kill()  # the ERP has its invoice; the bot dies before recording the answer
        return True

    def kill_worker(self, store: Store) -> bool:
        held = self.holder(store)
        if held is None:
            return False
        _, worker, bot = held
        worker.kill()  # it can forward nothing; its bot must die with it
        _, alive = psutil.wait_procs([bot], timeout=5)
        self.orphans += [p.pid for p in alive]
        self.start_worker()
        return True

    def pause_bot(self, store: Store) -> bool:
        held = self.holder(store)
        if held is None:
            return False
        item_id, _, bot = held
        bot.suspend()  # heartbeat too: the lease runs out, another worker takes the item
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.get_item(item_id).state in (
                ItemState.IN_PROGRESS, ItemState.PENDING):
            time.sleep(0.2)
        bot.resume()  # it goes on with its item: every write it makes must be refused
        return True

    def restart_erp(self, store: Store) -> bool:
        if self.holder(store) is None:
            return False
        self.erp.stop()
        time.sleep(self.erp_down)
        self.erp = ErpServer(self.erp_db, chaos=CHAOS, page_delay_ms=100, port=self.port)
        self.erp.start()
        return True

    def inject(self, store: Store, timeout: float) -> None:
        seen = {p.invoice_number for p in ErpDatabase(self.erp_db).postings()}
        deadline = time.monotonic() + timeout
        for fault in FAULTS:
            seen |= {p.invoice_number for p in ErpDatabase(self.erp_db).postings()}
            while time.monotonic() < deadline:
                if self._try(fault, store, seen):
                    self.injected[fault] += 1
                    console.print(f"  fault: {fault}")
                    break
                time.sleep(0.05)

    def _try(self, fault: str, store: Store, seen: set[str]) -> bool:
        if fault == "kill-after-post":
            return self.kill_after_post(store, seen)
        if fault == "kill-worker":
            return self.kill_worker(store)
        if fault == "pause-bot":
            return self.pause_bot(store)
        return self.restart_erp(store)

    def drain(self, store: Store, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = store.counts("ap").get(("ap", "consumer"), {})
            if not states.get("PENDING") and not states.get("IN_PROGRESS"):
                return
            time.sleep(0.5)


def check(store: Store, erp_db: Path, ids: list[int], numbers: list[str]) -> dict[str, int]:
    """What the ERP's database and the event log say about the run."""
    postings = ErpDatabase(erp_db).postings()
    posted = Counter(p.invoice_number for p in postings)
    by_number = {p.invoice_number: p.document_number for p in postings}
    items = [store.get_item(i) for i in ids]
    events = store.events(limit=1_000_000)
    completed = Counter(e.item_id for e in events if e.kind == "COMPLETED")
    finished_at = {}
    for e in events:
        if e.kind in ("COMPLETED", "MARKED_DONE") and e.item_id in ids:
            finished_at.setdefault(e.item_id, e.id)
    late_writes = [e for e in events if e.item_id in finished_at and e.id > finished_at[e.item_id]
                   and e.kind in ("PAYLOAD_UPDATED", "FILE_ADDED", "FILE_REMOVED")]
    wrong = [i.id for i in items if i.state is ItemState.DONE and (i.payload.get("posting") or {})
             .get("document_number") != by_number.get(i.payload["review"]["fields"]
                                                      ["invoice_number"])]
    return {
        "invoices": len(numbers),
        "posted_once": sum(1 for n in numbers if posted[n] == 1),
        "posted_twice": sum(1 for n in numbers if posted[n] > 1),
        "lost": sum(1 for n in numbers if posted[n] == 0),
        "items_done": sum(1 for i in items if i.state is ItemState.DONE),
        "items_failed": sum(1 for i in items if i.state is ItemState.FAILED),
        "wrong_document_number": len(wrong),
        "completed_twice": sum(1 for n in completed.values() if n > 1),
        "writes_after_done": len(late_writes),
        "lease_expiries": sum(1 for e in events if e.kind == "LEASE_EXPIRED"),
        "reconciled_by_bot": sum(1 for i in items
                                 if (i.payload.get("posting") or {}).get("reconciled")),
        "settled_by_command": sum(1 for e in events if e.kind == "MARKED_DONE"
                                  and e.actor == "reconciliation"),
    }


def _refusals(workdir: Path) -> int:
    """Writes or releases the store refused to a bot whose lease was gone (the bots' logs)."""
    return sum(log.read_text(errors="replace").count("no longer leased to this worker")
               for log in workdir.glob("logs-*/*/console.log"))


def run(db_url: str, invoices: int, workdir: Path, erp_down: float) -> dict[str, float]:
    started = time.monotonic()
    store = open_store(db_url)
    numbers = [f"CH-{secrets.token_hex(2).upper()}-{n:03d}" for n in range(invoices)]
    ids = approved_invoices(store, numbers)
    chaos = Run(workdir, db_url, erp_down)
    try:
        for _ in range(2):
            chaos.start_worker()
        chaos.inject(store, timeout=240)
        chaos.drain(store, timeout=300)
    finally:
        chaos.stop_workers()
    settle = subprocess.run([sys.executable, "-m", "tasks.reconcile", "--db", db_url],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "AP_ERP_URL": chaos.erp.url})
    console.print(settle.stdout.strip())
    chaos.erp.stop()
    figures = check(store, chaos.erp_db, ids, numbers)
    figures["refusals_logged"] = _refusals(workdir)
    figures["breaker_opened"] = sum(b.times_opened for b in store.breakers())
    store.close()
    figures.update({f"fault_{k.replace('-', '_')}": v for k, v in chaos.injected.items()},
                   orphan_bots=len(chaos.orphans), seconds=round(time.monotonic() - started, 1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=12)
    parser.add_argument("--pg", default=os.environ.get(
        "WORKITEMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--erp-down", type=float, default=4.0,
                        help="seconds the ERP stays down when it is restarted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        workdir = Path(tmp)
        if args.sqlite:
            figures = run(f"sqlite:///{workdir / 'items.db'}", args.invoices, workdir,
                          args.erp_down)
        else:
            figures = _on_fresh_schema(args.pg, lambda url: run(url, args.invoices, workdir,
                                                                args.erp_down))
    figures["erp_down_seconds"] = args.erp_down
    table = Table(title="chaos run: exactly once, from the ERP's database and the event log")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, str(value))
    Console().print(table)
    print(json.dumps(figures))
    bad = ("posted_twice", "lost", "items_failed", "wrong_document_number", "completed_twice",
           "writes_after_done", "orphan_bots")
    sys.exit(1 if any(figures[k] for k in bad) else 0)


def _on_fresh_schema(pg: str, body):  # noqa: ANN001, ANN202
    import psycopg

    schema = f"chaos_{secrets.token_hex(4)}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        return body(f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
