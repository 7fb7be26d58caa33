"""A bot killed (SIGKILL) on an invoice's last attempt is not the end of the item: the
consumer's settling attempt asks the ERP, and the item ends DONE with the ERP's document
number if the invoice got there, FAILED as before if it did not. Real ERP, real Chromium,
a real worker whose bot is killed; both store backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
import yaml

from devdata.erp.server import ErpServer
from devdata.master import load_master
from tests.tasks.bot_runs import approved_invoices, write_ap_config
from workitems import EventKind, ItemState, Store, open_store
from workitems.processes import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PAGE_DELAY_MS = 1000  # the posted invoice's confirmation page comes this late: time to kill


def settling_config(tmp_path: Path) -> Path:
    """One attempt (so every attempt is the last), a short lease, a settling attempt."""
    path = write_ap_config(tmp_path, consumer_attempts=1)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    [consumer] = [s for s in config["processes"]["ap"]["steps"] if s["name"] == "consumer"]
    consumer["lease"] = "4s"
    consumer["retry"]["settling_attempt"] = True
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def work_and_kill(store: Store, item_id: int, erp: ErpServer, tmp_path: Path,
                  moment: Callable[[], bool]) -> None:
    """A worker on the consumer queue; its bot is SIGKILLed at ``moment``; the worker
    restarts the slot, and is stopped once the item is DONE or FAILED."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "workitems", "--db", store.settings.db_url, "worker",
         "consumer", "--process", "ap", "--config", str(settling_config(tmp_path)), "--quiet",
         "--poll", "0.2", "--logs", str(tmp_path / "logs")], cwd=REPO_ROOT,
        env={**os.environ, "AP_ERP_URL": erp.url, "AP_OUTPUT": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not moment():
            assert time.monotonic() < deadline and worker.poll() is None, "never got there"
            time.sleep(0.05)
        [bot] = psutil.Process(worker.pid).children()
        bot.kill()
        held = store.get_item(item_id)
        assert held.state is ItemState.IN_PROGRESS and held.payload.get("posting") is None, \
            "the bot was killed before it recorded anything"
        while store.get_item(item_id).state not in (ItemState.DONE, ItemState.FAILED):
            assert time.monotonic() < deadline and worker.poll() is None, "never settled"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(90)


def settling_history(store: Store, item_id: int) -> list[tuple[str, dict]]:
    return [(e.kind, e.details) for e in store.events(item_id)
            if e.kind in (EventKind.LEASE_EXPIRED, EventKind.RESERVED)][-2:]


def assert_settled_once(store: Store, item_id: int) -> None:
    """Its history says: the last attempt's lease expired, one settling attempt followed."""
    item = store.get_item(item_id)
    assert item.attempts == 2
    [(expired, expiry), (reserved, reservation)] = settling_history(store, item_id)
    assert (expired, expiry["attempt"], expiry["settling_attempt_next"]) == (
        EventKind.LEASE_EXPIRED, 1, True)
    assert (reserved, reservation) == (EventKind.RESERVED, {"attempt": 2, "settling": True})


def test_a_bot_killed_after_its_post_leaves_the_item_done_with_the_erps_number(
        store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as store, ErpServer(
            tmp_path / "erp.db", page_delay_ms=PAGE_DELAY_MS) as erp:
        [item_id] = approved_invoices(store, ["RE-7781"])
        work_and_kill(store, item_id, erp, tmp_path, moment=lambda: bool(erp.postings()))
        [posting] = erp.postings()  # posted once: the settling attempt posted nothing
        item = store.get_item(item_id)
        assert item.state is ItemState.DONE, (item.exception_code, item.exception_message)
        assert item.payload["posting"]["document_number"] == posting.document_number
        assert item.payload["posting"]["reconciled"] is True
        assert_settled_once(store, item_id)
        [output] = store.list_items(step="reporter")
        assert output.payload["posting"]["document_number"] == posting.document_number


def test_a_bot_killed_before_its_invoice_reached_the_erp_leaves_the_item_failed(
        store_url: str, tmp_path: Path) -> None:
    with open_store(store_url) as store, ErpServer(
            tmp_path / "erp.db", page_delay_ms=PAGE_DELAY_MS) as erp:
        [item_id] = approved_invoices(store, ["RE-7781"])
        # An earlier attempt started posting and never got through: the ERP must be asked.
        payload = store.get_item(item_id).payload
        order = payload["review"]["fields"]["po_number"]
        vendor = next(po.vendor_id for po in load_master().purchase_orders
                      if po.po_number == order)
        payload.update(posting_started=datetime.now(UTC).isoformat(),
                       posting_target={"vendor_id": vendor, "invoice_number": "RE-7781"})
        store.save_payload(item_id, payload, "test")
        # Killed early in the attempt (logging on), long before any submit.
        work_and_kill(store, item_id, erp, tmp_path,
                      moment=lambda: store.get_item(item_id).state is ItemState.IN_PROGRESS)
        assert erp.postings() == []
        item = store.get_item(item_id)
        assert (item.state, item.exception_code) == (ItemState.FAILED, "LEASE_EXPIRED")
        assert "stopped on its last attempt" in item.exception_message
        assert_settled_once(store, item_id)
        assert store.list_items(step="reporter") == []
