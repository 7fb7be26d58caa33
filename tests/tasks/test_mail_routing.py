"""Inbox triage in the producer's sources, the lookups and replies of the triage step, and
the AP rules for a person's decisions on a mail (real model, real store)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skills.errors import ErrorCode
from skills.triage.model import load_model
from tasks import mail_review
from tasks.invoice_status import invoice_items, status_of
from tasks.mail_replies import suggest_reply
from tasks.payloads import InvoicePayload, Posting
from tasks.room_demo import DemoInvoice, seed_failed_invoice
from tasks.sources import SourceReport
from tasks.sources.documents import Incoming
from tasks.sources.folder import collect
from tasks.sources.mail import IncomingMail
from tasks.vendor_holds import hold_of, lift_request, place_hold
from tests.tasks.mail_fixtures import (
    hand_written,
    invoice_pdf,
    message,
    routed,
    triager,
    vague_mail,
)
from workitems import Store, open_store

VENDOR = "Brenner Industriebedarf GmbH"  # V10001 in the development master


def invoice_mail(attach: bool = True) -> bytes:
    pdf = [("INV-204411.pdf", invoice_pdf("INV-204411"))] if attach else []
    return message(f"Invoice INV-204411 from {VENDOR}",
                   "Hello,\n\nplease find our invoice INV-204411 attached as PDF. Payment is due "
                   f"within 30 days.\n\nKind regards,\nAccounts receivable\n{VENDOR}", pdf)


@pytest.fixture
def sqlite_store(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 'w.db'}") as store:
        yield store


def test_a_sure_invoice_mail_gives_its_documents_marked_with_the_intent() -> None:
    [document] = routed(invoice_mail())
    assert isinstance(document, Incoming)
    assert (document.filename, document.intent) == ("INV-204411.pdf", "invoice")
    # sure: at or above the registered model's threshold, the only rule the producer uses
    assert document.confidence is not None
    assert document.confidence >= load_model().thresholds["invoice"]
    assert document.mail_reference and document.data.startswith(b"%PDF")


def test_an_invoice_mail_without_a_document_becomes_a_mail_item() -> None:
    [mail] = routed(invoice_mail(attach=False))
    assert isinstance(mail, IncomingMail)
    # the model hesitates between an invoice and a remittance here (0.45 / 0.49): either
    # way no document reaches the consumer and a person sees the mail
    assert "invoice" in [intent for intent, _ in mail.payload.triage.ranked[:2]]
    assert set(mail.files) == {"message.eml"}
    assert mail.payload.subject.startswith("Invoice INV-204411")


def test_a_mail_the_model_is_unsure_of_keeps_its_documents_for_a_person() -> None:
    [mail] = routed(vague_mail())
    assert isinstance(mail, IncomingMail)
    assert mail.payload.triage.needs_person
    assert mail.payload.wanted_route() == "unsure"
    assert mail.files["scan.pdf"].startswith(b"%PDF")
    [attachment] = mail.payload.attachments
    assert attachment.file == "scan.pdf" and attachment.media_type == "application/pdf"
    assert mail.payload.triage.ranked[0][0] == mail.payload.triage.intent


def test_a_bank_change_mail_names_the_vendor_to_hold() -> None:
    [mail] = routed(hand_written("18-bank-de.eml"))
    assert isinstance(mail, IncomingMail)
    assert mail.hold_request() == ("V10003", "Weißmann Büroservice GmbH",
                                   "DE44500105175407324931")


def test_the_folder_classifies_saved_mails_and_skips_them_without_triage(tmp_path: Path
                                                                         ) -> None:
    (tmp_path / "a.eml").write_bytes(hand_written("36-spam-nl.eml"))
    (tmp_path / "b.pdf").write_bytes(invoice_pdf())
    old = time.time() - 60
    for path in tmp_path.iterdir():
        os.utime(path, (old, old))
    found = list(collect(tmp_path, SourceReport("folder", "t"), triager=triager))
    kinds = sorted(type(f).__name__ for f in found)
    assert kinds == ["Incoming", "IncomingMail"]
    mail = next(f for f in found if isinstance(f, IncomingMail))
    assert mail.payload.triage.intent == "spam" and mail.payload.source.kind == "folder"
    report = SourceReport("folder", "t")
    plain = list(collect(tmp_path, report))
    assert [type(f).__name__ for f in plain] == ["Incoming"]
    assert report.skipped and "a.eml" in report.skipped[0]


def test_a_message_over_the_size_limit_is_skipped_with_a_reason() -> None:
    report = SourceReport("imap", "box")
    from tasks.payloads import Source  # noqa: PLC0415
    from tasks.sources.mail import route_message  # noqa: PLC0415

    huge = b"Subject: x\r\n\r\n" + b"a" * (26 * 1024 * 1024)
    assert list(route_message(huge, Source(kind="imap", name="m1"), report, triager)) == []
    assert "over the" in report.skipped[0]


def test_holds_list_each_request_once_and_go_with_the_last(sqlite_store: Store) -> None:
    place_hold(sqlite_store, "V10003", "Weißmann", "mail-a", "DE44500105175407324931", "t")
    place_hold(sqlite_store, "V10003", "Weißmann", "mail-a", "DE44500105175407324931", "t")
    place_hold(sqlite_store, "V10003", "Weißmann", "mail-b", None, "t")
    hold = hold_of(sqlite_store, "V10003")
    assert hold is not None and [r.reference for r in hold.requests] == ["mail-a", "mail-b"]
    assert lift_request(sqlite_store, "V10003", "mail-a", "t") is not None
    assert hold_of(sqlite_store, "V10003") is not None, "mail-b still waits for its call-back"
    assert lift_request(sqlite_store, "V10003", "mail-b", "t") is None
    assert hold_of(sqlite_store, "V10003") is None


def test_where_an_invoice_stands_and_the_reply_built_from_it(sqlite_store: Store) -> None:
    failed = seed_failed_invoice(sqlite_store, DemoInvoice(invoice_number="RE-2026-0815"),
                                 code="PO_MISMATCH")
    posted = seed_failed_invoice(sqlite_store, DemoInvoice(invoice_number="RE-2026-0816"))
    payload = InvoicePayload.model_validate(sqlite_store.get_item(posted).payload)
    payload.posting = Posting(document_number="5100000042",
                              posted_at=datetime(2026, 11, 3, 10, tzinfo=UTC), vendor_id="V1")
    sqlite_store.mark_done(posted, "t", payload=payload.model_dump(mode="json"))
    items = invoice_items(sqlite_store, "ap")
    waiting = status_of("re-2026-0815", None, items)
    assert waiting.state == "exception" and waiting.item_id == failed
    assert "PO_MISMATCH" in waiting.sentence and "exception queue" in waiting.sentence
    done = status_of("RE-2026-0816", None, items)
    assert done.state == "posted" and "5100000042 on 2026-11-03" in done.sentence
    missing = status_of("RE-1999-0001", None, items)
    assert missing.state == "never_received" and "ask the vendor for a copy" in missing.sentence
    # A document not read yet may be that invoice: no "never received" while one waits.
    unread = InvoicePayload.model_validate(sqlite_store.get_item(failed).payload)
    unread.extracted, unread.reference = None, "another-document"
    sqlite_store.create_item("ap", "consumer", unread.model_dump(mode="json"),
                             reference="another-document")
    maybe = status_of("RE-1999-0001", None, invoice_items(sqlite_store, "ap"))
    assert maybe.state == "not_read_yet" and "1 received document(s)" in maybe.sentence
    reply = suggest_reply("reminder", "Nordwind", [done, missing])
    assert reply is not None and reply.startswith("Dear Nordwind")
    assert "booked on 2026-11-03" in reply and "please send us a copy" in reply
    assert "5100000042" not in reply.split("booked")[0]
    assert "item" not in reply and "PO_MISMATCH" not in suggest_reply("reminder", None, [waiting])
    assert suggest_reply("spam", None, []) is None


def test_a_held_mail_is_not_rerouted_before_its_call_back() -> None:
    [mail] = routed(hand_written("18-bank-de.eml"))
    mail.payload.hold = "V10003"
    with pytest.raises(mail_review.DecisionRefused, match="call-back first"):
        mail_review.rerouted(mail.payload, "vendor_update", "clerk1")
    kept = mail_review.rerouted(mail.payload, "bank_change", "clerk1")
    assert kept.decision is not None and kept.wanted_route() == "bank_change"
    with pytest.raises(mail_review.DecisionRefused, match="no intent"):
        mail_review.rerouted(mail.payload, "invoices", "clerk1")
    with pytest.raises(mail_review.DecisionRefused, match="the number called"):
        mail_review.called_back(mail.payload, outcome="denied", phone="", spoke_to="x",
                                note="y", by="sup")
    called = mail_review.called_back(mail.payload, outcome="denied", phone="+49 30 1",
                                     spoke_to="Herr Weißmann", note="never asked", by="sup")
    assert called.callback is not None and called.callback.outcome == "denied"
    assert mail_review.rerouted(called, "other", "clerk1").wanted_route() == "other"


def test_a_persons_choice_is_kept_as_a_labelled_example(sqlite_store: Store) -> None:
    [mail] = routed(hand_written("33-spam-en.eml"))
    mail_review.save_example(sqlite_store, mail.payload, "spam", "clerk1")
    mail_review.save_example(sqlite_store, mail.payload, "other", "clerk2")  # changed mind
    [record] = sqlite_store.records(mail_review.EXAMPLE_KIND)
    assert record.data["intent"] == "other" and record.data["by"] == "clerk2"
    assert record.data["predicted"] == mail.payload.triage.intent
    assert record.data["text"].startswith(mail.payload.subject)
    assert ErrorCode.INTENT_UNSURE.is_business


def test_the_examples_export_as_json_lines(sqlite_store: Store, tmp_path: Path,
                                           capsys) -> None:  # noqa: ANN001
    import json  # noqa: PLC0415

    [mail] = routed(hand_written("33-spam-en.eml"))
    mail_review.save_example(sqlite_store, mail.payload, "spam", "clerk1")
    assert mail_review.main(["--db", f"sqlite:///{tmp_path / 'w.db'}"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    example = json.loads(line)
    assert (example["intent"], example["reference"]) == ("spam", mail.payload.reference)
    assert example["text"] and "summary" not in example
