"""What kind of document this is: an invoice, a credit note or a corrected invoice.

    from skills.doctype import DocumentType, document_type
    document_type(doc)        # DocumentType.CREDIT_NOTE for a "Gutschrift Nr. 12"

The kind is read from the document's title, the way a clerk reads it: the top-most
line on the first page that starts with a document title ("Rechnung", "Avoir n° 3",
"Credit note", "Nota di credito"...). A title word inside a sentence ("... als
Gutschrift verrechnet") is not a title.

A credit note's amounts are owed to the buyer, so extraction reports them negative
whatever sign is printed; a corrected invoice keeps the signs it prints. E-invoices say
their kind in the XML (type code 381 is a credit note), see skills.einvoice.
"""

from __future__ import annotations

from enum import StrEnum

from skills.extract.labels import squash
from skills.schema import Document, Line


class DocumentType(StrEnum):
    INVOICE = "invoice"  # a claim for payment: amounts as printed
    CREDIT_NOTE = "credit_note"  # money owed back to the buyer: amounts negative
    CORRECTED_INVOICE = "corrected_invoice"  # replaces an earlier invoice: amounts as printed


# Title phrases per kind, in the six languages; compared squashed (skills.extract.labels).
TITLES: dict[DocumentType, tuple[str, ...]] = {
    DocumentType.CREDIT_NOTE: (
        "credit note", "credit memo", "creditnote", "gutschrift", "rechnungsgutschrift",
        "stornorechnung", "storno", "rechnungsstorno", "avoir", "facture d avoir",
        "note de credit", "nota di credito", "nota credito", "nota de credito", "abono",
        "factura de abono", "creditnota", "creditfactuur",
    ),
    DocumentType.CORRECTED_INVOICE: (
        "rechnungskorrektur", "korrekturrechnung", "berichtigte rechnung", "corrected invoice",
        "correction invoice", "invoice correction", "facture rectificative",
        "factura rectificativa", "fattura rettificativa", "gecorrigeerde factuur",
    ),
    DocumentType.INVOICE: (
        "invoice", "tax invoice", "rechnung", "facture", "factura", "factuur", "fattura",
        "bill", "receipt", "quittung", "proforma",
    ),
}
_BY_PHRASE = sorted(((squash(p), kind) for kind, phrases in TITLES.items() for p in phrases),
                    key=lambda item: -len(item[0]))
# A title line is short; longer lines with a title word are sentences.
_MAX_TITLE_WORDS = 8
# Title words that are also ordinary words ("Avoir une question ?"): a title only alone
# on their line or before a number.
_AMBIGUOUS = frozenset({"avoir", "storno", "abono", "bill", "receipt"})
# Only the upper part of the first page holds the title.
_TITLE_ZONE = 0.6


def document_type(doc: Document) -> DocumentType:
    """The kind named by a title line in the upper part of the first page: a credit note or
    corrected invoice when such a title is there, else an invoice."""
    if not doc.pages:
        return DocumentType.INVOICE
    page = doc.pages[0]
    found = {title_kind(ln) for ln in page.lines if ln.box[1] < page.height * _TITLE_ZONE}
    for kind in (DocumentType.CREDIT_NOTE, DocumentType.CORRECTED_INVOICE):
        if kind in found:
            return kind
    return DocumentType.INVOICE


def title_kind(line: Line) -> DocumentType | None:
    """The kind a line names when it is a title: it starts with a title phrase made of whole
    words, and is short or goes on with a number ("Gutschrift Nr. 12", "Avoir n° 3")."""
    words = [squash(w) for w in line.text.split()]
    words = [w for w in words if w]
    if not words:
        return None
    for k in range(min(len(words), 4), 0, -1):  # the longest title first ("Facture d'avoir")
        head = "".join(words[:k])
        for phrase, kind in _BY_PHRASE:
            if head == phrase or head.startswith(phrase) and _number_marker(head[len(phrase):]):
                rest = words[k:]
                numbered = bool(rest) and _number_marker(rest[0])
                if not rest or numbered or (phrase not in _AMBIGUOUS
                                            and len(words) <= _MAX_TITLE_WORDS):
                    return kind
    return None


def _number_marker(text: str) -> bool:
    """"nr", "no", "n", "#", a number, or a marker glued to a number ("nr12")."""
    return text[:1].isdigit() or text.rstrip("0123456789") in ("nr", "no", "n", "#", "num",
                                                               "nummer", "numero")
