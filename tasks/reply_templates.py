"""The words of suggested replies, one table per language a vendor writes in.

Each table has the same keys: a template per route (``{open}``, ``{facts}`` and
``{close}`` are filled in by :mod:`tasks.mail_replies`), the sentences that say where an
invoice stands, and the greeting and closing. A test checks that every language has every
route and state, so a new route cannot be added in English only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyLanguage:
    code: str
    opening: str  # {greeting}
    greeting: str  # {name}
    no_name: str  # the greeting when the vendor is not known
    closing: str
    templates: dict[str, str]
    state_hint: dict[str, str]
    past_due: str
    invoice_state: str  # {number} {hint}
    booked_as: str  # {number} {on} {due}
    on: str  # {date}
    due: str  # {date}
    no_number: str

    def open(self, vendor_name: str | None) -> str:
        return self.opening.format(greeting=self.greeting.format(name=vendor_name)
                                   if vendor_name else self.no_name)

    def booked(self, number: str, posted_on: str | None, due_date: str | None) -> str:
        return self.booked_as.format(number=number,
                                     on=self.on.format(date=posted_on) if posted_on else "",
                                     due=self.due.format(date=due_date) if due_date else "")


EN = ReplyLanguage(
    code="en", opening="{greeting},\n\nthank you for your message", greeting="Dear {name}",
    no_name="Dear Sir or Madam",
    closing="\n\nKind regards,\nAccounts Payable",
    templates={
        "reminder": "{open} about our payment.\n\n{facts}{close}",
        "question": "{open}.\n\n{facts}{close}",
        "remittance": ("{open} and the payment advice. We will match the payment against your "
                       "open items; if anything does not match, we will get back to you.{close}"),
        "vendor_update": ("{open}. Before we change your details in our vendor master, we will "
                          "confirm them with you by phone on the number we have on file. "
                          "Please also send the change on your letterhead.{close}"),
        "bank_change": ("{open}. For your and our protection we change bank details only after "
                        "a call-back on the phone number we have on file; until then payments "
                        "go to the account we know.{close}"),
        "not_invoice": ("{open}. We have filed your document; it is not an invoice, so nothing "
                        "is paid on it. Please send invoices as PDF to this address.{close}"),
        "invoice": ("{open}. Your mail announces an invoice, but no invoice document was "
                    "attached. Please send it again as a PDF.{close}"),
        "credit_note": ("{open}. Your mail announces a credit note, but no document was "
                        "attached. Please send it again as a PDF.{close}"),
        "other": "{open}. We will look into it and get back to you.{close}",
    },
    state_hint={
        "posted": "It is scheduled for payment on its due date.",
        "exception": "We are clarifying it internally and will come back to you shortly.",
        "in_progress": "It is being processed.",
        "closed": "We will check it and come back to you.",
        "erp_only": "It is scheduled for payment on its due date.",
        "not_read_yet": "We are checking it and will come back to you shortly.",
        "never_received": "We have not received it: please send us a copy as a PDF.",
    },
    past_due="It is past its due date; it goes into our next payment run.",
    invoice_state="Invoice {number}: {hint}", booked_as="Invoice {number} was booked{on}{due}.",
    on=" on {date}", due=", due on {date}",
    no_number="Your message names no invoice number; please tell us which invoice you mean.")

DE = ReplyLanguage(
    code="de", opening="{greeting},\n\nvielen Dank für Ihre Nachricht",
    greeting="Sehr geehrtes Team von {name}", no_name="Sehr geehrte Damen und Herren",
    closing="\n\nMit freundlichen Grüßen\nKreditorenbuchhaltung",
    templates={
        "reminder": "{open} zu unserer Zahlung.\n\n{facts}{close}",
        "question": "{open}.\n\n{facts}{close}",
        "remittance": ("{open} und das Zahlungsavis. Wir gleichen die Zahlung mit Ihren offenen "
                       "Posten ab; passt etwas nicht, melden wir uns bei Ihnen.{close}"),
        "vendor_update": ("{open}. Bevor wir Ihre Daten in unseren Lieferantenstammdaten "
                          "ändern, bestätigen wir sie telefonisch unter der bei uns "
                          "hinterlegten Nummer. Bitte senden Sie die Änderung auch auf Ihrem "
                          "Briefpapier.{close}"),
        "bank_change": ("{open}. Zu Ihrem und unserem Schutz ändern wir Bankverbindungen nur "
                        "nach einem Rückruf unter der bei uns hinterlegten Telefonnummer; bis "
                        "dahin gehen Zahlungen auf das uns bekannte Konto.{close}"),
        "not_invoice": ("{open}. Wir haben Ihr Dokument abgelegt; es ist keine Rechnung, daher "
                        "wird darauf nichts gezahlt. Bitte senden Sie Rechnungen als PDF an "
                        "diese Adresse.{close}"),
        "invoice": ("{open}. Ihre Nachricht kündigt eine Rechnung an, es war aber keine "
                    "angehängt. Bitte senden Sie sie erneut als PDF.{close}"),
        "credit_note": ("{open}. Ihre Nachricht kündigt eine Gutschrift an, es war aber kein "
                        "Dokument angehängt. Bitte senden Sie sie erneut als PDF.{close}"),
        "other": "{open}. Wir sehen uns das an und melden uns bei Ihnen.{close}",
    },
    state_hint={
        "posted": "Sie ist zur Zahlung zum Fälligkeitsdatum vorgesehen.",
        "exception": "Wir klären sie intern und melden uns in Kürze.",
        "in_progress": "Sie wird gerade bearbeitet.",
        "closed": "Wir prüfen sie und melden uns bei Ihnen.",
        "erp_only": "Sie ist zur Zahlung zum Fälligkeitsdatum vorgesehen.",
        "not_read_yet": "Wir prüfen sie und melden uns in Kürze.",
        "never_received": "Sie liegt uns nicht vor: Bitte senden Sie uns eine Kopie als PDF.",
    },
    past_due="Sie ist überfällig und geht in unseren nächsten Zahllauf.",
    invoice_state="Rechnung {number}: {hint}", booked_as="Rechnung {number} wurde{on} "
    "gebucht{due}.", on=" am {date}", due=", fällig am {date}",
    no_number="Ihre Nachricht nennt keine Rechnungsnummer; bitte teilen Sie uns mit, welche "
              "Rechnung Sie meinen.")

FR = ReplyLanguage(
    code="fr", opening="{greeting},\n\nmerci pour votre message",
    greeting="Chère équipe {name}", no_name="Madame, Monsieur",
    closing="\n\nCordialement,\nComptabilité fournisseurs",
    templates={
        "reminder": "{open} concernant notre paiement.\n\n{facts}{close}",
        "question": "{open}.\n\n{facts}{close}",
        "remittance": ("{open} et l'avis de paiement. Nous rapprocherons le paiement de vos "
                       "postes ouverts ; en cas d'écart, nous reviendrons vers vous.{close}"),
        "vendor_update": ("{open}. Avant de modifier vos données dans notre fichier "
                          "fournisseurs, nous les confirmerons avec vous par téléphone au "
                          "numéro que nous avons. Merci d'envoyer aussi la modification sur "
                          "votre papier à en-tête.{close}"),
        "bank_change": ("{open}. Pour votre protection et la nôtre, nous ne modifions les "
                        "coordonnées bancaires qu'après un rappel au numéro que nous avons ; "
                        "d'ici là, les paiements vont sur le compte que nous connaissons."
                        "{close}"),
        "not_invoice": ("{open}. Nous avons classé votre document ; ce n'est pas une facture, "
                        "rien n'est donc payé sur cette base. Merci d'envoyer vos factures en "
                        "PDF à cette adresse.{close}"),
        "invoice": ("{open}. Votre message annonce une facture, mais aucune n'était jointe. "
                    "Merci de la renvoyer en PDF.{close}"),
        "credit_note": ("{open}. Votre message annonce un avoir, mais aucun document n'était "
                        "joint. Merci de le renvoyer en PDF.{close}"),
        "other": "{open}. Nous examinons votre demande et revenons vers vous.{close}",
    },
    state_hint={
        "posted": "Elle est programmée pour paiement à son échéance.",
        "exception": "Nous la vérifions en interne et revenons vers vous rapidement.",
        "in_progress": "Elle est en cours de traitement.",
        "closed": "Nous la vérifions et revenons vers vous.",
        "erp_only": "Elle est programmée pour paiement à son échéance.",
        "not_read_yet": "Nous la vérifions et revenons vers vous rapidement.",
        "never_received": "Nous ne l'avons pas reçue : merci de nous en envoyer une copie "
                          "en PDF.",
    },
    past_due="Son échéance est passée ; elle sera réglée lors de notre prochain paiement.",
    invoice_state="Facture {number} : {hint}", booked_as="La facture {number} a été "
    "comptabilisée{on}{due}.", on=" le {date}", due=", échéance le {date}",
    no_number="Votre message ne cite aucun numéro de facture ; merci de nous indiquer de "
              "quelle facture il s'agit.")

ES = ReplyLanguage(
    code="es", opening="{greeting}:\n\ngracias por su mensaje",
    greeting="Estimado equipo de {name}", no_name="Estimados señores",
    closing="\n\nAtentamente,\nCuentas a pagar",
    templates={
        "reminder": "{open} sobre nuestro pago.\n\n{facts}{close}",
        "question": "{open}.\n\n{facts}{close}",
        "remittance": ("{open} y el aviso de pago. Conciliaremos el pago con sus partidas "
                       "abiertas; si algo no cuadra, nos pondremos en contacto.{close}"),
        "vendor_update": ("{open}. Antes de cambiar sus datos en nuestro maestro de "
                          "proveedores, los confirmaremos por teléfono en el número que "
                          "tenemos registrado. Envíenos también el cambio en papel con "
                          "membrete.{close}"),
        "bank_change": ("{open}. Por su seguridad y la nuestra, solo cambiamos datos bancarios "
                        "tras una llamada al número que tenemos registrado; hasta entonces los "
                        "pagos van a la cuenta que conocemos.{close}"),
        "not_invoice": ("{open}. Hemos archivado su documento; no es una factura, así que no "
                        "se paga nada por él. Envíe las facturas en PDF a esta dirección."
                        "{close}"),
        "invoice": ("{open}. Su mensaje anuncia una factura, pero no se adjuntó ninguna. "
                    "Envíela de nuevo en PDF.{close}"),
        "credit_note": ("{open}. Su mensaje anuncia un abono, pero no se adjuntó ningún "
                        "documento. Envíelo de nuevo en PDF.{close}"),
        "other": "{open}. Lo revisaremos y le responderemos.{close}",
    },
    state_hint={
        "posted": "Está programada para pago en su fecha de vencimiento.",
        "exception": "La estamos aclarando internamente y le responderemos en breve.",
        "in_progress": "Se está tramitando.",
        "closed": "La revisaremos y le responderemos.",
        "erp_only": "Está programada para pago en su fecha de vencimiento.",
        "not_read_yet": "La estamos revisando y le responderemos en breve.",
        "never_received": "No la hemos recibido: envíenos una copia en PDF.",
    },
    past_due="Ha vencido; entra en nuestra próxima remesa de pagos.",
    invoice_state="Factura {number}: {hint}", booked_as="La factura {number} se contabilizó"
    "{on}{due}.", on=" el {date}", due=", con vencimiento el {date}",
    no_number="Su mensaje no indica ningún número de factura; díganos a qué factura se "
              "refiere.")

NL = ReplyLanguage(
    code="nl", opening="{greeting},\n\nhartelijk dank voor uw bericht",
    greeting="Beste collega's van {name}", no_name="Geachte heer, mevrouw",
    closing="\n\nMet vriendelijke groet,\nCrediteurenadministratie",
    templates={
        "reminder": "{open} over onze betaling.\n\n{facts}{close}",
        "question": "{open}.\n\n{facts}{close}",
        "remittance": ("{open} en het betalingsadvies. We stemmen de betaling af op uw "
                       "openstaande posten; klopt er iets niet, dan nemen we contact op."
                       "{close}"),
        "vendor_update": ("{open}. Voordat we uw gegevens in ons leveranciersbestand wijzigen, "
                          "bevestigen we ze telefonisch via het nummer dat bij ons bekend is. "
                          "Stuur de wijziging ook op uw briefpapier.{close}"),
        "bank_change": ("{open}. Voor uw en onze bescherming wijzigen we bankgegevens pas na "
                        "een terugbelverzoek naar het nummer dat bij ons bekend is; tot dan "
                        "gaan betalingen naar de rekening die we kennen.{close}"),
        "not_invoice": ("{open}. We hebben uw document opgeslagen; het is geen factuur, dus er "
                        "wordt niets op betaald. Stuur facturen als pdf naar dit adres."
                        "{close}"),
        "invoice": ("{open}. Uw bericht kondigt een factuur aan, maar er was geen factuur "
                    "bijgevoegd. Stuur deze opnieuw als pdf.{close}"),
        "credit_note": ("{open}. Uw bericht kondigt een creditnota aan, maar er was geen "
                        "document bijgevoegd. Stuur deze opnieuw als pdf.{close}"),
        "other": "{open}. We zoeken het uit en komen bij u terug.{close}",
    },
    state_hint={
        "posted": "Deze staat gepland voor betaling op de vervaldatum.",
        "exception": "We zoeken dit intern uit en komen snel bij u terug.",
        "in_progress": "Deze wordt verwerkt.",
        "closed": "We controleren dit en komen bij u terug.",
        "erp_only": "Deze staat gepland voor betaling op de vervaldatum.",
        "not_read_yet": "We controleren dit en komen snel bij u terug.",
        "never_received": "We hebben deze niet ontvangen: stuur ons een kopie als pdf.",
    },
    past_due="De vervaldatum is verstreken; deze gaat mee in onze volgende betaalrun.",
    invoice_state="Factuur {number}: {hint}", booked_as="Factuur {number} is{on} geboekt{due}.",
    on=" op {date}", due=", vervaldatum {date}",
    no_number="Uw bericht noemt geen factuurnummer; laat ons weten welke factuur u bedoelt.")

REPLIES: dict[str, ReplyLanguage] = {lang.code: lang for lang in (EN, DE, FR, ES, NL)}
