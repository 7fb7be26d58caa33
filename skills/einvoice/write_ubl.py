"""Writing OASIS UBL 2.1 documents: an Invoice, or a CreditNote for ``credit_note`` fields."""

from __future__ import annotations

from skills.einvoice.ubl import UBL_NS
from skills.einvoice.xmlwrite import (
    PEPPOL_PROCESS,
    XRECHNUNG,
    Fields,
    Tree,
    country,
    iso,
    line_sum,
    money,
    plain,
    printed,
    serialised,
    type_code,
)

XRECHNUNG_UBL = XRECHNUNG
_ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def build_ubl(fields: Fields, customization: str = XRECHNUNG_UBL) -> bytes:
    """An XRechnung-style UBL Invoice, or a CreditNote when ``document_type`` is
    ``credit_note``; same ``fields`` as :func:`build_cii`."""
    f = printed(fields)
    kind = "CreditNote" if f.get("document_type") == "credit_note" else "Invoice"
    t = Tree({**UBL_NS, "doc": _ROOT_NS[kind]})
    root = t.root(f"doc:{kind}", nsmap={None: _ROOT_NS[kind], **UBL_NS})
    currency = str(f.get("currency") or "EUR")
    t.sub(root, "cbc:CustomizationID", customization)
    t.sub(root, "cbc:ProfileID", PEPPOL_PROCESS)
    t.sub(root, "cbc:ID", f["invoice_number"])
    t.sub(root, "cbc:IssueDate", iso(f["invoice_date"]))
    if kind == "Invoice" and f.get("due_date"):
        t.sub(root, "cbc:DueDate", iso(f["due_date"]))
    t.sub(root, f"cbc:{kind}TypeCode", type_code(f))
    t.sub(root, "cbc:DocumentCurrencyCode", currency)
    t.sub(root, "cbc:BuyerReference", f.get("buyer_reference") or f.get("po_number") or "-")
    if f.get("po_number"):
        t.sub(t.sub(root, "cac:OrderReference"), "cbc:ID", f["po_number"])
    _parties(t, root, f)
    _payment(t, root, f, kind)
    _tax_total(t, root, f, currency)
    _totals(t, root, f, currency)
    for number, line in enumerate(f["lines"], start=1):
        _line(t, root, number, line, f, kind, currency)
    return serialised(root)


def _parties(t: Tree, root, f: Fields) -> None:
    seller = t.sub(t.sub(root, "cac:AccountingSupplierParty"), "cac:Party")
    t.sub(t.sub(seller, "cac:PartyName"), "cbc:Name", f["vendor_name"])
    address = t.sub(seller, "cac:PostalAddress")
    t.sub(t.sub(address, "cac:Country"), "cbc:IdentificationCode", country(f))
    if f.get("vendor_vat"):
        scheme = t.sub(seller, "cac:PartyTaxScheme")
        t.sub(scheme, "cbc:CompanyID", f["vendor_vat"])
        t.sub(t.sub(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    t.sub(t.sub(seller, "cac:PartyLegalEntity"), "cbc:RegistrationName", f["vendor_name"])
    buyer = t.sub(t.sub(root, "cac:AccountingCustomerParty"), "cac:Party")
    t.sub(t.sub(buyer, "cac:PartyLegalEntity"), "cbc:RegistrationName",
          f.get("buyer_name") or "Buyer")


def _payment(t: Tree, root, f: Fields, kind: str) -> None:
    # UBL 2.1 credit notes have no cbc:DueDate: their due date goes with the payment means.
    due_here = kind == "CreditNote" and f.get("due_date")
    if not (f.get("vendor_iban") or due_here):
        return
    means = t.sub(root, "cac:PaymentMeans")
    t.sub(means, "cbc:PaymentMeansCode", "58")  # SEPA credit transfer
    if due_here:
        t.sub(means, "cbc:PaymentDueDate", iso(f["due_date"]))
    if f.get("vendor_iban"):
        account = t.sub(means, "cac:PayeeFinancialAccount")
        t.sub(account, "cbc:ID", str(f["vendor_iban"]).replace(" ", ""))


def _tax_total(t: Tree, root, f: Fields, currency: str) -> None:
    total = t.sub(root, "cac:TaxTotal")
    t.sub(total, "cbc:TaxAmount", money(f["tax_amount"]), currencyID=currency)
    subtotal = t.sub(total, "cac:TaxSubtotal")
    t.sub(subtotal, "cbc:TaxableAmount", money(f["net_amount"]), currencyID=currency)
    t.sub(subtotal, "cbc:TaxAmount", money(f["tax_amount"]), currencyID=currency)
    _category(t, subtotal, "cac:TaxCategory", f.get("tax_rate"))


def _totals(t: Tree, root, f: Fields, currency: str) -> None:
    totals = t.sub(root, "cac:LegalMonetaryTotal")
    lines = line_sum(f["lines"]) if f["lines"] else f["net_amount"]
    t.sub(totals, "cbc:LineExtensionAmount", money(lines), currencyID=currency)
    t.sub(totals, "cbc:TaxExclusiveAmount", money(f["net_amount"]), currencyID=currency)
    t.sub(totals, "cbc:TaxInclusiveAmount", money(f["total"]), currencyID=currency)
    t.sub(totals, "cbc:PayableAmount", money(f["amount_due"]), currencyID=currency)


def _line(t: Tree, root, number: int, line: Fields, f: Fields, kind: str,
          currency: str) -> None:
    item_line = t.sub(root, f"cac:{kind}Line")
    t.sub(item_line, "cbc:ID", str(number))
    quantity = "cbc:InvoicedQuantity" if kind == "Invoice" else "cbc:CreditedQuantity"
    t.sub(item_line, quantity, plain(line.get("quantity") or 1), unitCode="C62")
    t.sub(item_line, "cbc:LineExtensionAmount", money(line["amount"]), currencyID=currency)
    item = t.sub(item_line, "cac:Item")
    t.sub(item, "cbc:Name", line.get("description") or "-")
    _category(t, item, "cac:ClassifiedTaxCategory", f.get("tax_rate"))
    if line.get("unit_price") is not None:
        price = t.sub(item_line, "cac:Price")
        t.sub(price, "cbc:PriceAmount", plain(line["unit_price"]), currencyID=currency)


def _category(t: Tree, parent, tag: str, rate: object) -> None:
    category = t.sub(parent, tag)
    t.sub(category, "cbc:ID", "S")
    t.sub(category, "cbc:Percent", plain(rate if rate is not None else 0))
    t.sub(t.sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
