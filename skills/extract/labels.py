"""Find field labels on a page: "Invoice No", "Rechnungsnummer", "N° de facture", ...

Labels are matched on a *squashed* form of each line (folded case, no accents, only
letters, digits and '#'), so "Invoice No.:", "INVOICE NO" and OCR output without
spaces ("InvoiceNo:INV-1") all match the phrase "invoice no". At each position the
longest phrase wins, so "Total excl. VAT" is a net-amount label, not a total label.
A label may end inside a word; the rest of that word is then the value itself.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from skills.schema import Box, Line
from skills.textlines import union

# Field → label phrases in English, German, French, Spanish, Dutch and Italian. Generic
# phrases ("date", "total") are weaker evidence than specific ones; see GENERIC.
# "Your order" is the buyer's purchase order, "our order" the seller's own sales order,
# however each language words it ("Ihre Auftrags-Nr.", "Votre réf. commande", "Uw ordernr.",
# "Unsere Auftrags-Nr.", "Notre n° de commande").
_YOURS = ("your", "ihre", "ihr", "votre", "vos", "uw", "su", "sus", "vostro", "vostra", "vs")
_OURS = ("our", "unsere", "unser", "notre", "nos", "ons", "onze", "nuestro", "nuestra",
         "nostro", "nostra", "ns")
_ORDER_REFS = (
    "order", "order no", "order nr", "order number", "order ref", "order reference",
    "auftrag", "auftrags nr", "auftragsnr", "auftragsnummer", "bestellung", "bestell nr",
    "bestellnr", "bestellnummer", "ref commande", "reference commande", "commande",
    "n de commande", "numero de commande", "ordernr", "ordernummer", "bestelling",
    "bestelnummer", "bestelnr", "pedido", "n de pedido", "numero de pedido", "ref pedido",
    "ordine", "n ordine", "numero ordine", "rif ordine", "riferimento ordine",
)

# A date word with the invoice ("Datum factuur", "Fecha factura") is the invoice date; with
# another event ("PO date", "Datum bestelling", "Date de livraison", "Shipped on") it is not.
_DATE_WORDS = ("date", "datum", "fecha", "data", "date de", "date d", "date de la", "fecha de",
               "fecha de la", "data di", "data della", "datum der", "datum van de")
_INVOICE_WORDS = ("invoice", "factuur", "factura", "facture", "fattura", "rechnung")
_EVENTS = ("order", "po", "purchase order", "delivery", "shipping", "shipment", "dispatch",
           "service", "supply", "bestelling", "levering", "aflevering", "bestellung",
           "lieferung", "leistung", "auftrag", "commande", "livraison", "expedition",
           "prestation", "pedido", "entrega", "envio", "servicio", "ordine", "consegna",
           "spedizione", "execution", "ausfuehrung", "uitvoering", "ejecucion", "esecuzione")
_ISSUED_ON = ("issued on", "issued", "ausgestellt am", "emise le", "emis le", "emitida el",
              "emitido el", "uitgegeven op", "emessa il", "emesso il")
_EVENT_ON = ("shipped on", "delivered on", "dispatched on", "ordered on", "geliefert am",
             "versandt am", "bestellt am", "geleverd op", "verzonden op", "besteld op",
             "livre le", "expedie le", "commande le", "entregado el", "enviado el",
             "pedido el", "consegnato il", "spedito il", "ordinato il")

# The number of the document a page calls an invoice: "Nr. documento", "Documentnummer",
# "Rg.-Nr.", "N° de document" (the squashed form ignores the spaces between the words).
_NUMBER_WORDS = ("no", "nr", "number", "nummer", "numero", "num", "#", "n", "n de", "numero de",
                 "numero del")
_DOCUMENT_WORDS = ("invoice", "document", "documento", "dokument", "factuur", "factura",
                   "facture", "fattura", "rechnung", "rechnungs", "beleg",
                   # and a credit note's ("Credit memo #", "Numéro de l'avoir")
                   "credit memo", "credit note", "avoir", "l avoir", "gutschrift",
                   "gutschrifts", "abono", "nota de credito", "creditnota", "credit nota",
                   "nota di credito", "nota credito", "credit", "piece")
_PAY_BEFORE = ("pay before", "payable before", "betalen voor", "betaal voor", "payer avant",
               "a payer avant", "pagare entro",
               "pagare entro il", "zahlen bis", "zu zahlen bis", "bitte zahlen bis")

# The sum of the taxes: "Total cuota", "Summe USt.", "Totale IVA", "BTW totaal".
_TOTAL_WORDS = ("total", "totaal", "totale", "gesamt", "summe", "importe total", "montant total")
_WITHOUT = ("excl", "exclusief", "exclusive of", "exclusive", "excluding", "exkl", "ohne",
            "hors", "sans", "sin", "senza", "zonder", "before", "vor", "avant", "antes de")
_TAX_WORDS = ("vat", "tax", "taxes", "mwst", "ust", "steuer", "tva", "taxe", "iva", "cuota",
              "impuestos", "imposte", "btw", "gst", "sst")

LEXICON: dict[str, tuple[str, ...]] = {
    "invoice_number": (
        "invoice no", "invoice number", "invoice #", "invoice nr", "invoice id", "invoice",
        "inv no", "inv #", "bill no", "bill number", "receipt no", "receipt #", "document no",
        "rechnungsnummer", "rechnungs nr", "rechnung nr", "rechnungsnr", "beleg nr",
        "belegnummer",
        "n de facture", "no de facture", "facture n", "facture no", "numero de facture",
        "numero de factura", "factura n", "factura no", "n factura", "no factura", "nº factura",
        "factura numero", "factuurnummer", "factuur nr", "factuurnr", "factuur", "rechnung",
        "facture", "factura", "invoice no.",
        "doc no", "document number", "trans no", "transaction no", "txn no", "slip no",
        "ref no", "reference no", "receipt number", "bill #", "check no", "cash bill no",
        "tax invoice no",
        # Spanish invoices number within a series: "Serie/Número", "Serie y número".
        "serie numero", "serie y numero", "serie nº", "numero de serie de factura",
        # Title lines ("Rechnung Nr. 2024-0815 vom ...") and Italian.
        "fattura n", "fattura nr", "fattura numero", "numero fattura", "n fattura",
        "nr fattura", "fattura", "documento n", "gutschrift nr", "gutschriftsnummer",
        "avoir n", "credit note no", "credit note number", "nota di credito n",
        "rechnungs nummer", "re nr", "invoice reference", "belegnr",
        "facture numero", "no facture", "factuur nummer",
        "n d avoir", "numero d avoir", "abono n", "numero de abono", "creditnotanummer",
        "creditnota nr", "numero nota", "gutschrift nr", "credit note #",
        "n nota credito", "n nota di credito", "numero nota di credito", "n avoir",
        "avoir n", "gutschriftnummer", "gutschrift nummer", "credit note number",
        *(f"{n} {d}" for n in _NUMBER_WORDS for d in _DOCUMENT_WORDS),
        *(f"{d} {n}" for n in _NUMBER_WORDS for d in _DOCUMENT_WORDS),
        "rg nr", "rg nummer", "rgnr",
    ),
    "invoice_date": (
        "invoice date", "date", "date of issue", "issue date", "issued", "bill date", "dated",
        "date of invoice", "invoice dt", "rechnungsdatum", "datum", "belegdatum", "date de facture",
        "date d emission", "date de facturation", "fecha de factura", "fecha", "fecha de emision",
        "fecha factura", "factuurdatum", "invoice date/time", "tax point",
        "date/time", "date & time", "trans date", "transaction date", "txn date", "sale date",
        # The date on a title line ("Rechnung Nr. 12 vom 05.03.2024", "Facture n° 3 du ..."),
        # and Italian.
        "vom", "dated", "du", "del", "data fattura", "data documento",
        "data di emissione", "rechnungs datum", "ausstellungsdatum", "datum der rechnung",
        "date facture", "date de la facture", "fecha de expedicion", "document date",
        "data emissione",
        *(f"{d} {i}" for d in _DATE_WORDS for i in _INVOICE_WORDS),
        *(f"{i} {d}" for d in ("date", "datum") for i in _INVOICE_WORDS),
        *_ISSUED_ON,
    ),
    "due_date": (
        "due date", "payment due", "due by", "due", "pay by", "payment date",
        "falligkeitsdatum", "fallig am", "zahlbar bis", "faellig am", "date d echeance", "echeance",
        "a payer avant le", "fecha de vencimiento", "vencimiento", "vervaldatum",
        "te betalen voor", "uiterste betaaldatum", "date limite de paiement", "date limite",
        "payment due date", "due on", "faellig", "zahlungsziel",
        "data di scadenza", "scadenza", "zahlbar bis zum", "faelligkeit", "due date for payment",
        "date d echeance du paiement", "payable le",
        "data scadenza", "data di pagamento", "vence el", "vence", "vencido el",
        "payable by", "payable on", "betaalbaar voor", "betaalbaar tot", "a regler avant",
        *_PAY_BEFORE,
    ),
    "po_number": (
        "po number", "po no", "po #", "purchase order", "purchase order no", "your order no",
        "your order", "order no", "order number", "order #", "p o", "bestellnummer",
        "ihre bestellung", "bestell nr", "bon de commande", "n de commande", "votre commande",
        "numero de pedido", "pedido", "orden de compra", "ordernummer", "inkoopordernummer",
        "uw referentie",
        "ordine n", "numero ordine", "vostro ordine", "rif ordine", "ihre bestellnummer",
        "bestellung", "ihre bestell nr", "customer po", "buyer order", "purchase order number",
        *(f"{yours} {order}" for yours in _YOURS for order in _ORDER_REFS),
    ),
    "vendor_vat": (
        "vat no", "vat id", "vat reg no", "vat number", "vat registration", "tax id", "ust idnr",
        "ust id", "ustid", "uid nr", "uid", "n tva", "tva intracommunautaire", "n tva intracom",
        "no tva",  # "N° TVA" as OCR reads it
        "numero de tva", "nif", "cif", "nif iva", "btw nummer", "btw nr", "gst no",
        "gst reg no", "gstin",
        "gst id", "gst reg", "gst registration no", "sst id", "sst no", "sst reg no",
        "vat reg", "vat registration no",
        "partita iva", "p iva", "piva", "ust id nr", "umsatzsteuer id", "umsatzsteuer idnr",
        "ust identnr", "mwst nr", "che mwst", "vat reg number", "n de tva", "identifiant tva",
        "n d identification tva", "numero de tva intracommunautaire", "tva intracom",
    ),
    "vendor_iban": ("iban",),
    "net_amount": (
        "subtotal", "sub total", "net amount", "total excl vat", "net total", "net",
        "total excl tax", "amount before tax", "untaxed amount", "total net", "nettobetrag",
        "zwischensumme", "summe netto", "netto", "gesamt netto", "total ht", "montant ht",
        "sous total ht", "sous total", "base imponible", "importe neto", "subtotaal",
        "totaal excl btw", "netto bedrag", "total before tax", "total excluding vat",
        *(f"{lead} {tax}" for tax in ("vat", "gst", "sst", "tax") for lead in (
            "total excl", "total excluding", "total exclusive", "total exclusive of",
            "total sales excl", "total sales excluding", "amount before", "total before",
            "amount excl", "sales excl")),
        "imponibile", "totale imponibile", "nettobetrag gesamt", "summe netto gesamt",
        "warenwert", "nettosumme", "netto summe", "gesamtnetto", "total net ht", "montant net ht",
        "net ht", "base ht", "totaal netto", "netto totaal", "total neto",
        "totale netto", "taxable amount", "bemessungsgrundlage", "grondslag",
        "importe bruto", "base imposable",
        # A total without the tax: "Totaal exclusief BTW", "Summe ohne MwSt.", "Total sin IVA".
        *(f"{t} {w} {x}" for t in _TOTAL_WORDS for w in _WITHOUT for x in _TAX_WORDS),
    ),
    "tax_amount": (
        "vat", "tax", "vat amount", "sales tax", "total vat", "gst", "tax amount", "mwst",
        "ust", "mehrwertsteuer", "zzgl ust", "zzgl mwst", "umsatzsteuer", "tva", "montant tva",
        "total tva", "iva", "cuota iva", "importe iva", "btw", "btw bedrag", "total tax",
        "total gst", "gst amount", "total mwst", "total ust", "total iva", "total btw",
        "sst", "sst amount", "total sst", "service tax", "gst payable", "vat included",
        "gst included", "sst included", "tax included", "incl vat", "incl gst", "incl tax",
        "incl sst", "included vat", "total tax amount",
        "imposta", "totale iva", "iva totale", "umsatzsteuerbetrag", "mwst betrag",
        "steuerbetrag", "summe mwst", "summe ust", "montant de la tva", "tva totale",
        "mwst gesamt", "vat total", "cuota total", "totaal btw", "totale imposta",
        "tax total", "montant total tva",
        *(f"{t} {x}" for t in _TOTAL_WORDS for x in _TAX_WORDS),
        *(f"{x} {t}" for t in _TOTAL_WORDS[:4] for x in _TAX_WORDS),
    ),
    "tax_rate": ("vat rate", "tax rate", "rate", "steuersatz", "taux tva", "tipo iva",
                 "btw tarief",
        "aliquota", "aliquota iva", "mwst satz", "ust satz", "taux", "tarief"),
    "total": (
        "total", "amount due", "total due", "grand total", "balance due", "total amount",
        "invoice total", "total incl vat", "total payable", "amount payable", "total to pay",
        "rounded total", "total incl gst", "total inclusive gst", "nett total", "total sales",
        "gesamtbetrag", "rechnungsbetrag", "gesamt", "endbetrag", "summe brutto", "gesamtsumme",
        "zu zahlen", "total ttc", "net a payer", "montant ttc", "montant total", "total factura",
        "importe total", "total a pagar", "totaal", "te betalen", "totaal incl btw",
        "totaalbedrag", "total amount due", "amount to pay", "total rm", "total (rm)",
        "total incl. vat", "total including vat", "total eur", "total usd",
        "total after rounding", "total rounded", "rounded total rm", "total incl sst",
        "total incl tax", "total including gst", "total including tax", "bill total",
        "total sales incl gst", "total sales inclusive gst", "total amount payable",
        "total gbp", "total myr", "total amount rm", "nett total rm", "amount due rm",
        "totale", "totale fattura", "totale documento", "totale da pagare", "importo totale",
        "netto a pagare", "bruttobetrag", "gesamtbetrag brutto", "rechnungsbetrag brutto",
        "summe", "rechnungssumme", "bruttosumme", "gesamtsumme brutto", "zahlbetrag",
        "zu zahlender betrag", "total ttc a payer", "montant total ttc", "total general",
        "montant du", "reste a payer", "total a payer", "total credit", "gutschriftsbetrag",
        "totaal te betalen",
        "montant de l avoir", "total abono", "totaal creditnota", "totale nota di credito",
        "total credit note", "credit total",
    ),
    "currency": ("currency", "wahrung", "devise", "moneda", "valuta",
        "valuta", "divisa", "waehrung"),
    # Not header fields: amounts that are not totals (receipts print what was paid).
    "other_amount": (
        "cash", "change", "tendered", "cash tendered", "rounding", "rounding adj", "discount",
        "paid", "amount paid", "payment", "deposit", "credit card", "card", "balance",
        "wechselgeld", "gegeben", "bar", "rendu", "especes", "cambio", "efectivo", "wisselgeld",
        "cash received", "cash paid", "cash change", "change due", "change amount", "tender",
        "rounding adjustment", "round adj", "rounding adj.", "visa", "mastercard", "master",
        "debit card", "service charge", "total discount", "total savings", "you saved",
        "voucher", "total qty", "total quantity", "total items", "total item", "no of items",
        "item count", "qty total", "total tendered",
        "bereits bezahlt", "anzahlung", "abschlag", "geleistete anzahlung", "acompte",
        "acompte verse", "deja paye", "prepaid", "prepaid amount", "already paid", "skonto",
        "rabatt", "nachlass", "remise", "rabais", "sconto", "versandkosten", "frais de port",
        "porto", "fracht", "shipping", "zuschlag", "versicherungsteuer", "versicherungssteuer",
        "bereits gezahlt", "betrag dankend erhalten",
        "versst", "insurance premium tax", "taxe sur les conventions d assurance",
        "impuesto sobre primas de seguros", "assurantiebelasting", "imposta sulle assicurazioni",
        "noch zu zahlen", "offener betrag", "importe pendiente", "openstaand bedrag",
        "deja regle", "anticipo", "pagado a cuenta", "reeds betaald", "aanbetaling", "acconto",
        "gia pagato", "less deposit", "abzgl anzahlung", "escompte", "descuento", "dto",
        "korting", "freight", "frais de livraison", "gastos de envio", "portes", "vracht",
        "spese di trasporto", "spese di spedizione", "ubertrag", "uebertrag", "carried forward",
        "brought forward", "a reporter", "report", "suma y sigue", "suma anterior", "transport",
        "a riportare", "riporto", "positionen gesamt", "items total", "goods total",
        "total brut ht", "total lignes", "totaal regels", "bruto bedrag", "totale merce",
        "totale righe",
    ),
    # Not header fields: dates that are not the invoice date, and the labels that
    # mark the buyer's block and the vendor's own block.
    "other_date": (
        "order date", "delivery date", "ship date", "shipping date", "date of supply",
        "service date", "billing period", "period", "lieferdatum", "leistungsdatum",
        "bestelldatum", "leistungszeitraum", "date de livraison", "date de commande",
        "fecha de pedido", "fecha de entrega", "leverdatum", "orderdatum", "check in",
        "check out", "printed on", "print date",
        # A date something runs from ("Prélèvement à partir du", "with effect from"): the
        # "du" / "vom" / "del" of a title line's date is part of it, not the invoice date.
        "a partir du", "a partir de", "a compter du", "a compter de", "a partir del",
        "desde el", "ab dem", "vanaf", "starting from", "effective from", "with effect from",
        "liefer und leistungsdatum", "leistungsdatum", "lieferzeitraum", "abrechnungszeitraum",
        "date de prestation", "periode de facturation", "data di consegna", "data ordine",
        "data consegna", "auftragsdatum", "bestelldatum", "order date", "delivery period",
        "service period", "leveringsdatum", "fecha de servicio", "valid until", "gueltig bis",
        "date ordered", "commande le", "livre le", "periode de prestation", "periode",
        "periodo de servicio", "periodo", "besteldatum", "afleverdatum", "leveringsperiode",
        "periodo di riferimento", "delivered on", "ordered on",
        *(f"{d} {e}" for d in _DATE_WORDS for e in _EVENTS),
        *(f"{e} {d}" for d in ("date", "datum") for e in _EVENTS), *_EVENT_ON,
    ),
    "other_meta": (
        "cashier", "served by", "operator", "salesperson", "staff", "counter", "terminal",
        "table", "pax", "member", "member no", "card no", "approval code", "tel", "tel no",
        "phone", "fax", "time", "gst summary", "tax summary", "gst analysis", "tax code",
        "email", "e mail", "mail", "internet", "web", "website", "homepage", "www",
        "vorstand", "aufsichtsrat", "vorsitzender", "vorsitzender des aufsichtsrats",
        "sitz", "sitz der gesellschaft", "siege social", "courriel", "telephone",
    ),
    # Numbers that look like an invoice or order number but are not: the customer's and
    # supplier's account numbers, global location numbers, tax numbers, delivery notes,
    # contracts, the seller's order confirmation, page numbers.
    "other_id": (
        "customer no", "customer number", "customer id", "customer #", "account no",
        "account number", "client no", "client number", "kundennummer", "kunden nr",
        "kundennr", "kd nr", "debitor", "debitorennummer", "n client", "no client",
        "numero client", "code client", "ref client", "reference client", "id client",
        "client id", "identifiant client", "n d abonne", "numero d abonne", "klantnummer",
        "klant nr", "debiteurnummer", "numero de cliente", "codigo cliente", "codice cliente",
        "cod cliente", "supplier no", "supplier number", "vendor no", "vendor number",
        "lieferantennummer", "lieferanten nr", "kreditor", "n fournisseur",
        "numero fournisseur", "leveranciersnummer", "codice fornitore", "gln", "iln", "ean",
        "global location number", "steuernummer", "st nr", "steuer nr", "tax number",
        "codice fiscale", "siren", "n siren", "tax reference", "utr",
        "delivery note", "delivery note no", "lieferschein", "lieferschein nr",
        "lieferscheinnummer", "bon de livraison", "bl n", "albaran", "pakbon", "ddt",
        "documento di trasporto", "auftragsnummer", "auftrag nr", "auftrag", "auftragsbestaetigung",
        "sales order", "order confirmation", "commande n", "notre reference",
        "contract no", "contract number", "vertragsnummer", "vertrag nr", "contrat n",
        "numero de contrat", "contractnummer", "policy no", "policy number", "policennummer",
        "versicherungsschein nr", "versicherungsnummer", "police n", "mandatsreferenz",
        "mandate reference", "glaubiger id", "glaeubiger id", "creditor id", "ihr zeichen",
        "unser zeichen", "your reference", "our reference", "projekt nr", "projektnummer",
        "project no", "tracking no", "tracking number", "sendungsnummer", "seite", "page",
        "pagina", "blatt", "bic", "swift", "blz", "konto", "kontonummer", "konto nr",
        "sort code", "telefon", "telefax", "mobil", "handelsregister nr",
        "booking id", "reservation no", "mitgliedsnummer", "personalnummer",
        "kostenstelle", "cost centre", "cost center", "referenz", "reference",
        "auftrags nr", "vertrags nr", "bearbeiter", "swift bic", "order ref", "packing slip no",
        "bic swift", "bic code", "swift code", "bic swift code", "code bic", "codigo bic",
        "packing slip", "tax ref", "agreement no", "your ref", "our ref", "n de dossier",
        "commande interne", "n bl", "code fournisseur", "n siret", "n de contrat", "contrat",
        "n de police", "v ref", "n ref", "nuestro pedido", "n cliente", "no cliente",
        "n proveedor", "codigo proveedor", "registro mercantil", "cnae", "n de contrato",
        "contrato", "n de poliza", "su referencia", "s ref", "nuestra referencia",
        "ons ordernummer", "orderbevestiging", "pakbonnummer", "crediteurnummer", "ean code",
        "contract", "polisnummer", "uw kenmerk", "uw ref", "ons kenmerk", "onze ref",
        "nostra conferma d ordine", "commessa", "cod fornitore", "c f", "contratto n",
        "numero contratto", "polizza n", "vs riferimento", "vostro rif", "ns riferimento",
        "nostro rif", "ihre referenz",
        *(f"{ours} {order}" for ours in _OURS for order in _ORDER_REFS),
        # The invoice a credit note or correction refers to: its number is not this one's.
        "storno fattura", "storno zu rechnung", "storno der rechnung", "zu rechnung",
        "zur rechnung", "bezug rechnung", "bezugnehmend auf rechnung", "ursprungsrechnung",
        "originalrechnung", "korrektur zu rechnung", "correction of invoice",
        "credit for invoice", "refers to invoice", "original invoice", "relating to invoice",
        "avoir sur facture", "annule la facture", "facture d origine", "facture initiale",
        "rectifica factura", "rectifica la factura", "factura original", "factura rectificada",
        "fattura originale", "fattura di riferimento", "rif fattura", "storno della fattura",
        "oorspronkelijke factuur", "creditering van factuur", "betreft factuur",
    ),
    # The name line inside a party's block ("Firma: ACME GmbH"): whose name it is comes
    # from the block's heading (skills.party_roles).
    "party_name": (
        "name", "firma", "company", "company name", "nom", "raison sociale", "nombre",
        "razon social", "naam", "bedrijfsnaam", "denominazione", "ragione sociale",
        "firmenname",
    ),
    # The seller's company registration: not a header field, but it sits by the name.
    "vendor_reg": (
        "co reg no", "company no", "roc no", "reg no", "business reg no", "company reg no",
        "registration no", "company registration no", "handelsregister", "hrb", "kvk",
        "siret", "rcs", "registergericht",
        "amtsgericht", "registernummer", "rcs paris", "rc", "rea", "registro imprese",
        "siret", "kvk nummer", "kvk nr", "chamber of commerce", "company registration number",
        "geschaftsfuhrer", "geschaeftsfuehrer", "gerant", "directeur", "managing director",
    ),
    "buyer": (
        "bill to", "invoice to", "billed to", "customer", "sold to", "ship to", "deliver to",
        "recipient", "rechnungsempfanger", "kunde", "lieferadresse", "facture a", "client",
        "destinataire", "facturar a", "cliente", "factuur aan", "klant", "an",
        "customer name", "subscriber name", "guest name", "kundenname", "nom de l abonne",
        "nom du client", "nombre del cliente", "klantnaam",
        # Section headings that name the buyer's block.
        "kaufer", "kaeufer", "leistungsempfanger", "leistungsempfaenger", "rechnungsadresse",
        "lieferanschrift", "auftraggeber", "besteller", "empfanger", "empfaenger",
        "rechnungsanschrift", "buyer", "purchaser", "billing address", "invoice address",
        "delivery address", "shipping address", "ship to address", "acheteur",
        "adresse de facturation", "adresse de livraison", "livre a", "factura a", "comprador",
        "direccion de facturacion", "koper", "afnemer", "factuuradres", "afleveradres",
        "cessionario", "committente", "cessionario committente", "destinatario",
        "intestatario", "spett le", "spettabile", "fatturare a", "customer address",
        "kundenadresse", "sold to party", "invoice recipient", "rechnungsempfanger adresse",
        "acquirente", "direccion de entrega", "enviar a", "leveradres", "luogo di consegna",
        "destinazione merce",
        # The buyer's own VAT id, printed on the seller's invoice.
        "ihre ust idnr", "ihre ust id", "your vat no", "your vat number", "votre n tva",
        "su nif", "uw btw nummer", "vs p iva", "vostra partita iva", "customer vat",
    ),
    "seller": ("from", "supplier", "seller", "vendor", "absender", "lieferant", "emetteur",
               "fournisseur", "emisor", "proveedor", "afzender", "leverancier", "sold by",
               # who is paid: the seller's own account
               "account holder", "account name", "beneficiary", "payee", "kontoinhaber",
               "titulaire du compte", "titular de la cuenta", "rekeninghouder",
               "begunstigde",
        # Section headings that name the seller's block.
        "verkaufer", "verkaeufer", "leistender", "leistungserbringer", "rechnungssteller",
        "auftragnehmer", "vendeur", "prestataire", "vendedor", "verkoper", "cedente",
        "prestatore", "cedente prestatore", "fornitore", "issued by", "invoice from",
        "billed by", "service provider", "remit to", "pay to", "payee name",
        "venditore"),
}
GENERIC = frozenset({"date", "datum", "fecha", "total", "invoice", "rechnung", "facture",
                     "factura", "factuur", "net", "netto", "vat", "tax", "btw", "due", "rate",
                     "an", "gesamt", "totaal", "pedido", "iva", "tva", "ust", "gst", "uid", "p o",
                     "client", "cliente", "nif", "cif", "vom", "dated", "du", "del",
                     "fattura", "totale", "summe", "scadenza", "taux", "tarief",
                     "reference", "referenz", "page", "seite", "pagina", "konto", "auftrag",
                     "ean", "rc", "bestellung", "shipping", "porto", "fracht", "report",
                     "transport", "periode", "periodo", "contrat", "contrato", "contract", "nom",
                     "name", "firma", "company", "nombre", "naam"})


@lru_cache(maxsize=1 << 16)  # called per character and per cell: the same strings recur
def squash(text: str) -> str:
    """Folded letters, digits and '#' only: the form labels are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum() or c == "#").replace("º", "o")


def _phrase_table() -> dict[str, list[tuple[str, str, bool]]]:
    """First character → (squashed phrase, field, generic), longest phrases first."""
    table: dict[str, list[tuple[str, str, bool]]] = {}
    # Composed phrases repeat listed ones ("date de facture"): each entry once, in order.
    entries = dict.fromkeys((squash(phrase), field, phrase in GENERIC)
                            for field, phrases in LEXICON.items() for phrase in phrases)
    for entry in entries:
        if entry[0]:
            table.setdefault(entry[0][0], []).append(entry)
    for entries in table.values():
        entries.sort(key=lambda e: -len(e[0]))
    return table


_PHRASES = _phrase_table()
# The same phrases by their first three characters (the shorter ones by themselves), so
# that a position is compared with a few phrases, not with all of one letter.
_BY_PREFIX: dict[str, list[tuple[str, str, bool]]] = {}
for _entries in _PHRASES.values():
    for _entry in _entries:
        _BY_PREFIX.setdefault(_entry[0][:3], []).append(_entry)


@lru_cache(maxsize=1 << 14)
def _phrases_at(head: str) -> tuple[tuple[str, str, bool], ...]:
    """The phrases that may start with ``head`` (a line's next three squashed characters),
    longest first: those starting with all of it, then the two- and one-letter ones."""
    shorter = [head[:n] for n in (2, 1) if n < len(head)]
    return (*_BY_PREFIX.get(head, ()), *(e for h in shorter for e in _BY_PREFIX.get(h, ())))
ALL_PHRASES = frozenset(key for entries in _PHRASES.values() for key, _, _ in entries)


def fields_named_by(key: str) -> frozenset[str]:
    """The fields whose label is the squashed phrase ``key`` ("lieferdatum" → other_date)."""
    return frozenset(f for k, f, _ in _PHRASES.get(key[:1], ()) if k == key)
_FUZZY_MIN = 6  # shorter phrases are matched exactly only


def _fuzzy_table() -> dict[str, tuple[str, str, bool]]:
    """Each phrase of at least _FUZZY_MIN letters with one letter wildcarded ("t?tal...")."""
    table: dict[str, tuple[str, str, bool]] = {}
    for entries in _PHRASES.values():
        for key, field, generic in entries:
            if len(key) >= _FUZZY_MIN:
                for i in range(len(key)):
                    table.setdefault(key[:i] + "?" + key[i + 1:], (key, field, generic))
    return table


_FUZZY = _fuzzy_table()
_FUZZY_LENGTHS = sorted({len(k) for k in _FUZZY}, reverse=True)


def is_label_only(text: str) -> bool:
    """The whole text is one label ("Customer:", "Rechnungsnummer")."""
    return squash(text) in ALL_PHRASES


@dataclass(frozen=True, slots=True)
class Label:
    field: str
    phrase: str  # squashed
    generic: bool
    box: Box  # the words the label covers
    line_index: int
    word_start: int  # index of the first word of the label in its line
    word_end: int  # index after the last word the label touches
    remainder: str  # text left in the last word after the label ("INV-1" in "InvoiceNo:INV-1")
    # Where the leader dots after the label end ("Invoice no ....... RE-1"): its value
    # starts there. The box's right edge when there are none.
    reach: float = 0.0


def _squashed_chars(line: Line) -> list[tuple[str, int, int]]:
    """Each squashed character with the index of its word and its position in that word."""
    out = []
    for wi, word in enumerate(line.words):
        for ci, ch in enumerate(word.text):
            for sq in squash(ch):
                out.append((sq, wi, ci))
    return out


# The labels of the pages looked at last: candidates and checks ask for the same page.
_RECENT: OrderedDict[tuple[int, bool], tuple[list[Line], list[Label]]] = OrderedDict()
_RECENT_PAGES = 16
_RECENT_LOCK = threading.Lock()


def find_labels(lines: list[Line], fuzzy: bool = False) -> list[Label]:
    """Every label on ``lines``; with ``fuzzy`` (OCR text), a phrase of six letters or more
    also matches with one letter misread ("Tatal Sales", "Roundlng") where nothing matches
    exactly. A page's labels are found once and remembered while it is among the last
    pages asked about (a page's lines do not change once read)."""
    key = (id(lines), fuzzy)
    with _RECENT_LOCK:
        hit = _RECENT.get(key)
    if hit is not None and hit[0] is lines:
        return list(hit[1])
    labels = _find_labels(lines, fuzzy)
    with _RECENT_LOCK:
        _RECENT[key] = (lines, labels)
        while len(_RECENT) > _RECENT_PAGES:
            _RECENT.popitem(last=False)
    return list(labels)


_LOOKALIKE_LETTERS = str.maketrans("01", "ol")
# Words before "invoice" that make it another invoice's: a credit note or a correction
# naming the invoice it corrects ("Replaces invoice", "Corrects invoice", "Gutschrift zu
# Rechnung", "Annule et remplace la facture", "Rectifica la factura", "Vervangt factuur").
_REFERS_TO = re.compile(
    r"\b(?:replaces?|replacing|corrects?|correcting|cancels?|cancell?ing|credits?|"
    r"refers?\s+to|relating\s+to|related\s+to|original|zu|zur|storniert|storno|ersetzt|"
    r"berichtigt|korrigiert|bezieht\s+sich\s+auf|bezug\s+auf|ursprüngliche[nr]?|"
    r"annule(?:\s+et\s+remplace)?|remplace|rectifie|corrige|concernant|initiale?|"
    r"rectifica|anula|sustituye|corrige|sostituisce|annulla|rettifica|stornata|"
    r"vervangt|corrigeert|crediteert|betreft|oorspronkelijke)"
    r"(?:\s+(?:the|die|der|den|la|le|l['’]|el|de|het|our|unsere?|notre|nuestra|la\s+nostra|"
    r"de\s+la))?\s*$", re.IGNORECASE)


def _find_labels(lines: list[Line], fuzzy: bool) -> list[Label]:
    labels = []
    referred = -1  # the line naming another invoice, whose date is that invoice's too
    for li, line in enumerate(lines):
        chars = _squashed_chars(line)
        flat = "".join(c for c, _, _ in chars)
        # OCR writes a label's "o" or "l" as a zero or a one ("Bi11 #", "Tota1"): the same
        # length, so positions hold.
        letters = flat.translate(_LOOKALIKE_LETTERS) if fuzzy else flat
        pos = 0
        while pos < len(flat):
            found = _match_at(flat, pos, chars, line)
            if found is None and letters != flat:
                found = _match_at(letters, pos, chars, line)
            if found is None and fuzzy:
                found = _fuzzy_match_at(flat, pos, chars, line)
            if found is None:
                pos += 1
                continue
            key, field, generic = found
            end = pos + len(key)
            if field == "invoice_number" and _REFERS_TO.search(
                    " ".join(w.text for w in line.words[:chars[pos][1]])):
                field = "other_id"  # "Replaces invoice V2020-3531": another invoice's number
                referred = li
            elif field == "invoice_date" and referred == li:
                field = "other_date"  # "... dated 1 August 2020": that invoice's date
            labels.append(_make_label(line, li, chars, pos, end, key, field, generic))
            pos = end
    return labels


def _match_at(flat: str, pos: int, chars, line: Line):
    """The longest phrase starting at ``pos``, if ``pos`` starts a word."""
    wi, ci = chars[pos][1], chars[pos][2]
    if ci != 0 and any(c.isalnum() for c in line.words[wi].text[:ci]):
        return None
    for key, field, generic in _phrases_at(flat[pos:pos + 3]):
        if not flat.startswith(key, pos):
            continue
        end = pos + len(key)
        if end < len(flat) and chars[end][1] == chars[end - 1][1]:
            # The phrase ends inside a word: only allowed when what follows in
            # that word is a separator and a value ("No:INV-1"), or a digit.
            word = line.words[chars[end - 1][1]].text
            rest = word[chars[end - 1][2] + 1:]
            if not rest or not (rest[0] in ":#.°º" or rest[0].isdigit() or generic is False
                                and rest[0].isupper()):
                continue
        return key, field, generic
    return None


def _fuzzy_match_at(flat: str, pos: int, chars, line: Line):
    """The longest phrase that differs from the text at ``pos`` in one letter, ending where
    a word ends."""
    wi, ci = chars[pos][1], chars[pos][2]
    if ci != 0 and any(c.isalnum() for c in line.words[wi].text[:ci]):
        return None
    for length in _FUZZY_LENGTHS:
        end = pos + length
        if end > len(flat) or (end < len(flat) and chars[end][1] == chars[end - 1][1]):
            continue
        seg = flat[pos:end]
        for i in range(length):
            hit = _FUZZY.get(seg[:i] + "?" + seg[i + 1:])
            if hit is not None:
                return hit
    return None


_LEADER_WORD = re.compile(r"[:.…_·]{2,}")


def _make_label(line: Line, li: int, chars, start: int, end: int, key: str, field: str,
                generic: bool) -> Label:
    w0, w1 = chars[start][1], chars[end - 1][1]
    last = line.words[w1].text
    remainder = last[chars[end - 1][2] + 1:].lstrip(":.#°º ")
    # Leader dots after a label lead the eye to its value, which is right after them
    # ("Auftrags-Nr.: ........ B676463").
    lead = w1 + 1
    while lead < len(line.words) and _LEADER_WORD.fullmatch(line.words[lead].text):
        lead += 1
    box = union(w.box for w in line.words[w0:w1 + 1])
    reach = max([box[2]] + [w.box[2] for w in line.words[w1 + 1:lead]])
    return Label(field, key, generic, box, li, w0, w1 + 1, remainder, reach)
