"""The main job end to end: real ERP, real Chromium, real OCR, real workers.

Every document must end posted exactly once with exactly its fields, or in the
exception queue with the right code; nothing is posted twice; at least 80 % of
the problem-free documents go straight through.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psutil
import pytest
import yaml

from devdata.demo_inbox import POSTED, InboxPlan
from devdata.erp.chaos import Chaos
from devdata.erp.db import ErpDatabase
from devdata.erp.server import ErpServer
from devdata.mails import INTENTS
from skills.errors import ErrorCode
from tasks.demo import PipelineResult, collect_outcomes, run_pipeline
from workitems import ItemState, open_store
from workitems.processes import DEFAULT_CONFIG, REPO_ROOT
from workitems.room import overview as ov

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SMALL = InboxPlan(clean_pdf=7, scanned=2, einvoice=2, without_po=1, portal=2, seed=11)


def check_outcomes(result: PipelineResult) -> None:
    assert all(o.expected is not None for o in result.outcomes), "every item is a known file"
    seen = Counter(o.expected.sha256 for o in result.outcomes)  # type: ignore[union-attr]
    assert set(seen) == {e.sha256 for e in result.expected}, "every document became an item"
    assert max(seen.values()) == 1, "a document that arrived twice is one item"

    wrong = {o.file: (o.expected.outcome, o.state) for o in result.outcomes  # type: ignore
             if o.state != o.expected.outcome and o.state not in o.expected.alternatives
             and not (o.expected.outcome == POSTED and o.state == "LOW_CONFIDENCE")}
    assert not wrong, f"documents with the wrong outcome (expected, got): {wrong}"

    # Nothing posted twice, and every posting is exactly the invoice that was sent.
    keys = Counter((p.vendor_id, p.invoice_number) for p in result.postings)
    assert max(keys.values(), default=1) == 1, f"posted twice: {keys.most_common(3)}"
    by_doc = {p.document_number: p for p in result.postings}
    posted = [o for o in result.outcomes if o.state == POSTED]
    assert len(posted) == len(result.postings)
    for o in posted:
        truth, posting = o.expected.truth, by_doc[o.document_number]  # type: ignore[union-attr]
        assert (posting.vendor_id, posting.invoice_number, posting.invoice_date.isoformat(),
                posting.currency, posting.po_number) == (
            o.expected.vendor_id, truth.invoice_number, truth.invoice_date,  # type: ignore
            truth.currency, truth.po_number), o.file
        assert (posting.net_amount, posting.tax_amount, posting.total_amount) == (
            Decimal(truth.net_amount), Decimal(truth.tax_amount), Decimal(truth.total)), o.file

    clean = [o for o in result.outcomes
             if o.expected.outcome == POSTED and not o.expected.alternatives]  # type: ignore
    straight = [o for o in clean if o.state == POSTED]
    assert len(straight) >= 0.8 * len(clean), \
        f"straight-through {len(straight)}/{len(clean)}: {[(o.file, o.state) for o in clean]}"


def test_the_main_job_posts_or_queues_every_document(tmp_path: Path) -> None:
    result = run_pipeline(tmp_path / "run", SMALL, consumer_slots=2, quiet=True)
    check_outcomes(result)
    # One mail of each intent, each where it belongs (or with a person, when unsure).
    assert sorted(m.expected.intent for m in result.mails if m.expected) == sorted(INTENTS)
    astray = {m.file: (m.expected.outcome, m.state) for m in result.mails
              if m.expected and m.state not in (m.expected.outcome, *m.expected.alternatives)}
    assert not astray, f"mails routed wrongly (expected, got): {astray}"
    held = [o for o in result.outcomes if o.state == ErrorCode.VENDOR_ON_HOLD.value]
    assert held and all(o.expected.outcome == ErrorCode.VENDOR_ON_HOLD.value  # type: ignore
                        for o in held)
    assert (tmp_path / "run" / "ap-report.xlsx").exists()
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    posted = sum(o.state == POSTED for o in result.outcomes)
    assert (summary["wrong_postings"], summary["postings_checked"]) == (0, posted)
    # One figure everywhere: the reporter's rates are the Control Room overview's headline.
    with open_store(result.db_url) as store:
        figures = ov.overview(store, "24h")
    assert summary["invoices"] == len(result.outcomes) == figures.headline.dealt_with
    assert summary["straight_through"] == figures.headline.straight_through
    assert summary["straight_through_rate"] == round(figures.straight_through or 0, 4)


def _short_leases(tmp_path: Path) -> Path:
    """The real process definition with test-sized leases and retry delays."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    [consumer] = [s for s in config["processes"]["ap"]["steps"] if s["name"] == "consumer"]
    consumer["lease"] = "6s"
    consumer["retry"].update(max_attempts=8, initial_seconds=1, factor=2, max_seconds=4)
    path = tmp_path / "processes.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_chaos_and_a_killed_worker_change_nothing(tmp_path: Path) -> None:
    config = _short_leases(tmp_path)
    killed: list[int] = []

    def kill_one_bot_mid_item(step: str, worker: subprocess.Popen) -> None:
        if step != "consumer":
            return
        with open_store(db_url) as store:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not killed:
                if store.list_items(step="consumer", state=ItemState.IN_PROGRESS, limit=1):
                    time.sleep(1.0)  # well inside the item: reading it, or typing into the ERP
                    for bot in psutil.Process(worker.pid).children(recursive=True):
                        bot.kill()  # every bot of the worker dies with its item in hand
                    busy = store.list_items(step="consumer", state=ItemState.IN_PROGRESS)
                    killed.extend(item.id for item in busy)
                time.sleep(0.2)

    db_url = f"sqlite:///{tmp_path / 'chaos.db'}"
    chaos = Chaos(latency_ms=150, error_rate=0.08, timeout_rate=0.02, hang_seconds=2,
                  expiry_rate=0.05, seed=3)
    result = run_pipeline(tmp_path / "run", SMALL, consumer_slots=2, chaos=chaos,
                          db_url=db_url, config=config, quiet=True,
                          while_running=kill_one_bot_mid_item)
    assert killed, "a bot was killed mid-item"
    # The killed item's lease expires, retries come due: later scheduled runs finish them,
    # against the same ERP (its database), still in its chaos.
    with ErpServer(tmp_path / "run" / "erp.db", chaos=chaos) as erp:
        for _ in range(6):
            with open_store(db_url) as store:
                pending = store.counts("ap").get(("ap", "consumer"), {})
            if not pending.get("PENDING") and not pending.get("IN_PROGRESS"):
                break
            time.sleep(7)
            subprocess.run([sys.executable, "-m", "workitems", "--db", db_url, "worker",
                            "consumer", "--process", "ap", "--exit-when-empty", "--quiet",
                            "--config", str(config), "--logs", str(tmp_path / "logs")],
                           cwd=REPO_ROOT, check=True, timeout=600,
                           env={**os.environ, "AP_ERP_URL": erp.url})
    with open_store(db_url) as store:
        histories = [[e.kind for e in store.events(item_id)] for item_id in killed]
        pending = store.counts("ap").get(("ap", "consumer"), {})
    assert all("LEASE_EXPIRED" in kinds for kinds in histories), histories
    assert not pending.get("PENDING") and not pending.get("IN_PROGRESS")

    # Read the outcomes again: the later consumer runs finished what the first one left.
    postings = ErpDatabase(tmp_path / "run" / "erp.db").postings()
    check_outcomes(PipelineResult(result.expected, collect_outcomes(db_url, result.expected),
                                  postings, {}, db_url, tmp_path / "run"))
