"""The demo's documents: invoices from the development ERP's own vendors and purchase
orders, as born-digital PDFs, scans and e-invoices, invoices in layouts the extraction
model never saw (the generator's ``procedural-heldout`` family), a credit note, plus
deliberate problems.

Every document comes with the outcome a correct run must reach (``Expected``), so
the end-to-end test can check each one: posted with exactly these fields, or
waiting for a person with exactly this exception code.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from devdata.generator.build import render_invoice
from devdata.generator.truth import InvoiceTruth, LineItem, Vendor, make_iban, make_vendor
from devdata.master import Master, load_master
from devdata.master.models import PurchaseOrder
from devdata.master.models import Vendor as MasterVendor
from skills.errors import ErrorCode as C
from skills.normalize import format_decimal
from skills.party_roles import load_our_companies

POSTED = "POSTED"
# The buyer's own companies (AP_OUR_COMPANIES for the demo's workers): never the vendor.
OUR_COMPANIES = Path(__file__).with_name("our-companies.json")
BUYER = "Acme Buyer GmbH"
UNSEEN_FAMILY = "procedural-heldout"  # block variants, wordings and fonts never trained on


@dataclass
class Expected:
    file: str
    outcome: str  # POSTED, or the ErrorCode the item must fail with
    kind: str  # born-digital, scanned, e-invoice, or the problem it carries
    truth: InvoiceTruth | None = None
    vendor_id: str | None = None
    alternatives: list[str] = field(default_factory=list)  # outcomes also right (see duplicate)
    sha256: str = ""  # the document's bytes: how its work item is found, whatever its name


@dataclass
class InboxPlan:
    clean_pdf: int = 24
    scanned: int = 6
    einvoice: int = 4
    without_po: int = 2
    portal: int = 4  # of the clean PDFs, served by the supplier portal instead of the folder
    unseen_layouts: int = 4  # born-digital, in layouts the extraction model never saw
    credit_notes: int = 1
    problems: bool = True
    mails: bool = True  # one mail of each intent (devdata.demo_mails); needs problems
    seed: int = 7


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _generator_vendor(v: MasterVendor, iban: str | None = None) -> Vendor:
    a = v.address
    return Vendor(name=v.name, vat=v.vat_id, iban=iban or v.iban, country=a.country,
                  address=[a.street, f"{a.postcode} {a.city}".strip()])


def _truth_for_po(rng: random.Random, vendor: MasterVendor, po: PurchaseOrder | None,
                  number: str, scale: Decimal = Decimal(1),
                  lines: set[int] | None = None) -> InvoiceTruth:
    """An invoice billing what was received on ``po`` (only its ``lines`` when given), or
    a few services without a PO."""
    items = []
    if po is not None:
        for line in po.lines:
            if lines is not None and line.line not in lines:
                continue
            quantity = po.received_quantity(line.line) * scale
            if quantity > 0:
                items.append(LineItem(description=line.description,
                                      quantity=str(quantity.normalize()),
                                      unit_price=_money(line.unit_price),
                                      amount=_money(quantity * line.unit_price)))
    if not items:
        price = Decimal(rng.randint(5000, 90000)) / 100
        items = [LineItem(description="Maintenance service", quantity="1",
                          unit_price=_money(price), amount=_money(price))]
    net = sum((Decimal(i.amount) for i in items), Decimal(0))
    rate = vendor.tax_rate
    tax = Decimal(_money(net * rate / 100))
    day = rng.randint(1, 28)
    return InvoiceTruth(
        vendor_name=vendor.name, vendor_vat=vendor.vat_id, vendor_iban=vendor.iban,
        invoice_number=number, invoice_date=f"2026-10-{day:02d}",
        due_date=f"2026-11-{day:02d}", po_number=po.po_number if po else None,
        currency=po.currency if po else vendor.currency, net_amount=_money(net),
        tax_amount=_money(tax), tax_rate=str(rate.normalize()), total=_money(net + tax),
        line_items=items, buyer_name=BUYER,
        buyer_address=["Am Hafen 1", "20457 Hamburg"],
        vendor_address=[vendor.address.street,
                        f"{vendor.address.postcode} {vendor.address.city}".strip()])


def _has_receipts(po: PurchaseOrder) -> bool:
    return any(po.received_quantity(line.line) > 0 for line in po.lines)


def _received_lines(po: PurchaseOrder) -> list[int]:
    return [line.line for line in po.lines if po.received_quantity(line.line) > 0]


def _canonical(truth: InvoiceTruth) -> InvoiceTruth:
    """The rate as the procedural families print and read it back ("19.00", not "19")."""
    return truth.model_copy(update={"tax_rate": format_decimal(Decimal(truth.tax_rate or 0))})


def _credit_note(rng: random.Random, invoice: InvoiceTruth, vendor: MasterVendor,
                 number: str) -> InvoiceTruth:
    """A credit note for part of ``invoice``'s first line (goods sent back), amounts negative."""
    line = invoice.line_items[0]
    quantity = min(Decimal(line.quantity), Decimal(rng.choice([1, 1, 2])))
    net = Decimal(line.unit_price) * quantity
    tax = Decimal(_money(net * vendor.tax_rate / 100))
    return invoice.model_copy(update={
        "invoice_number": number,
        "invoice_date": f"2026-10-{rng.randint(int(invoice.invoice_date[-2:]), 31):02d}",
        "due_date": None, "net_amount": f"-{_money(net)}", "tax_amount": f"-{_money(tax)}",
        "total": f"-{_money(net + tax)}", "document_type": "credit_note",
        "line_items": [LineItem(description=line.description,
                                quantity=str(quantity.normalize()),
                                unit_price=f"-{line.unit_price}", amount=f"-{_money(net)}")]})


class _Writer:
    def __init__(self, inbox: Path, portal: Path, seed: int) -> None:
        self.inbox, self.portal, self.seed = inbox, portal, seed
        self.expected: list[Expected] = []
        self.portal_index: list[dict] = []
        self._n = 0

    def add(self, truth: InvoiceTruth, outcome: str, kind: str, vendor_id: str | None, *,
            scanned: bool = False, einvoice: bool = False, to_portal: bool = False,
            family: str | None = None, country: str | None = None) -> Path:
        """Print ``truth`` (fixed layouts, or a procedural ``family``: those print our
        VAT id beside our name, as real invoices do)."""
        self._n += 1
        if family is None:
            family = "heldout" if self._n % 3 == 0 else "train"
            data, suffix, _ = render_invoice(self.seed, self._n, family, scanned=scanned,
                                             einvoice=einvoice, truth=truth)
        else:
            truth = _canonical(truth)
            data, suffix, printed = render_invoice(self.seed, self._n, family, scanned=scanned,
                                                   truth=truth, country=country,
                                                   buyer_vat=_our_vat(truth.buyer_name))
            assert printed.truth.header() == truth.header(), (truth, printed.truth)
        name = f"{self._n:03d}-{truth.invoice_number.replace('/', '-')}{suffix}"
        folder = self.portal if to_portal else self.inbox
        path = folder / name
        path.write_bytes(data)
        if to_portal:
            self.portal_index.append({
                "invoice_number": truth.invoice_number, "vendor": truth.vendor_name,
                "invoice_date": truth.invoice_date, "due_date": truth.due_date,
                "amount": truth.total, "currency": truth.currency, "filename": name})
        self.expected.append(Expected(name, outcome, kind, truth, vendor_id,
                                      sha256=hashlib.sha256(data).hexdigest()))
        return path


def _our_vat(name: str) -> str | None:
    ours = load_our_companies(OUR_COMPANIES).companies
    return next((c.vat for c in ours if c.name == name), None)


def build_inbox(inbox: Path, portal: Path, plan: InboxPlan | None = None,
                master: Master | None = None,
                progress: Callable[[], None] | None = None) -> list[Expected]:
    """Write the documents into ``inbox`` and ``portal``; return what each must lead to."""
    plan = plan or InboxPlan()
    master = master or load_master()
    rng = random.Random(plan.seed)
    inbox.mkdir(parents=True, exist_ok=True)
    portal.mkdir(parents=True, exist_ok=True)
    out = _Writer(inbox, portal, plan.seed)
    orders = list(master.purchase_orders)
    rng.shuffle(orders)
    vendors = {v.vendor_id: v for v in master.vendors}

    def next_po(wanted: Callable[[PurchaseOrder], bool] = lambda po: True) -> PurchaseOrder:
        po = next(o for o in reversed(orders) if wanted(o))
        orders.remove(po)
        return po

    def number() -> str:
        return f"INV-{rng.randint(100000, 999999)}"

    kinds = ([("born-digital", False, False)] * plan.clean_pdf
             + [("scanned", True, False)] * plan.scanned
             + [("e-invoice", False, True)] * plan.einvoice)
    # Every problem-free invoice bills goods received on an order of its own. When the
    # ERP has too few received orders for them all, some orders were delivered in two
    # parts, each invoiced on its own: an earlier invoice bills the first lines and an
    # unseen-layout invoice the rest.
    received = sum(_has_receipts(o) for o in orders)
    split = max(0, len(kinds) + plan.unseen_layouts - received)
    later: list[tuple[PurchaseOrder, set[int]]] = []  # the second parts, still to invoice
    for i, (kind, scanned, einvoice) in enumerate(kinds):
        po = next_po(_has_receipts)  # a problem-free invoice bills goods already received
        vendor = vendors[po.vendor_id]
        billed = None
        if len(later) < split and len(_received_lines(po)) > 1:
            lines = _received_lines(po)
            billed = set(lines[:len(lines) // 2])
            later.append((po, set(lines) - billed))
        out.add(_truth_for_po(rng, vendor, po, number(), lines=billed), POSTED, kind,
                vendor.vendor_id, scanned=scanned, einvoice=einvoice,
                to_portal=kind == "born-digital" and i >= plan.clean_pdf - plan.portal)
        if progress:
            progress()
    # The orders the unseen layouts bill: taken now, before the problems take theirs.
    unseen = [(next_po(_has_receipts), None) for _ in range(plan.unseen_layouts - len(later))]
    unseen += later
    for _ in range(plan.without_po):
        vendor = rng.choice(master.vendors)
        out.add(_truth_for_po(rng, vendor, None, number()), POSTED, "without PO",
                vendor.vendor_id)
    if plan.problems:
        _add_problems(out, rng, vendors, next_po, number)
    for po, lines in unseen:
        vendor = vendors[po.vendor_id]
        out.add(_truth_for_po(rng, vendor, po, number(), lines=lines), POSTED,
                "unseen layout", vendor.vendor_id, family=UNSEEN_FAMILY,
                country=vendor.address.country)
        out.expected[-1].alternatives = [C.LOW_CONFIDENCE]  # asking a person is right too
        if progress:
            progress()
    _add_credit_notes(out, rng, vendors, plan.credit_notes, number, progress)
    (portal / "index.json").write_text(json.dumps(out.portal_index, indent=1))
    return out.expected


def _add_credit_notes(out: _Writer, rng: random.Random, vendors: dict[str, MasterVendor],
                      count: int, number: Callable[[], str],
                      progress: Callable[[], None] | None) -> None:
    """Credit notes from real vendors for goods sent back, quoting the order of an
    invoice in this inbox (or none, from a vendor without one): a person posts them."""
    billed = [e for e in out.expected if e.outcome == POSTED and e.truth and e.vendor_id
              and e.truth.po_number and not e.alternatives
              and vendors[e.vendor_id].tax_rate > 0]
    for i in range(count):
        if i < len(billed):
            invoice, vendor = billed[i].truth, vendors[billed[i].vendor_id]  # type: ignore
        else:
            vendor = rng.choice([v for v in vendors.values() if v.tax_rate > 0])
            invoice = _truth_for_po(rng, vendor, None, "")
        truth = _credit_note(rng, invoice, vendor, number().replace("INV", "CN"))
        out.add(truth, C.CREDIT_NOTE, "credit note", vendor.vendor_id, family="procedural",
                country=vendor.address.country)
        if progress:
            progress()


def _add_problems(out: _Writer, rng: random.Random, vendors: dict[str, MasterVendor],
                  next_po: Callable[..., PurchaseOrder], number: Callable[[], str]) -> None:
    # The same invoice twice as two different files: one is posted, the other is a duplicate.
    first = out.expected[0]
    assert first.truth is not None
    out.add(first.truth, C.DUPLICATE_INVOICE, "duplicate (another print)", first.vendor_id)
    out.expected[-1].alternatives = [POSTED]
    first.alternatives = [C.DUPLICATE_INVOICE]
    # The very same file twice: the producer makes it one work item.
    again = out.inbox / f"copy-of-{out.expected[1].file}"
    source = out.inbox / out.expected[1].file
    if source.exists():
        again.write_bytes(source.read_bytes())
    # A vendor the ERP has never heard of.
    stranger = make_vendor(rng)
    truth = _truth_for_po(rng, rng.choice(list(vendors.values())), None, number()).model_copy(
        update={
        "vendor_name": stranger.name, "vendor_vat": stranger.vat, "vendor_iban": stranger.iban,
        "vendor_address": stranger.address})
    out.add(truth, C.UNKNOWN_VENDOR, "unknown vendor", None)
    # A known vendor asking to be paid into another account.
    po = next_po(lambda o: vendors[o.vendor_id].iban is not None)
    vendor = vendors[po.vendor_id]
    truth = _truth_for_po(rng, vendor, po, number()).model_copy(
        update={"vendor_iban": make_iban(rng, vendor.address.country)})
    out.add(truth, C.BANK_ACCOUNT_CHANGED, "changed bank account", vendor.vendor_id)
    # Billing half again what was ordered and received.
    po = next_po()
    vendor = vendors[po.vendor_id]
    out.add(_truth_for_po(rng, vendor, po, number(), scale=Decimal("1.5")), C.PO_MISMATCH,
            "PO amount exceeded", vendor.vendor_id)
    # Quoting another vendor's purchase order.
    po, other = next_po(), next_po()
    vendor = vendors[po.vendor_id]
    truth = _truth_for_po(rng, vendor, po, number()).model_copy(
        update={"po_number": other.po_number if other.vendor_id != vendor.vendor_id
                else "4599999999"})
    out.add(truth, C.PO_MISMATCH, "someone else's PO", vendor.vendor_id)
    # A PDF cut off in transfer.
    broken = out.inbox / "999-truncated.pdf"
    data = (out.inbox / out.expected[2].file).read_bytes()[:700]
    broken.write_bytes(data)
    out.expected.append(Expected(broken.name, C.UNREADABLE_DOCUMENT, "corrupt file",
                                 sha256=hashlib.sha256(data).hexdigest()))
