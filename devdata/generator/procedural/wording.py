"""Label wordings, prose templates and value formats of the procedural invoices, in
English, German, French, Spanish, Dutch and Italian.

Every key lists the ways real invoices say the same thing. A wording starting with
``!`` is *reserved*: only the ``procedural-heldout`` family prints it, so a model
trained on ``procedural`` meets it for the first time there (the held-out set then
measures whether extraction carries over to unseen wordings). :class:`Wording`
picks one wording per key and document, and remembers what it picked.

Templates use ``{num}``, ``{date}``, ``{due}``, ``{days}``, ``{i}``, ``{n}``... as
placeholders; the caller fills them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from devdata.generator.style import format_date, format_number
from skills.normalize import MONTHS

RESERVED = "!"

WORDS: dict[str, dict[str, list[str]]] = {
    "de": {
        "title_invoice": ["Rechnung", "RECHNUNG", "!Ausgangsrechnung"],
        "title_credit": ["Gutschrift", "Stornorechnung", "GUTSCHRIFT", "!Rechnungsgutschrift"],
        "title_corrected": ["Rechnungskorrektur", "!Korrekturrechnung"],
        "title_line": ["{title} Nr. {num} vom {date}", "{title} {num} vom {date}",
                       "!{title} Nr. {num} – {date}"],
        "invoice_number": ["Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "!Beleg-Nr.",
                           "!Rg.-Nr."],
        "credit_number": ["Gutschrift-Nr.", "Gutschriftsnummer", "!Belegnummer"],
        "invoice_date": ["Rechnungsdatum", "Datum", "!Belegdatum", "!Ausstellungsdatum"],
        "due_date": ["Fälligkeitsdatum", "Fällig am", "Zahlbar bis", "!Zahlungsziel"],
        "po_number": ["Ihre Bestellnummer", "Bestell-Nr.", "Ihre Bestellung", "!Ihre Auftrags-Nr."],
        "sales_order": ["Auftragsnummer", "Auftrags-Nr.", "!Unsere Auftrags-Nr."],
        "order_date": ["Bestelldatum", "Auftragsdatum", "!Datum Ihrer Bestellung"],
        "delivery_date": ["Lieferdatum", "Liefer- und Leistungsdatum", "Leistungsdatum",
                          "!Tag der Lieferung"],
        "service_period": ["Leistungszeitraum", "Abrechnungszeitraum", "!Zeitraum"],
        "delivery_note": ["Lieferschein-Nr.", "Lieferscheinnummer", "!Lieferschein"],
        "customer_number": ["Kundennummer", "Kunden-Nr.", "!Debitoren-Nr."],
        "supplier_number": ["Lieferantennummer", "Lieferanten-Nr.", "!Kreditoren-Nr."],
        "gln": ["GLN", "ILN", "!GLN/ILN"],
        "tax_number": ["Steuernummer", "St.-Nr.", "!Steuer-Nr."],
        "contract_number": ["Vertragsnummer", "Vertrags-Nr.", "!Vertrag"],
        "policy_number": ["Versicherungsschein-Nr.", "Policennummer"],
        "your_ref": ["Ihr Zeichen", "Ihre Referenz", "!Ihre Ref.-Nr."],
        "our_ref": ["Unser Zeichen", "Bearbeiter", "!Sachbearbeiter"],
        "page": ["Seite {i} von {n}", "Seite {i}/{n}", "!Blatt {i} von {n}"],
        "original": ["Korrektur zu Rechnung Nr. {num} vom {date}",
                     "Bezug: Rechnung {num} vom {date}", "!Storno der Rechnung {num} vom {date}"],
        "vat_id": ["USt-IdNr.", "USt-ID", "UID-Nr.", "!Umsatzsteuer-ID"],
        "name": ["Name", "Firma", "!Firmenname"],
        "address": ["Adresse", "Anschrift", "!Straße, Ort"],
        "seller": ["Verkäufer", "Lieferant", "Rechnungssteller", "!Leistungserbringer",
                   "!Auftragnehmer"],
        "buyer": ["Käufer", "Kunde", "Rechnungsempfänger", "Leistungsempfänger", "!Auftraggeber",
                  "!Besteller"],
        "ship_to": ["Lieferanschrift", "Lieferadresse", "!Warenempfänger"],
        "iban": ["IBAN"],
        "bic": ["BIC", "SWIFT-BIC", "!BIC/SWIFT"],
        "bank": ["Bank", "Kreditinstitut", "!Geldinstitut"],
        "bank_heading": ["Bankverbindung", "Zahlungsinformationen", "!Konto"],
        "net": ["Summe netto", "Nettobetrag", "Gesamt netto", "!Warenwert netto"],
        "lines_subtotal": ["Zwischensumme", "Positionen gesamt", "!Summe Positionen"],
        "tax": ["MwSt.", "USt.", "zzgl. MwSt.", "Umsatzsteuer", "!Mehrwertsteuer"],
        "tax_on": ["zzgl. {rate} USt. auf {basis}", "{rate} MwSt. auf {basis}",
                   "!USt. {rate} von {basis}"],
        "tax_total": ["Summe USt.", "MwSt. gesamt", "!Steuerbetrag"],
        "insurance_tax": ["Versicherungsteuer", "VersSt."],
        "total": ["Gesamtbetrag", "Rechnungsbetrag", "Bruttobetrag", "Summe brutto",
                  "!Endbetrag", "!Gesamtsumme"],
        "total_credit": ["Gutschriftsbetrag", "!Betrag der Gutschrift"],
        "prepaid": ["bereits bezahlt", "abzgl. Anzahlung", "!abzüglich Abschlagszahlung"],
        "amount_due": ["Zahlbetrag", "Noch zu zahlen", "Offener Betrag", "!Restbetrag"],
        "discount": ["Rabatt", "Nachlass", "!Sonderrabatt"],
        "shipping": ["Versandkosten", "Fracht", "!Porto und Verpackung"],
        "carry_out": ["Übertrag", "Zwischensumme Seite {i}", "!Summe Übertrag"],
        "carry_in": ["Übertrag", "Übertrag von Seite {i}", "!Vortrag"],
        "vat_basis": ["Netto", "Bemessungsgrundlage", "!Basis"],
        "rate_col": ["USt.", "MwSt.-Satz", "USt. %", "!Steuersatz"],
        "pos": ["Pos.", "Pos", "!Nr."],
        "article": ["Art.-Nr.", "Artikel", "!Artikelnr."],
        "description": ["Bezeichnung", "Beschreibung", "Artikel / Leistung", "!Text"],
        "quantity": ["Menge", "Anzahl", "!Anz."],
        "unit": ["Einheit", "ME", "!Einh."],
        "unit_price": ["Einzelpreis", "E-Preis", "Preis/Einheit", "!EP"],
        "amount": ["Gesamtpreis", "Betrag", "Gesamt", "!GP"],
        "currency": ["Währung", "!Währungscode"],
        "currency_note": ["Alle Beträge in {cur}", "!Beträge in {cur}"],
        "grp_document": ["Rechnungsdaten", "Belegdaten", "!Dokument"],
        "grp_refs": ["Referenzen", "Ihre Angaben", "!Bezüge"],
        "grp_delivery": ["Lieferung", "Leistung", "!Versand"],
        "intro": ["Sehr geehrte Damen und Herren, wir berechnen Ihnen wie folgt:",
                  "Vielen Dank für Ihren Auftrag. Wir erlauben uns, Folgendes zu berechnen:",
                  "!Für unsere Lieferungen und Leistungen stellen wir in Rechnung:"],
        "intro_credit": ["Wir schreiben Ihnen folgende Positionen gut:",
                         "!Hiermit erhalten Sie eine Gutschrift über:"],
        "terms": ["Zahlbar innerhalb {days} Tagen bis {due} ohne Abzug.",
                  "Bitte überweisen Sie den Betrag bis zum {due}.",
                  "!Zahlungsbedingung: {days} Tage netto, fällig am {due}."],
        "terms_now": ["Zahlbar sofort ohne Abzug.", "!Der Betrag ist sofort fällig."],
        "skonto": ["Bei Zahlung bis {sdate} gewähren wir {pct} Skonto, netto bis {due}.",
                   "!{pct} Skonto bis {sdate}, rein netto bis {due}."],
        "credit_terms": ["Der Betrag wird Ihrem Konto gutgeschrieben.",
                         "!Wir verrechnen den Betrag mit der nächsten Rechnung."],
        "reverse_charge": ["Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG).",
                           "Innergemeinschaftliche Lieferung, steuerfrei nach § 4 Nr. 1b UStG.",
                           "!Reverse Charge: Die Umsatzsteuer schuldet der Leistungsempfänger."],
        "registry": ["Amtsgericht {city} HRB {n}", "Registergericht: Amtsgericht {city}, HRB {n}",
                     "!Handelsregister {city} HRB {n}"],
        "manager": ["Geschäftsführer: {person}", "Geschäftsführung: {person}",
                    "!Vorstand: {person}"],
        "phone": ["Tel.", "Telefon", "!Fon"],
        "email": ["E-Mail", "Mail", "!E-Mail-Adresse"],
        "thanks": ["Vielen Dank für Ihren Einkauf.", "Wir danken für Ihr Vertrauen.",
                   "!Mit freundlichen Grüßen"],
    },
    "en": {
        "title_invoice": ["Invoice", "INVOICE", "Tax invoice", "!Commercial invoice"],
        "title_credit": ["Credit note", "CREDIT NOTE", "!Credit memo"],
        "title_corrected": ["Corrected invoice", "!Invoice correction"],
        "title_line": ["{title} {num} dated {date}", "{title} No. {num} of {date}",
                       "!{title} #{num} issued {date}"],
        "invoice_number": ["Invoice No.", "Invoice number", "Invoice #", "!Document no.",
                           "!Reference"],
        "credit_number": ["Credit note no.", "Credit note number", "!Credit memo #"],
        "invoice_date": ["Invoice date", "Date", "Date of issue", "!Issued on", "!Tax point"],
        "due_date": ["Due date", "Payment due", "Due by", "!Pay by"],
        "po_number": ["PO number", "Purchase order", "Your order no.", "!Customer PO"],
        "sales_order": ["Sales order", "Order ref.", "!Our order no."],
        "order_date": ["Order date", "Date ordered", "!PO date"],
        "delivery_date": ["Delivery date", "Date of supply", "!Shipped on"],
        "service_period": ["Service period", "Billing period", "!Period"],
        "delivery_note": ["Delivery note", "Packing slip no.", "!Dispatch note"],
        "customer_number": ["Customer no.", "Account no.", "Customer ID", "!Client code"],
        "supplier_number": ["Supplier no.", "Vendor no.", "!Supplier ID"],
        "gln": ["GLN", "EAN location", "!Global location no."],
        "tax_number": ["Tax ref.", "Company reg. no.", "!UTR"],
        "contract_number": ["Contract no.", "Agreement no.", "!Contract ref."],
        "policy_number": ["Policy no."],
        "your_ref": ["Your ref.", "Your reference", "!Attn."],
        "our_ref": ["Our ref.", "Our reference", "!Contact"],
        "page": ["Page {i} of {n}", "Page {i}/{n}", "!Sheet {i} of {n}"],
        "original": ["Corrects invoice {num} of {date}", "Original invoice: {num} ({date})",
                     "!Replaces invoice {num} dated {date}"],
        "vat_id": ["VAT No.", "VAT ID", "VAT Reg. No.", "!VAT registration"],
        "name": ["Name", "Company", "!Legal name"],
        "address": ["Address", "!Registered address"],
        "seller": ["Seller", "Supplier", "Sold by", "From", "!Vendor", "!Issued by"],
        "buyer": ["Buyer", "Bill to", "Customer", "Invoice to", "!Billed to", "!Purchaser"],
        "ship_to": ["Ship to", "Delivery address", "!Deliver to"],
        "iban": ["IBAN"],
        "bic": ["BIC", "SWIFT", "!SWIFT/BIC"],
        "bank": ["Bank", "Bank name", "!Account with"],
        "bank_heading": ["Bank details", "Payment details", "!Remittance"],
        "net": ["Net total", "Subtotal", "Total excl. VAT", "!Net amount"],
        "lines_subtotal": ["Items total", "Goods total", "!Lines subtotal"],
        "tax": ["VAT", "Tax", "!Sales tax"],
        "tax_on": ["VAT {rate} on {basis}", "Tax {rate} of {basis}", "!VAT @ {rate} on {basis}"],
        "tax_total": ["Total VAT", "VAT total", "!Tax total"],
        "insurance_tax": ["Insurance premium tax"],
        "total": ["Total", "Grand total", "Invoice total", "Total incl. VAT", "!Gross total"],
        "total_credit": ["Total credit", "!Credit total"],
        "prepaid": ["Paid", "Less deposit", "Amount paid", "!Payments received"],
        "amount_due": ["Amount due", "Balance due", "!Amount payable"],
        "discount": ["Discount", "!Rebate"],
        "shipping": ["Shipping", "Freight", "!Carriage"],
        "carry_out": ["Carried forward", "Subtotal page {i}", "!To carry forward"],
        "carry_in": ["Brought forward", "Carried over from page {i}", "!B/F"],
        "vat_basis": ["Net", "Taxable amount", "!Basis"],
        "rate_col": ["VAT", "VAT %", "Tax rate", "!VAT rate"],
        "pos": ["No.", "#", "!Line"],
        "article": ["Item no.", "SKU", "!Part no."],
        "description": ["Description", "Item", "Product / service", "!Details"],
        "quantity": ["Qty", "Quantity", "!Units"],
        "unit": ["Unit", "UoM", "!U/M"],
        "unit_price": ["Unit price", "Price", "Rate", "!Each"],
        "amount": ["Amount", "Line total", "Total", "!Extended"],
        "currency": ["Currency", "!Invoice currency"],
        "currency_note": ["All amounts in {cur}", "!Amounts shown in {cur}"],
        "grp_document": ["Invoice details", "Document", "!Summary"],
        "grp_refs": ["References", "Your details", "!Order details"],
        "grp_delivery": ["Delivery", "Service", "!Shipment"],
        "intro": ["Thank you for your order. We are pleased to invoice you as follows:",
                  "!Please find below the goods and services supplied:"],
        "intro_credit": ["We have credited your account with the following:",
                         "!Please find your credit below:"],
        "terms": ["Payment due within {days} days, by {due}.",
                  "Please pay by {due}.", "!Terms: net {days} days (due {due})."],
        "terms_now": ["Payable on receipt.", "!Due upon receipt."],
        "skonto": ["{pct} early payment discount if paid by {sdate}; net due {due}.",
                   "!Pay by {sdate} and deduct {pct}; otherwise due {due}."],
        "credit_terms": ["This amount will be refunded to your account.",
                         "!This credit will be offset against your next invoice."],
        "reverse_charge": ["Reverse charge: VAT to be accounted for by the recipient.",
                           "Intra-EU supply, exempt from VAT.",
                           "!Customer to account for VAT (reverse charge)."],
        "registry": ["Registered in England and Wales No. {n}", "Company No. {n}",
                     "!Registered office: {city}, company number {n}"],
        "manager": ["Directors: {person}", "Director: {person}", "!Managing director: {person}"],
        "phone": ["Tel", "Phone", "!T"],
        "email": ["Email", "E-mail", "!Mail"],
        "thanks": ["Thank you for your business.", "!We appreciate your business."],
    },
    "fr": {
        "title_invoice": ["Facture", "FACTURE", "!Facture de vente"],
        "title_credit": ["Avoir", "Facture d'avoir", "AVOIR", "!Note de crédit"],
        "title_corrected": ["Facture rectificative", "!FACTURE RECTIFICATIVE"],
        "title_line": ["{title} n° {num} du {date}", "{title} N° {num} en date du {date}",
                       "!{title} {num} – émise le {date}"],
        "invoice_number": ["N° de facture", "Facture n°", "Numéro de facture", "!Réf. facture",
                           "!N° pièce"],
        "credit_number": ["Avoir n°", "N° d'avoir", "!Numéro de l'avoir"],
        "invoice_date": ["Date de facture", "Date", "Date d'émission", "!Émise le",
                         "!Date de facturation"],
        "due_date": ["Date d'échéance", "Échéance", "À payer avant le", "!Date limite de paiement"],
        "po_number": ["Bon de commande", "N° de commande", "Votre commande",
                      "!Votre réf. commande"],
        "sales_order": ["N° de dossier", "Commande interne", "!Notre réf. commande"],
        "order_date": ["Date de commande", "Commandé le", "!Date du bon de commande"],
        "delivery_date": ["Date de livraison", "Livré le", "!Date d'exécution"],
        "service_period": ["Période de prestation", "Période", "!Période facturée"],
        "delivery_note": ["Bon de livraison", "N° BL", "!Bordereau de livraison"],
        "customer_number": ["N° client", "Code client", "!Réf. client"],
        "supplier_number": ["N° fournisseur", "Code fournisseur", "!Réf. fournisseur"],
        "gln": ["GLN", "Code EAN", "!EAN lieu"],
        "tax_number": ["SIRET", "N° SIRET", "!Code SIRET"],
        "contract_number": ["N° de contrat", "Contrat", "!Réf. contrat"],
        "policy_number": ["N° de police"],
        "your_ref": ["Votre référence", "V/Réf.", "!Vos réf."],
        "our_ref": ["Notre référence", "N/Réf.", "!Nos réf."],
        "page": ["Page {i}/{n}", "Page {i} sur {n}", "!Feuillet {i}/{n}"],
        "original": ["Rectifie la facture n° {num} du {date}",
                     "Facture d'origine : {num} du {date}",
                     "!Annule et remplace la facture {num} du {date}"],
        "vat_id": ["N° TVA", "TVA intracommunautaire", "N° TVA intracom.", "!Identifiant TVA"],
        "name": ["Nom", "Raison sociale", "!Société"],
        "address": ["Adresse", "!Siège"],
        "seller": ["Fournisseur", "Vendeur", "Émetteur", "!Prestataire"],
        "buyer": ["Client", "Acheteur", "Facturé à", "!Destinataire", "!Adresse de facturation"],
        "ship_to": ["Adresse de livraison", "Livré à", "!Lieu de livraison"],
        "iban": ["IBAN"],
        "bic": ["BIC", "Code BIC", "!SWIFT"],
        "bank": ["Banque", "Domiciliation", "!Établissement"],
        "bank_heading": ["Coordonnées bancaires", "Règlement", "!RIB"],
        "net": ["Total HT", "Montant HT", "Sous-total HT", "!Net HT"],
        "lines_subtotal": ["Total brut HT", "Total lignes", "!Montant brut"],
        "tax": ["TVA", "Montant TVA", "!T.V.A."],
        "tax_on": ["TVA {rate} sur {basis}", "TVA à {rate} sur {basis}",
                   "!TVA {rate} base {basis}"],
        "tax_total": ["Total TVA", "!Montant total TVA"],
        "insurance_tax": ["Taxe sur les conventions d'assurance"],
        "total": ["Total TTC", "Montant TTC", "Montant total", "!Total général"],
        "total_credit": ["Montant de l'avoir", "!Total avoir TTC"],
        "prepaid": ["Acompte versé", "Déjà réglé", "!Acompte reçu"],
        "amount_due": ["Net à payer", "Reste à payer", "!Solde dû"],
        "discount": ["Remise", "Escompte", "!Rabais"],
        "shipping": ["Frais de port", "Frais de livraison", "!Port"],
        "carry_out": ["À reporter", "Sous-total page {i}", "!Report à nouveau"],
        "carry_in": ["Report", "Report page {i}", "!Reporté"],
        "vat_basis": ["Base HT", "Base", "!Assiette"],
        "rate_col": ["TVA", "Taux TVA", "!Taux"],
        "pos": ["N°", "Ligne", "!Pos."],
        "article": ["Réf.", "Référence", "!Code article"],
        "description": ["Désignation", "Description", "!Libellé"],
        "quantity": ["Qté", "Quantité", "!Qt."],
        "unit": ["Unité", "U.", "!Un."],
        "unit_price": ["Prix unitaire HT", "P.U. HT", "!PU"],
        "amount": ["Montant HT", "Total HT", "!Montant"],
        "currency": ["Devise", "!Monnaie"],
        "currency_note": ["Montants exprimés en {cur}", "!Tous les montants en {cur}"],
        "grp_document": ["Informations facture", "Document", "!Références facture"],
        "grp_refs": ["Références", "Vos références", "!Commande"],
        "grp_delivery": ["Livraison", "Prestation", "!Expédition"],
        "intro": ["Nous vous remercions de votre commande et vous prions de trouver ci-dessous "
                  "notre facture.", "!Veuillez trouver ci-dessous le détail de notre facture."],
        "intro_credit": ["Nous avons le plaisir de vous adresser l'avoir suivant :",
                         "!Veuillez trouver ci-dessous votre avoir."],
        "terms": ["Paiement à {days} jours, soit le {due}.",
                  "À régler avant le {due}.", "!Conditions : {days} jours net, échéance {due}."],
        "terms_now": ["Paiement à réception.", "!Payable comptant à réception de facture."],
        "skonto": ["Escompte de {pct} pour paiement avant le {sdate} ; net au {due}.",
                   "!{pct} d'escompte jusqu'au {sdate}, sinon échéance le {due}."],
        "credit_terms": ["Cet avoir sera déduit de votre prochain règlement.",
                         "!Montant remboursé par virement."],
        "reverse_charge": ["Autoliquidation.",
                           "Exonération de TVA, art. 262 ter I du CGI.",
                           "!TVA due par le preneur, art. 283-2 du CGI."],
        "registry": ["RCS {city} B {siren}", "SAS au capital de 10 000 € – RCS {city} {siren}",
                     "!Immatriculée au RCS de {city} sous le n° {siren}"],
        "manager": ["Gérant : {person}", "Président : {person}", "!Directeur général : {person}"],
        "phone": ["Tél.", "Téléphone", "!Tél"],
        "email": ["E-mail", "Courriel", "!Mél."],
        "thanks": ["Merci de votre confiance.", "!Nous vous remercions de votre commande."],
    },
    "es": {
        "title_invoice": ["Factura", "FACTURA", "!Factura ordinaria"],
        "title_credit": ["Abono", "Factura de abono", "!Nota de crédito"],
        "title_corrected": ["Factura rectificativa", "!FACTURA RECTIFICATIVA"],
        "title_line": ["{title} n.º {num} de fecha {date}", "{title} {num} del {date}",
                       "!{title} núm. {num} – {date}"],
        "invoice_number": ["Número de factura", "Factura n.º", "Nº factura", "!Núm. factura",
                           "!Serie/Número"],
        "credit_number": ["Abono n.º", "Número de abono", "!Nº abono"],
        "invoice_date": ["Fecha de factura", "Fecha", "Fecha de emisión", "!Fecha expedición"],
        "due_date": ["Fecha de vencimiento", "Vencimiento", "!Vence el"],
        "po_number": ["Número de pedido", "Pedido", "Orden de compra", "!Su pedido"],
        "sales_order": ["Nº de albarán interno", "Nuestro pedido", "!Ref. interna"],
        "order_date": ["Fecha de pedido", "!Fecha del pedido"],
        "delivery_date": ["Fecha de entrega", "Fecha de servicio", "!Entregado el"],
        "service_period": ["Periodo de servicio", "Periodo", "!Periodo facturado"],
        "delivery_note": ["Albarán", "Nº albarán", "!Albarán de entrega"],
        "customer_number": ["Nº cliente", "Código cliente", "!Cliente nº"],
        "supplier_number": ["Nº proveedor", "Código proveedor", "!Proveedor nº"],
        "gln": ["GLN", "Código EAN", "!EAN"],
        "tax_number": ["Registro Mercantil", "CNAE", "!Nº de registro"],
        "contract_number": ["Nº de contrato", "Contrato", "!Ref. contrato"],
        "policy_number": ["Nº de póliza"],
        "your_ref": ["Su referencia", "S/Ref.", "!Su ref."],
        "our_ref": ["Nuestra referencia", "N/Ref.", "!Nuestra ref."],
        "page": ["Página {i} de {n}", "Pág. {i}/{n}", "!Hoja {i} de {n}"],
        "original": ["Rectifica la factura {num} de {date}",
                     "Factura original: {num} ({date})", "!Anula la factura {num} de {date}"],
        "vat_id": ["NIF", "CIF", "NIF-IVA", "!NIF intracomunitario"],
        "name": ["Nombre", "Razón social", "!Empresa"],
        "address": ["Dirección", "Domicilio", "!Domicilio social"],
        "seller": ["Proveedor", "Vendedor", "Emisor", "!Expedidor"],
        "buyer": ["Cliente", "Comprador", "Facturar a", "!Destinatario"],
        "ship_to": ["Dirección de entrega", "Enviar a", "!Lugar de entrega"],
        "iban": ["IBAN"],
        "bic": ["BIC", "SWIFT", "!BIC/SWIFT"],
        "bank": ["Banco", "Entidad", "!Entidad bancaria"],
        "bank_heading": ["Datos bancarios", "Forma de pago", "!Domiciliación"],
        "net": ["Base imponible", "Subtotal", "Importe neto", "!Total base"],
        "lines_subtotal": ["Importe bruto", "Suma", "!Total líneas"],
        "tax": ["IVA", "Cuota IVA", "!Impuestos"],
        "tax_on": ["IVA {rate} s/ {basis}", "IVA {rate} sobre {basis}",
                   "!Cuota {rate} base {basis}"],
        "tax_total": ["Total IVA", "Cuota total", "!Total cuota"],
        "insurance_tax": ["Impuesto sobre primas de seguros"],
        "total": ["Total factura", "Importe total", "Total", "!Total documento"],
        "total_credit": ["Total abono", "!Importe del abono"],
        "prepaid": ["Anticipo", "Pagado a cuenta", "!Entregas a cuenta"],
        "amount_due": ["Total a pagar", "Importe pendiente", "!Líquido a pagar"],
        "discount": ["Descuento", "Dto.", "!Bonificación"],
        "shipping": ["Gastos de envío", "Portes", "!Transporte"],
        "carry_out": ["Suma y sigue", "Subtotal página {i}", "!A la vuelta"],
        "carry_in": ["Suma anterior", "Viene de página {i}", "!Saldo anterior"],
        "vat_basis": ["Base", "Base imponible", "!B.I."],
        "rate_col": ["IVA", "% IVA", "!Tipo"],
        "pos": ["Lín.", "Nº", "!Pos."],
        "article": ["Código", "Ref.", "!Artículo"],
        "description": ["Descripción", "Concepto", "!Detalle"],
        "quantity": ["Cantidad", "Cant.", "!Uds."],
        "unit": ["Unidad", "Ud.", "!U.M."],
        "unit_price": ["Precio unitario", "Precio", "!P. unit."],
        "amount": ["Importe", "Total", "!Importe línea"],
        "currency": ["Moneda", "!Divisa"],
        "currency_note": ["Importes en {cur}", "!Todos los importes en {cur}"],
        "grp_document": ["Datos de la factura", "Documento", "!Datos"],
        "grp_refs": ["Referencias", "Sus datos", "!Datos del pedido"],
        "grp_delivery": ["Entrega", "Servicio", "!Envío"],
        "intro": ["Le facturamos los siguientes conceptos:",
                  "!Detalle de los servicios prestados:"],
        "intro_credit": ["Le abonamos los siguientes conceptos:", "!Detalle del abono:"],
        "terms": ["Pago a {days} días, vencimiento {due}.", "Pagar antes del {due}.",
                  "!Forma de pago: transferencia a {days} días ({due})."],
        "terms_now": ["Pago al contado.", "!Pago a la recepción de la factura."],
        "skonto": ["Descuento por pronto pago del {pct} hasta el {sdate}; vencimiento {due}.",
                   "!{pct} de descuento si paga antes del {sdate}, si no el {due}."],
        "credit_terms": ["El importe se reembolsará por transferencia.",
                         "!Se compensará en la próxima factura."],
        "reverse_charge": ["Inversión del sujeto pasivo.",
                           "Entrega intracomunitaria exenta, art. 25 Ley 37/1992.",
                           "!Operación con inversión del sujeto pasivo (art. 84 LIVA)."],
        "registry": ["Inscrita en el Registro Mercantil de {city}, Hoja M-{n}",
                     "R.M. {city}, Tomo {n}", "!Registro Mercantil de {city}, folio {n}"],
        "manager": ["Administrador: {person}", "!Director: {person}"],
        "phone": ["Tel.", "Teléfono", "!Tlf."],
        "email": ["Email", "Correo", "!E-mail"],
        "thanks": ["Gracias por su confianza.", "!Gracias por su compra."],
    },
    "nl": {
        "title_invoice": ["Factuur", "FACTUUR", "!Verkoopfactuur"],
        "title_credit": ["Creditnota", "Creditfactuur", "!CREDITNOTA"],
        "title_corrected": ["Gecorrigeerde factuur", "!Correctiefactuur"],
        "title_line": ["{title} {num} d.d. {date}", "{title} nr. {num} van {date}",
                       "!{title} {num} – {date}"],
        "invoice_number": ["Factuurnummer", "Factuur nr.", "Factuurnr.", "!Documentnummer"],
        "credit_number": ["Creditnotanummer", "Creditnota nr.", "!Creditnr."],
        "invoice_date": ["Factuurdatum", "Datum", "!Datum factuur"],
        "due_date": ["Vervaldatum", "Te betalen voor", "Uiterste betaaldatum", "!Betalen vóór"],
        "po_number": ["Ordernummer", "Inkoopordernummer", "Uw referentie", "!Uw ordernr."],
        "sales_order": ["Ons ordernummer", "Orderbevestiging", "!Onze order"],
        "order_date": ["Orderdatum", "Besteldatum", "!Datum bestelling"],
        "delivery_date": ["Leverdatum", "Afleverdatum", "!Datum levering"],
        "service_period": ["Periode", "Leveringsperiode", "!Factuurperiode"],
        "delivery_note": ["Pakbon", "Pakbonnummer", "!Afleverbon"],
        "customer_number": ["Klantnummer", "Debiteurnummer", "!Klantnr."],
        "supplier_number": ["Leveranciersnummer", "Crediteurnummer", "!Leveranciernr."],
        "gln": ["GLN", "EAN-code", "!GLN-nummer"],
        "tax_number": ["KvK", "KvK-nummer", "!Handelsregister"],
        "contract_number": ["Contractnummer", "Contract", "!Overeenkomst"],
        "policy_number": ["Polisnummer"],
        "your_ref": ["Uw kenmerk", "Uw ref.", "!Referentie klant"],
        "our_ref": ["Ons kenmerk", "Onze ref.", "!Behandeld door"],
        "page": ["Pagina {i} van {n}", "Blad {i}/{n}", "!Pag. {i}/{n}"],
        "original": ["Correctie op factuur {num} van {date}",
                     "Oorspronkelijke factuur: {num} ({date})",
                     "!Vervangt factuur {num} van {date}"],
        "vat_id": ["BTW-nummer", "Btw-nr.", "BTW nr.", "!Btw-id"],
        "name": ["Naam", "Bedrijfsnaam", "!Firma"],
        "address": ["Adres", "!Vestigingsadres"],
        "seller": ["Leverancier", "Verkoper", "Afzender", "!Verzender"],
        "buyer": ["Klant", "Koper", "Factuur aan", "!Debiteur"],
        "ship_to": ["Afleveradres", "Leveradres", "!Bezorgadres"],
        "iban": ["IBAN"],
        "bic": ["BIC", "SWIFT", "!BIC-code"],
        "bank": ["Bank", "!Bankinstelling"],
        "bank_heading": ["Bankgegevens", "Betaalgegevens", "!Betaling"],
        "net": ["Subtotaal", "Totaal excl. btw", "Netto bedrag", "!Totaal exclusief BTW"],
        "lines_subtotal": ["Totaal regels", "Bruto bedrag", "!Som regels"],
        "tax": ["BTW", "Btw-bedrag", "!Btw"],
        "tax_on": ["BTW {rate} over {basis}", "Btw {rate} van {basis}",
                   "!BTW {rate} grondslag {basis}"],
        "tax_total": ["Totaal btw", "!Btw totaal"],
        "insurance_tax": ["Assurantiebelasting"],
        "total": ["Totaal incl. btw", "Totaalbedrag", "Totaal", "!Factuurbedrag"],
        "total_credit": ["Totaal creditnota", "!Creditbedrag"],
        "prepaid": ["Reeds betaald", "Aanbetaling", "!Vooruitbetaald"],
        "amount_due": ["Te betalen", "Openstaand bedrag", "!Nog te voldoen"],
        "discount": ["Korting", "!Kortingsbedrag"],
        "shipping": ["Verzendkosten", "Vracht", "!Transportkosten"],
        "carry_out": ["Transport", "Subtotaal pagina {i}", "!Over te brengen"],
        "carry_in": ["Transport", "Van pagina {i}", "!Overgebracht"],
        "vat_basis": ["Grondslag", "Bedrag", "!Basis"],
        "rate_col": ["BTW", "BTW %", "!Tarief"],
        "pos": ["Nr.", "Regel", "!Pos."],
        "article": ["Artikelnr.", "Code", "!Art."],
        "description": ["Omschrijving", "Artikel", "!Product"],
        "quantity": ["Aantal", "!Aant."],
        "unit": ["Eenheid", "!Eenh."],
        "unit_price": ["Prijs per stuk", "Stukprijs", "Prijs", "!Eenheidsprijs"],
        "amount": ["Bedrag", "Totaal", "!Regeltotaal"],
        "currency": ["Valuta", "!Munteenheid"],
        "currency_note": ["Bedragen in {cur}", "!Alle bedragen in {cur}"],
        "grp_document": ["Factuurgegevens", "Document", "!Gegevens"],
        "grp_refs": ["Referenties", "Uw gegevens", "!Bestelling"],
        "grp_delivery": ["Levering", "Dienst", "!Verzending"],
        "intro": ["Hierbij ontvangt u onze factuur voor de volgende leveringen:",
                  "!Wij brengen u het volgende in rekening:"],
        "intro_credit": ["Wij crediteren u voor het volgende:", "!Hierbij uw creditnota:"],
        "terms": ["Betaling binnen {days} dagen, uiterlijk {due}.",
                  "Gelieve te betalen vóór {due}.", "!Betaaltermijn {days} dagen ({due})."],
        "terms_now": ["Direct betaalbaar.", "!Te voldoen bij ontvangst."],
        "skonto": ["{pct} betalingskorting bij betaling vóór {sdate}; netto uiterlijk {due}.",
                   "!Bij betaling vóór {sdate} {pct} korting, anders {due}."],
        "credit_terms": ["Het bedrag wordt op uw rekening teruggestort.",
                         "!Wordt verrekend met de volgende factuur."],
        "reverse_charge": ["BTW verlegd.", "Intracommunautaire levering, 0% btw.",
                           "!Btw verlegd naar afnemer (art. 12 lid 3 Wet OB)."],
        "registry": ["KvK {n}", "Ingeschreven bij de KvK onder nr. {n}",
                     "!Handelsregister {city} {n}"],
        "manager": ["Directeur: {person}", "!Bestuurder: {person}"],
        "phone": ["Tel.", "Telefoon", "!T."],
        "email": ["E-mail", "Mail", "!E."],
        "thanks": ["Bedankt voor uw bestelling.", "!Met vriendelijke groet"],
    },
    "it": {
        "title_invoice": ["Fattura", "FATTURA", "Fattura differita", "!Fattura accompagnatoria"],
        "title_credit": ["Nota di credito", "NOTA DI CREDITO", "!Nota credito"],
        "title_corrected": ["Fattura rettificativa", "!FATTURA RETTIFICATIVA"],
        "title_line": ["{title} n. {num} del {date}", "{title} nr. {num} del {date}",
                       "!{title} N° {num} – {date}"],
        "invoice_number": ["Numero fattura", "Fattura n.", "N. fattura", "!Documento n.",
                           "!Nr. documento"],
        "credit_number": ["Nota di credito n.", "Numero nota", "!N. nota credito"],
        "invoice_date": ["Data fattura", "Data", "Data documento", "!Data emissione"],
        "due_date": ["Data scadenza", "Scadenza", "!Scadenza pagamento"],
        "po_number": ["Vostro ordine", "Ordine n.", "Rif. ordine", "!Numero ordine cliente"],
        "sales_order": ["Nostra conferma d'ordine", "Commessa", "!Ns. ordine"],
        "order_date": ["Data ordine", "!Data dell'ordine"],
        "delivery_date": ["Data consegna", "Data di consegna", "!Consegnato il"],
        "service_period": ["Periodo di riferimento", "Periodo", "!Competenza"],
        "delivery_note": ["DDT n.", "Documento di trasporto", "!Bolla n."],
        "customer_number": ["Codice cliente", "Cod. cliente", "!Cliente n."],
        "supplier_number": ["Codice fornitore", "Cod. fornitore", "!Fornitore n."],
        "gln": ["GLN", "Codice EAN", "!EAN"],
        "tax_number": ["Codice fiscale", "C.F.", "!Cod. fisc."],
        "contract_number": ["Contratto n.", "Numero contratto", "!Rif. contratto"],
        "policy_number": ["Polizza n."],
        "your_ref": ["Vs. riferimento", "Vostro rif.", "!Vs. rif."],
        "our_ref": ["Ns. riferimento", "Nostro rif.", "!Ns. rif."],
        "page": ["Pagina {i} di {n}", "Pag. {i}/{n}", "!Foglio {i} di {n}"],
        "original": ["Rettifica della fattura n. {num} del {date}",
                     "Rif. fattura {num} del {date}", "!Storno fattura {num} del {date}"],
        "vat_id": ["Partita IVA", "P.IVA", "P. IVA", "!Partita IVA/VAT"],
        "name": ["Denominazione", "Ragione sociale", "!Nome"],
        "address": ["Indirizzo", "Sede", "!Sede legale"],
        "seller": ["Fornitore", "Cedente", "Venditore", "!Cedente/Prestatore", "!Emittente"],
        "buyer": ["Cliente", "Cessionario", "Acquirente", "!Cessionario/Committente",
                  "!Destinatario"],
        "ship_to": ["Luogo di consegna", "Destinazione merce", "!Indirizzo di spedizione"],
        "iban": ["IBAN"],
        "bic": ["BIC", "SWIFT", "!BIC/SWIFT"],
        "bank": ["Banca", "Banca d'appoggio", "!Istituto"],
        "bank_heading": ["Coordinate bancarie", "Modalità di pagamento", "!Pagamento"],
        "net": ["Imponibile", "Totale imponibile", "Totale netto", "!Imponibile totale"],
        "lines_subtotal": ["Totale merce", "Totale righe", "!Somma"],
        "tax": ["IVA", "Imposta", "!Imp. IVA"],
        "tax_on": ["IVA {rate} su {basis}", "IVA al {rate} su {basis}",
                   "!Imposta {rate} su {basis}"],
        "tax_total": ["Totale IVA", "Totale imposta", "!Imposta totale"],
        "insurance_tax": ["Imposta sulle assicurazioni"],
        "total": ["Totale fattura", "Totale documento", "Totale", "!Importo totale"],
        "total_credit": ["Totale nota di credito", "!Importo nota"],
        "prepaid": ["Acconto", "Già pagato", "!Acconto versato"],
        "amount_due": ["Netto a pagare", "Totale da pagare", "!Saldo"],
        "discount": ["Sconto", "!Abbuono"],
        "shipping": ["Spese di trasporto", "Spese di spedizione", "!Trasporto"],
        "carry_out": ["A riportare", "Subtotale pagina {i}", "!Da riportare"],
        "carry_in": ["Riporto", "Riporto da pagina {i}", "!Riportato"],
        "vat_basis": ["Imponibile", "Base", "!Base imponibile"],
        "rate_col": ["IVA", "Aliquota", "% IVA", "!Aliq."],
        "pos": ["N.", "Riga", "!Pos."],
        "article": ["Codice", "Cod. articolo", "!Art."],
        "description": ["Descrizione", "Descrizione articolo", "!Articolo"],
        "quantity": ["Quantità", "Q.tà", "!Qtà"],
        "unit": ["U.M.", "Unità", "!UM"],
        "unit_price": ["Prezzo unitario", "Prezzo", "!Pr. unit."],
        "amount": ["Importo", "Totale", "!Valore"],
        "currency": ["Valuta", "!Divisa"],
        "currency_note": ["Importi in {cur}", "!Tutti gli importi in {cur}"],
        "grp_document": ["Dati documento", "Documento", "!Estremi"],
        "grp_refs": ["Riferimenti", "Dati ordine", "!Vs. dati"],
        "grp_delivery": ["Consegna", "Dati di consegna", "!Spedizione"],
        "intro": ["Vi addebitiamo quanto segue:", "!Di seguito il dettaglio della fornitura:"],
        "intro_credit": ["Vi accreditiamo quanto segue:", "!Dettaglio della nota di credito:"],
        "terms": ["Pagamento: bonifico a {days} gg, scadenza {due}.",
                  "Da pagare entro il {due}.", "!Bonifico bancario {days} gg d.f. ({due})."],
        "terms_now": ["Pagamento immediato.", "!Rimessa diretta."],
        "skonto": ["Sconto {pct} per pagamento entro il {sdate}; scadenza netto {due}.",
                   "!{pct} di sconto entro il {sdate}, altrimenti il {due}."],
        "credit_terms": ["L'importo verrà rimborsato con bonifico.",
                         "!L'importo sarà compensato con la prossima fattura."],
        "reverse_charge": ["Inversione contabile, art. 17 c. 6 DPR 633/72.",
                           "Operazione non imponibile, art. 41 DL 331/93.",
                           "!Reverse charge ai sensi dell'art. 7-ter DPR 633/72."],
        "registry": ["REA {prov}-{n}", "Reg. Imprese {city} n. {n}",
                     "!Cap. soc. € 10.000 i.v. – REA {prov}-{n}"],
        "manager": ["Amministratore unico: {person}", "!Legale rappresentante: {person}"],
        "phone": ["Tel.", "Telefono", "!Tel"],
        "email": ["E-mail", "PEC", "!Email"],
        "thanks": ["Grazie per la preferenza.", "!Cordiali saluti"],
    },
}

# The buyer's own VAT id when it is printed apart from a party block.
for _lang, _words in {"de": ["Ihre USt-IdNr.", "!USt-IdNr. Kunde"],
                      "en": ["Your VAT No.", "!Customer VAT ID"],
                      "fr": ["Votre N° TVA", "!N° TVA client"], "es": ["Su NIF", "!NIF cliente"],
                      "nl": ["Uw btw-nummer", "!Btw-nr. klant"],
                      "it": ["Vs. P.IVA", "!P.IVA cliente"]}.items():
    WORDS[_lang]["your_vat"] = _words

LANGUAGES = tuple(WORDS)

# Thousands/decimal formats per language (keys of style.NUMBER_FORMATS).
NUMBERS = {"en": ["1,234.56", "1234.56"], "de": ["1.234,56", "1234,56"],
           "fr": ["1 234,56", "1234,56"], "es": ["1.234,56", "1234,56"],
           "nl": ["1.234,56", "1234,56"], "it": ["1.234,56", "1234,56"]}
# Italian month names are not in skills.normalize.MONTHS, so Italian dates stay numeric.
DATES = {
    "en": ["dd/mm/yyyy", "yyyy-mm-dd", "d month yyyy", "dd mon yyyy"],
    "de": ["dd.mm.yyyy", "d. month yyyy", "dd.mm.yy", "yyyy-mm-dd"],
    "fr": ["dd/mm/yyyy", "d month yyyy", "dd.mm.yyyy"],
    "es": ["dd/mm/yyyy", "d month yyyy", "dd-mm-yyyy"],
    "nl": ["dd-mm-yyyy", "d month yyyy", "dd.mm.yyyy"],
    "it": ["dd/mm/yyyy", "dd-mm-yyyy", "dd.mm.yyyy"],
}
SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "SEK": "kr"}


def is_reserved(wording: str) -> bool:
    return wording.startswith(RESERVED)


def options(language: str, key: str, heldout: bool) -> list[str]:
    """The wordings a family may print for ``key``: the shared ones for ``procedural``;
    the reserved ones (when the key has any) for ``procedural-heldout``."""
    every = WORDS[language][key]
    shared = [w for w in every if not is_reserved(w)]
    reserved = [w[1:] for w in every if is_reserved(w)]
    if heldout and reserved:
        return reserved
    return shared


def reserved_wordings(language: str) -> set[str]:
    """Every reserved wording of ``language`` (for tests and reports)."""
    return {w[1:] for ws in WORDS[language].values() for w in ws if is_reserved(w)}


@dataclass
class Wording:
    """One wording per key for one document, picked on first use and then kept, so a
    document is self-consistent ("Rechnungsnr." everywhere) and the choice is recorded."""

    language: str
    rng: random.Random
    heldout: bool
    reserved_share: float = 0.6  # held-out: chance a key with reserved wordings uses them
    used: dict[str, str] = field(default_factory=dict)
    # When set, each key's wording is drawn from its own seed (this text and the key),
    # whatever order the keys are asked in: every invoice of a vendor's recurring layout
    # then prints the same labels, whichever fields it has.
    keyed: str | None = None

    def __call__(self, key: str, **values: object) -> str:
        if key not in self.used:
            rng = self.rng if self.keyed is None else random.Random(f"{self.keyed}/{key}")
            heldout = self.heldout and rng.random() < self.reserved_share
            self.used[key] = rng.choice(options(self.language, key, heldout))
        text = self.used[key]
        return text.format(**values) if values else text


@dataclass(frozen=True)
class Formats:
    """How numbers, dates, rates and money are printed in one document."""

    language: str
    number_format: str
    date_format: str
    currency: str
    placement: str  # code_after | code_before | sign_before | sign_after | header_only
    rate_style: str  # "19 %" | "19%" | "19,00 %"

    def number(self, value: Decimal) -> str:
        return format_number(value, self.number_format)

    def qty(self, value: Decimal) -> str:
        if value == value.to_integral_value():
            return str(int(value))
        return self.number(value)

    def money(self, value: Decimal, with_currency: bool = True) -> str:
        """``value`` with the document's currency placement; a minus always leads."""
        text = self.number(abs(value))
        minus = "-" if value < 0 else ""
        if not with_currency or self.placement == "header_only":
            return minus + text
        sign = SIGNS.get(self.currency, self.currency)
        if self.placement == "code_after":
            return f"{minus}{text} {self.currency}"
        if self.placement == "code_before":
            return f"{self.currency} {minus}{text}"
        if self.placement == "sign_before":
            return f"{minus}{sign}{text}" if len(sign) == 1 else f"{sign} {minus}{text}"
        return f"{minus}{text} {sign}"

    def rate(self, value: Decimal) -> str:
        if self.rate_style == "19,00 %" or value != value.to_integral_value():
            text = self.number(value)
        else:
            text = str(int(value))
        return f"{text}%" if self.rate_style == "19%" else f"{text} %"

    def date(self, day: date) -> str:
        language = self.language if self.language in MONTHS else "en"  # numeric formats only
        return format_date(day, self.date_format, language)

    def short_date(self, day: date) -> str | None:
        """Day and month only, for periods like ``01.03.–31.03.2024``; None where the
        date format has no short form (month names, month first, ISO)."""
        if self.date_format in ("dd.mm.yyyy", "dd.mm.yy"):
            return f"{day.day:02d}.{day.month:02d}."
        if self.date_format == "dd/mm/yyyy":
            return f"{day.day:02d}/{day.month:02d}"
        return None


def pick_formats(rng: random.Random, language: str, currency: str) -> Formats:
    dates = ["mm/dd/yyyy", "month d, yyyy"] if currency == "USD" else DATES[language]
    numbers = NUMBERS[language]
    if currency == "CHF" and rng.random() < 0.6:  # Swiss apostrophe grouping
        numbers = ["1'234.56"]
    return Formats(
        language=language, number_format=rng.choice(numbers),
        date_format=rng.choice(dates), currency=currency,
        placement=rng.choice(["code_after", "code_before", "sign_before", "sign_after",
                              "sign_after", "header_only"]),
        rate_style=rng.choice(["19 %", "19%", "19,00 %"]),
    )
