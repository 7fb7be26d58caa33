"""The triage step through real workers: the producer reads saved mails from the watched
folder, the triage step sends invoices on to the consumer and mails to the clerks' queue
with what it found, and a person's re-routing sends a mail's document on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from skills.errors import ErrorCode
from tasks import mail_view
from tasks.payloads import InvoicePayload, MailPayload
from tasks.room_demo import DemoInvoice, seed_failed_invoice
from tests.tasks.bot_runs import PROCESS, register, run_step, write_ap_config
from tests.tasks.mail_fixtures import hand_written, invoice_pdf, message, vague_mail
from tests.tasks.test_mail_routing import invoice_mail
from workitems import ItemState, open_store
from workitems.room.repository import create_user


@pytest.mark.slow  # three worker runs: ~20 s alone
def test_mails_are_routed_and_a_person_reroutes_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'workitems.db'}"
    config = write_ap_config(tmp_path, producer_attempts=1, triage=True)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "invoice.eml").write_bytes(invoice_mail())
    (inbox / "reminder.eml").write_bytes(message(
        "Reminder: invoice RE-2026-0815 overdue", "Dear Sir or Madam,\n\nthis is a friendly "
        "reminder that invoice RE-2026-0815 is now overdue. Please arrange payment at your "
        "earliest convenience.\n\nKind regards,\nCredit control", sender="cc@x.example"))
    (inbox / "spam.eml").write_bytes(hand_written("36-spam-nl.eml"))
    (inbox / "unsure.eml").write_bytes(vague_mail())
    (inbox / "plain.pdf").write_bytes(invoice_pdf("RE-PLAIN-1"))
    old = time.time() - 60
    for path in inbox.iterdir():
        os.utime(path, (old, old))
    env = {"AP_INBOX": str(inbox), "AP_OUTPUT": str(tmp_path / "out")}
    logs = tmp_path / "logs"
    with open_store(url) as store:
        waiting = seed_failed_invoice(store, DemoInvoice(invoice_number="RE-2026-0815"),
                                      code="PO_MISMATCH")
        register(store, config)
        store.create_item(PROCESS, "producer", {"trigger": "test"})
        run_step(url, config, "producer", logs, env)
        run_step(url, config, "triage", logs, env)

        mails = {Path(MailPayload.model_validate(i.payload).source.name).name: store.get_item(i.id)
                 for i in store.list_items(process=PROCESS, step="triage", limit=50)
                 if i.payload.get("kind") == "mail"}
        assert sorted(mails) == ["reminder.eml", "spam.eml", "unsure.eml"]
        assert {n: i.exception_code for n, i in mails.items()} == {
            "reminder.eml": ErrorCode.PAYMENT_REMINDER.value,
            "spam.eml": ErrorCode.INBOX_MAIL.value,
            "unsure.eml": ErrorCode.INTENT_UNSURE.value}
        reminder = MailPayload.model_validate(mails["reminder.eml"].payload)
        assert reminder.route == "reminder"
        [found] = reminder.lookup
        assert found.startswith(f"Invoice RE-2026-0815: received, waiting in the exception "
                                f"queue as item {waiting} (PO_MISMATCH: "), found
        assert found in mails["reminder.eml"].exception_message
        assert reminder.reply and "clarifying it internally" in reminder.reply
        spam = MailPayload.model_validate(mails["spam.eml"].payload)
        assert spam.reply is None and "do not answer" in mails["spam.eml"].exception_message

        consumer = {InvoicePayload.model_validate(i.payload).document.filename:
                    InvoicePayload.model_validate(i.payload)
                    for i in store.list_items(process=PROCESS, step="consumer", limit=50)
                    if i.id != waiting}
        assert sorted(consumer) == ["INV-204411.pdf", "plain.pdf"]
        assert consumer["INV-204411.pdf"].mail_intent == "invoice"
        assert consumer["plain.pdf"].mail_intent is None

        # A clerk says the unsure mail is an invoice (key 1): its document goes on.
        clerk = create_user(store, "clerk1", "x", "clerk")
        item = mails["unsure.eml"]
        mail_view.reroute(store, clerk, item.id, item.version, "invoice")
        run_step(url, config, "triage", logs, env)
        done = store.get_item(item.id)
        assert done.state is ItemState.DONE
        routed = MailPayload.model_validate(done.payload)
        assert routed.decision is not None and routed.decision.by == "clerk1"
        sent = [InvoicePayload.model_validate(i.payload)
                for i in store.list_items(process=PROCESS, step="consumer", limit=50)
                if i.id != waiting]
        [scan] = [p for p in sent if p.document.filename == "scan.pdf"]
        assert scan.mail_intent == "invoice" and scan.mail_confidence is None
        assert scan.reference == routed.invoices[0]
        [example] = store.records("triage-example")
        assert example.data["intent"] == "invoice"  # the person's answer
        assert example.data["predicted"] == routed.triage.intent != "invoice"  # the model's
