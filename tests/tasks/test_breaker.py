"""The ERP down, then back: the consumer's circuit breaker keeps its items waiting instead
of spending their attempts, probes, and lets them through once the ERP answers. Real ERP
(stopped, then started again on its port), real Chromium, the real consumer under a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devdata.erp.server import ErpServer
from tests.tasks.bot_runs import PROCESS, approved_invoices
from workitems import ItemState, open_store
from workitems.processes import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def config(tmp_path: Path) -> Path:
    path = tmp_path / "processes.yaml"
    path.write_text("""
processes:
  ap:
    steps:
      - name: consumer
        task: tasks/consumer.py::consume
        next: reporter
        lease: 2m
        retry:
          max_attempts: 2
          initial_seconds: 0
          jitter: 0
          breaker: {target: erp, codes: [ERP_UNAVAILABLE, POSTING_UNCONFIRMED], after: 2,
                    open_seconds: 3, factor: 2, max_open_seconds: 6}
      - name: reporter
""", encoding="utf-8")
    return path


def wait_for(condition, timeout: float, every: float = 0.3):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def test_the_erp_down_then_back_fails_nothing_and_posts_each_invoice_once(
        tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'items.db'}"
    store = open_store(db_url)
    numbers = [f"RE-BRK-{n}" for n in range(4)]
    ids = approved_invoices(store, numbers)
    erp_db = tmp_path / "erp.db"
    with ErpServer(erp_db) as erp:  # seeded, then down: its port refuses connections
        url = erp.url
    worker = subprocess.Popen(
        [sys.executable, "-m", "workitems", "--db", db_url, "worker", "consumer", "--process",
         PROCESS, "--config", str(config(tmp_path)), "--quiet", "--logs", str(tmp_path / "logs"),
         "--poll", "0.2"], cwd=REPO_ROOT, env={**os.environ, "AP_ERP_URL": url})
    try:
        # Down: the breaker opens after two failures in a row; items wait, none fails.
        wait_for(lambda: [b for b in store.breakers() if b.state == "OPEN"], timeout=180)
        time.sleep(8)  # long enough for probes (after 3 s, then 6 s) to fail too
        items = [store.get_item(i) for i in ids]
        assert all(i.state in (ItemState.PENDING, ItemState.IN_PROGRESS) for i in items)
        assert max(i.attempts for i in items) <= 1, "waiting spends no attempts"
        [breaker] = store.breakers()
        assert breaker.state in ("OPEN", "HALF_OPEN") and breaker.times_opened >= 2
        reserved = sum(1 for e in store.events(limit=10_000)
                       if e.kind == "RESERVED" and e.actor != "demo-worker")  # not the seeding
        assert reserved <= 2 + breaker.times_opened, "no item taken while open but the probe"

        # Back, on the same address: the next probe succeeds and the queue drains.
        with ErpServer(erp_db, port=urlsplit(url).port) as back:
            wait_for(lambda: all(store.get_item(i).state is ItemState.DONE for i in ids),
                     timeout=240)
            postings = back.postings()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert sorted(p.invoice_number for p in postings) == numbers, "each posted once"
    assert store.breakers()[0].state == "CLOSED"
    kinds = Counter(e.kind for e in store.events(limit=10_000) if e.actor != "demo-worker")
    assert kinds["FAILED"] == 0 and kinds["COMPLETED"] == len(numbers)
    documents = {store.get_item(i).payload["posting"]["document_number"] for i in ids}
    assert documents == {p.document_number for p in postings}
    store.close()
