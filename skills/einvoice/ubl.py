"""Reading OASIS UBL 2.x Invoice and CreditNote (XRechnung-UBL, Peppol BIS)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from skills.einvoice import common

UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
UBL_ROOTS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}


def kind_of(root: Element) -> str | None:
    """"Invoice" or "CreditNote" for a UBL root element, else None."""
    namespace, _, name = root.tag[1:].partition("}")
    return name if root.tag.startswith("{") and UBL_ROOTS.get(namespace) == name else None


def read(root: Element, kind: str) -> dict[str, object]:
    """The normalised fields of a UBL document (before the credit-note sign rule)."""
    return {**_header(root, kind), **_amounts(root), "lines": _lines(root, kind), "syntax": "UBL"}


def _header(root: Element, kind: str) -> dict[str, object]:
    ns = UBL_NS
    party = "cac:AccountingSupplierParty/cac:Party"
    code = common.text(root, "cbc:InvoiceTypeCode", ns) or common.text(
        root, "cbc:CreditNoteTypeCode", ns
    )
    return {
        "vendor_name": common.text(root, f"{party}/cac:PartyLegalEntity/cbc:RegistrationName", ns)
        or common.text(root, f"{party}/cac:PartyName/cbc:Name", ns),
        "vendor_vat": common.compact(
            common.text(root, f"{party}/cac:PartyTaxScheme/cbc:CompanyID", ns)
        ),
        "vendor_iban": common.compact(
            common.text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", ns)
        ),
        "invoice_number": common.text(root, "cbc:ID", ns),
        "invoice_date": common.iso_date(common.text(root, "cbc:IssueDate", ns)),
        "due_date": common.iso_date(
            common.text(root, "cbc:DueDate", ns)
            or common.text(root, "cac:PaymentMeans/cbc:PaymentDueDate", ns)
        ),
        "po_number": common.text(root, "cac:OrderReference/cbc:ID", ns),
        "currency": common.currency(common.text(root, "cbc:DocumentCurrencyCode", ns)),
        # The root says it first: a CreditNote is one whatever its type code.
        "document_type": "credit_note" if kind == "CreditNote" else common.document_type(code),
        "profile": common.profile_name(common.text(root, "cbc:CustomizationID", ns)),
    }


def _amounts(root: Element) -> dict[str, object]:
    ns = UBL_NS
    currency = common.text(root, "cbc:DocumentCurrencyCode", ns)
    totals = root.find("cac:LegalMonetaryTotal", ns)
    # A second TaxTotal may give the tax in the accounting currency: take the invoice's.
    tax = common.money_in(root, "cac:TaxTotal/cbc:TaxAmount", ns, currency)
    return {
        "net_amount": common.amount(common.text(totals, "cbc:TaxExclusiveAmount", ns)),
        "tax_amount": common.amount(tax),
        "tax_rate": common.main_rate(
            (common.text(sub, "cbc:TaxableAmount", ns),
             common.text(sub, "cac:TaxCategory/cbc:Percent", ns))
            for sub in root.findall("cac:TaxTotal/cac:TaxSubtotal", ns)
        ),
        "total": common.amount(common.text(totals, "cbc:TaxInclusiveAmount", ns)),
        "amount_due": common.amount(common.text(totals, "cbc:PayableAmount", ns)),
    }


def _lines(root: Element, kind: str) -> list[dict[str, str | None]]:
    ns = UBL_NS
    line_tag = "cac:InvoiceLine" if kind == "Invoice" else "cac:CreditNoteLine"
    quantity_tag = "cbc:InvoicedQuantity" if kind == "Invoice" else "cbc:CreditedQuantity"
    return [
        {
            "description": common.text(line, "cac:Item/cbc:Name", ns)
            or common.text(line, "cac:Item/cbc:Description", ns),
            "quantity": common.quantity(common.text(line, quantity_tag, ns)),
            "unit_price": common.amount(common.text(line, "cac:Price/cbc:PriceAmount", ns)),
            "amount": common.amount(common.text(line, "cbc:LineExtensionAmount", ns)),
        }
        for line in root.findall(line_tag, ns)
    ]
