"""The triage step's bot: send each item where it belongs, between producer and consumer.

    python -m robocorp.tasks run tasks/triage_step.py -t route

- An invoice item (a document) goes on to the consumer unchanged.
- A mail item (:class:`~tasks.payloads.MailPayload`) is routed by its intent, a person's
  choice first, else the model's when it is sure:
  - ``invoice``, ``credit_note``: each attached document goes on to the consumer as an
    invoice item; without a document, a clerk asks the vendor for it (``INBOX_MAIL``);
  - ``bank_change``: the vendor stays on hold (placed by the producer) and a person calls
    the vendor back (``BANK_DETAILS_CHANGE``, high risk);
  - ``reminder``: each invoice named is looked up in the work-item store and the ERP, and a
    clerk gets what was found (``PAYMENT_REMINDER``);
  - anything else: the clerks' triage queue with a suggested reply (``INBOX_MAIL``);
  - below the model's threshold: a person chooses (``INTENT_UNSURE``).

The ERP is only opened for a mail that names an invoice to look up.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError
from robocorp import workitems
from robocorp.tasks import task

from skills.errors import ErrorCode, business_error
from tasks.consumer import guarded
from tasks.invoice_status import Status, invoice_items, status_of
from tasks.mail_replies import reply_language, suggest_reply
from tasks.payloads import Finding, InvoicePayload, MailPayload, is_mail
from tasks.run_log import RunTally
from tasks.settings import BotSettings
from tasks.vendor_holds import open_holds, place_hold

LOGGER = logging.getLogger(__name__)
DOCUMENT_ROUTES = ("invoice", "credit_note")
LOOKUP_ROUTES = ("reminder", "question")


class Systems:
    """The ERP (opened on first use) and the store (on a worker), shared by a run."""

    def __init__(self, settings: BotSettings) -> None:
        self.settings = settings
        self.store = open_holds()
        self._browser = None
        self._erp = None

    def erp(self):  # noqa: ANN201 - an ErpSession
        if self._erp is None:
            from tasks.browser import launch_browser  # noqa: PLC0415
            from tasks.erp_screens import ErpSession  # noqa: PLC0415

            self._browser = launch_browser()
            self._erp = ErpSession.start(self._browser, self.settings.erp_url,
                                         self.settings.erp_user, self.settings.erp_password)
        return self._erp

    def close(self) -> None:
        if self._erp is not None:
            self._erp.close()
        if self._browser is not None:
            self._browser.close()
        if self.store is not None:
            self.store.close()


@task
def route() -> None:
    """Pass invoices on to the consumer; route every mail by its intent."""
    systems = Systems(BotSettings.from_env())
    tally = RunTally("routed")
    try:
        for item in workitems.inputs:
            with item, tally.item(_name(item)):
                if is_mail(item.payload):
                    guarded(MailRouting(item, systems).run)
                else:
                    guarded(lambda item=item: _pass_on(item))
    finally:
        systems.close()
    tally.finish()


def _name(item: workitems.Input) -> str:
    payload = item.payload if isinstance(item.payload, dict) else {}
    if is_mail(payload):
        return f"mail {str(payload.get('subject') or '')[:50]!r}"
    document = payload.get("document") if isinstance(payload.get("document"), dict) else {}
    return str(document.get("filename") or f"item {item.id}")


def _pass_on(item: workitems.Input) -> None:
    """An invoice item goes on to the consumer as it came, with its files."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [item.get_file(name, Path(tmp) / name) for name in item.files]
        workitems.outputs.create(payload=item.payload, files=paths)


class MailRouting:
    """One mail item, sent where its intent says."""

    def __init__(self, item: workitems.Input, systems: Systems) -> None:
        self.item = item
        self.systems = systems
        try:
            self.mail = MailPayload.model_validate(item.payload)
        except ValidationError as exc:
            raise business_error(ErrorCode.INVALID_PAYLOAD,
                                 f"the work item is not a mail item: {exc.errors()[0]['msg']}"
                                 ) from exc

    @property
    def vendor(self) -> dict:
        return self.mail.triage.entities.get("vendor") or {}

    def run(self) -> None:
        where = self.mail.wanted_route()
        self.mail.route = where  # type: ignore[assignment]
        if where in DOCUMENT_ROUTES and self._documents():
            self._send_documents(where)
            return
        if where == "bank_change":
            self._bank_change()
        if where == "unsure":
            self._stop(ErrorCode.INTENT_UNSURE, self._unsure_message())
        statuses = self._look_up() if where in LOOKUP_ROUTES else []
        self.mail.lookup = [s.sentence for s in statuses]
        self.mail.reply = suggest_reply(where, self.vendor.get("name"), statuses,
                                        reply_language(f"{self.mail.subject}\n{self.mail.body}"))
        if where == "reminder":
            self._stop(ErrorCode.PAYMENT_REMINDER, "payment reminder" + self._from() + ": "
                       + (" ".join(self.mail.lookup) or "it names no invoice number; ask the "
                          "vendor which invoice they mean."))
        if where in DOCUMENT_ROUTES:
            self._stop(ErrorCode.INBOX_MAIL, f"the mail announces a {where.replace('_', ' ')}"
                       f"{self._from()} but carries no document: ask the vendor for it")
        self._stop(ErrorCode.INBOX_MAIL, self._clerk_message(where))

    # -- documents go on --------------------------------------------------------------------

    def _documents(self) -> list:
        return [a for a in self.mail.attachments if a.file and a.file in self.item.files]

    def _send_documents(self, where: str) -> None:
        chosen = self.mail.decision is not None
        with tempfile.TemporaryDirectory() as tmp:
            for attachment in self._documents():
                path = self.item.get_file(attachment.file, Path(tmp) / attachment.file)
                payload = InvoicePayload.model_validate({
                    "reference": attachment.sha256, "source": self.mail.source.model_dump(),
                    "document": {"filename": attachment.file, "sha256": attachment.sha256,
                                 "media_type": attachment.media_type,
                                 "size": attachment.size},
                    "mail_intent": where,
                    "mail_confidence": None if chosen else self.mail.triage.confidence,
                    "mail_reference": self.mail.reference})
                workitems.outputs.create(payload=payload.model_dump(mode="json"), files=[path])
                self.mail.invoices.append(attachment.sha256)
        self._save()
        LOGGER.info("%d document(s) of the mail sent on to the consumer as %s",
                    len(self.mail.invoices), where)

    # -- bank details ------------------------------------------------------------------------

    def _bank_change(self) -> None:
        vendor_id = self.vendor.get("vendor_id")
        iban = self.mail.triage.entities.get("new_iban")
        if vendor_id and self.systems.store is not None and self.mail.callback is None:
            place_hold(self.systems.store, vendor_id, self.vendor.get("name", ""),
                       self.mail.reference, iban, actor="triage")
            self.mail.hold = vendor_id
        who = (f"{self.vendor.get('name')} ({vendor_id})" if vendor_id else
               "a sender the vendor master does not know")
        held = ("; automatic posting for this vendor is blocked until a person verifies the "
                "change by a call-back" if self.mail.hold else "")
        on_file = self.vendor.get("master_iban")
        self._stop(ErrorCode.BANK_DETAILS_CHANGE,
                   f"{who} asks to change its bank details"
                   + (f" to {iban}" if iban else "") + (f" (on file: {on_file})" if on_file
                                                        else "")
                   + f"{held}. Call the vendor back on the number in the vendor master, "
                     "never one from the mail.")

    # -- reminders and questions ---------------------------------------------------------------

    def _look_up(self) -> list[Status]:
        numbers = self.mail.triage.entities.get("invoice_numbers") or []
        if not numbers:
            return []
        store = self.systems.store
        process = os.environ.get("WORKITEMS_PROCESS", "ap")
        items = invoice_items(store, process) if store is not None else []
        erp = self.systems.erp if self.vendor.get("vendor_id") else None
        return [status_of(n, self.vendor.get("vendor_id"), items, erp) for n in numbers]

    # -- what the clerk reads ------------------------------------------------------------------

    def _from(self) -> str:
        return f" from {self.vendor['name']}" if self.vendor.get("name") else ""

    def _unsure_message(self) -> str:
        ranked = ", ".join(f"{intent} {p:.0%}" for intent, p in self.mail.triage.ranked)
        return (f"the model is not sure what this mail{self._from()} is about ({ranked}; it "
                f"decides alone from {self.mail.triage.threshold:.0%}): choose where it goes")

    def _clerk_message(self, where: str) -> str:
        what = {"remittance": "a payment advice or statement", "vendor_update":
                "a change of the vendor's address, contact or name",
                "question": "a question", "not_invoice": "a document that is no invoice",
                "spam": "spam or a phishing attempt: do not answer, do not open links",
                "other": "a mail for AP staff"}.get(where, where)
        found = (" " + " ".join(self.mail.lookup)) if self.mail.lookup else ""
        return f"{what}{self._from()}{'; a reply is suggested' if self.mail.reply else ''}." \
               + found

    def _save(self) -> None:
        self.item.payload = self.mail.model_dump(mode="json")
        self.item.save()

    def _stop(self, code: ErrorCode, message: str):  # noqa: ANN202 - never returns
        self.mail.findings = [Finding(code=code.value, message=message)]
        self._save()
        raise business_error(code, message)
