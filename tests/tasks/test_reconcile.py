"""An invoice whose posting may have reached the ERP is settled from the ERP's records,
never failed on the bot's word: by the consumer when an attempt fails, and by
``python -m tasks.reconcile``. Real ERP, real Chromium, the real consumer under a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devdata.erp.chaos import Chaos
from devdata.erp.server import ErpServer
from devdata.master import load_master
from tests.tasks.bot_runs import approved_invoices, run_step, write_ap_config
from workitems import ItemState, Store, open_store
from workitems.processes import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]
VENDOR_SCREENS_DOWN = Chaos(down_paths=("/vendors",))  # the lookup screen still answers


@pytest.fixture
def store(tmp_path: Path):  # noqa: ANN201
    with open_store(f"sqlite:///{tmp_path / 'items.db'}") as opened:
        yield opened


def approved_item(store: Store) -> int:
    [item_id] = approved_invoices(store, ["RE-7781"])
    return item_id


def lose_the_answer(store: Store, item_id: int, state: ItemState = ItemState.PENDING) -> None:
    """What a crash right after the submit leaves: posting started, no posting recorded,
    no output published; the item back in the queue (or FAILED, attempts spent)."""
    payload = store.get_item(item_id).payload
    assert payload["posting_started"] and payload["posting_target"]
    with store.db.transaction() as cur:
        cur.execute("DELETE FROM items WHERE parent_id = :id", {"id": item_id})
        cur.execute(
            "UPDATE items SET state = :state, payload = :p, attempts = 0, available_at = 0, "
            "exception_type = :t, exception_code = :c WHERE id = :id",
            {"state": state.value, "p": store.db.json_param({**payload, "posting": None}),
             "t": "APPLICATION" if state is ItemState.FAILED else None,
             "c": "SESSION_EXPIRED" if state is ItemState.FAILED else None, "id": item_id})


def consume(store: Store, erp_url: str, tmp_path: Path, run: str) -> None:
    config = write_ap_config(tmp_path, consumer_attempts=1)  # every attempt is the last
    run_step(store.settings.db_url, config, "consumer", tmp_path / run,
             env={"AP_ERP_URL": erp_url, "AP_OUTPUT": str(tmp_path)}, timeout=300)


def reconcile(store: Store, erp_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tasks.reconcile", "--db",
                           store.settings.db_url], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "AP_ERP_URL": erp_url})


def test_a_posting_whose_answer_was_lost_is_settled_from_the_erp(store: Store,
                                                                 tmp_path: Path) -> None:
    item_id = approved_item(store)
    erp_db = tmp_path / "erp.db"
    with ErpServer(erp_db) as erp:
        consume(store, erp.url, tmp_path, "posted")
        [posting] = erp.postings()
    assert store.get_item(item_id).state is ItemState.DONE

    # The last attempt fails (the vendor screens are down) after a submit that landed:
    # the consumer asks the ERP, which has it.
    lose_the_answer(store, item_id)
    with ErpServer(erp_db, chaos=VENDOR_SCREENS_DOWN) as erp:
        consume(store, erp.url, tmp_path, "vendor-screens-down")
        assert [p.document_number for p in erp.postings()] == [posting.document_number]
    item = store.get_item(item_id)
    assert item.state is ItemState.DONE, (item.exception_code, item.exception_message)
    assert item.payload["posting"]["document_number"] == posting.document_number
    assert item.payload["posting"]["reconciled"] is True
    [output] = store.list_items(step="reporter")
    assert output.payload["posting"]["document_number"] == posting.document_number

    # The ERP cannot be asked at all: not a plain failure, but one that says so ...
    lose_the_answer(store, item_id)
    with ErpServer(erp_db) as erp:
        down_url = erp.url
    consume(store, down_url, tmp_path, "erp-down")
    item = store.get_item(item_id)
    assert (item.state, item.exception_code) == (ItemState.FAILED, "POSTING_UNCONFIRMED")
    assert "may already be in the ERP" in item.exception_message

    # ... and the reconciliation settles it once the ERP answers again.
    with ErpServer(erp_db) as erp:
        done = reconcile(store, erp.url)
        assert len(erp.postings()) == 1, "nothing was posted again"
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"item {item_id} (FAILED): DONE: the ERP has" in done.stdout
    item = store.get_item(item_id)
    assert item.state is ItemState.DONE
    assert item.payload["posting"]["document_number"] == posting.document_number
    assert [e.kind for e in store.events(item_id)][-1] == "MARKED_DONE"
    assert len(store.list_items(step="reporter")) == 1


def test_a_posting_the_erp_never_got_is_posted_after_all(store: Store, tmp_path: Path) -> None:
    item_id = approved_item(store)
    payload = store.get_item(item_id).payload
    payload["posting_started"] = datetime.now(UTC).isoformat()  # the submit never arrived
    order = payload["review"]["fields"]["po_number"]
    vendor = next(po.vendor_id for po in load_master().purchase_orders if po.po_number == order)
    payload["posting_target"] = {"vendor_id": vendor, "invoice_number": "RE-7781"}
    store.save_payload(item_id, payload, "test")
    erp_db = tmp_path / "erp.db"
    with ErpServer(erp_db, chaos=VENDOR_SCREENS_DOWN) as erp:
        consume(store, erp.url, tmp_path, "vendor-screens-down")
        assert erp.postings() == []
    item = store.get_item(item_id)
    # The ERP says it has no such invoice: the failure is the true one.
    assert (item.state, item.exception_code) == (ItemState.FAILED, "ERP_UNAVAILABLE")

    with ErpServer(erp_db) as erp:
        answer = reconcile(store, erp.url)
        assert answer.returncode == 0, answer.stdout + answer.stderr
        assert "back to the queue: the ERP has no invoice" in answer.stdout
        assert store.get_item(item_id).state is ItemState.PENDING
        consume(store, erp.url, tmp_path, "posted")
        [posting] = erp.postings()
    item = store.get_item(item_id)
    assert item.state is ItemState.DONE
    assert item.payload["posting"]["document_number"] == posting.document_number
    assert item.payload["posting"]["reconciled"] is False
