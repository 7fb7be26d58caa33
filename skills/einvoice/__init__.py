"""Structured e-invoices: every ZUGFeRD / Factur-X / XRechnung generation, CII or UBL.

Such an invoice needs no reading at all: the XML says what the fields are. It comes as an
attachment inside a PDF (ZUGFeRD, Factur-X) or on its own (XRechnung). What is read:

=====================  ===========================================  =====================
generation             XML root                                     usual attachment name
=====================  ===========================================  =====================
ZUGFeRD 1.0            ``rsm:CrossIndustryDocument`` (FeRD 1p0)     ``ZUGFeRD-invoice.xml``
ZUGFeRD 2.x, Factur-X  ``rsm:CrossIndustryInvoice`` (CII D16B)      ``factur-x.xml``,
                                                                    ``zugferd-invoice.xml``
XRechnung              CII as above, or UBL ``Invoice``             ``xrechnung.xml``
                       / ``CreditNote``                             (or none: a bare file)
=====================  ===========================================  =====================

All profiles are read (1.0 BASIC, COMFORT, EXTENDED; 2.x MINIMUM, BASIC WL, BASIC,
EN 16931, EXTENDED, XRECHNUNG). Small profiles simply leave fields out: MINIMUM has no
IBAN, due date, VAT rate or lines, so those come back ``None`` / ``[]``.

:func:`parse_einvoice` returns one dict, whatever the generation:

- ``vendor_name``, ``vendor_vat`` (the seller's VAT id, scheme "VA"), ``vendor_iban``,
  ``invoice_number``, ``invoice_date``, ``due_date`` (ISO), ``po_number`` (the buyer's
  order reference), ``currency`` (ISO 4217);
- ``net_amount`` (tax basis; line total minus allowances plus charges when no basis is
  given), ``tax_amount``, ``tax_rate`` (the rate of the largest taxable amount), ``total``
  (grand total, tax included), ``amount_due`` (what is still to be paid: the grand total
  less prepayments; ``None`` when the document does not say), as decimal strings;
- ``document_type``: ``invoice``, ``credit_note`` or ``corrected_invoice``;
- ``lines``: description, quantity, unit_price, amount per line;
- ``syntax`` (``CII``, ``ZUGFeRD 1.0`` or ``UBL``) and ``profile`` (``minimum``,
  ``basicwl``, ``basic``, ``comfort``, ``en16931``, ``extended``, ``xrechnung``, ``peppol``
  or ``None``), to say what was read.

The sign rule. A credit note (type code 381 and the other EN 16931 credit note codes, or
a UBL ``CreditNote``) prints its amounts positive; here its ``net_amount``,
``tax_amount``, ``total``, ``amount_due`` and line amounts come back NEGATIVE, so that
adding up documents gives what is owed. A credit note whose sender already printed the
amounts negative is kept as printed: the sign is decided once per document, from its
total, and never flipped twice. Invoices (380 and all other codes) and corrected
invoices (384) keep the sign they are printed with; an old-style correction printed as
a negative 380 invoice stays an ``invoice`` with negative amounts. Unit prices,
quantities and rates are never changed.

Safety: XML is parsed with defusedxml and any DTD or entity declaration is refused
(:class:`HostileXml`), so entity-expansion bombs and external entities are never
expanded or fetched; a damaged file raises :class:`BrokenXml`. Both are
:class:`~skills.errors.UnreadableDocument`.

Where things are: :mod:`.common` (safe parsing, value normalising, the sign rule),
:mod:`.cii` (both CII generations, told apart by a ``Dialect`` of element names),
:mod:`.ubl`, and the writers :mod:`.write_cii`, :mod:`.write_ubl` (helpers in
:mod:`.xmlwrite`).

Writing, for tests and the synthetic invoice generator: :func:`build_cii` (2.x, any
profile), :func:`build_ferd1` (1.0), :func:`build_ubl` (Invoice or CreditNote),
:func:`build_einvoice` (one of :data:`SAMPLES`, with its standard attachment name) and
:func:`embed_in_pdf`. Parsing what they write gives the same fields back.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from skills.einvoice import cii, common, ubl
from skills.einvoice.cii import CII_NS, FERD1_NS
from skills.einvoice.common import BrokenXml, HostileXml, NotAnEInvoice
from skills.einvoice.ubl import UBL_NS, UBL_ROOTS
from skills.einvoice.write_cii import CII_PROFILES, FERD1_PROFILES, build_cii, build_ferd1
from skills.einvoice.write_ubl import build_ubl

__all__ = [
    "ATTACHMENT_NAMES", "CII_NS", "CII_PROFILES", "FERD1_NS", "FERD1_PROFILES", "FIELDS",
    "SAMPLES", "UBL_NS", "UBL_ROOTS", "BrokenXml", "HostileXml", "NotAnEInvoice", "build_cii",
    "build_einvoice", "build_ferd1", "build_ubl", "embed_in_pdf", "parse_einvoice",
]

# File names the standards give the attachment, lower-cased (ZUGFeRD 1.0 and 2.0 use
# "ZUGFeRD-invoice.xml", Factur-X and ZUGFeRD 2.1+ "factur-x.xml").
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
    "amount_due",
    "document_type",
)

# One sample per generation and profile: kind -> (writer, profile, attachment name).
SAMPLES = {
    "zugferd1-basic": ("ferd1", "basic", "ZUGFeRD-invoice.xml"),
    "zugferd1-comfort": ("ferd1", "comfort", "ZUGFeRD-invoice.xml"),
    "zugferd1-extended": ("ferd1", "extended", "ZUGFeRD-invoice.xml"),
    "facturx-minimum": ("cii", "minimum", "factur-x.xml"),
    "facturx-basicwl": ("cii", "basicwl", "factur-x.xml"),
    "facturx-basic": ("cii", "basic", "factur-x.xml"),
    "facturx-en16931": ("cii", "en16931", "factur-x.xml"),
    "facturx-extended": ("cii", "extended", "factur-x.xml"),
    "zugferd2-en16931": ("cii", "en16931", "zugferd-invoice.xml"),
    "xrechnung-cii": ("cii", "xrechnung", "xrechnung.xml"),
    "xrechnung-ubl": ("ubl", None, "xrechnung.xml"),
}


def parse_einvoice(xml: bytes) -> dict[str, object]:
    """Normalised fields of a CII (any generation) or UBL invoice or credit note.

    Raises :class:`HostileXml` or :class:`BrokenXml` (both
    :class:`~skills.errors.UnreadableDocument`) for XML that must not or cannot be read,
    and :class:`NotAnEInvoice` for other XML.
    """
    root = common.parse_safely(xml)
    dialect = cii.DIALECTS.get(root.tag)
    kind = None if dialect else ubl.kind_of(root)
    if dialect is not None:
        fields = cii.read(root, dialect)
    elif kind is not None:
        fields = ubl.read(root, kind)
    else:
        raise NotAnEInvoice(f"the XML root is {root.tag}, not a CII or UBL invoice")
    return common.with_sign(fields)


def build_einvoice(fields: Mapping[str, object], kind: str) -> tuple[bytes, str]:
    """The XML of one of :data:`SAMPLES` for ``fields``, and the name it is attached under."""
    writer, profile, name = SAMPLES[kind]
    if writer == "ferd1":
        return build_ferd1(fields, profile), name
    if writer == "cii":
        return build_cii(fields, profile), name
    return build_ubl(fields), name


def embed_in_pdf(pdf: bytes, xml: bytes, name: str = "factur-x.xml") -> bytes:
    """The PDF with the XML attached under ``name``, as ZUGFeRD / Factur-X do."""
    import pypdf  # noqa: PLC0415 - only the writers need it

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, xml)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
