"""Reading UN/CEFACT Cross Industry Invoice XML, both generations.

ZUGFeRD 2.x, Factur-X and XRechnung-CII use ``rsm:CrossIndustryInvoice`` (D16B, version
100 namespaces); ZUGFeRD 1.0 used the older ``rsm:CrossIndustryDocument`` (FeRD namespace,
ReusableAggregateBusinessInformationEntity:12). The two say the same things under other
element names, so one reader walks both, told the names by a :class:`Dialect`.

Every element may be missing (MINIMUM has no payment details, tax breakdown or lines;
1.0 BASIC lines carry no prices): a missing element gives ``None``, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from skills.einvoice import common

CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
FERD1_NS = {
    "rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
}


@dataclass(frozen=True)
class Dialect:
    """Where one CII generation keeps each piece (paths relative to the parent named)."""

    syntax: str
    root: str
    ns: dict[str, str]
    context: str  # under the root
    document: str  # under the root
    trade: str  # under the root
    agreement: str  # under trade
    settlement: str  # under trade
    totals: str  # under settlement
    rate: str  # in an ApplicableTradeTax
    order_id: str  # under agreement
    line_agreement: str  # under a line item
    line_delivery: str
    line_total: str


CII_2 = Dialect(
    syntax="CII",
    root="CrossIndustryInvoice",
    ns=CII_NS,
    context="rsm:ExchangedDocumentContext",
    document="rsm:ExchangedDocument",
    trade="rsm:SupplyChainTradeTransaction",
    agreement="ram:ApplicableHeaderTradeAgreement",
    settlement="ram:ApplicableHeaderTradeSettlement",
    totals="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
    rate="ram:RateApplicablePercent",
    order_id="ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
    line_agreement="ram:SpecifiedLineTradeAgreement",
    line_delivery="ram:SpecifiedLineTradeDelivery",
    line_total="ram:SpecifiedLineTradeSettlement"
    "/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
)
FERD_1 = Dialect(
    syntax="ZUGFeRD 1.0",
    root="CrossIndustryDocument",
    ns=FERD1_NS,
    context="rsm:SpecifiedExchangedDocumentContext",
    document="rsm:HeaderExchangedDocument",
    trade="rsm:SpecifiedSupplyChainTradeTransaction",
    agreement="ram:ApplicableSupplyChainTradeAgreement",
    settlement="ram:ApplicableSupplyChainTradeSettlement",
    totals="ram:SpecifiedTradeSettlementMonetarySummation",
    rate="ram:ApplicablePercent",
    order_id="ram:BuyerOrderReferencedDocument/ram:ID",
    line_agreement="ram:SpecifiedSupplyChainTradeAgreement",
    line_delivery="ram:SpecifiedSupplyChainTradeDelivery",
    line_total="ram:SpecifiedSupplyChainTradeSettlement"
    "/ram:SpecifiedTradeSettlementMonetarySummation/ram:LineTotalAmount",
)
DIALECTS = {f"{{{d.ns['rsm']}}}{d.root}": d for d in (CII_2, FERD_1)}


def read(root: Element, dialect: Dialect) -> dict[str, object]:
    """The normalised fields of a CII document (before the credit-note sign rule)."""
    parts = _Parts(root, dialect)
    return {**_header(parts), **_amounts(parts), "lines": _lines(parts), "syntax": dialect.syntax}


class _Parts:
    """The document's main blocks, each None when absent."""

    def __init__(self, root: Element, dialect: Dialect) -> None:
        ns = dialect.ns
        self.dialect, self.ns = dialect, ns
        self.context = root.find(dialect.context, ns)
        self.document = root.find(dialect.document, ns)
        self.trade = trade = root.find(dialect.trade, ns)
        self.agreement = None if trade is None else trade.find(dialect.agreement, ns)
        self.settlement = settlement = None if trade is None else trade.find(dialect.settlement, ns)
        self.totals = None if settlement is None else settlement.find(dialect.totals, ns)
        self.currency = common.text(settlement, "ram:InvoiceCurrencyCode", ns)


def _header(parts: _Parts) -> dict[str, object]:
    ns, agreement, settlement = parts.ns, parts.agreement, parts.settlement
    seller = None if agreement is None else agreement.find("ram:SellerTradeParty", ns)
    means = "ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount"
    guideline = "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    return {
        "vendor_name": common.text(seller, "ram:Name", ns),
        "vendor_vat": common.compact(
            common.text(seller, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", ns)
        ),
        "vendor_iban": common.compact(common.text(settlement, f"{means}/ram:IBANID", ns)),
        "invoice_number": common.text(parts.document, "ram:ID", ns),
        "invoice_date": _date(parts.document, "ram:IssueDateTime", ns),
        "due_date": _date(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime", ns),
        "po_number": common.text(agreement, parts.dialect.order_id, ns),
        "currency": common.currency(parts.currency),
        "document_type": common.document_type(common.text(parts.document, "ram:TypeCode", ns)),
        "profile": common.profile_name(common.text(parts.context, guideline, ns)),
    }


def _amounts(parts: _Parts) -> dict[str, object]:
    ns, totals, currency = parts.ns, parts.totals, parts.currency
    settlement = parts.settlement
    taxes = [] if settlement is None else settlement.findall("ram:ApplicableTradeTax", ns)

    def total(name: str) -> str | None:
        return common.money_in(totals, f"ram:{name}", ns, currency)

    net = common.amount(total("TaxBasisTotalAmount")) or common.net_from_parts(
        total("LineTotalAmount"), total("AllowanceTotalAmount"), total("ChargeTotalAmount")
    )
    tax = common.amount(total("TaxTotalAmount")) or common.summed(
        common.text(t, "ram:CalculatedAmount", ns) for t in taxes
    )
    rate = common.main_rate(
        (common.text(t, "ram:BasisAmount", ns), common.text(t, parts.dialect.rate, ns))
        for t in taxes
    )
    return {
        "net_amount": net,
        "tax_amount": tax,
        "tax_rate": rate or _line_rate(parts),
        "total": common.amount(total("GrandTotalAmount")),
        "amount_due": common.amount(total("DuePayableAmount")),
    }


def _line_rate(parts: _Parts) -> str | None:
    """The rate of the largest line, for documents that give no tax breakdown of their own."""
    ns, dialect = parts.ns, parts.dialect
    settlement = dialect.line_total.split("/")[0]
    return common.main_rate(
        (common.text(item, dialect.line_total, ns),
         common.text(item, f"{settlement}/ram:ApplicableTradeTax/{dialect.rate}", ns))
        for item in _items(parts)
    )


def _lines(parts: _Parts) -> list[dict[str, str | None]]:
    ns, dialect = parts.ns, parts.dialect
    lines = []
    for item in _items(parts):
        line = {
            "description": common.text(item, "ram:SpecifiedTradeProduct/ram:Name", ns)
            or common.text(item, "ram:SpecifiedTradeProduct/ram:Description", ns),
            "quantity": common.quantity(
                common.text(item, f"{dialect.line_delivery}/ram:BilledQuantity", ns)
            ),
            "unit_price": common.amount(
                common.text(
                    item, f"{dialect.line_agreement}/ram:NetPriceProductTradePrice"
                    "/ram:ChargeAmount", ns,
                )
            ),
            "amount": common.amount(common.text(item, dialect.line_total, ns)),
        }
        # 1.0 documents use lines that hold only a note (no product, quantity or amount).
        if line["description"] or line["quantity"] or line["amount"]:
            lines.append(line)
    return lines


def _items(parts: _Parts) -> list[Element]:
    if parts.trade is None:
        return []
    return parts.trade.findall("ram:IncludedSupplyChainTradeLineItem", parts.ns)


def _date(parent: Element | None, path: str, ns: dict[str, str]) -> str | None:
    """An ISO date from ``udt:DateTimeString`` (format 102 is YYYYMMDD), or from the
    element's own text, which some 1.0 writers use."""
    holder = None if parent is None else parent.find(path, ns)
    if holder is None:
        return None
    node = holder.find("udt:DateTimeString", ns)
    node = holder if node is None else node
    value = "".join((node.text or "").split())
    if node.get("format", "102") == "102" and len(value) == 8 and value.isdigit():
        return common.iso_date(f"{value[:4]}-{value[4:6]}-{value[6:]}")
    return common.iso_date(value)
