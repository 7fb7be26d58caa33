"""Settle invoice items whose posting may have reached the ERP, from the ERP's own records.

The consumer saves ``posting_started`` (with the vendor and invoice number it is
about to post) just before it submits an invoice to the ERP, and ``posting`` once
the ERP answered with a document number. An item with the first and not the
second is *unsettled*: the submit may have landed while a crash or an outage ate
the answer. Such an item is never failed on the bot's word alone; the ERP decides:

- the consumer asks the ERP when an attempt of an unsettled item fails
  (:func:`ask_erp`), and finishes the item with the ERP's document number if the
  ERP has it;
- ``python -m tasks.reconcile`` settles the unsettled items of the consumer's queue
  that no bot holds (FAILED, or PENDING for a retry)::

      python -m tasks.reconcile              # ask the ERP, settle what it answers
      python -m tasks.reconcile --dry-run    # only say what the ERP answers

  An item the ERP has becomes DONE with the ERP's document number (its output
  goes to the reporter, as the bot's would); an item the ERP does not have,
  FAILED for a technical reason, goes back to the queue to be posted.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from tasks.payloads import InvoicePayload, Posting, PostingTarget
from tasks.settings import BotSettings
from workitems.errors import Conflict
from workitems.models import ExceptionType, Item, ItemState
from workitems.store import Store, open_store

ACTOR = "reconciliation"


def is_unsettled(payload: InvoicePayload) -> bool:
    """The bot may have submitted this invoice, and never recorded the ERP's answer."""
    return payload.posting_started is not None and payload.posting is None


def posting_target(payload: InvoicePayload) -> PostingTarget | None:
    """The vendor and invoice number the bot was posting (older items: from the ERP
    context and the fields the bot worked from)."""
    if payload.posting_target is not None:
        return payload.posting_target
    vendor = (payload.erp.vendor or {}).get("vendor_id") if payload.erp else None
    number = None
    if payload.review is not None and payload.review.action == "approve":
        number = payload.review.fields.get("invoice_number")
    elif payload.extracted is not None and "invoice_number" in payload.extracted.fields:
        number = payload.extracted.fields["invoice_number"].value
    if not (vendor and number):
        return None
    return PostingTarget(vendor_id=vendor, invoice_number=number)


def ask_erp(erp, payload: InvoicePayload) -> str | None:  # noqa: ANN001 - an ErpSession
    """The ERP document number this item's invoice is posted as, or None if the ERP has
    no such invoice. Raises the session's APPLICATION error when the ERP does not answer."""
    target = posting_target(payload)
    if target is None:
        return None
    return erp.find_posted_invoice(target.vendor_id, target.invoice_number)


def settled(payload: InvoicePayload, document_number: str) -> InvoicePayload:
    """The payload of an item the ERP's records show as posted."""
    target = posting_target(payload)
    by_person = payload.review is not None and payload.review.action == "approve"
    return payload.model_copy(update={"posting": Posting(
        document_number=document_number, posted_at=datetime.now(UTC),
        vendor_id=target.vendor_id if target else None, straight_through=not by_person,
        reconciled=True), "findings": []})


def unsettled_items(store: Store, process: str, step: str) -> list[tuple[Item, InvoicePayload]]:
    """The step's unsettled items that no bot holds."""
    found = []
    for state in (ItemState.FAILED, ItemState.PENDING):
        for item in store.list_items(process=process, step=step, state=state, limit=100_000):
            try:
                payload = InvoicePayload.model_validate(item.payload)
            except ValueError:
                continue  # not an invoice item: nothing to reconcile
            if is_unsettled(payload):
                found.append((item, payload))
    return found


def reconcile_item(store: Store, erp, item: Item, payload: InvoicePayload,  # noqa: ANN001
                   dry_run: bool = False) -> str:
    """Settle one item from the ERP's answer; returns what was done, in words."""
    target = posting_target(payload)
    if target is None:
        return "left as is: the item does not say which invoice it was posting"
    document = ask_erp(erp, payload)
    what = f"{target.vendor_id} {target.invoice_number}"
    try:
        if document is not None:
            if not dry_run:
                final = settled(payload, document).model_dump(mode="json")
                store.mark_done(item.id, ACTOR, expected_version=item.version, payload=final,
                                outputs=[final], reason=f"the ERP has {what} as document "
                                f"{document}")
            return f"DONE: the ERP has {what} as document {document}"
        if item.state is ItemState.FAILED and item.exception_type is ExceptionType.APPLICATION:
            if not dry_run:
                store.retry(item.id, ACTOR, expected_version=item.version)
            return f"back to the queue: the ERP has no invoice {what}"
        return f"left as is: the ERP has no invoice {what}"
    except Conflict as exc:
        return f"left as is: {exc.message}"  # a worker or a person took it meanwhile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.reconcile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="work-item store URL (default: $WORKITEMS_DB)")
    parser.add_argument("--process", default="ap")
    parser.add_argument("--step", default="consumer")
    parser.add_argument("--dry-run", action="store_true", help="ask the ERP, change nothing")
    args = parser.parse_args(argv)
    with open_store(args.db) as store:
        items = unsettled_items(store, args.process, args.step)
        if not items:
            print("nothing to reconcile: every posting the bots started is settled")
            return 0
        return _reconcile_all(store, items, args.dry_run)


def _reconcile_all(store: Store, items: list[tuple[Item, InvoicePayload]],
                   dry_run: bool) -> int:
    from robocorp.workitems import ApplicationException

    from tasks.browser import launch_browser
    from tasks.erp_screens import ErpSession

    settings = BotSettings.from_env()
    browser = launch_browser()
    erp = ErpSession.start(browser, settings.erp_url, settings.erp_user, settings.erp_password)
    unanswered = 0
    try:
        for item, payload in items:
            try:
                outcome = reconcile_item(store, erp, item, payload, dry_run)
            except ApplicationException as exc:
                unanswered += 1
                outcome = f"left as is: the ERP did not answer ({exc})"
            print(f"item {item.id} ({item.state}): {outcome}")
    finally:
        erp.close()
        browser.close()
    return 1 if unanswered else 0


if __name__ == "__main__":
    sys.exit(main())
