"""A mail in the Control Room: the mail as sent, the predicted intent with its confidence,
the facts, one-key re-routing, and the call-back of a bank-details change in the audit log."""

from __future__ import annotations

import html
import re

from skills.errors import ErrorCode
from tasks.payloads import MailPayload
from tasks.vendor_holds import hold_of, place_hold
from tests.tasks.mail_fixtures import hand_written, queued_mail
from workitems import ItemState, Step, Store
from workitems.room import repository as repo

from .conftest import csrf_of

STEPS = [Step(process="ap", name="producer", next_step="triage"),
         Step(process="ap", name="triage", next_step="consumer"),
         Step(process="ap", name="consumer", next_step="reporter"),
         Step(process="ap", name="reporter")]


def _bank_change(store: Store) -> int:
    store.register_process("ap", STEPS)
    item_id = queued_mail(store, hand_written("18-bank-de.eml"),
                          ErrorCode.BANK_DETAILS_CHANGE.value, hold="V10003")
    reference = store.get_item(item_id).reference or ""
    place_hold(store, "V10003", "Weißmann Büroservice GmbH", reference,
               "DE44500105175407324931", "producer")
    return item_id


def test_the_mail_its_intent_facts_and_routing_keys_are_shown(make_client,
                                                              room_store: Store) -> None:
    item_id = _bank_change(room_store)
    mail = MailPayload.model_validate(room_store.get_item(item_id).payload)
    page = html.unescape(make_client("clerk1").get(f"/items/{item_id}").text)
    assert mail.subject in page and mail.body.strip().splitlines()[0] in page
    assert 'id="predicted-intent">bank_change<' in page
    assert f"{mail.triage.confidence * 100:.0f} %" in page
    assert "DE44500105175407324931" in page and "V10003" in page  # new IBAN, vendor matched
    keys = re.findall(r'data-route-key="(\d)" id="route-(\w+)"', page)
    assert [k for k, _ in keys] == list("1234567890")
    assert [i for _, i in keys][:2] == ["invoice", "credit_note"]
    assert 'id="verify-form"' in page and "never one from this mail" in page
    assert "/files/message.eml" in page


def test_only_an_approver_records_the_call_back_and_the_audit_log_keeps_it(
        make_client, room_store: Store) -> None:
    item_id = _bank_change(room_store)
    form = {"outcome": "confirmed", "phone": "+49 89 5550100", "spoke_to": "Frau Weißmann",
            "note": "confirmed the new account; master changed in the ERP"}
    clerk = make_client("clerk1")
    page = clerk.get(f"/items/{item_id}").text
    version = str(room_store.get_item(item_id).version)
    refused = clerk.post(f"/items/{item_id}/verify",
                         data={**form, "csrf_token": csrf_of(page), "version": version})
    assert refused.status_code == 409 and "supervisor" in refused.text
    assert hold_of(room_store, "V10003") is not None

    sup = make_client("sup")
    page = sup.get(f"/items/{item_id}").text
    done = sup.post(f"/items/{item_id}/verify", follow_redirects=False,
                    data={**form, "csrf_token": csrf_of(page), "version": version})
    assert done.status_code == 303, done.text
    assert room_store.get_item(item_id).state is ItemState.DONE
    assert hold_of(room_store, "V10003") is None
    [entry] = [e for e in repo.audit_entries(room_store, item_id=item_id)
               if e.action == "verify_callback"]
    assert entry.actor == "sup" and entry.after["phone"] == "+49 89 5550100"
    assert entry.after["note"].startswith("confirmed the new account")
    assert entry.before["hold"] == "V10003"


def test_one_key_reroutes_an_unsure_mail_and_keeps_the_example(make_client,
                                                               room_store: Store) -> None:
    room_store.register_process("ap", STEPS)
    item_id = queued_mail(room_store, hand_written("33-spam-en.eml"),
                          ErrorCode.INTENT_UNSURE.value)
    clerk = make_client("clerk1")
    page = clerk.get(f"/items/{item_id}").text
    version = str(room_store.get_item(item_id).version)
    moved = clerk.post(f"/items/{item_id}/route", follow_redirects=False,
                       data={"intent": "spam", "csrf_token": csrf_of(page), "version": version})
    assert moved.status_code == 303, moved.text
    item = room_store.get_item(item_id)
    assert item.state is ItemState.PENDING and item.step == "triage"
    mail = MailPayload.model_validate(item.payload)
    assert mail.decision is not None and (mail.decision.intent, mail.decision.by) == (
        "spam", "clerk1")
    assert mail.wanted_route() == "spam"
    [example] = room_store.records("triage-example")
    assert example.data["intent"] == "spam"
    [entry] = [e for e in repo.audit_entries(room_store, item_id=item_id) if e.action == "route"]
    assert entry.after["intent"] == "spam"


def test_a_held_mail_cannot_be_rerouted_away_before_the_call_back(make_client,
                                                                  room_store: Store) -> None:
    item_id = _bank_change(room_store)
    clerk = make_client("clerk1")
    page = clerk.get(f"/items/{item_id}").text
    version = str(room_store.get_item(item_id).version)
    refused = clerk.post(f"/items/{item_id}/route", data={
        "intent": "other", "csrf_token": csrf_of(page), "version": version})
    assert refused.status_code == 409 and "record the call-back first" in refused.text
    assert room_store.get_item(item_id).state is ItemState.FAILED


def test_the_queue_names_a_mails_vendor_and_subject(make_client, room_store: Store) -> None:
    item_id = _bank_change(room_store)
    page = html.unescape(make_client("clerk1").get("/queue").text)
    row = page[page.index(f'data-href="/items/{item_id}"'):]
    row = row[:row.index("</tr>")]
    assert "BANK_DETAILS_CHANGE" in row and "Weißmann Büroservice GmbH" in row
    subject = MailPayload.model_validate(room_store.get_item(item_id).payload).subject
    assert subject in row
