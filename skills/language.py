"""Which language a document is printed in, or a mail is written in, guessed from common
words.

For documents only good enough to watch the mix of languages coming in (a shift in it is
drift). For a mail it picks the language of the reply a clerk is offered, who reads it
before sending. Each language has words that invoices print (and, for mails, words that
letters use) and other languages do not; the language with the most distinct hits wins,
"unknown" when none has at least two.
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
# What letters say around the invoice words: greetings, thanks, pronouns, articles.
_LETTER_WORDS = {
    "en": {"please", "thank", "thanks", "you", "we", "our", "your", "the", "and", "regards",
           "dear", "is", "for", "have", "with", "kind"},
    "de": {"bitte", "sehr", "geehrte", "geehrter", "ihre", "wir", "mit", "freundlichen",
           "grüßen", "unsere", "die", "der", "das", "ist", "nicht", "für", "danke", "vielen"},
    "fr": {"bonjour", "merci", "nous", "vous", "votre", "est", "les", "des", "pour",
           "cordialement", "madame", "monsieur", "notre", "une", "avec"},
    "es": {"hola", "gracias", "nuestra", "nuestro", "su", "por", "para", "los", "las",
           "estimados", "saludos", "que", "una", "con", "atentamente"},
    "nl": {"bedankt", "graag", "wij", "uw", "onze", "het", "een", "voor", "met",
           "vriendelijke", "groet", "groeten", "geachte", "niet", "dank"},
}
# A mail's words: an invoice's and a letter's together, per language.
_MAIL_WORDS = {lang: vocab | _LETTER_WORDS.get(lang, set()) for lang, vocab in _WORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+")
_MIN_HITS = 2


def guess_language(doc: Document) -> str:
    return _best(_words("\n".join(line.text for page in doc.pages for line in page.lines)),
                 _WORDS)


def guess_text_language(text: str) -> str:
    """The language of a mail's text: invoice words and letter words together."""
    return _best(_words(text), _MAIL_WORDS)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _TOKEN.findall(text)}


def _best(words: set[str], vocabularies: dict[str, set[str]]) -> str:
    hits = {lang: len(words & vocab) for lang, vocab in vocabularies.items()}
    best = max(hits, key=lambda lang: hits[lang])
    return best if hits[best] >= _MIN_HITS else "unknown"
