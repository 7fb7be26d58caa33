"""Writing CII documents: ZUGFeRD 2.x / Factur-X / XRechnung-CII, and ZUGFeRD 1.0.

Each profile writes only what that profile carries, so parsing the result gives the
fields the profile can hold (MINIMUM: no IBAN, due date, tax breakdown or lines;
BASIC WL: no lines; 1.0 BASIC: no order number, due date, amount due or prices).
One VAT rate (``tax_rate``) applies to the whole document.
"""

from __future__ import annotations

from decimal import Decimal

from skills.einvoice.cii import CII_NS, FERD1_NS
from skills.einvoice.xmlwrite import (
    PEPPOL_PROCESS,
    XRECHNUNG,
    Fields,
    Tree,
    compact_date,
    country,
    line_sum,
    money,
    plain,
    printed,
    serialised,
    type_code,
)

# Guideline ids (BT-24) of the ZUGFeRD 2.x / Factur-X profiles.
CII_PROFILES = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basicwl": "urn:factur-x.eu:1p0:basicwl",
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
    "extended": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
    "xrechnung": XRECHNUNG,
}
FERD1_PROFILES = {
    name: f"urn:ferd:CrossIndustryDocument:invoice:1p0:{name}"
    for name in ("basic", "comfort", "extended")
}
_NO_LINES = ("minimum", "basicwl")


# -- ZUGFeRD 2.x / Factur-X --------------------------------------------------------------


def build_cii(fields: Fields, profile: str = "en16931") -> bytes:
    """A ZUGFeRD 2.x / Factur-X CII document of ``profile`` (see :data:`CII_PROFILES`).

    ``fields`` uses the keys :func:`parse_einvoice` returns (plus optional ``buyer_name``
    and ``buyer_reference``); dates as ``date`` or ISO strings, amounts as anything
    ``Decimal`` accepts. A credit note's negative amounts are written positive.
    """
    if profile not in CII_PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(CII_PROFILES)}")
    f, t = printed(fields), Tree(CII_NS)
    root = t.root("rsm:CrossIndustryInvoice")
    context = t.sub(root, "rsm:ExchangedDocumentContext")
    if profile == "xrechnung":
        process = t.sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
        t.sub(process, "ram:ID", PEPPOL_PROCESS)
    t.sub(t.sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID",
          CII_PROFILES[profile])
    document = t.sub(root, "rsm:ExchangedDocument")
    t.sub(document, "ram:ID", f["invoice_number"])
    if profile == "extended":
        t.sub(document, "ram:Name", "GUTSCHRIFT" if type_code(f) == "381" else "RECHNUNG")
    t.sub(document, "ram:TypeCode", type_code(f))
    _date(t, document, "ram:IssueDateTime", f["invoice_date"])
    trade = t.sub(root, "rsm:SupplyChainTradeTransaction")
    lines = [] if profile in _NO_LINES else f["lines"]
    for number, line in enumerate(lines, start=1):
        _line_2(t, trade, number, line, f, profile)
    _agreement_2(t, trade, f, profile)
    t.sub(trade, "ram:ApplicableHeaderTradeDelivery")
    _settlement_2(t, trade, f, profile, lines)
    return serialised(root)


def _line_2(t: Tree, trade, number: int, line: Fields, f: Fields, profile: str) -> None:
    item = t.sub(trade, "ram:IncludedSupplyChainTradeLineItem")
    t.sub(t.sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
    t.sub(t.sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.get("description") or "-")
    agreement = t.sub(item, "ram:SpecifiedLineTradeAgreement")
    price = line.get("unit_price")
    if profile == "extended" and price is not None:
        t.sub(t.sub(agreement, "ram:GrossPriceProductTradePrice"), "ram:ChargeAmount",
              plain(price))
    if price is not None:
        t.sub(t.sub(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", plain(price))
    delivery = t.sub(item, "ram:SpecifiedLineTradeDelivery")
    if line.get("quantity") is not None:
        t.sub(delivery, "ram:BilledQuantity", plain(line["quantity"]), unitCode="C62")
    settlement = t.sub(item, "ram:SpecifiedLineTradeSettlement")
    _tax_2(t, settlement, f.get("tax_rate"))
    summation = t.sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    t.sub(summation, "ram:LineTotalAmount", money(line["amount"]))


def _agreement_2(t: Tree, trade, f: Fields, profile: str) -> None:
    agreement = t.sub(trade, "ram:ApplicableHeaderTradeAgreement")
    if profile == "xrechnung":  # BT-10, mandatory in XRechnung (the Leitweg-ID for authorities)
        t.sub(agreement, "ram:BuyerReference",
              f.get("buyer_reference") or f.get("po_number") or f["invoice_number"])
    _parties(t, agreement, f, buyer_country=profile != "minimum")
    if f.get("po_number"):
        order = t.sub(agreement, "ram:BuyerOrderReferencedDocument")
        t.sub(order, "ram:IssuerAssignedID", f["po_number"])


def _settlement_2(t: Tree, trade, f: Fields, profile: str, lines: list) -> None:
    currency = str(f.get("currency") or "EUR")
    settlement = t.sub(trade, "ram:ApplicableHeaderTradeSettlement")
    t.sub(settlement, "ram:InvoiceCurrencyCode", currency)
    if profile != "minimum":
        if f.get("vendor_iban"):
            means = t.sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
            t.sub(means, "ram:TypeCode", "58")  # SEPA credit transfer
            account = t.sub(means, "ram:PayeePartyCreditorFinancialAccount")
            t.sub(account, "ram:IBANID", str(f["vendor_iban"]).replace(" ", ""))
        _tax_2(t, settlement, f.get("tax_rate"), f.get("tax_amount"), f.get("net_amount"))
        if f.get("due_date"):
            terms = t.sub(settlement, "ram:SpecifiedTradePaymentTerms")
            _date(t, terms, "ram:DueDateDateTime", f["due_date"])
    summation = t.sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    if profile != "minimum":
        line_total = line_sum(lines) if lines else f["net_amount"]
        t.sub(summation, "ram:LineTotalAmount", money(line_total))
    t.sub(summation, "ram:TaxBasisTotalAmount", money(f["net_amount"]))
    t.sub(summation, "ram:TaxTotalAmount", money(f["tax_amount"]), currencyID=currency)
    t.sub(summation, "ram:GrandTotalAmount", money(f["total"]))
    t.sub(summation, "ram:DuePayableAmount", money(f["amount_due"]))


def _tax_2(t: Tree, parent, rate, calculated=None, basis=None) -> None:
    tax = t.sub(parent, "ram:ApplicableTradeTax")
    if calculated is not None:
        t.sub(tax, "ram:CalculatedAmount", money(calculated))
    t.sub(tax, "ram:TypeCode", "VAT")
    if basis is not None:
        t.sub(tax, "ram:BasisAmount", money(basis))
    t.sub(tax, "ram:CategoryCode", "S")
    t.sub(tax, "ram:RateApplicablePercent", plain(rate if rate is not None else 0))


# -- ZUGFeRD 1.0 -------------------------------------------------------------------------


def build_ferd1(fields: Fields, profile: str = "comfort") -> bytes:
    """A ZUGFeRD 1.0 document (``rsm:CrossIndustryDocument``) of ``profile``: basic,
    comfort or extended. Same ``fields`` as :func:`build_cii`.

    ZUGFeRD 1.0's own code list has no credit note; a ``credit_note`` is still written with
    type code 381 (and positive amounts), which is what later generations do.
    """
    if profile not in FERD1_PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(FERD1_PROFILES)}")
    f, t = printed(fields), Tree(FERD1_NS)
    root = t.root("rsm:CrossIndustryDocument")
    context = t.sub(root, "rsm:SpecifiedExchangedDocumentContext")
    t.sub(t.sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID",
          FERD1_PROFILES[profile])
    header = t.sub(root, "rsm:HeaderExchangedDocument")
    t.sub(header, "ram:ID", f["invoice_number"])
    t.sub(header, "ram:Name", "GUTSCHRIFT" if type_code(f) == "381" else "RECHNUNG")
    t.sub(header, "ram:TypeCode", type_code(f))
    _date(t, header, "ram:IssueDateTime", f["invoice_date"])
    trade = t.sub(root, "rsm:SpecifiedSupplyChainTradeTransaction")
    comfort = profile != "basic"
    _agreement_1(t, trade, f, comfort)
    delivery = t.sub(trade, "ram:ApplicableSupplyChainTradeDelivery")
    event = t.sub(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(t, event, "ram:OccurrenceDateTime", f["invoice_date"])
    _settlement_1(t, trade, f, comfort)
    for number, line in enumerate(f["lines"], start=1):
        _line_1(t, trade, number, line, f, profile)
    return serialised(root)


def _agreement_1(t: Tree, trade, f: Fields, comfort: bool) -> None:
    agreement = t.sub(trade, "ram:ApplicableSupplyChainTradeAgreement")
    _parties(t, agreement, f, buyer_country=True)
    if comfort and f.get("po_number"):  # the order reference is COMFORT and up
        t.sub(t.sub(agreement, "ram:BuyerOrderReferencedDocument"), "ram:ID", f["po_number"])


def _settlement_1(t: Tree, trade, f: Fields, comfort: bool) -> None:
    currency = str(f.get("currency") or "EUR")
    settlement = t.sub(trade, "ram:ApplicableSupplyChainTradeSettlement")
    t.sub(settlement, "ram:PaymentReference", f["invoice_number"])
    t.sub(settlement, "ram:InvoiceCurrencyCode", currency)
    if f.get("vendor_iban"):
        means = t.sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        if comfort:
            t.sub(means, "ram:TypeCode", "31")
            t.sub(means, "ram:Information", "Überweisung")
        account = t.sub(means, "ram:PayeePartyCreditorFinancialAccount")
        t.sub(account, "ram:IBANID", str(f["vendor_iban"]).replace(" ", ""))
    tax = t.sub(settlement, "ram:ApplicableTradeTax")
    t.sub(tax, "ram:CalculatedAmount", money(f["tax_amount"]), currencyID=currency)
    t.sub(tax, "ram:TypeCode", "VAT")
    t.sub(tax, "ram:BasisAmount", money(f["net_amount"]), currencyID=currency)
    if comfort:
        t.sub(tax, "ram:CategoryCode", "S")
    t.sub(tax, "ram:ApplicablePercent", plain(f.get("tax_rate") or 0))
    if comfort and f.get("due_date"):  # payment terms are COMFORT and up
        _date(t, t.sub(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:DueDateDateTime",
              f["due_date"])
    _summation_1(t, settlement, f, currency, comfort)


def _summation_1(t: Tree, settlement, f: Fields, currency: str, comfort: bool) -> None:
    net = Decimal(str(f["net_amount"]))
    lines = line_sum(f["lines"]) if f["lines"] else net
    summation = t.sub(settlement, "ram:SpecifiedTradeSettlementMonetarySummation")
    for name, value in (
        ("LineTotalAmount", lines),
        ("ChargeTotalAmount", max(net - lines, Decimal(0))),
        ("AllowanceTotalAmount", max(lines - net, Decimal(0))),
        ("TaxBasisTotalAmount", net),
        ("TaxTotalAmount", f["tax_amount"]),
        ("GrandTotalAmount", f["total"]),
    ):
        t.sub(summation, f"ram:{name}", money(value), currencyID=currency)
    if comfort:
        prepaid = Decimal(str(f["total"])) - Decimal(str(f["amount_due"]))
        t.sub(summation, "ram:TotalPrepaidAmount", money(prepaid), currencyID=currency)
        t.sub(summation, "ram:DuePayableAmount", money(f["amount_due"]), currencyID=currency)


def _line_1(t: Tree, trade, number: int, line: Fields, f: Fields, profile: str) -> None:
    item = t.sub(trade, "ram:IncludedSupplyChainTradeLineItem")
    document = t.sub(item, "ram:AssociatedDocumentLineDocument")
    price = line.get("unit_price")
    if profile != "basic":  # BASIC lines carry no line number, price or tax
        t.sub(document, "ram:LineID", str(number))
        agreement = t.sub(item, "ram:SpecifiedSupplyChainTradeAgreement")
        if profile == "extended" and price is not None:
            t.sub(t.sub(agreement, "ram:GrossPriceProductTradePrice"), "ram:ChargeAmount",
                  plain(price))
        if price is not None:
            t.sub(t.sub(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount",
                  plain(price))
    if line.get("quantity") is not None:
        delivery = t.sub(item, "ram:SpecifiedSupplyChainTradeDelivery")
        t.sub(delivery, "ram:BilledQuantity", plain(line["quantity"]), unitCode="C62")
    settlement = t.sub(item, "ram:SpecifiedSupplyChainTradeSettlement")
    if profile != "basic":
        tax = t.sub(settlement, "ram:ApplicableTradeTax")
        t.sub(tax, "ram:TypeCode", "VAT")
        t.sub(tax, "ram:CategoryCode", "S")
        t.sub(tax, "ram:ApplicablePercent", plain(f.get("tax_rate") or 0))
    summation = t.sub(settlement, "ram:SpecifiedTradeSettlementMonetarySummation")
    t.sub(summation, "ram:LineTotalAmount", money(line["amount"]))
    t.sub(t.sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.get("description") or "-")


# -- both generations --------------------------------------------------------------------


def _parties(t: Tree, agreement, f: Fields, buyer_country: bool) -> None:
    """The seller (name, country, VAT id) and the buyer (name, and its country when
    ``buyer_country``): the same elements in 1.0 and 2.x."""
    seller = t.sub(agreement, "ram:SellerTradeParty")
    t.sub(seller, "ram:Name", f["vendor_name"])
    t.sub(t.sub(seller, "ram:PostalTradeAddress"), "ram:CountryID", country(f))
    if f.get("vendor_vat"):
        t.sub(t.sub(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", f["vendor_vat"],
              schemeID="VA")
    buyer = t.sub(agreement, "ram:BuyerTradeParty")
    t.sub(buyer, "ram:Name", f.get("buyer_name") or "Buyer")
    if buyer_country:
        t.sub(t.sub(buyer, "ram:PostalTradeAddress"), "ram:CountryID", "DE")


def _date(t: Tree, parent, name: str, value: object) -> None:
    t.sub(t.sub(parent, name), "udt:DateTimeString", compact_date(value), format="102")
