"""A document's trace from intake to posting, through real workers: the producer and the
consumer run as separate bot processes and their spans join one trace, which the Control
Room's item page draws."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devdata.demo_inbox import OUR_COMPANIES, _truth_for_po
from devdata.erp.server import ErpServer
from devdata.generator.build import render_invoice
from devdata.master import load_master
from tests.tasks.bot_runs import PROCESS, register, run_step, write_ap_config
from tests.workitems.room.conftest import add_users, login, settings
from workitems import ItemState, open_store
from workitems.room import create_app
from workitems.tracing import trace_id_of


def an_invoice_pdf(number: str) -> bytes:
    """A real vendor's invoice for what it received on one of its orders."""
    master = load_master()
    po = next(o for o in master.purchase_orders
              if any(o.received_quantity(line.line) > 0 for line in o.lines))
    vendor = master.vendor(po.vendor_id)
    truth = _truth_for_po(random.Random(3), vendor, po, number)
    pdf, _, _ = render_invoice(3, 1, "train", truth=truth)
    return pdf


@pytest.mark.slow  # two worker runs and a browser: ~30 s
@pytest.mark.browser
def test_one_trace_follows_a_document_from_intake_to_posting(tmp_path: Path,
                                                             traces_file: Path) -> None:
    url = f"sqlite:///{tmp_path / 'workitems.db'}"
    config = write_ap_config(tmp_path, producer_attempts=1, consumer_attempts=1)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "RE-TRACE-1.pdf").write_bytes(an_invoice_pdf("RE-TRACE-1"))
    old = time.time() - 60  # copied in a while ago: the bot takes it now
    os.utime(inbox / "RE-TRACE-1.pdf", (old, old))
    with open_store(url) as store, ErpServer(tmp_path / "erp.db") as erp:
        register(store, config)
        store.create_item(PROCESS, "producer", {"trigger": "test"})
        env = {"AP_INBOX": str(inbox), "AP_ERP_URL": erp.url,
               "AP_OUR_COMPANIES": str(OUR_COMPANIES), "AP_OUTPUT": str(tmp_path / "out")}
        run_step(url, config, "producer", tmp_path / "logs", env)
        run_step(url, config, "consumer", tmp_path / "logs", env)

        [item] = store.list_items(process=PROCESS, step="consumer")
        item = store.get_item(item.id)
        assert item.state is ItemState.DONE, item.exception_message
        trace_id = trace_id_of(item.traceparent)
        spans = store.spans(trace_id)

        by_name = {s.name: s for s in spans}
        expected = {"intake", "ap/consumer", "read", "extract", "validate.vendor",
                    "validate.vendor_hold", "validate.bank_account", "validate.purchase_order",
                    "validate.amounts", "erp.login", "erp.vendor_and_order",
                    "erp.post_invoice"}
        assert expected <= set(by_name), sorted(by_name)
        assert {s.trace_id for s in spans} == {trace_id}
        # Two processes, one trace: the producer's intake span is the root, the consumer's
        # attempt hangs under it, and the consumer's steps under its attempt.
        intake, attempt = by_name["intake"], by_name["ap/consumer"]
        assert intake.parent_span_id is None and intake.service == "ap/producer"
        assert attempt.parent_span_id == intake.span_id and attempt.service == "ap/consumer"
        assert attempt.item_id == item.id
        for name in ("read", "extract", "validate.vendor", "validate.bank_account",
                     "validate.amounts", "erp.post_invoice"):
            assert by_name[name].parent_span_id == attempt.span_id, name
        assert by_name["erp.vendor_and_order"].parent_span_id == \
            by_name["validate.vendor"].span_id
        assert all(s.status != "ERROR" for s in spans)
        assert by_name["validate.amounts"].attributes["ap.findings"] == []
        assert intake.started_at < attempt.started_at < by_name["read"].started_at \
            < by_name["erp.post_invoice"].started_at < attempt.ended_at

        # The producer's attempt is a trace of its own, which the intake span links to.
        lines = [json.loads(line) for line in traces_file.read_text().splitlines()]
        [intake_line] = [s for s in lines if s["context"]["span_id"] == f"0x{intake.span_id}"]
        [link] = intake_line["links"]
        producer_spans = [s for s in lines if s["name"] == "ap/producer"
                          and s["context"]["trace_id"] == link["context"]["trace_id"]]
        assert len(producer_spans) == 1
        assert {s["context"]["span_id"] for s in lines
                if s["context"]["trace_id"] == f"0x{trace_id}"} == {
            f"0x{s.span_id}" for s in spans}

        # The item page draws the trace.
        add_users(store)
        with TestClient(create_app(store, settings()), base_url="http://127.0.0.1") as client:
            page = login(client, "clerk1").get(f"/items/{item.id}")
        assert page.status_code == 200, page.text
        assert f"Trace {trace_id}: {len(spans)} spans" in page.text
        assert page.text.count('<g class="span') == len(spans)
        assert ">erp.post_invoice</text>" in page.text
