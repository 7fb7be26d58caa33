"""Which language a document is printed in, guessed from common invoice words.

Only good enough to watch the mix of languages coming in (a shift in it is drift);
nothing is decided by it. Each language has words that invoices print and other
languages do not; the language with the most distinct hits wins, "unknown" when
none has at least two.
"""

from __future__ import annotations

import re

from skills.schema import Document

_WORDS = {
    "en": {"invoice", "total", "date", "due", "amount", "tax", "vat", "net", "bill", "to",
           "description", "quantity", "payment", "terms", "order", "number", "subtotal"},
    "de": {"rechnung", "datum", "betrag", "gesamt", "summe", "netto", "brutto", "mwst", "ust",
           "menge", "bestellung", "zahlbar", "bis", "und", "steuer", "rechnungsnummer"},
    "fr": {"facture", "montant", "date", "tva", "total", "ht", "ttc", "échéance", "quantité",
           "commande", "désignation", "le", "de", "paiement", "numéro"},
    "es": {"factura", "fecha", "importe", "iva", "total", "base", "imponible", "cantidad",
           "pedido", "vencimiento", "de", "el", "pago", "número"},
    "nl": {"factuur", "datum", "bedrag", "totaal", "btw", "excl", "incl", "aantal", "bestelling",
           "vervaldatum", "en", "van", "betaling", "factuurnummer"},
    "it": {"fattura", "data", "importo", "totale", "iva", "imponibile", "quantità", "ordine",
           "scadenza", "di", "il", "pagamento", "numero"},
}
_TOKEN = re.compile(r"[^\W\d_]+")
_MIN_HITS = 2


def guess_language(doc: Document) -> str:
    words = {w.lower() for page in doc.pages for line in page.lines
             for w in _TOKEN.findall(line.text)}
    hits = {lang: len(words & vocab) for lang, vocab in _WORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    return best if hits[best] >= _MIN_HITS else "unknown"
