"""A mail in the Control Room: the mail as sent, what the triage model said and found,
the bot's findings and suggested reply, and the person's decisions (re-route it, record
the call-back on a bank-details change) under the rules of :mod:`tasks.mail_review`.
Registered for the ``ap`` process in processes.yaml, before the invoice's view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasks import mail_review
from tasks.invoice_view import TEMPLATES
from tasks.payloads import MailPayload, is_mail
from workitems import Item, ItemState, Store
from workitems.room import repository as repo
from workitems.room.item_views import Action, ActionRequest, ItemView
from workitems.room.repository import User
from workitems.room.review import (
    ActionRefused,
    ApprovalRules,
    check_editable,
    refuse_conflicts,
)

ROUTE_KEYS = "1234567890"  # one key per intent, in mail_review.INTENTS order


def _mail(item: Item) -> MailPayload:
    mail = mail_review.mail_of(item.payload)
    if mail is None:
        raise ActionRefused(f"Item {item.id} is not a mail.")
    return mail


def _refuse_decision(action: Any) -> Any:
    try:
        return action()
    except mail_review.DecisionRefused as exc:
        raise ActionRefused(exc.message) from exc


def mail_context(mail: MailPayload) -> dict[str, Any]:
    """What the page shows of a mail item: the mail as sent, what the model said, the
    facts it found, the bot's findings and suggested reply, and the re-routing keys."""
    entities = mail.triage.entities
    amounts = [f"{a['value']} {a['currency']}" for a in entities.get("amounts") or []]
    vendor = entities.get("vendor")
    facts = {"vendor": f"{vendor['name']} ({vendor['vendor_id']}, by {vendor['matched_by']})"
             if vendor else "", "vendor's IBAN on file": (vendor or {}).get("master_iban") or "",
             "new IBAN in the mail": entities.get("new_iban") or "",
             "invoice numbers": ", ".join(entities.get("invoice_numbers") or []),
             "amounts": ", ".join(amounts), "dates": ", ".join(entities.get("dates") or []),
             "IBANs": ", ".join(entities.get("ibans") or []),
             "IBANs with wrong check digits": ", ".join(entities.get("invalid_ibans") or [])}
    return {"mail": mail, "facts": {k: v for k, v in facts.items() if v},
            "routes": list(zip(ROUTE_KEYS, mail_review.INTENTS, strict=True)),
            "bank_change": mail.wanted_route() == "bank_change" or bool(mail.hold)}


def reroute(store: Store, user: User, item_id: int, version: int, intent: str) -> None:
    """Send the mail back to its step to be routed as ``intent``; the choice is kept as a
    labelled example."""
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    mail = _mail(item)
    changed = _refuse_decision(lambda: mail_review.rerouted(mail, intent, user.username))
    refuse_conflicts(lambda: store.approve(item_id, user.username,
                                           payload=changed.model_dump(mode="json"),
                                           expected_version=version))
    mail_review.save_example(store, mail, intent, user.username)
    repo.audit(store, user.username, "route", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code,
                       "intent": mail.triage.intent, "confidence": mail.triage.confidence},
               after={"state": ItemState.PENDING.value, "intent": intent})


def verify_callback(store: Store, user: User, item_id: int, version: int, *, outcome: str,
                    phone: str, spoke_to: str, note: str,
                    rules: ApprovalRules | None = None) -> list[int]:
    """Record a call-back on a bank-details change (approver role): the vendor's hold is
    lifted, the item is closed, and the vendor's invoices that waited go back to the bot.
    Returns the ids of those invoices."""
    rules = rules or ApprovalRules()
    item = store.get_item(item_id)
    check_editable(store, item, user, version)
    if not user.has_role(rules.approver_role):
        raise ActionRefused(f"Verifying a bank-details change needs the {rules.approver_role} "
                            "role; nothing was changed.")
    mail = _mail(item)
    checked = _refuse_decision(lambda: mail_review.called_back(
        mail, outcome=outcome, phone=phone, spoke_to=spoke_to, note=note, by=user.username))
    call = checked.callback
    reason = f"call-back to {call.spoke_to} on {call.phone}: {call.outcome}; {call.note}"
    refuse_conflicts(lambda: store.save_payload(item_id, checked.model_dump(mode="json"),
                                                user.username, expected_version=version))
    refuse_conflicts(lambda: store.mark_done(item_id, user.username, reason=reason,
                                             expected_version=version + 1))
    waiting = mail_review.lift_hold(store, checked, user.username)
    for waiting_id in waiting:
        store.retry(waiting_id, user.username)
    repo.audit(store, user.username, "verify_callback", item_id=item_id,
               before={"state": item.state.value, "code": item.exception_code,
                       "hold": mail.hold},
               after={"state": ItemState.DONE.value, "outcome": call.outcome,
                      "phone": call.phone, "spoke_to": call.spoke_to, "note": call.note,
                      "verified_at": call.at.isoformat(timespec="seconds"),
                      "released_items": waiting})
    return waiting


def _route(request: ActionRequest) -> str:
    intent = request.form.get("intent", "")
    reroute(request.store, request.user, request.item.id, request.version, intent)
    return f"Sent back to be routed as {intent}; your choice is kept as a labelled example."


def _verify(request: ActionRequest) -> str:
    form = request.form
    released = verify_callback(
        request.store, request.user, request.item.id, request.version,
        outcome=form.get("outcome", ""), phone=form.get("phone", ""),
        spoke_to=form.get("spoke_to", ""), note=form.get("note", ""), rules=request.rules)
    sent = (f"; {len(released)} waiting invoice(s) of the vendor went back to the bot "
            f"(items {', '.join(map(str, released))})") if released else ""
    return f"Call-back recorded in the audit log{sent}."


class MailView(ItemView):
    kind = "mail"
    template_dir = TEMPLATES
    document_template = "mail_document.html"
    panel_template = "mail_panel.html"
    extra_template = "mail_keys.html"

    def accepts(self, payload: Any) -> bool:
        return is_mail(payload) and mail_review.mail_of(payload) is not None

    def document(self, item: Item) -> str | None:
        mail = mail_review.mail_of(item.payload)
        return mail.message.filename if mail else super().document(item)

    def context(self, store: Store, item: Item, user: User, *,
                typed: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> dict[str, Any]:
        return {"mail_view": mail_context(_mail(item)), "pages": []}

    def actions(self) -> Mapping[str, Action]:
        return {"route": _route, "verify": _verify}
