"""How an invoice prints its values: label wording, number, date and currency formats.

A :class:`Style` is sampled per document, so the same truth can be printed as
``Rechnungsdatum: 15.03.2024 ... 1.234,56 €`` or ``Invoice Date 03/15/2024 ...
$1,234.56``. Labels exist in English, German, French, Spanish and Dutch.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from skills.normalize import MONTHS

LABELS: dict[str, dict[str, list[str]]] = {
    "en": {
        "title": ["INVOICE", "Invoice", "TAX INVOICE"],
        "invoice_number": ["Invoice No.", "Invoice Number", "Invoice #", "Invoice no"],
        "invoice_date": ["Invoice Date", "Date", "Date of issue", "Issue date"],
        "due_date": ["Due Date", "Payment due", "Due by"],
        "po_number": ["PO Number", "Purchase Order", "Your order no.", "PO #"],
        "vendor_vat": ["VAT No.", "VAT ID", "VAT Reg. No."],
        "vendor_iban": ["IBAN"],
        "net_amount": ["Subtotal", "Net amount", "Total excl. VAT", "Net total"],
        "tax_amount": ["VAT", "Tax", "VAT amount", "Sales tax"],
        "total": ["Total", "Amount due", "Total due", "Grand total", "Balance due"],
        "currency": ["Currency"],
        "bill_to": ["Bill to", "Invoice to", "Customer"],
        "from": ["From", "Supplier"],
        "description": ["Description", "Item"],
        "quantity": ["Qty", "Quantity"],
        "unit_price": ["Unit price", "Price", "Rate"],
        "amount": ["Amount", "Line total"],
        "bank": ["Bank details", "Payment details"],
    },
    "de": {
        "title": ["RECHNUNG", "Rechnung"],
        "invoice_number": ["Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Beleg-Nr."],
        "invoice_date": ["Rechnungsdatum", "Datum", "Belegdatum"],
        "due_date": ["Fälligkeitsdatum", "Fällig am", "Zahlbar bis"],
        "po_number": ["Bestellnummer", "Ihre Bestellung", "Bestell-Nr."],
        "vendor_vat": ["USt-IdNr.", "USt-ID", "UID-Nr."],
        "vendor_iban": ["IBAN"],
        "net_amount": ["Nettobetrag", "Zwischensumme", "Summe netto", "Netto"],
        "tax_amount": ["MwSt.", "USt.", "Mehrwertsteuer", "zzgl. USt."],
        "total": ["Gesamtbetrag", "Rechnungsbetrag", "Gesamt", "Endbetrag", "Summe brutto"],
        "currency": ["Währung"],
        "bill_to": ["Rechnungsempfänger", "Kunde", "An"],
        "from": ["Absender", "Lieferant"],
        "description": ["Bezeichnung", "Beschreibung", "Artikel"],
        "quantity": ["Menge", "Anz."],
        "unit_price": ["Einzelpreis", "E-Preis", "Preis"],
        "amount": ["Betrag", "Gesamt"],
        "bank": ["Bankverbindung", "Zahlungsinformationen"],
    },
    "fr": {
        "title": ["FACTURE", "Facture"],
        "invoice_number": ["N° de facture", "Facture n°", "Numéro de facture"],
        "invoice_date": ["Date de facture", "Date", "Date d'émission"],
        "due_date": ["Date d'échéance", "Échéance", "À payer avant le"],
        "po_number": ["Bon de commande", "N° de commande", "Votre commande"],
        "vendor_vat": ["N° TVA", "TVA intracommunautaire", "N° TVA intracom."],
        "vendor_iban": ["IBAN"],
        "net_amount": ["Total HT", "Montant HT", "Sous-total HT"],
        "tax_amount": ["TVA", "Montant TVA", "Total TVA"],
        "total": ["Total TTC", "Net à payer", "Montant TTC", "Montant total"],
        "currency": ["Devise"],
        "bill_to": ["Facturé à", "Client", "Destinataire"],
        "from": ["Émetteur", "Fournisseur"],
        "description": ["Désignation", "Description"],
        "quantity": ["Qté", "Quantité"],
        "unit_price": ["Prix unitaire", "P.U. HT"],
        "amount": ["Montant", "Total HT"],
        "bank": ["Coordonnées bancaires", "Règlement"],
    },
    "es": {
        "title": ["FACTURA", "Factura"],
        "invoice_number": ["Número de factura", "Factura n.º", "Nº factura", "Factura número"],
        "invoice_date": ["Fecha de factura", "Fecha", "Fecha de emisión"],
        "due_date": ["Fecha de vencimiento", "Vencimiento"],
        "po_number": ["Número de pedido", "Pedido", "Orden de compra"],
        "vendor_vat": ["NIF", "CIF", "NIF-IVA"],
        "vendor_iban": ["IBAN"],
        "net_amount": ["Base imponible", "Subtotal", "Importe neto"],
        "tax_amount": ["IVA", "Cuota IVA", "Importe IVA"],
        "total": ["Total", "Total factura", "Importe total", "Total a pagar"],
        "currency": ["Moneda"],
        "bill_to": ["Facturar a", "Cliente"],
        "from": ["Emisor", "Proveedor"],
        "description": ["Descripción", "Concepto"],
        "quantity": ["Cantidad", "Cant."],
        "unit_price": ["Precio unitario", "Precio"],
        "amount": ["Importe", "Total"],
        "bank": ["Datos bancarios", "Forma de pago"],
    },
    "nl": {
        "title": ["FACTUUR", "Factuur"],
        "invoice_number": ["Factuurnummer", "Factuur nr.", "Factuurnr."],
        "invoice_date": ["Factuurdatum", "Datum"],
        "due_date": ["Vervaldatum", "Te betalen voor", "Uiterste betaaldatum"],
        "po_number": ["Ordernummer", "Inkoopordernummer", "Uw referentie"],
        "vendor_vat": ["BTW-nummer", "Btw-nr.", "BTW nr."],
        "vendor_iban": ["IBAN"],
        "net_amount": ["Subtotaal", "Totaal excl. btw", "Netto bedrag"],
        "tax_amount": ["BTW", "Btw-bedrag", "BTW bedrag"],
        "total": ["Totaal", "Te betalen", "Totaal incl. btw", "Totaalbedrag"],
        "currency": ["Valuta"],
        "bill_to": ["Factuur aan", "Klant"],
        "from": ["Afzender", "Leverancier"],
        "description": ["Omschrijving", "Artikel"],
        "quantity": ["Aantal"],
        "unit_price": ["Prijs per stuk", "Stukprijs", "Prijs"],
        "amount": ["Bedrag", "Totaal"],
        "bank": ["Bankgegevens", "Betaalgegevens"],
    },
}

NUMBER_FORMATS = {  # thousands separator, decimal separator
    "1.234,56": (".", ","), "1,234.56": (",", "."), "1 234,56": ("\u00a0", ","),
    "1'234.56": ("'", "."), "1234.56": ("", "."), "1234,56": ("", ","),
}
_LANG_NUMBERS = {"en": ["1,234.56", "1234.56"], "de": ["1.234,56", "1234,56", "1'234.56"],
                 "fr": ["1 234,56", "1234,56"], "es": ["1.234,56", "1234,56"],
                 "nl": ["1.234,56", "1234,56"]}
DATE_FORMATS = ["dd.mm.yyyy", "dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd", "dd-mm-yyyy",
                "d month yyyy", "month d, yyyy", "d. month yyyy", "dd mon yyyy", "dd.mm.yy"]
_LANG_DATES = {
    "en": ["dd/mm/yyyy", "yyyy-mm-dd", "d month yyyy", "month d, yyyy", "dd mon yyyy"],
    "de": ["dd.mm.yyyy", "d. month yyyy", "yyyy-mm-dd", "dd.mm.yy"],
    "fr": ["dd/mm/yyyy", "d month yyyy", "yyyy-mm-dd"],
    "es": ["dd/mm/yyyy", "d month yyyy", "dd-mm-yyyy"],
    "nl": ["dd-mm-yyyy", "d month yyyy", "dd.mm.yyyy"],
}
CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "SEK": "kr"}
CURRENCY_PLACEMENTS = ["code_after", "code_before", "sign_before", "sign_after", "header_only"]


@dataclass(frozen=True)
class Style:
    language: str
    number_format: str
    date_format: str
    currency_placement: str
    currency: str
    labels: dict[str, str]  # one wording per label key, chosen for this document
    colon: str  # ":" or ""

    def amount(self, value: str | Decimal, with_currency: bool = True) -> str:
        text = format_number(Decimal(value), self.number_format)
        if not with_currency:
            return text
        sign = CURRENCY_SIGNS.get(self.currency, self.currency)
        placement = self.currency_placement
        if placement == "code_after":
            return f"{text} {self.currency}"
        if placement == "code_before":
            return f"{self.currency} {text}"
        if placement == "sign_before":
            return f"{sign}{text}" if len(sign) == 1 else f"{sign} {text}"
        if placement == "sign_after":
            return f"{text} {sign}"
        return text

    def number(self, value: str | Decimal) -> str:
        """A quantity: no forced decimals."""
        dec = Decimal(value)
        if dec == dec.to_integral_value():
            return str(int(dec))
        return format_number(dec, self.number_format)

    def date(self, iso: str) -> str:
        return format_date(date.fromisoformat(iso), self.date_format, self.language)

    def label(self, key: str) -> str:
        return self.labels[key] + self.colon


def format_number(value: Decimal, number_format: str) -> str:
    thousands, decimal_sep = NUMBER_FORMATS[number_format]
    negative = value < 0
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups) + decimal_sep + frac
    return "-" + text if negative else text


def format_date(day: date, fmt: str, language: str) -> str:
    month_name = MONTHS[language][day.month - 1]
    if fmt == "dd.mm.yyyy":
        return day.strftime("%d.%m.%Y")
    if fmt == "dd.mm.yy":
        return day.strftime("%d.%m.%y")
    if fmt == "dd/mm/yyyy":
        return day.strftime("%d/%m/%Y")
    if fmt == "mm/dd/yyyy":
        return day.strftime("%m/%d/%Y")
    if fmt == "yyyy-mm-dd":
        return day.isoformat()
    if fmt == "dd-mm-yyyy":
        return day.strftime("%d-%m-%Y")
    if fmt == "d month yyyy":
        middle = f" de {month_name} de " if language == "es" else f" {month_name} "
        return f"{day.day}{middle}{day.year}"
    if fmt == "month d, yyyy":
        return f"{month_name} {day.day}, {day.year}"
    if fmt == "d. month yyyy":
        return f"{day.day}. {month_name} {day.year}"
    if fmt == "dd mon yyyy":
        return f"{day.day:02d} {month_name[:3]} {day.year}"
    raise ValueError(fmt)


def pick_style(rng: random.Random, language: str, currency: str) -> Style:
    """A plausible style for ``language``; now and then an unusual combination."""
    numbers = _LANG_NUMBERS[language] if rng.random() < 0.85 else list(NUMBER_FORMATS)
    dates = list(_LANG_DATES[language])
    if currency == "USD":
        dates = ["mm/dd/yyyy", "month d, yyyy", "yyyy-mm-dd"]
    elif rng.random() < 0.15:
        dates = [f for f in DATE_FORMATS if f != "mm/dd/yyyy"]
    labels = {key: rng.choice(options) for key, options in LABELS[language].items()}
    return Style(
        language=language, number_format=rng.choice(numbers), date_format=rng.choice(dates),
        currency_placement=rng.choice(CURRENCY_PLACEMENTS), currency=currency, labels=labels,
        colon=":" if rng.random() < 0.7 else "",
    )
