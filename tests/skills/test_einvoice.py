"""E-invoices: every generation (ZUGFeRD 1.0, ZUGFeRD 2.x / Factur-X profiles, XRechnung
CII and UBL), credit-note signs, PDF embedding and attachment choice, and hostile XML."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from skills.documents import read_document
from skills.einvoice import (
    SAMPLES,
    NotAnEInvoice,
    build_cii,
    build_einvoice,
    build_ferd1,
    build_ubl,
    embed_in_pdf,
    parse_einvoice,
)
from skills.errors import UnreadableDocument
from skills.schema import ReadMethod
from tests.skills.fixtures.read.pages import invoice_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "read"

FIELDS = {
    "vendor_name": "Nordwind Logistik GmbH",
    "vendor_vat": "DE 811 907 980",
    "vendor_iban": "DE89 3704 0044 0532 0130 00",
    "invoice_number": "INV-0004-1",
    "invoice_date": "2024-05-14",
    "due_date": "2024-06-13",
    "po_number": "PO-4528",
    "currency": "EUR",
    "net_amount": "1250.5",
    "tax_amount": "237.60",
    "tax_rate": "19",
    "total": "1488.10",
    "lines": [
        {
            "description": "Pallet transport Hamburg",
            "quantity": "3",
            "unit_price": "400.1",
            "amount": "1200.30",
        },
        {
            "description": "Toll surcharge",
            "quantity": "1",
            "unit_price": "50.20",
            "amount": "50.20",
        },
    ],
}

EXPECTED = {
    "vendor_name": "Nordwind Logistik GmbH",
    "vendor_vat": "DE811907980",
    "vendor_iban": "DE89370400440532013000",
    "invoice_number": "INV-0004-1",
    "invoice_date": "2024-05-14",
    "due_date": "2024-06-13",
    "po_number": "PO-4528",
    "currency": "EUR",
    "net_amount": "1250.50",
    "tax_amount": "237.60",
    "tax_rate": "19",
    "total": "1488.10",
    "amount_due": "1488.10",
    "document_type": "invoice",
    "lines": [
        {
            "description": "Pallet transport Hamburg",
            "quantity": "3",
            "unit_price": "400.10",
            "amount": "1200.30",
        },
        {
            "description": "Toll surcharge",
            "quantity": "1",
            "unit_price": "50.20",
            "amount": "50.20",
        },
    ],
    "syntax": "CII",
    "profile": "en16931",
}


def test_built_cii_parses_back_to_the_same_normalised_fields():
    xml = build_cii(FIELDS)
    assert b"urn:cen.eu:en16931:2017" in xml and b"<ram:IBANID>" in xml
    assert parse_einvoice(xml) == EXPECTED


def test_ubl_xrechnung_is_parsed_with_the_main_tax_rate_and_lines():
    fields = parse_einvoice((FIXTURES / "xrechnung-ubl.xml").read_bytes())
    assert fields["syntax"] == "UBL"
    assert fields["vendor_name"] == "Muster Druck GmbH"
    assert fields["vendor_vat"] == "DE123456789"
    assert fields["vendor_iban"] == "DE02120300000000202051"
    assert (fields["invoice_number"], fields["invoice_date"], fields["due_date"]) == (
        "RE-2024-0815",
        "2024-02-29",
        "2024-03-30",
    )
    assert (fields["po_number"], fields["currency"]) == ("PO-77120", "EUR")
    assert (fields["net_amount"], fields["tax_amount"], fields["total"]) == (
        "300.00",
        "55.80",
        "355.80",
    )
    assert fields["tax_rate"] == "19"  # the rate on the larger taxable amount
    assert fields["lines"] == [
        {
            "description": "Flyer A5, 4/4-farbig",
            "quantity": "500",
            "unit_price": "0.58",
            "amount": "290.00",
        },
        {"description": "Versand", "quantity": "1", "unit_price": "10.00", "amount": "10.00"},
    ]


def test_factur_x_pdf_gives_both_the_pages_and_the_embedded_fields():
    data = embed_in_pdf(invoice_pdf(seed=4), build_cii(FIELDS))
    doc = read_document(data, "facturx.pdf")
    assert doc.pages[0].method == ReadMethod.TEXT
    assert doc.einvoice == EXPECTED
    assert "factur-x.xml" in doc.engine


def test_any_xml_attachment_is_tried_and_other_attachments_are_ignored():
    data = embed_in_pdf(invoice_pdf(seed=4), b"<notes><n>hello</n></notes>", name="notes.xml")
    data = embed_in_pdf(data, b"not xml at all", name="readme.txt")
    assert read_document(data, "plain.pdf").einvoice is None
    data = embed_in_pdf(data, build_cii(FIELDS), name="ZUGFeRD-invoice.xml")
    assert read_document(data, "zugferd.pdf").einvoice["invoice_number"] == "INV-0004-1"


def test_bare_xrechnung_xml_is_a_document_without_pages():
    doc = read_document((FIXTURES / "xrechnung-ubl.xml").read_bytes(), "rechnung.xml")
    assert doc.media_type == "application/xml"
    assert doc.pages == []
    assert doc.einvoice["total"] == "355.80"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
&lol9;</rsm:CrossIndustryInvoice>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:ID>&secret;</cbc:ID></Invoice>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "external"])
def test_hostile_xml_is_refused_quickly_alone_or_inside_a_pdf(xml):
    start = time.perf_counter()
    with pytest.raises(UnreadableDocument, match="DTD or entities"):
        read_document(xml, "evil.xml")
    with pytest.raises(UnreadableDocument, match="DTD or entities"):
        read_document(embed_in_pdf(invoice_pdf(), xml), "evil.pdf")
    assert time.perf_counter() - start < 5


def test_broken_or_foreign_xml_is_refused_with_a_reason():
    with pytest.raises(UnreadableDocument, match="not well-formed"):
        read_document(build_cii(FIELDS)[:400], "cut.xml")
    with pytest.raises(UnreadableDocument, match="not an e-invoice"):
        read_document(b"<?xml version='1.0'?><html><body>hi</body></html>", "page.xml")
    with pytest.raises(NotAnEInvoice):
        parse_einvoice(b"<order/>")


# -- every generation and profile, built by the project itself ---------------------------

SYNTAX = {"ferd1": "ZUGFeRD 1.0", "cii": "CII", "ubl": "UBL"}
SIGNED = ("net_amount", "tax_amount", "total", "amount_due")


def _negative(value: str | None) -> str | None:
    return None if value is None else value.lstrip("-") if value.startswith("-") else f"-{value}"


def _as_credit_note(fields: dict) -> dict:
    """The fields of the same document as a credit note: what parse_einvoice returns."""
    out = copy.deepcopy(fields)
    out["document_type"] = "credit_note"
    for name in SIGNED:
        out[name] = _negative(out.get(name))
    for line in out["lines"]:
        line["amount"] = _negative(line["amount"])
    return out


def _expected(kind: str, credit_note: bool) -> dict:
    """What each sample must read back as: the profile's own gaps, and nothing else."""
    writer, profile, _ = SAMPLES[kind]
    out = copy.deepcopy(EXPECTED)
    out.update(syntax=SYNTAX[writer], profile=profile or "xrechnung")
    if kind == "zugferd1-basic":  # no order reference, payment terms, amount due or prices
        out.update(po_number=None, due_date=None, amount_due=None)
        for line in out["lines"]:
            line["unit_price"] = None
    if profile == "minimum":
        out.update(vendor_iban=None, due_date=None, tax_rate=None, lines=[])
    if profile == "basicwl":
        out["lines"] = []
    return _as_credit_note(out) if credit_note else out


@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_generation_reads_back_exactly_from_a_pdf_and_on_its_own(kind, credit_note):
    fields = _as_credit_note(FIELDS) if credit_note else FIELDS
    xml, name = build_einvoice(fields, kind)
    expected = _expected(kind, credit_note)
    doc = read_document(embed_in_pdf(invoice_pdf(seed=2), xml, name=name), "x.pdf")
    assert doc.einvoice == expected
    assert name in doc.engine
    assert read_document(xml, name).einvoice == expected


def test_samples_use_the_attachment_names_of_their_standard():
    names = {kind: name for kind, (_, _, name) in SAMPLES.items()}
    assert {names[k] for k in names if k.startswith("zugferd1")} == {"ZUGFeRD-invoice.xml"}
    assert names["facturx-en16931"] == "factur-x.xml"
    assert names["zugferd2-en16931"] == "zugferd-invoice.xml"
    assert names["xrechnung-cii"] == names["xrechnung-ubl"] == "xrechnung.xml"


def test_the_profiles_declare_what_the_standards_say():
    for kind, marker in [
        ("zugferd1-comfort", b"urn:ferd:CrossIndustryDocument:invoice:1p0:comfort"),
        ("facturx-minimum", b"urn:factur-x.eu:1p0:minimum"),
        ("facturx-basicwl", b"urn:factur-x.eu:1p0:basicwl"),
        ("facturx-basic", b"#compliant#urn:factur-x.eu:1p0:basic<"),
        ("facturx-extended", b"#conformant#urn:factur-x.eu:1p0:extended"),
        ("xrechnung-cii", b"urn:xeinkauf.de:kosit:xrechnung_3.0"),
    ]:
        assert marker in build_einvoice(FIELDS, kind)[0], kind
    minimum = build_cii(FIELDS, "minimum")
    assert b"IBANID" not in minimum and b"IncludedSupplyChainTradeLineItem" not in minimum
    assert b"<rsm:CrossIndustryDocument" in build_ferd1(FIELDS, "basic")
    assert b"<CreditNote " in build_ubl(_as_credit_note(FIELDS))


# -- credit notes and their sign ---------------------------------------------------------


def test_a_credit_note_is_printed_positive_and_read_negative():
    credit = _as_credit_note(FIELDS)
    xml = build_cii(credit)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert b">1488.10</ram:GrandTotalAmount>" in xml  # as the standard wants it printed
    fields = parse_einvoice(xml)
    assert fields["document_type"] == "credit_note"
    assert (fields["net_amount"], fields["tax_amount"], fields["total"], fields["amount_due"]) == (
        "-1250.50", "-237.60", "-1488.10", "-1488.10")
    assert [line["amount"] for line in fields["lines"]] == ["-1200.30", "-50.20"]
    assert [line["unit_price"] for line in fields["lines"]] == ["400.10", "50.20"]
    assert fields["tax_rate"] == "19"


@pytest.mark.parametrize("build", [build_cii, build_ubl, build_ferd1], ids=["cii", "ubl", "ferd1"])
def test_a_credit_note_printed_negative_is_not_flipped_twice(build):
    # Positive fields for a credit note make the builder print them negative.
    xml = build({**FIELDS, "document_type": "credit_note"})
    assert b">-1488.10<" in xml
    fields = parse_einvoice(xml)
    assert fields["document_type"] == "credit_note"
    assert (fields["net_amount"], fields["total"], fields["amount_due"]) == (
        "-1250.50", "-1488.10", "-1488.10")
    assert [line["amount"] for line in fields["lines"]] == ["-1200.30", "-50.20"]


def test_a_line_against_the_credit_keeps_the_opposite_sign():
    credit = _as_credit_note(FIELDS)
    credit["lines"][1]["amount"] = "50.20"  # a handling fee the seller keeps
    credit.update(net_amount="-1150.10", tax_amount="-218.52", total="-1368.62",
                  amount_due="-1368.62")
    fields = parse_einvoice(build_ubl(credit))
    assert [line["amount"] for line in fields["lines"]] == ["-1200.30", "50.20"]
    assert fields["total"] == "-1368.62"


def test_ubl_invoice_with_credit_note_type_code_is_a_credit_note():
    xml = build_ubl(FIELDS).replace(b">380</cbc:InvoiceTypeCode>", b">381</cbc:InvoiceTypeCode>")
    fields = parse_einvoice(xml)
    assert (fields["document_type"], fields["total"]) == ("credit_note", "-1488.10")


@pytest.mark.parametrize("total", ["1488.10", "-1488.10"])
def test_a_corrected_invoice_keeps_the_amounts_as_printed(total):
    sign = "-" if total.startswith("-") else ""
    fields = {**FIELDS, "document_type": "corrected_invoice", "total": total,
              "net_amount": f"{sign}1250.50", "tax_amount": f"{sign}237.60"}
    for xml in (build_cii(fields), build_ubl(fields)):
        read = parse_einvoice(xml)
        assert b">384<" in xml
        assert (read["document_type"], read["total"], read["net_amount"]) == (
            "corrected_invoice", total, f"{sign}1250.50")


def test_an_invoice_printed_negative_stays_an_invoice_with_negative_amounts():
    # ZUGFeRD 1.0 had no credit note code: corrections came as 380 with negative amounts.
    fields = {**FIELDS, "net_amount": "-1250.50", "tax_amount": "-237.60", "total": "-1488.10",
              "lines": [{**line, "amount": f"-{line['amount']}"} for line in FIELDS["lines"]]}
    read = parse_einvoice(build_ferd1(fields, "comfort"))
    assert (read["document_type"], read["total"], read["amount_due"]) == (
        "invoice", "-1488.10", "-1488.10")
    assert read["lines"][0]["amount"] == "-1200.30"


# -- ZUGFeRD 1.0 as real senders write it --------------------------------------------------

# The two ZUGFeRD 1.0 samples below keep the layout real senders use (tabs, line breaks
# inside elements); their repeated parts come from these helpers, character for character.


def _ferd1_tax(calculated: str, basis: str, rate: str) -> str:
    """One VAT group of the COMFORT sample's settlement."""
    return f"""\
\t\t\t<ram:ApplicableTradeTax>
\t\t\t\t<ram:CalculatedAmount currencyID="EUR">{calculated}</ram:CalculatedAmount>
\t\t\t\t<ram:TypeCode>VAT</ram:TypeCode>
\t\t\t\t<ram:BasisAmount currencyID="EUR">{basis}</ram:BasisAmount>
\t\t\t\t<ram:CategoryCode>S</ram:CategoryCode>
\t\t\t\t<ram:ApplicablePercent>{rate}</ram:ApplicablePercent>
\t\t\t</ram:ApplicableTradeTax>
"""


def _ferd1_line_trade(price: str, quantity: str, rate: str, amount: str) -> str:
    """A COMFORT sample line from its net price to its settlement (the product follows)."""
    return f"""\
\t\t\t\t<ram:NetPriceProductTradePrice><ram:ChargeAmount currencyID="EUR">{price}</ram:ChargeAmount>
\t\t\t\t</ram:NetPriceProductTradePrice>
\t\t\t</ram:SpecifiedSupplyChainTradeAgreement>
\t\t\t<ram:SpecifiedSupplyChainTradeDelivery>
\t\t\t\t<ram:BilledQuantity unitCode="C62">{quantity}</ram:BilledQuantity>
\t\t\t</ram:SpecifiedSupplyChainTradeDelivery>
\t\t\t<ram:SpecifiedSupplyChainTradeSettlement>
\t\t\t\t<ram:ApplicableTradeTax>
\t\t\t\t\t<ram:TypeCode>VAT</ram:TypeCode>
\t\t\t\t\t<ram:CategoryCode>S</ram:CategoryCode>
\t\t\t\t\t<ram:ApplicablePercent>{rate}</ram:ApplicablePercent>
\t\t\t\t</ram:ApplicableTradeTax>
\t\t\t\t<ram:SpecifiedTradeSettlementMonetarySummation>
\t\t\t\t\t<ram:LineTotalAmount currencyID="EUR">{amount}</ram:LineTotalAmount>
\t\t\t\t</ram:SpecifiedTradeSettlementMonetarySummation>
\t\t\t</ram:SpecifiedSupplyChainTradeSettlement>
"""


def _ferd1_line(number: int, price: str, quantity: str, rate: str, amount: str) -> str:
    """A plain COMFORT sample line (no note, no gross price) up to its product."""
    return f"""\
\t\t<ram:IncludedSupplyChainTradeLineItem>
\t\t\t<ram:AssociatedDocumentLineDocument><ram:LineID>{number}</ram:LineID>
\t\t\t</ram:AssociatedDocumentLineDocument>
\t\t\t<ram:SpecifiedSupplyChainTradeAgreement>
""" + _ferd1_line_trade(price, quantity, rate, amount)


def _ferd1_basic_line(unit: str, quantity: str, amount: str, name: str) -> str:
    """A BASIC sample line: quantity, amount and name only."""
    return f"""\
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument/>
      <ram:SpecifiedSupplyChainTradeDelivery>
      <ram:BilledQuantity unitCode="{unit}">{quantity}</ram:BilledQuantity>
      </ram:SpecifiedSupplyChainTradeDelivery>
      <ram:SpecifiedSupplyChainTradeSettlement>
        <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:LineTotalAmount currencyID="EUR">{amount}</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementMonetarySummation>
      </ram:SpecifiedSupplyChainTradeSettlement>
      <ram:SpecifiedTradeProduct><ram:Name>{name}</ram:Name>
      </ram:SpecifiedTradeProduct>
    </ram:IncludedSupplyChainTradeLineItem>
"""


FERD1_COMFORT = ("""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- Beispielrechnung, ZUGFeRD 1.0 COMFORT (erfundene Firmen) -->
<rsm:CrossIndustryDocument xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
    xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0">
\t<rsm:SpecifiedExchangedDocumentContext>
\t\t<ram:TestIndicator><udt:Indicator>false</udt:Indicator></ram:TestIndicator>
\t\t<ram:GuidelineSpecifiedDocumentContextParameter>
\t\t\t<ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID>
\t\t</ram:GuidelineSpecifiedDocumentContextParameter>
\t</rsm:SpecifiedExchangedDocumentContext>
\t<rsm:HeaderExchangedDocument>
\t\t<ram:ID>R-2015-0310</ram:ID>
\t\t<ram:Name>RECHNUNG</ram:Name>
\t\t<ram:TypeCode>380</ram:TypeCode>
\t\t<ram:IssueDateTime><udt:DateTimeString format="102">20150310</udt:DateTimeString>
\t\t</ram:IssueDateTime>
\t\t<ram:IncludedNote>
\t\t\t<ram:Content>Bürobedarf Sonnenschein KG\t\t\t
Am Markt 7\t\t\t
04109 Leipzig
Geschäftsführer: Erika Beispiel</ram:Content>
\t\t\t<ram:SubjectCode>REG</ram:SubjectCode>
\t\t</ram:IncludedNote>
\t</rsm:HeaderExchangedDocument>
\t<rsm:SpecifiedSupplyChainTradeTransaction>
\t\t<ram:ApplicableSupplyChainTradeAgreement>
\t\t\t<ram:BuyerReference>Einkauf Zentrale</ram:BuyerReference>
\t\t\t<ram:SellerTradeParty>
\t\t\t\t<ram:GlobalID schemeID="0088">4000001000005</ram:GlobalID>
\t\t\t\t<ram:Name>Bürobedarf Sonnenschein KG</ram:Name>
\t\t\t\t<ram:PostalTradeAddress>
\t\t\t\t\t<ram:PostcodeCode>04109</ram:PostcodeCode>
\t\t\t\t\t<ram:LineOne>Am Markt 7</ram:LineOne>
\t\t\t\t\t<ram:CityName>Leipzig</ram:CityName>
\t\t\t\t\t<ram:CountryID>DE</ram:CountryID>
\t\t\t\t</ram:PostalTradeAddress>
\t\t\t\t<ram:SpecifiedTaxRegistration>
\t\t\t\t\t<ram:ID schemeID="FC">231/456/78901</ram:ID>
\t\t\t\t</ram:SpecifiedTaxRegistration>
\t\t\t\t<ram:SpecifiedTaxRegistration>
\t\t\t\t\t<ram:ID schemeID="VA">DE298765432</ram:ID>
\t\t\t\t</ram:SpecifiedTaxRegistration>
\t\t\t</ram:SellerTradeParty>
\t\t\t<ram:BuyerTradeParty>
\t\t\t\t<ram:ID>K-20044</ram:ID>
\t\t\t\t<ram:Name>Muster Maschinenbau GmbH</ram:Name>
\t\t\t\t<ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
\t\t\t\t<ram:SpecifiedTaxRegistration>
\t\t\t\t\t<ram:ID schemeID="VA">DE999999999</ram:ID>
\t\t\t\t</ram:SpecifiedTaxRegistration>
\t\t\t</ram:BuyerTradeParty>
\t\t\t<ram:BuyerOrderReferencedDocument>
\t\t\t\t<ram:IssueDateTime>2015-02-27T00:00:00</ram:IssueDateTime>
\t\t\t\t<ram:ID>4500017812</ram:ID>
\t\t\t</ram:BuyerOrderReferencedDocument>
\t\t</ram:ApplicableSupplyChainTradeAgreement>
\t\t<ram:ApplicableSupplyChainTradeDelivery>
\t\t\t<ram:ActualDeliverySupplyChainEvent>
\t\t\t\t<ram:OccurrenceDateTime>
\t\t\t\t<udt:DateTimeString format="102">20150306</udt:DateTimeString> </ram:OccurrenceDateTime>
\t\t\t</ram:ActualDeliverySupplyChainEvent>
\t\t</ram:ApplicableSupplyChainTradeDelivery>
\t\t<ram:ApplicableSupplyChainTradeSettlement>
\t\t\t<ram:PaymentReference>R-2015-0310</ram:PaymentReference>
\t\t\t<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
\t\t\t<ram:SpecifiedTradeSettlementPaymentMeans>
\t\t\t\t<ram:TypeCode>31</ram:TypeCode>
\t\t\t\t<ram:Information>Überweisung</ram:Information>
\t\t\t\t<ram:PayeePartyCreditorFinancialAccount>
\t\t\t\t\t<ram:IBANID>DE02 1203 0000 0000 2020 51</ram:IBANID>
\t\t\t\t</ram:PayeePartyCreditorFinancialAccount>
\t\t\t\t<ram:PayeeSpecifiedCreditorFinancialInstitution>
\t\t\t\t\t<ram:BICID>BYLADEM1001</ram:BICID>
\t\t\t\t</ram:PayeeSpecifiedCreditorFinancialInstitution>
\t\t\t</ram:SpecifiedTradeSettlementPaymentMeans>
""" + _ferd1_tax("5.59", "79.80", "7.00") + _ferd1_tax("44.18", "232.51", "19.00") + """\
\t\t\t<ram:SpecifiedTradeAllowanceCharge>
\t\t\t\t<ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>
\t\t\t\t<ram:BasisAmount currencyID="EUR">244.75</ram:BasisAmount>
\t\t\t\t<ram:ActualAmount currencyID="EUR">12.24</ram:ActualAmount>
\t\t\t\t<ram:Reason>Treuerabatt 5 %</ram:Reason>
\t\t\t\t<ram:CategoryTradeTax>
\t\t\t\t\t<ram:TypeCode>VAT</ram:TypeCode>
\t\t\t\t\t<ram:CategoryCode>S</ram:CategoryCode>
\t\t\t\t\t<ram:ApplicablePercent>19.00</ram:ApplicablePercent>
\t\t\t\t</ram:CategoryTradeTax>
\t\t\t</ram:SpecifiedTradeAllowanceCharge>
\t\t\t<ram:SpecifiedTradePaymentTerms>
\t\t\t\t<ram:Description>Zahlbar bis 09.04.2015 ohne Abzug,
\t\t\t\t2 % Skonto bis 20.03.2015</ram:Description>
\t\t\t\t<ram:DueDateDateTime><udt:DateTimeString format="102">20150409</udt:DateTimeString>
\t\t\t\t</ram:DueDateDateTime>
\t\t\t</ram:SpecifiedTradePaymentTerms>
\t\t\t<ram:SpecifiedTradeSettlementMonetarySummation>
\t\t\t\t<ram:LineTotalAmount currencyID="EUR">324.55</ram:LineTotalAmount>
\t\t\t\t<ram:ChargeTotalAmount currencyID="EUR">0.00</ram:ChargeTotalAmount>
\t\t\t\t<ram:AllowanceTotalAmount currencyID="EUR">12.24</ram:AllowanceTotalAmount>
\t\t\t\t<ram:TaxBasisTotalAmount currencyID="EUR">312.31</ram:TaxBasisTotalAmount>
\t\t\t\t<ram:TaxTotalAmount currencyID="EUR">49.77</ram:TaxTotalAmount>
\t\t\t\t<ram:GrandTotalAmount currencyID="EUR">362.08</ram:GrandTotalAmount>
\t\t\t\t<ram:TotalPrepaidAmount currencyID="EUR">50.00</ram:TotalPrepaidAmount>
\t\t\t\t<ram:DuePayableAmount currencyID="EUR">312.08</ram:DuePayableAmount>
\t\t\t</ram:SpecifiedTradeSettlementMonetarySummation>
\t\t</ram:ApplicableSupplyChainTradeSettlement>
\t\t<ram:IncludedSupplyChainTradeLineItem>
\t\t\t<ram:AssociatedDocumentLineDocument>
\t\t\t\t<ram:LineID>1</ram:LineID>
\t\t\t\t<ram:IncludedNote><ram:Content>Lieferung vom 06.03.2015</ram:Content></ram:IncludedNote>
\t\t\t</ram:AssociatedDocumentLineDocument>
\t\t\t<ram:SpecifiedSupplyChainTradeAgreement>
\t\t\t\t<ram:GrossPriceProductTradePrice>
\t\t\t\t<ram:ChargeAmount currencyID="EUR">4.2500</ram:ChargeAmount>
\t\t\t\t</ram:GrossPriceProductTradePrice>
""" + _ferd1_line_trade("4.2500", "40.0000", "19.00", "170.00") + """\
\t\t\t<ram:SpecifiedTradeProduct>
\t\t\t\t<ram:GlobalID schemeID="0160">4012345000016</ram:GlobalID>
\t\t\t\t<ram:SellerAssignedID>KP-A4-80</ram:SellerAssignedID>
\t\t\t\t<ram:Name>Kopierpapier A4,
\t\t\t\t80 g/m²</ram:Name>
\t\t\t</ram:SpecifiedTradeProduct>
\t\t</ram:IncludedSupplyChainTradeLineItem>
""" + _ferd1_line(2, "2.9900", "25.0000", "19.00", "74.75") + """\
\t\t\t<ram:SpecifiedTradeProduct><ram:Name>Ordner breit, blau</ram:Name></ram:SpecifiedTradeProduct>
\t\t</ram:IncludedSupplyChainTradeLineItem>
""" + _ferd1_line(3, "39.9000", "2.0000", "7.00", "79.80") + """\
\t\t\t<ram:SpecifiedTradeProduct><ram:Name>Fachbuch Buchhaltung</ram:Name>
\t\t\t</ram:SpecifiedTradeProduct>
\t\t</ram:IncludedSupplyChainTradeLineItem>
\t</rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
""").encode()

FERD1_COMFORT_FIELDS = {
    "vendor_name": "Bürobedarf Sonnenschein KG",
    "vendor_vat": "DE298765432",  # the VA registration, not the FC tax number before it
    "vendor_iban": "DE02120300000000202051",
    "invoice_number": "R-2015-0310",
    "invoice_date": "2015-03-10",
    "due_date": "2015-04-09",
    "po_number": "4500017812",
    "currency": "EUR",
    "net_amount": "312.31",  # line total 324.55 less the 12.24 allowance
    "tax_amount": "49.77",
    "tax_rate": "19",  # 232.51 taxed at 19 %, 79.80 at 7 %
    "total": "362.08",
    "amount_due": "312.08",  # 50.00 was paid in advance
    "document_type": "invoice",
    "lines": [
        {"description": "Kopierpapier A4, 80 g/m²", "quantity": "40", "unit_price": "4.25",
         "amount": "170.00"},
        {"description": "Ordner breit, blau", "quantity": "25", "unit_price": "2.99",
         "amount": "74.75"},
        {"description": "Fachbuch Buchhaltung", "quantity": "2", "unit_price": "39.90",
         "amount": "79.80"},
    ],
    "syntax": "ZUGFeRD 1.0",
    "profile": "comfort",
}


def test_a_real_world_zugferd_1_comfort_with_two_rates_and_an_allowance():
    assert parse_einvoice(FERD1_COMFORT) == FERD1_COMFORT_FIELDS
    pdf = embed_in_pdf(invoice_pdf(seed=3), FERD1_COMFORT, name="ZUGFeRD-invoice.xml")
    doc = read_document(pdf, "zugferd1.pdf")
    assert doc.einvoice == FERD1_COMFORT_FIELDS
    assert "embedded ZUGFeRD-invoice.xml (ZUGFeRD 1.0)" in doc.engine


FERD1_BASIC = ("""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
 xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:basic</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument>
    <ram:ID>2015/0042</ram:ID>
    <ram:Name>RECHNUNG</ram:Name>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20150401</udt:DateTimeString>
    </ram:IssueDateTime>
    <ram:IncludedNote><ram:Content>Zahlbar innerhalb von 14 Tagen ohne Abzug.</ram:Content>
    </ram:IncludedNote>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Glanz Gebäudereinigung e.K.</ram:Name>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">de 134 679 258</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Kanzlei Beispiel</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>DE02120300000000202051</ram:IBANID>
        </ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount currencyID="EUR">112.10</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount currencyID="EUR">590.00</ram:BasisAmount>
        <ram:ApplicablePercent>19.00</ram:ApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:LineTotalAmount currencyID="EUR">575.00</ram:LineTotalAmount>
        <ram:ChargeTotalAmount currencyID="EUR">15.00</ram:ChargeTotalAmount>
        <ram:AllowanceTotalAmount currencyID="EUR">0.00</ram:AllowanceTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">112.10</ram:TaxTotalAmount>
        <ram:GrandTotalAmount currencyID="EUR">702.10</ram:GrandTotalAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument>
        <ram:IncludedNote><ram:Content>Leistungszeitraum März 2015</ram:Content></ram:IncludedNote>
      </ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedSupplyChainTradeSettlement/>
    </ram:IncludedSupplyChainTradeLineItem>
""" + _ferd1_basic_line("C62", "1.0000", "480.00", "Unterhaltsreinigung Büroräume")
    + _ferd1_basic_line("HUR", "2.5000", "95.00", "Fensterreinigung (Stunden)") + """\
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
""").encode()


def test_a_zugferd_1_basic_without_prices_tax_basis_or_amount_due():
    fields = parse_einvoice(FERD1_BASIC)
    assert fields == {
        "vendor_name": "Glanz Gebäudereinigung e.K.",
        "vendor_vat": "DE134679258",
        "vendor_iban": "DE02120300000000202051",
        "invoice_number": "2015/0042",
        "invoice_date": "2015-04-01",
        "due_date": None,
        "po_number": None,
        "currency": "EUR",
        "net_amount": "590.00",  # no tax basis given: line total plus the 15.00 charge
        "tax_amount": "112.10",
        "tax_rate": "19",
        "total": "702.10",
        "amount_due": None,
        "document_type": "invoice",
        "lines": [  # the note-only line is no line item
            {"description": "Unterhaltsreinigung Büroräume", "quantity": "1",
             "unit_price": None, "amount": "480.00"},
            {"description": "Fensterreinigung (Stunden)", "quantity": "2.5",
             "unit_price": None, "amount": "95.00"},
        ],
        "syntax": "ZUGFeRD 1.0",
        "profile": "basic",
    }


CII_MINIMUM_TWO_CURRENCIES = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>A1</ram:ID>
  </ram:BusinessProcessSpecifiedDocumentContextParameter>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID>
  </ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>FA-2024-118</ram:ID><ram:TypeCode>381</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20240305</udt:DateTimeString>
  </ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Atelier Lumi\xc3\xa8re SARL</ram:Name>
    <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">123456789</ram:ID>
    </ram:SpecifiedLegalOrganization>
    <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR32123456789</ram:ID>
    </ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Kunde AG</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>
   <ram:InvoiceCurrencyCode>CHF</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>200.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">41.60</ram:TaxTotalAmount>
    <ram:TaxTotalAmount currencyID="CHF">40.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>240.00</ram:GrandTotalAmount>
    <ram:DuePayableAmount>0.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


def test_a_minimum_credit_note_takes_the_tax_in_its_own_currency():
    fields = parse_einvoice(CII_MINIMUM_TWO_CURRENCIES)
    assert (fields["currency"], fields["tax_amount"], fields["net_amount"], fields["total"]) == (
        "CHF", "-40.00", "-200.00", "-240.00")
    assert fields["amount_due"] == "0.00"  # already settled; never "-0.00"
    assert (fields["vendor_iban"], fields["due_date"], fields["tax_rate"], fields["lines"]) == (
        None, None, None, [])
    assert (fields["document_type"], fields["profile"]) == ("credit_note", "minimum")


@pytest.mark.parametrize("xml", [
    b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>',
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
    b'CrossIndustryInvoice:100"><rsm:SupplyChainTradeTransaction><ram:'
    b'IncludedSupplyChainTradeLineItem xmlns:ram="urn:un:unece:uncefact:data:standard:'
    b'ReusableAggregateBusinessInformationEntity:100"><ram:SpecifiedTradeProduct><ram:Name>x'
    b'</ram:Name></ram:SpecifiedTradeProduct></ram:IncludedSupplyChainTradeLineItem>'
    b'</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>',
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
    b'<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>',
], ids=["ferd1", "cii", "ubl-invoice", "ubl-credit-note"])
def test_documents_with_nearly_nothing_in_them_do_not_crash(xml):
    fields = parse_einvoice(xml)
    assert fields["total"] is None and fields["amount_due"] is None
    assert fields["document_type"] in ("invoice", "credit_note")
    assert all(line["amount"] is None for line in fields["lines"])


# -- which attachment is the e-invoice ---------------------------------------------------


@pytest.mark.parametrize("name", ["rechnung_4711.xml", "INVOICE", "invoice.ubl"])
@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
def test_ubl_attached_under_any_name_is_used(name, credit_note):
    fields = _as_credit_note(FIELDS) if credit_note else FIELDS
    xml = build_ubl(fields)
    pdf = embed_in_pdf(invoice_pdf(seed=1), b"<notes><n>ok</n></notes>", name="notes.xml")
    pdf = embed_in_pdf(pdf, b"\x89PNG\r\n\x1a\n not xml", name="logo.png")
    doc = read_document(embed_in_pdf(pdf, xml, name=name), "ubl.pdf")
    assert doc.einvoice == _expected("xrechnung-ubl", credit_note)
    assert f"embedded {name} (UBL)" in doc.engine


def test_the_standard_name_is_preferred_and_a_damaged_other_file_is_skipped():
    pdf = embed_in_pdf(invoice_pdf(seed=1), b"<notes><n>cut off", name="a-notes.xml")
    other = build_ubl({**FIELDS, "invoice_number": "OTHER-1"})
    pdf = embed_in_pdf(pdf, other, name="b-copy.xml")
    assert read_document(pdf, "x.pdf").einvoice["invoice_number"] == "OTHER-1"
    pdf = embed_in_pdf(pdf, build_ferd1(FIELDS), name="ZUGFeRD-invoice.xml")
    doc = read_document(pdf, "x.pdf")
    assert doc.einvoice["invoice_number"] == "INV-0004-1"
    assert doc.einvoice["syntax"] == "ZUGFeRD 1.0"


def test_hostile_xml_is_refused_under_an_xml_name_and_ignored_under_others():
    with pytest.raises(UnreadableDocument, match="DTD or entities"):
        read_document(embed_in_pdf(invoice_pdf(), BILLION_LAUGHS, name="other.xml"), "x.pdf")
    pdf = embed_in_pdf(invoice_pdf(), BILLION_LAUGHS, name="data.bin")
    assert read_document(pdf, "x.pdf").einvoice is None
    with pytest.raises(UnreadableDocument, match="not well-formed"):
        read_document(embed_in_pdf(invoice_pdf(), b"<rsm:Cross", name="factur-x.xml"), "x.pdf")
