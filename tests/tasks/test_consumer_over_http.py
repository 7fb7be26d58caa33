"""The real consumer bot, unchanged, on a worker machine with no database credentials:
`workitems worker consumer --via URL` and Robocorp's stock adapter against our Control
Room, reading the devdata documents (a PDF, a scan through OCR) and posting into the
development ERP with Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devdata.erp.server import ErpServer
from tests.tasks.bot_runs import PROCESS, register, write_ap_config
from tests.workitems.test_worker_via_http import NO_DATABASE
from workitems import ExceptionType, ItemState, Store
from workitems.processes import REPO_ROOT
from workitems.room import RoomSettings, runs
from workitems.room.background import BackgroundServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_consumer_posts_over_http(store: Store, store_url: str, tmp_path: Path) -> None:
    config = write_ap_config(tmp_path)
    register(store, config)
    seeded = subprocess.run([sys.executable, "-m", "workitems", "--db", store_url, "seed",
                             "devdata/work-items-in/consumer"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    items = {i.payload["document"]["filename"]: i.id
             for i in store.list_items(process=PROCESS, step="consumer")}
    _, token = runs.create_runner_token(store, "worker-7", PROCESS, "consumer")

    with ErpServer(tmp_path / "erp.db") as erp, \
            BackgroundServer(store, RoomSettings(secret_key="test-secret")) as room:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("AP_")}
        env = {**clean, "WORKITEMS_RUNNER_TOKEN": token, "WORKITEMS_DB": NO_DATABASE,
               "AP_ERP_URL": erp.url, "AP_OUTPUT": str(tmp_path),
               "AP_OUR_COMPANIES": "devdata/our-companies.json"}
        done = subprocess.run([sys.executable, "-m", "workitems", "worker", "consumer",
                               "--process", PROCESS, "--config", str(config), "--via", room.url,
                               "--exit-when-empty", "--quiet", "--logs", str(tmp_path / "logs"),
                               "--poll", "0.2"], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        console = (tmp_path / "logs" / "consumer-slot1" / "console.log").read_text(
            errors="replace")
        assert done.returncode == 0, done.stdout + done.stderr + console
        assert "restarting" not in done.stderr, "a failed item does not fail the bot's run"
        postings = erp.postings()

    posted = store.get_item(items["001-INV-20261.pdf"])
    assert posted.state is ItemState.DONE, (posted.exception_code, posted.exception_message)
    [posting] = postings
    assert posting.invoice_number == "INV-20261"
    assert posted.payload["posting"]["document_number"] == posting.document_number
    [output] = store.list_items(process=PROCESS, step="reporter")
    assert output.parent_id == posted.id
    scanned = store.get_item(items["002-INV-20262.jpg"])
    assert (scanned.state, scanned.exception_type) == (ItemState.FAILED, ExceptionType.BUSINESS)
    assert scanned.payload["extracted"]["fields"], "the scan was read over HTTP (its file)"
    events = store.events(limit=1000)
    assert [e.kind for e in events if e.item_id == posted.id].count("COMPLETED") == 1
    assert {e.actor.rsplit(" via ", 1)[-1] for e in events
            if e.kind in ("RESERVED", "COMPLETED", "FAILED")} == {"worker-7"}
