"""Accounts payable's rules for a person's decisions on a mail item in the Control Room.

- Re-routing: a person names the mail's intent; the item goes back to the triage step,
  which routes it by that choice, and the choice is kept as a labelled example
  (a ``triage-example`` record: the text the model read, its guess, the person's answer).
- A mail that put a vendor on hold is not re-routed away before the call-back is recorded:
  the call-back is the control against payment fraud, and one click must not skip it.
- The call-back: who was called on which number, by whom, what they said. Either outcome
  lifts this mail's hold (confirmed: the vendor master is changed in the ERP by a person;
  denied: nothing changes, it was an attempt at fraud); the vendor's invoices that waited
  for it go back to the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from skills.errors import ErrorCode
from skills.triage.examples import EXAMPLE_KIND
from tasks.payloads import CallBack, InvoicePayload, MailPayload, RouteDecision
from tasks.vendor_holds import lift_request
from workitems import ItemState, Store

INTENTS = ("invoice", "credit_note", "reminder", "remittance", "bank_change",
           "vendor_update", "question", "not_invoice", "spam", "other")


class DecisionRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def mail_of(payload: object) -> MailPayload | None:
    try:
        return MailPayload.model_validate(payload)
    except ValidationError:
        return None


def rerouted(mail: MailPayload, intent: str, by: str) -> MailPayload:
    """The mail with a person's routing decision."""
    if intent not in INTENTS:
        raise DecisionRefused(f"{intent!r} is no intent; choose one of {', '.join(INTENTS)}.")
    if mail.hold and mail.callback is None and intent != "bank_change":
        raise DecisionRefused(f"This mail put vendor {mail.hold} on hold: record the call-back "
                              "first (even when the mail turns out not to be a bank change).")
    return mail.model_copy(update={
        "decision": RouteDecision(intent=intent, by=by, at=datetime.now(UTC)),
        "findings": [], "route": None})


def save_example(store: Store, mail: MailPayload, intent: str, by: str) -> None:
    """The person's answer as a labelled example for retraining (one per mail: a later
    decision on the same mail replaces it)."""
    found = store.records(EXAMPLE_KIND, [mail.reference])
    version = found[0].version if found else 0
    data = {"text": mail.triage.text, "intent": intent, "predicted": mail.triage.intent,
            "confidence": mail.triage.confidence, "model_version": mail.triage.model_version,
            "by": by, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": {"mail": mail.subject[:80], "model said":
                        f"{mail.triage.intent} ({mail.triage.confidence:.0%})",
                        "person said": f"{intent} ({by})"}}
    store.put_record(EXAMPLE_KIND, mail.reference, mail.reference, data,
                     expected_version=version, actor=by)


def called_back(mail: MailPayload, *, outcome: str, phone: str, spoke_to: str, note: str,
                by: str) -> MailPayload:
    if mail.wanted_route() != "bank_change" and not mail.hold:
        raise DecisionRefused("Only a bank-details change is verified by a call-back.")
    if outcome not in ("confirmed", "denied"):
        raise DecisionRefused("Say what the vendor said: confirmed or denied.")
    missing = [name for name, value in (("the number called", phone), ("whom you spoke to",
               spoke_to), ("a note", note)) if not value.strip()]
    if missing:
        raise DecisionRefused(f"Record {', '.join(missing)}; nothing was changed.")
    return mail.model_copy(update={"callback": CallBack(
        outcome=outcome, phone=phone.strip(), spoke_to=spoke_to.strip(), note=note.strip(),
        by=by, at=datetime.now(UTC))})


def lift_hold(store: Store, mail: MailPayload, actor: str) -> list[int]:
    """Take this mail's request off its vendor's hold; when no request is left, the ids of
    that vendor's items that waited for it (to send back to the bot)."""
    if not mail.hold:
        return []
    if lift_request(store, mail.hold, mail.reference, actor) is not None:
        return []  # another request of the same vendor still waits for its call-back
    waiting = []
    for item in store.list_items(state=ItemState.FAILED, limit=10_000,
                                 exception_code=ErrorCode.VENDOR_ON_HOLD.value):
        try:
            invoice = InvoicePayload.model_validate(item.payload)
        except ValidationError:
            continue
        vendor = (invoice.erp.vendor or {}) if invoice.erp else {}
        if vendor.get("vendor_id") == mail.hold:
            waiting.append(item.id)
    return waiting


def main(argv: list[str] | None = None) -> int:
    """``python -m tasks.mail_review [--db URL]``: the labelled examples people made by
    routing mails, one JSON object a line (text, intent, the model's guess), for retraining."""
    import argparse  # noqa: PLC0415
    import json  # noqa: PLC0415

    from workitems import open_store  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m tasks.mail_review", description=main.__doc__)
    parser.add_argument("--db", help="work-item store URL (default: $WORKITEMS_DB)")
    args = parser.parse_args(argv)
    with open_store(args.db) as store:
        for record in store.records(EXAMPLE_KIND):
            data = {k: v for k, v in record.data.items() if k != "summary"}
            print(json.dumps({"reference": record.key, **data}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
