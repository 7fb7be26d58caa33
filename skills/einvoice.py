"""Structured e-invoices: ZUGFeRD / Factur-X / XRechnung, as UN/CEFACT CII or OASIS UBL XML.

Such an invoice needs no reading at all: the XML says what the fields are. It comes
as an attachment inside a PDF (ZUGFeRD, Factur-X) or on its own (XRechnung).

- :func:`parse_einvoice` turns the XML into normalised fields (ISO dates, decimal
  strings, ISO 4217 currency). XML is parsed with defusedxml and any DTD is refused,
  so entity-expansion bombs and external entities never get expanded or fetched.
- :func:`build_cii` writes a valid Factur-X (EN 16931 profile) CII document from the
  same fields, and :func:`embed_in_pdf` attaches it to a PDF as ``factur-x.xml``:
  for tests and for the synthetic invoice generator.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from lxml import etree

from skills.errors import UnreadableDocument

CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
UBL_ROOTS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}
# File names the standards give the attachment, lower-cased.
ATTACHMENT_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")

FIELDS = (
    "vendor_name",
    "vendor_vat",
    "vendor_iban",
    "invoice_number",
    "invoice_date",
    "due_date",
    "po_number",
    "currency",
    "net_amount",
    "tax_amount",
    "tax_rate",
    "total",
)


class NotAnEInvoice(ValueError):
    """Well-formed, harmless XML that is neither CII nor UBL."""


# -- parsing -----------------------------------------------------------------------------


def parse_einvoice(xml: bytes) -> dict[str, object]:
    """Normalised fields of a CII or UBL invoice.

    Raises :class:`UnreadableDocument` for hostile or broken XML and
    :class:`NotAnEInvoice` for other XML.
    """
    root = _parse_safely(xml)
    if root.tag == f"{{{CII_NS['rsm']}}}CrossIndustryInvoice":
        fields = _from_cii(root)
        fields["syntax"] = "CII"
    elif root.tag.startswith("{") and root.tag[1:].split("}")[0] in UBL_ROOTS:
        fields = _from_ubl(root)
        fields["syntax"] = "UBL"
    else:
        raise NotAnEInvoice(f"the XML root is {root.tag}, not a CII or UBL invoice")
    return fields


def _parse_safely(xml: bytes) -> Element:
    try:
        return safe_xml.fromstring(xml, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as exc:
        raise UnreadableDocument(
            f"The e-invoice XML was refused: it declares a DTD or entities ({type(exc).__name__}), "
            "which invoices never need and attackers use to exhaust memory or read files. "
            "Ask the sender for a standard ZUGFeRD, Factur-X or XRechnung file."
        ) from None
    except ParseError as exc:
        raise UnreadableDocument(
            f"The e-invoice XML is not well-formed ({exc}); it is probably damaged. "
            "Ask the sender to send it again."
        ) from None


def _from_cii(root: Element) -> dict[str, object]:
    ns = CII_NS
    trade = "rsm:SupplyChainTradeTransaction"
    agreement = f"{trade}/ram:ApplicableHeaderTradeAgreement"
    settlement = f"{trade}/ram:ApplicableHeaderTradeSettlement"
    totals = f"{settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    seller = f"{agreement}/ram:SellerTradeParty"
    currency = _text(root, f"{settlement}/ram:InvoiceCurrencyCode", ns)
    return {
        "vendor_name": _text(root, f"{seller}/ram:Name", ns),
        "vendor_vat": _vat(
            _text(root, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", ns)
        ),
        "vendor_iban": _iban(
            _text(
                root,
                f"{settlement}/ram:SpecifiedTradeSettlementPaymentMeans"
                "/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
                ns,
            )
        ),
        "invoice_number": _text(root, "rsm:ExchangedDocument/ram:ID", ns),
        "invoice_date": _cii_date(
            root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"
        ),
        "due_date": _cii_date(
            root,
            f"{settlement}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
        ),
        "po_number": _text(
            root, f"{agreement}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", ns
        ),
        "currency": _currency(currency),
        "net_amount": _amount(_text(root, f"{totals}/ram:TaxBasisTotalAmount", ns)),
        "tax_amount": _amount(_cii_tax_total(root, totals, currency)),
        "tax_rate": _main_rate(
            [
                (
                    _text(tax, "ram:BasisAmount", ns),
                    _text(tax, "ram:RateApplicablePercent", ns),
                )
                for tax in root.findall(f"{settlement}/ram:ApplicableTradeTax", ns)
            ]
        ),
        "total": _amount(_text(root, f"{totals}/ram:GrandTotalAmount", ns)),
        "lines": [
            {
                "description": _text(item, "ram:SpecifiedTradeProduct/ram:Name", ns),
                "quantity": _quantity(
                    _text(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", ns)
                ),
                "unit_price": _amount(
                    _text(
                        item,
                        "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
                        "/ram:ChargeAmount",
                        ns,
                    )
                ),
                "amount": _amount(
                    _text(
                        item,
                        "ram:SpecifiedLineTradeSettlement"
                        "/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                        ns,
                    )
                ),
            }
            for item in root.findall(f"{trade}/ram:IncludedSupplyChainTradeLineItem", ns)
        ],
    }


def _cii_tax_total(root: Element, totals: str, currency: str | None) -> str | None:
    # TaxTotalAmount may appear twice (invoice currency and accounting currency).
    amounts = root.findall(f"{totals}/ram:TaxTotalAmount", CII_NS)
    for amount in amounts:
        if currency is None or amount.get("currencyID") in (None, currency):
            return amount.text
    return amounts[0].text if amounts else None


def _cii_date(root: Element, path: str) -> str | None:
    node = root.find(path, CII_NS)
    if node is None or not node.text:
        return None
    value = node.text.strip()
    if node.get("format", "102") == "102" and len(value) == 8 and value.isdigit():
        return _iso_date(f"{value[:4]}-{value[4:6]}-{value[6:]}")
    return _iso_date(value)


def _from_ubl(root: Element) -> dict[str, object]:
    ns = UBL_NS
    kind = UBL_ROOTS[root.tag[1:].split("}")[0]]
    line_tag = "cac:InvoiceLine" if kind == "Invoice" else "cac:CreditNoteLine"
    quantity_tag = "cbc:InvoicedQuantity" if kind == "Invoice" else "cbc:CreditedQuantity"
    party = "cac:AccountingSupplierParty/cac:Party"
    totals = "cac:LegalMonetaryTotal"
    return {
        "vendor_name": _text(root, f"{party}/cac:PartyLegalEntity/cbc:RegistrationName", ns)
        or _text(root, f"{party}/cac:PartyName/cbc:Name", ns),
        "vendor_vat": _vat(_text(root, f"{party}/cac:PartyTaxScheme/cbc:CompanyID", ns)),
        "vendor_iban": _iban(_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", ns)),
        "invoice_number": _text(root, "cbc:ID", ns),
        "invoice_date": _iso_date(_text(root, "cbc:IssueDate", ns)),
        "due_date": _iso_date(
            _text(root, "cbc:DueDate", ns) or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate", ns)
        ),
        "po_number": _text(root, "cac:OrderReference/cbc:ID", ns),
        "currency": _currency(_text(root, "cbc:DocumentCurrencyCode", ns)),
        "net_amount": _amount(_text(root, f"{totals}/cbc:TaxExclusiveAmount", ns)),
        "tax_amount": _amount(_text(root, "cac:TaxTotal/cbc:TaxAmount", ns)),
        "tax_rate": _main_rate(
            [
                (
                    _text(sub, "cbc:TaxableAmount", ns),
                    _text(sub, "cac:TaxCategory/cbc:Percent", ns),
                )
                for sub in root.findall("cac:TaxTotal/cac:TaxSubtotal", ns)
            ]
        ),
        "total": _amount(_text(root, f"{totals}/cbc:TaxInclusiveAmount", ns)),
        "lines": [
            {
                "description": _text(line, "cac:Item/cbc:Name", ns)
                or _text(line, "cac:Item/cbc:Description", ns),
                "quantity": _quantity(_text(line, quantity_tag, ns)),
                "unit_price": _amount(_text(line, "cac:Price/cbc:PriceAmount", ns)),
                "amount": _amount(_text(line, "cbc:LineExtensionAmount", ns)),
            }
            for line in root.findall(line_tag, ns)
        ],
    }


# -- normalising -------------------------------------------------------------------------


def _text(node: Element, path: str, ns: Mapping[str, str]) -> str | None:
    found = node.find(path, ns)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _amount(value: str | None) -> str | None:
    """A decimal string with two decimals, more only when they matter.

    "1234.5" -> "1234.50", "10.0000" -> "10.00", "0.1250" -> "0.125".
    """
    number = _decimal(value)
    if number is None:
        return None
    if number.normalize().as_tuple().exponent >= -2:
        return f"{number:.2f}"
    return format(number.normalize(), "f")


def _quantity(value: str | None) -> str | None:
    number = _decimal(value)
    return None if number is None else format(number.normalize(), "f")


def _main_rate(pairs: list[tuple[str | None, str | None]]) -> str | None:
    """The VAT rate applying to the largest taxable amount."""
    rated = [(_decimal(basis) or Decimal(0), _decimal(rate)) for basis, rate in pairs]
    rated = [(basis, rate) for basis, rate in rated if rate is not None]
    if not rated:
        return None
    _, rate = max(rated, key=lambda pair: pair[0])
    return format(rate.normalize(), "f")


def _currency(value: str | None) -> str | None:
    if value and len(value.strip()) == 3 and value.strip().isalpha():
        return value.strip().upper()
    return None


def _vat(value: str | None) -> str | None:
    return value.replace(" ", "").upper() if value else None


def _iban(value: str | None) -> str | None:
    return value.replace(" ", "").upper() if value else None


# -- building ----------------------------------------------------------------------------


def build_cii(fields: Mapping[str, object]) -> bytes:
    """A Factur-X / ZUGFeRD (EN 16931 profile) CII document for the given fields.

    ``fields`` uses the keys :func:`parse_einvoice` returns (plus an optional
    ``buyer_name``); dates as ``date`` or ISO strings, amounts as anything
    ``Decimal`` accepts. Parsing the result gives the same normalised fields back.
    """
    root = etree.Element(_q("rsm", "CrossIndustryInvoice"), nsmap=CII_NS)
    context = _sub(root, "rsm", "ExchangedDocumentContext")
    guideline = _sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram", "ID", "urn:cen.eu:en16931:2017")
    document = _sub(root, "rsm", "ExchangedDocument")
    _sub(document, "ram", "ID", fields["invoice_number"])
    _sub(document, "ram", "TypeCode", "380")
    _date_element(document, "IssueDateTime", fields["invoice_date"])
    trade = _sub(root, "rsm", "SupplyChainTradeTransaction")
    lines = list(fields.get("lines") or [])
    for number, line in enumerate(lines, start=1):
        _line_item(trade, number, line, fields)
    _agreement(trade, fields)
    _sub(trade, "ram", "ApplicableHeaderTradeDelivery")
    _settlement(trade, fields, lines)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line_item(trade, number: int, line: Mapping[str, object], fields) -> None:
    item = _sub(trade, "ram", "IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram", "AssociatedDocumentLineDocument"), "ram", "LineID", str(number))
    _sub(_sub(item, "ram", "SpecifiedTradeProduct"), "ram", "Name", line["description"])
    agreement = _sub(item, "ram", "SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram", "NetPriceProductTradePrice")
    _sub(price, "ram", "ChargeAmount", _plain(line["unit_price"]))
    delivery = _sub(item, "ram", "SpecifiedLineTradeDelivery")
    _sub(delivery, "ram", "BilledQuantity", _plain(line["quantity"]), unitCode="C62")
    settlement = _sub(item, "ram", "SpecifiedLineTradeSettlement")
    _tax(settlement, fields.get("tax_rate"))
    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram", "LineTotalAmount", _money(line["amount"]))


def _agreement(trade, fields: Mapping[str, object]) -> None:
    agreement = _sub(trade, "ram", "ApplicableHeaderTradeAgreement")
    seller = _sub(agreement, "ram", "SellerTradeParty")
    _sub(seller, "ram", "Name", fields["vendor_name"])
    vat = str(fields.get("vendor_vat") or "")
    country = vat[:2] if vat[:2].isalpha() else "DE"
    _sub(_sub(seller, "ram", "PostalTradeAddress"), "ram", "CountryID", country.upper())
    if fields.get("vendor_vat"):
        registration = _sub(seller, "ram", "SpecifiedTaxRegistration")
        _sub(registration, "ram", "ID", fields["vendor_vat"], schemeID="VA")
    buyer = _sub(agreement, "ram", "BuyerTradeParty")
    _sub(buyer, "ram", "Name", fields.get("buyer_name") or "Buyer")
    _sub(_sub(buyer, "ram", "PostalTradeAddress"), "ram", "CountryID", "DE")
    if fields.get("po_number"):
        order = _sub(agreement, "ram", "BuyerOrderReferencedDocument")
        _sub(order, "ram", "IssuerAssignedID", fields["po_number"])


def _settlement(trade, fields: Mapping[str, object], lines: list) -> None:
    currency = str(fields.get("currency") or "EUR")
    settlement = _sub(trade, "ram", "ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram", "InvoiceCurrencyCode", currency)
    if fields.get("vendor_iban"):
        means = _sub(settlement, "ram", "SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram", "TypeCode", "58")  # SEPA credit transfer
        account = _sub(means, "ram", "PayeePartyCreditorFinancialAccount")
        _sub(account, "ram", "IBANID", str(fields["vendor_iban"]).replace(" ", ""))
    _tax(
        settlement,
        fields.get("tax_rate"),
        calculated=fields.get("tax_amount"),
        basis=fields.get("net_amount"),
    )
    if fields.get("due_date"):
        terms = _sub(settlement, "ram", "SpecifiedTradePaymentTerms")
        _date_element(terms, "DueDateDateTime", fields["due_date"])
    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    line_total = sum((Decimal(str(line["amount"])) for line in lines), Decimal(0))
    _sub(summation, "ram", "LineTotalAmount", _money(line_total if lines else fields["net_amount"]))
    _sub(summation, "ram", "TaxBasisTotalAmount", _money(fields["net_amount"]))
    _sub(summation, "ram", "TaxTotalAmount", _money(fields["tax_amount"]), currencyID=currency)
    _sub(summation, "ram", "GrandTotalAmount", _money(fields["total"]))
    _sub(summation, "ram", "DuePayableAmount", _money(fields["total"]))


def _tax(parent, rate, calculated=None, basis=None) -> None:
    tax = _sub(parent, "ram", "ApplicableTradeTax")
    if calculated is not None:
        _sub(tax, "ram", "CalculatedAmount", _money(calculated))
    _sub(tax, "ram", "TypeCode", "VAT")
    if basis is not None:
        _sub(tax, "ram", "BasisAmount", _money(basis))
    _sub(tax, "ram", "CategoryCode", "S")
    _sub(tax, "ram", "RateApplicablePercent", _plain(rate if rate is not None else 0))


def _date_element(parent, name: str, value: object) -> None:
    iso = value.isoformat() if isinstance(value, date) else str(value)
    holder = _sub(parent, "ram", name)
    _sub(holder, "udt", "DateTimeString", iso.replace("-", "")[:8], format="102")


def _q(prefix: str, name: str) -> str:
    return f"{{{CII_NS[prefix]}}}{name}"


def _sub(parent, prefix: str, name: str, text: object = None, **attrs: str):
    element = etree.SubElement(parent, _q(prefix, name), attrs)
    if text is not None:
        element.text = str(text)
    return element


def _money(value: object) -> str:
    return f"{Decimal(str(value)):.2f}"


def _plain(value: object) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def embed_in_pdf(pdf: bytes, xml: bytes, name: str = "factur-x.xml") -> bytes:
    """The PDF with the XML attached under ``name``, as ZUGFeRD / Factur-X do."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
