"""Small helpers the builders share: namespaced elements, printed amounts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from lxml import etree

from skills.einvoice import common

Fields = Mapping[str, object]

# What both syntaxes declare: the XRechnung 3.0 specification (BT-24) and the Peppol
# billing process (BT-23).
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


class Tree:
    """Makes elements from "prefix:Name" tags in one namespace map."""

    def __init__(self, ns: Mapping[str, str]) -> None:
        self.ns = ns

    def root(self, tag: str, nsmap: Mapping[str | None, str] | None = None):
        return etree.Element(self.qname(tag), nsmap=dict(nsmap or self.ns))

    def sub(self, parent, tag: str, text: object = None, **attrs: str):
        element = etree.SubElement(parent, self.qname(tag), attrs)
        if text is not None:
            element.text = str(text)
        return element

    def qname(self, tag: str) -> str:
        prefix, _, name = tag.partition(":")
        return f"{{{self.ns[prefix]}}}{name}"


def serialised(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def printed(fields: Mapping[str, object]) -> dict[str, object]:
    """The fields as a document prints them: a credit note's negative amounts positive.

    The inverse of :func:`common.with_sign`, so building then parsing gives the fields back.
    Missing ``amount_due`` defaults to the total, missing ``lines`` to none.
    """
    out = dict(fields)
    if out.get("amount_due") is None:
        out["amount_due"] = fields.get("total")
    out["lines"] = [dict(line) for line in fields.get("lines") or []]
    if out.get("document_type") == "credit_note":
        for name in common.SIGNED_FIELDS:
            out[name] = common.negated(out.get(name))
        for line in out["lines"]:
            line["amount"] = common.negated(line.get("amount"))
    return out


def type_code(fields: Mapping[str, object]) -> str:
    return common.TYPE_CODES.get(str(fields.get("document_type") or "invoice"), "380")


def money(value: object) -> str:
    return f"{Decimal(str(value)):.2f}"


def plain(value: object) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def iso(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def compact_date(value: object) -> str:
    """YYYYMMDD, the CII date format 102."""
    return iso(value).replace("-", "")[:8]


def line_sum(lines: list[Mapping[str, object]]) -> Decimal:
    return sum((Decimal(str(line["amount"])) for line in lines if line.get("amount") is not None),
               Decimal(0))


def country(fields: Mapping[str, object]) -> str:
    """The seller's country from the VAT id prefix, Germany when there is none."""
    vat = str(fields.get("vendor_vat") or "")
    return vat[:2].upper() if vat[:2].isalpha() else "DE"
