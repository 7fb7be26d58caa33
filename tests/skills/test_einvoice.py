"""E-invoices: CII and UBL parsing, building, PDF embedding, and hostile XML."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from skills.documents import read_document
from skills.einvoice import NotAnEInvoice, build_cii, embed_in_pdf, parse_einvoice
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
