"""End to end with the real IMAP server (dovecot), the development ERP in real Chromium
and the workers: a mail asking to change a vendor's bank details blocks automatic posting
for that vendor until a person records the call-back in the Control Room."""

from __future__ import annotations

import random
from email.message import EmailMessage
from pathlib import Path

import pytest

from devdata.approved_invoices import an_invoice_the_erp_expects, approved_invoices
from devdata.demo_inbox import OUR_COMPANIES, _truth_for_po
from devdata.erp.server import ErpServer
from devdata.generator.build import render_invoice
from devdata.master import load_master
from skills.errors import ErrorCode
from tasks import mail_view
from tasks.payloads import MailPayload
from tasks.vendor_holds import hold_of
from tests.tasks.bot_runs import PROCESS, register, run_step, write_ap_config
from tests.tasks.imap_server import DovecotServer
from workitems import ItemState, open_store
from workitems.room import repository as repo
from workitems.room import review
from workitems.room.repository import User

NEW_IBAN = "DE44500105175407324931"  # valid check digits, not the vendor's


def bank_change_mail(vendor_name: str, vat: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "accounts@vendor.example"
    msg["To"] = "ap@acme-buyer.example"
    msg["Subject"] = "Change of bank details"
    msg["Message-ID"] = "<bank-change-1@vendor.example>"
    msg["Date"] = "Mon, 30 Nov 2026 09:12:00 +0000"
    msg.set_content(
        "Dear Accounts Payable team,\n\n"
        "please note that our bank account has changed. With immediate effect please pay "
        f"all open and future invoices to our new account:\n\nIBAN {NEW_IBAN[:4]} "
        f"{NEW_IBAN[4:8]} {NEW_IBAN[8:12]} {NEW_IBAN[12:16]} {NEW_IBAN[16:20]} {NEW_IBAN[20:]}\n"
        "BIC COBADEFFXXX\n\nPlease update your vendor master accordingly.\n\n"
        f"Kind regards,\nFinance department\n{vendor_name}\nVAT {vat or ''}\n")
    return bytes(msg)


def invoice_mail(vendor, po) -> tuple[bytes, str]:  # noqa: ANN001 - master records
    """A mail with an invoice PDF billing what ``po`` received, as the vendor sends it."""
    truth = _truth_for_po(random.Random(5), vendor, po, "RE-2026-0042")
    pdf, _, _ = render_invoice(5, 1, "train", truth=truth)
    msg = EmailMessage()
    msg["From"] = "billing@vendor.example"
    msg["To"] = "ap@acme-buyer.example"
    msg["Subject"] = "New invoice RE-2026-0042"
    msg["Message-ID"] = "<invoice-1@vendor.example>"
    msg.set_content("Dear customer,\n\nattached you will find our invoice RE-2026-0042 for "
                    f"your recent order. Please pay within 30 days.\n\nBest regards,\n"
                    f"{vendor.name}")
    msg.add_attachment(pdf, maintype="application", subtype="pdf",
                       filename="RE-2026-0042.pdf")
    return bytes(msg), truth.total


@pytest.mark.slow  # four worker runs, a browser and the IMAP server: ~60 s
def test_a_bank_change_mail_blocks_posting_until_a_person_verifies_it(tmp_path: Path) -> None:
    invoice = an_invoice_the_erp_expects("RE-HOLD-1")
    master = load_master()
    vendor = next(v for v in master.vendors if v.name == invoice.vendor_name)
    other_po = next(o for o in master.purchase_orders if o.vendor_id == vendor.vendor_id
                    and o.po_number != invoice.po_number
                    and any(o.received_quantity(line.line) > 0 for line in o.lines))
    url = f"sqlite:///{tmp_path / 'workitems.db'}"
    config = write_ap_config(tmp_path, producer_attempts=1, consumer_attempts=1, triage=True)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open_store(url) as store, DovecotServer(tmp_path / "imap") as mail, \
            ErpServer(tmp_path / "erp.db") as erp:
        [invoice_id] = approved_invoices(store, ["RE-HOLD-1"])  # a clerk approved it
        register(store, config)
        mail.append(bank_change_mail(vendor.name, vendor.vat_id))
        by_mail, total = invoice_mail(vendor, other_po)
        mail.append(by_mail)  # the same vendor's next invoice, read in the same run
        env = {"AP_INBOX": str(inbox), "AP_IMAP_HOST": mail.host, "AP_IMAP_PORT": str(mail.port),
               "AP_IMAP_USER": mail.user, "AP_IMAP_PASSWORD": mail.password,
               "AP_ERP_URL": erp.url, "AP_OUR_COMPANIES": str(OUR_COMPANIES),
               "AP_OUTPUT": str(tmp_path / "out")}
        logs = tmp_path / "logs"

        store.create_item(PROCESS, "producer", {"trigger": "test"})
        produced = run_step(url, config, "producer", logs, env)
        hold = hold_of(store, vendor.vendor_id)
        assert hold is not None, produced.console
        assert [r.requested_iban for r in hold.requests] == [NEW_IBAN]

        run_step(url, config, "triage", logs, env)
        [mail_item] = [i for i in store.list_items(process=PROCESS, step="triage", limit=10)
                       if i.payload.get("kind") == "mail"]
        assert mail_item.state is ItemState.FAILED
        assert mail_item.exception_code == ErrorCode.BANK_DETAILS_CHANGE.value
        routed = MailPayload.model_validate(store.get_item(mail_item.id).payload)
        assert routed.hold == vendor.vendor_id and routed.route == "bank_change"
        assert "message.eml" in store.get_item(mail_item.id).files
        assert NEW_IBAN in mail_item.exception_message

        # Neither the invoice that came by mail (its mail was a sure invoice: it went on
        # to the consumer) nor the approved one is posted: both wait with a clear code.
        [mailed] = [i for i in store.list_items(process=PROCESS, step="consumer", limit=10)
                    if i.payload.get("mail_intent") == "invoice"]
        run_step(url, config, "consumer", logs, env)
        for item_id in (invoice_id, mailed.id):
            blocked = store.get_item(item_id)
            assert blocked.state is ItemState.FAILED
            assert blocked.exception_code == ErrorCode.VENDOR_ON_HOLD.value
            assert vendor.vendor_id in blocked.exception_message
        assert erp.postings() == []

        # A clerk may not record the call-back (approver role); a supervisor does.
        clerk = repo.create_user(store, "clerk1", "x", "clerk")
        boss = repo.create_user(store, "boss", "x", "supervisor")
        item = store.get_item(mail_item.id)
        with pytest.raises(review.ActionRefused, match="supervisor"):
            mail_view.verify_callback(store, clerk, item.id, item.version, outcome="confirmed",
                                   phone="+49 30 1234567", spoke_to="Ms Weber",
                                   note="confirmed the new account")
        with pytest.raises(review.ActionRefused, match="whom you spoke to"):
            mail_view.verify_callback(store, boss, item.id, item.version, outcome="confirmed",
                                   phone="+49 30 1234567", spoke_to=" ", note="ok")
        released = mail_view.verify_callback(
            store, boss, item.id, item.version, outcome="confirmed", phone="+49 30 1234567",
            spoke_to="Ms Weber, accounts", note="new account confirmed; master changed in ERP")
        assert sorted(released) == sorted([invoice_id, mailed.id])
        assert hold_of(store, vendor.vendor_id) is None
        assert store.get_item(mail_item.id).state is ItemState.DONE
        [entry] = [e for e in repo.audit_entries(store, item_id=mail_item.id)
                   if e.action == "verify_callback"]
        assert entry.actor == "boss"
        assert entry.after["spoke_to"] == "Ms Weber, accounts"
        assert entry.after["outcome"] == "confirmed" and entry.after["verified_at"]
        assert sorted(entry.after["released_items"]) == sorted([invoice_id, mailed.id])

        # The mail is read again at the next poll: it does not put the vendor on hold again.
        store.create_item(PROCESS, "producer", {"trigger": "again"})
        run_step(url, config, "producer", logs, env)
        assert hold_of(store, vendor.vendor_id) is None

        run_step(url, config, "consumer", logs, env)
        posted = store.get_item(invoice_id)
        assert posted.state is ItemState.DONE, posted.exception_message
        straight = store.get_item(mailed.id)
        assert straight.state is ItemState.DONE, straight.exception_message
        assert straight.payload["posting"]["straight_through"] is True
        assert sorted(p.invoice_number for p in erp.postings()) == ["RE-2026-0042", "RE-HOLD-1"]
        assert str(next(p.total_amount for p in erp.postings()
                        if p.invoice_number == "RE-2026-0042")) == total
        assert isinstance(clerk, User)
