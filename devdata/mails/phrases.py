"""The wording of generated AP mails: per intent and language, subjects, core paragraphs,
extra sentences and attachment names, each a list of templates with {slots}.

The LAST template of every list is held out: training never sees it, the held-out set
uses only those (see ``devdata.mails.split``). Greetings and sign-offs carry no intent
and are shared.
"""

from __future__ import annotations

LANGUAGES = ("en", "de", "fr", "es", "nl")

GREETINGS = {
    "en": ["Dear Sir or Madam,", "Hello,", "Hi {addressee},", "Good morning,", "Dear AP team,"],
    "de": ["Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag {addressee},",
           "Liebes Buchhaltungsteam,", "Moin,"],
    "fr": ["Madame, Monsieur,", "Bonjour,", "Bonjour {addressee},", "Chère équipe comptable,"],
    "es": ["Estimados señores:", "Hola,", "Buenos días {addressee},", "Estimado equipo:"],
    "nl": ["Geachte heer/mevrouw,", "Beste,", "Goedemorgen {addressee},", "Hallo,"],
}

CLOSINGS = {
    "en": ["Kind regards,", "Best regards,", "Thanks,", "Sincerely,", "Regards,"],
    "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "MfG"],
    "fr": ["Cordialement,", "Bien à vous,", "Salutations distinguées,", "Merci d'avance,"],
    "es": ["Atentamente,", "Saludos cordiales,", "Un saludo,", "Gracias,"],
    "nl": ["Met vriendelijke groet,", "Groeten,", "Hartelijke groet,", "Mvg,"],
}

REPLY_PREFIX = {"en": ["Re: ", "Fw: "], "de": ["AW: ", "WG: "], "fr": ["RE : ", "TR : "],
                "es": ["RE: ", "RV: "], "nl": ["Re: ", "Fwd: "]}

T = dict[str, dict[str, list[str]]]

SUBJECTS: T = {
    "invoice": {
        "en": ["Invoice {inv}", "Invoice {inv} from {vendor}", "New invoice - {vendor} - {inv}",
               "Your bill {inv} is ready"],
        "de": ["Rechnung {inv}", "Ihre Rechnung Nr. {inv}", "Rechnung {inv} von {vendor}",
               "Neue Rechnung zu Bestellung {po}"],
        "fr": ["Facture {inv}", "Votre facture n° {inv}", "Facture {vendor} {inv}",
               "Envoi de facture - commande {po}"],
        "es": ["Factura {inv}", "Su factura n.º {inv}", "Factura de {vendor}",
               "Envío de factura pedido {po}"],
        "nl": ["Factuur {inv}", "Uw factuur {inv}", "Factuur van {vendor}",
               "Nieuwe factuur bij order {po}"],
    },
    "credit_note": {
        "en": ["Credit note {inv}", "Credit memo for invoice {ref}", "Credit note from {vendor}",
               "Refund note {inv} (ref. {ref})"],
        "de": ["Gutschrift {inv}", "Gutschrift zu Rechnung {ref}", "Rechnungskorrektur {inv}",
               "Ihre Gutschrift von {vendor}"],
        "fr": ["Avoir {inv}", "Avoir sur facture {ref}", "Note de crédit {vendor}",
               "Votre avoir n° {inv}"],
        "es": ["Nota de crédito {inv}", "Abono factura {ref}", "Factura rectificativa {inv}",
               "Nota de abono de {vendor}"],
        "nl": ["Creditnota {inv}", "Creditfactuur bij {ref}", "Creditnota van {vendor}",
               "Uw creditfactuur {inv}"],
    },
    "reminder": {
        "en": ["Payment reminder: invoice {inv}", "OVERDUE - invoice {inv}",
               "Second reminder {inv}", "Outstanding balance {amount} {cur}"],
        "de": ["Zahlungserinnerung Rechnung {inv}", "1. Mahnung {inv}", "Offene Posten {vendor}",
               "Letzte Mahnung vor Inkasso: {inv}"],
        "fr": ["Relance facture {inv}", "Rappel de paiement {inv}", "Facture impayée {inv}",
               "Mise en demeure - facture {inv}"],
        "es": ["Recordatorio de pago factura {inv}", "Factura vencida {inv}",
               "Segundo aviso {inv}", "Reclamación de deuda {inv}"],
        "nl": ["Betalingsherinnering factuur {inv}", "Aanmaning {inv}",
               "Openstaande factuur {inv}", "Laatste herinnering {inv}"],
    },
    "remittance": {
        "en": ["Remittance advice", "Payment advice {date}", "Payment confirmation {vendor}",
               "Funds transferred - {amount} {cur}"],
        "de": ["Zahlungsavis", "Zahlungsavis vom {date}", "Überweisung ausgeführt",
               "Kontoauszug / Saldenbestätigung {vendor}"],
        "fr": ["Avis de paiement", "Avis de virement du {date}", "Confirmation de règlement",
               "Relevé de compte {vendor}"],
        "es": ["Aviso de pago", "Aviso de transferencia {date}", "Confirmación de pago",
               "Extracto de cuenta {vendor}"],
        "nl": ["Betalingsadvies", "Betaalspecificatie {date}", "Bevestiging betaling",
               "Rekeningoverzicht {vendor}"],
    },
    "bank_change": {
        "en": ["Change of bank details", "Updated bank account - {vendor}",
               "IMPORTANT: new banking information", "Please update our remittance account"],
        "de": ["Änderung unserer Bankverbindung", "Neue Bankverbindung {vendor}",
               "WICHTIG: neue Kontodaten", "Bitte Kontoverbindung aktualisieren"],
        "fr": ["Changement de coordonnées bancaires", "Nouveau RIB {vendor}",
               "Important : nouvelles coordonnées bancaires", "Mise à jour de notre IBAN"],
        "es": ["Cambio de datos bancarios", "Nueva cuenta bancaria {vendor}",
               "IMPORTANTE: nuevos datos bancarios", "Actualización de nuestro IBAN"],
        "nl": ["Wijziging bankgegevens", "Nieuw rekeningnummer {vendor}",
               "BELANGRIJK: nieuwe bankgegevens", "Graag ons IBAN aanpassen"],
    },
    "vendor_update": {
        "en": ["New address", "Change of company name", "Updated contact details {vendor}",
               "We have moved"],
        "de": ["Neue Anschrift", "Umfirmierung {vendor}", "Neuer Ansprechpartner",
               "Wir sind umgezogen"],
        "fr": ["Nouvelle adresse", "Changement de dénomination sociale",
               "Nouveau contact chez {vendor}", "Déménagement de nos bureaux"],
        "es": ["Nueva dirección", "Cambio de razón social", "Nuevo contacto en {vendor}",
               "Nos hemos trasladado"],
        "nl": ["Nieuw adres", "Naamswijziging {vendor}", "Nieuwe contactpersoon",
               "Wij zijn verhuisd"],
    },
    "question": {
        "en": ["Question about invoice {inv}", "Payment status?", "When will {inv} be paid?",
               "Query regarding our invoice {inv}"],
        "de": ["Frage zu Rechnung {inv}", "Zahlungsstatus?", "Wann wird {inv} bezahlt?",
               "Rückfrage zu unserer Rechnung {inv}"],
        "fr": ["Question sur la facture {inv}", "Statut du paiement ?",
               "Quand la facture {inv} sera-t-elle payée ?", "Demande d'information {inv}"],
        "es": ["Consulta sobre la factura {inv}", "¿Estado del pago?",
               "¿Cuándo se pagará la factura {inv}?", "Duda sobre nuestra factura {inv}"],
        "nl": ["Vraag over factuur {inv}", "Status betaling?", "Wanneer wordt {inv} betaald?",
               "Navraag factuur {inv}"],
    },
    "not_invoice": {
        "en": ["Order confirmation {po}", "Delivery note {dn}", "Quotation {qn}",
               "Your order {po} has shipped"],
        "de": ["Auftragsbestätigung {po}", "Lieferschein {dn}", "Angebot {qn}",
               "Versandbestätigung zu Bestellung {po}"],
        "fr": ["Confirmation de commande {po}", "Bon de livraison {dn}", "Devis {qn}",
               "Votre commande {po} a été expédiée"],
        "es": ["Confirmación de pedido {po}", "Albarán {dn}", "Presupuesto {qn}",
               "Su pedido {po} ha sido enviado"],
        "nl": ["Orderbevestiging {po}", "Pakbon {dn}", "Offerte {qn}",
               "Uw bestelling {po} is verzonden"],
    },
    "spam": {
        "en": ["You have won!", "Cheap loans approved today", "Boost your SEO ranking",
               "Your mailbox is full - verify now"],
        "de": ["Sie haben gewonnen!", "Kredit ohne Schufa", "Mehr Umsatz mit SEO",
               "Ihr Postfach ist voll - jetzt bestätigen"],
        "fr": ["Vous avez gagné !", "Crédit rapide sans justificatif", "Boostez votre SEO",
               "Votre boîte mail est pleine - vérifiez"],
        "es": ["¡Ha ganado!", "Préstamos rápidos sin aval", "Mejore su posicionamiento SEO",
               "Su buzón está lleno - verifique ahora"],
        "nl": ["U heeft gewonnen!", "Snel geld lenen", "Meer klanten via SEO",
               "Uw mailbox is vol - bevestig nu"],
    },
    "other": {
        "en": ["Out of office", "Season's greetings", "Meeting next week",
               "Newsletter November"],
        "de": ["Abwesenheitsnotiz", "Frohe Feiertage", "Termin nächste Woche",
               "Newsletter November"],
        "fr": ["Absence du bureau", "Meilleurs vœux", "Réunion la semaine prochaine",
               "Lettre d'information"],
        "es": ["Fuera de la oficina", "Felices fiestas", "Reunión la próxima semana",
               "Boletín de noticias"],
        "nl": ["Afwezigheidsbericht", "Fijne feestdagen", "Afspraak volgende week",
               "Nieuwsbrief november"],
    },
}

CORES: T = {
    "invoice": {
        "en": ["Here is the invoice for last month's deliveries: {inv}, {amount} {cur}, due on "
               "{date}.",
               "Please find attached our invoice {inv} dated {date} for {amount} {cur}.",
               "Attached is invoice {inv} for order {po}. The amount of {amount} {cur} is due "
               "within {days} days.",
               "We are sending you invoice no. {inv} over {amount} {cur} for the goods "
               "delivered last week.",
               "Enclosed you will find the bill {inv} ({amount} {cur}) for services rendered "
               "in {month}. Payment terms: {days} days net."],
        "de": ["hier kommt unsere Rechnung für die Lieferungen im {month}: {inv}, {amount} {cur}, "
               "fällig am {date}.",
               "anbei erhalten Sie unsere Rechnung {inv} vom {date} über {amount} {cur}.",
               "im Anhang finden Sie die Rechnung {inv} zur Bestellung {po}. Der Betrag von "
               "{amount} {cur} ist innerhalb von {days} Tagen fällig.",
               "wir übersenden Ihnen hiermit die Rechnung Nr. {inv} in Höhe von {amount} "
               "{cur} für die Lieferung der letzten Woche.",
               "für die im {month} erbrachten Leistungen stellen wir Ihnen {amount} {cur} in "
               "Rechnung (Beleg {inv}), zahlbar netto {days} Tage."],
        "fr": ["voici la facture des livraisons du mois de {month} : {inv}, {amount} {cur}, "
               "échéance le {date}.",
               "veuillez trouver ci-joint notre facture {inv} du {date} d'un montant de "
               "{amount} {cur}.",
               "vous trouverez en pièce jointe la facture {inv} relative à la commande {po}. "
               "Le montant de {amount} {cur} est payable à {days} jours.",
               "nous vous adressons la facture n° {inv} de {amount} {cur} pour la livraison "
               "de la semaine dernière.",
               "pour les prestations réalisées en {month}, nous vous facturons {amount} {cur} "
               "(pièce {inv}), règlement à {days} jours."],
        "es": ["les hacemos llegar la factura de las entregas de {month}: {inv}, {amount} {cur}, "
               "vencimiento {date}.",
               "adjuntamos nuestra factura {inv} con fecha {date} por importe de {amount} "
               "{cur}.",
               "le enviamos en adjunto la factura {inv} correspondiente al pedido {po}. El "
               "importe de {amount} {cur} vence en {days} días.",
               "les remitimos la factura n.º {inv} por {amount} {cur} por el suministro de la "
               "semana pasada.",
               "por los servicios prestados en {month} les facturamos {amount} {cur} "
               "(documento {inv}), pago a {days} días."],
        "nl": ["hierbij de factuur voor de leveringen van {month}: {inv}, {amount} {cur}, te "
               "betalen vóór {date}.",
               "in de bijlage vindt u onze factuur {inv} van {date} ter waarde van {amount} "
               "{cur}.",
               "bijgaand ontvangt u factuur {inv} voor order {po}. Het bedrag van {amount} "
               "{cur} dient binnen {days} dagen te worden voldaan.",
               "hierbij sturen wij u factuur nr. {inv} van {amount} {cur} voor de levering "
               "van vorige week.",
               "voor de werkzaamheden in {month} brengen wij {amount} {cur} in rekening "
               "(stuk {inv}), betaling binnen {days} dagen."],
    },
    "credit_note": {
        "en": ["We have reversed part of invoice {ref} and issued credit {inv} over {amount} {cur}"
               " in your favour.",
               "Please find attached credit note {inv} for {amount} {cur} relating to invoice "
               "{ref}.",
               "As agreed we have issued a credit of {amount} {cur} against invoice {ref} for "
               "the returned goods. The credit note {inv} is attached.",
               "We credit your account with {amount} {cur} (credit memo {inv}) because of the "
               "price difference on invoice {ref}.",
               "Attached is our refund document {inv}: {amount} {cur} will be offset against "
               "your next payment (original invoice {ref})."],
        "de": ["wir haben die Rechnung {ref} teilweise storniert und Ihnen mit Beleg {inv} "
               "{amount} {cur} gutgeschrieben.",
               "anbei erhalten Sie die Gutschrift {inv} über {amount} {cur} zur Rechnung "
               "{ref}.",
               "wie besprochen schreiben wir Ihnen für die Retoure {amount} {cur} gut. Die "
               "Gutschrift {inv} zur Rechnung {ref} finden Sie im Anhang.",
               "aufgrund der Preisdifferenz auf Rechnung {ref} erhalten Sie eine "
               "Rechnungskorrektur {inv} über {amount} {cur}.",
               "im Anhang unser Korrekturbeleg {inv}: {amount} {cur} werden mit Ihrer "
               "nächsten Zahlung verrechnet (ursprüngliche Rechnung {ref})."],
        "fr": ["nous avons annulé en partie la facture {ref} et émis en votre faveur l'avoir {inv}"
               " de {amount} {cur}.",
               "veuillez trouver ci-joint l'avoir {inv} de {amount} {cur} sur la facture "
               "{ref}.",
               "comme convenu, nous avons émis un avoir de {amount} {cur} pour la marchandise "
               "retournée. L'avoir {inv} (facture {ref}) est joint.",
               "suite à l'écart de prix sur la facture {ref}, nous vous adressons la note de "
               "crédit {inv} de {amount} {cur}.",
               "ci-joint notre document de remboursement {inv} : {amount} {cur} seront "
               "déduits de votre prochain règlement (facture d'origine {ref})."],
        "es": ["hemos anulado parcialmente la factura {ref} y emitido a su favor el abono {inv} de"
               " {amount} {cur}.",
               "adjuntamos la nota de crédito {inv} por {amount} {cur} correspondiente a la "
               "factura {ref}.",
               "según lo acordado, hemos emitido un abono de {amount} {cur} por la mercancía "
               "devuelta. Adjuntamos la nota {inv} (factura {ref}).",
               "debido a la diferencia de precio en la factura {ref} les enviamos la factura "
               "rectificativa {inv} por {amount} {cur}.",
               "adjunto nuestro documento de reembolso {inv}: {amount} {cur} se "
               "descontarán de su próximo pago (factura original {ref})."],
        "nl": ["wij hebben factuur {ref} deels geannuleerd en creditnota {inv} van {amount} {cur} "
               "in uw voordeel opgemaakt.",
               "bijgaand ontvangt u creditnota {inv} van {amount} {cur} bij factuur {ref}.",
               "zoals afgesproken crediteren wij {amount} {cur} voor de retourgoederen. De "
               "creditnota {inv} bij factuur {ref} zit in de bijlage.",
               "vanwege het prijsverschil op factuur {ref} sturen wij u creditfactuur {inv} "
               "van {amount} {cur}.",
               "in de bijlage ons terugbetalingsdocument {inv}: {amount} {cur} wordt "
               "verrekend met uw volgende betaling (oorspronkelijke factuur {ref})."],
    },
    "reminder": {
        "en": ["Our invoice {inv} for {amount} {cur} was due on {date} and has not been paid. "
               "Please pay now to avoid further action.",
               "According to our records, invoice {inv} of {date} for {amount} {cur} is still "
               "unpaid. Please settle it within {days} days.",
               "This is a friendly reminder that invoice {inv} ({amount} {cur}) is now "
               "overdue. We kindly ask for immediate payment.",
               "Despite our previous reminder we have not received payment of {amount} {cur} "
               "for invoice {inv}. A late fee will be charged.",
               "Your account shows an overdue balance of {amount} {cur} (invoice {inv}, due "
               "{date}). If payment is not received we will pass the matter to collection."],
        "de": ["unsere Rechnung {inv} über {amount} {cur} war am {date} fällig und ist noch nicht "
               "bezahlt. Bitte zahlen Sie jetzt, um weitere Schritte zu vermeiden.",
               "laut unserer Buchhaltung ist die Rechnung {inv} vom {date} über {amount} "
               "{cur} noch offen. Bitte begleichen Sie den Betrag innerhalb von {days} "
               "Tagen.",
               "sicher haben Sie übersehen, dass die Rechnung {inv} ({amount} {cur}) "
               "bereits fällig ist. Wir bitten um umgehende Zahlung.",
               "trotz unserer Zahlungserinnerung ist der Betrag von {amount} {cur} für "
               "Rechnung {inv} nicht eingegangen. Wir berechnen Mahngebühren.",
               "Ihr Konto weist einen überfälligen Saldo von {amount} {cur} auf (Rechnung "
               "{inv}, fällig am {date}). Ohne Zahlungseingang übergeben wir die Forderung "
               "einem Inkassobüro."],
        "fr": ["notre facture {inv} de {amount} {cur} était due le {date} et n'est toujours pas "
               "payée. Merci de régler sans délai.",
               "sauf erreur de notre part, la facture {inv} du {date} d'un montant de "
               "{amount} {cur} reste impayée. Merci de la régler sous {days} jours.",
               "nous nous permettons de vous rappeler que la facture {inv} ({amount} {cur}) "
               "est échue. Nous vous remercions de procéder au paiement.",
               "malgré notre précédente relance, le règlement de {amount} {cur} pour la "
               "facture {inv} ne nous est pas parvenu. Des pénalités de retard s'appliquent.",
               "votre compte présente un solde échu de {amount} {cur} (facture {inv}, "
               "échéance {date}). À défaut de paiement, le dossier sera transmis au "
               "recouvrement."],
        "es": ["nuestra factura {inv} de {amount} {cur} vencía el {date} y sigue sin pagar. "
               "Rogamos el pago inmediato.",
               "según nuestros registros, la factura {inv} del {date} por {amount} {cur} "
               "sigue pendiente de pago. Rogamos la abonen en {days} días.",
               "les recordamos que la factura {inv} ({amount} {cur}) ha vencido. Les "
               "rogamos procedan al pago cuanto antes.",
               "a pesar de nuestro aviso anterior no hemos recibido el pago de {amount} {cur} "
               "de la factura {inv}. Se aplicarán intereses de demora.",
               "su cuenta presenta un saldo vencido de {amount} {cur} (factura {inv}, "
               "vencimiento {date}). De no recibir el pago, iniciaremos el cobro por vía "
               "judicial."],
        "nl": ["onze factuur {inv} van {amount} {cur} moest op {date} betaald zijn en staat nog "
               "open. Gelieve nu te betalen.",
               "volgens onze administratie staat factuur {inv} van {date} ter waarde van "
               "{amount} {cur} nog open. Graag binnen {days} dagen voldoen.",
               "wij willen u eraan herinneren dat factuur {inv} ({amount} {cur}) is "
               "vervallen. Wij verzoeken u vriendelijk om direct te betalen.",
               "ondanks onze eerdere herinnering hebben wij de betaling van {amount} {cur} "
               "voor factuur {inv} niet ontvangen. Er worden administratiekosten berekend.",
               "uw rekening toont een achterstallig saldo van {amount} {cur} (factuur {inv}, "
               "vervaldatum {date}). Zonder betaling dragen wij de vordering over aan een "
               "incassobureau."],
    },
    "remittance": {
        "en": ["Our payment run of {date} included {amount} {cur} for your invoice {inv}; see the "
               "breakdown below.",
               "We have today transferred {amount} {cur} to your account. The payment covers "
               "invoice {inv}.",
               "Please be advised that a payment of {amount} {cur} was made on {date} in "
               "settlement of invoices {inv} and {ref}.",
               "This payment advice confirms the transfer of {amount} {cur} for invoice {inv}, "
               "value date {date}.",
               "Attached is the statement of account as of {date}: the balance of "
               "{amount} {cur} has been cleared, last item {inv}."],
        "de": ["mit unserem Zahlungslauf vom {date} haben wir {amount} {cur} für Ihre Rechnung "
               "{inv} angewiesen; Details siehe unten.",
               "wir haben heute {amount} {cur} auf Ihr Konto überwiesen. Die Zahlung betrifft "
               "die Rechnung {inv}.",
               "hiermit teilen wir Ihnen mit, dass am {date} eine Zahlung von {amount} {cur} "
               "zum Ausgleich der Rechnungen {inv} und {ref} erfolgt ist.",
               "dieses Zahlungsavis bestätigt die Überweisung von {amount} {cur} für "
               "Rechnung {inv}, Valuta {date}.",
               "anbei der Kontoauszug zum {date}: der Saldo von {amount} {cur} ist "
               "ausgeglichen, letzter Posten {inv}."],
        "fr": ["notre campagne de paiement du {date} comprend {amount} {cur} pour votre facture "
               "{inv} ; détail ci-dessous.",
               "nous avons viré ce jour {amount} {cur} sur votre compte en règlement de la "
               "facture {inv}.",
               "nous vous informons qu'un paiement de {amount} {cur} a été effectué le {date} "
               "pour solder les factures {inv} et {ref}.",
               "cet avis de paiement confirme le virement de {amount} {cur} pour la facture "
               "{inv}, date de valeur {date}.",
               "ci-joint le relevé de compte au {date} : le solde de {amount} {cur} est "
               "réglé, dernière pièce {inv}."],
        "es": ["nuestra remesa de pagos del {date} incluye {amount} {cur} para su factura {inv}; "
               "detalle a continuación.",
               "hoy hemos transferido {amount} {cur} a su cuenta. El pago corresponde a la "
               "factura {inv}.",
               "les informamos que el {date} se realizó un pago de {amount} {cur} para "
               "liquidar las facturas {inv} y {ref}.",
               "este aviso de pago confirma la transferencia de {amount} {cur} por la factura "
               "{inv}, fecha valor {date}.",
               "adjunto el extracto de cuenta a {date}: el saldo de {amount} {cur} queda "
               "liquidado, última partida {inv}."],
        "nl": ["onze betaalrun van {date} bevat {amount} {cur} voor uw factuur {inv}; zie de "
               "specificatie hieronder.",
               "wij hebben vandaag {amount} {cur} naar uw rekening overgemaakt. De betaling "
               "betreft factuur {inv}.",
               "hierbij laten wij u weten dat op {date} een betaling van {amount} {cur} is "
               "gedaan ter voldoening van de facturen {inv} en {ref}.",
               "dit betalingsadvies bevestigt de overboeking van {amount} {cur} voor factuur "
               "{inv}, valutadatum {date}.",
               "bijgaand het rekeningoverzicht per {date}: het saldo van {amount} {cur} is "
               "vereffend, laatste post {inv}."],
    },
    "bank_change": {
        "en": ["Kindly note that we no longer receive payments at {old_iban}. Our account is now "
               "{iban}.",
               "Please note that our bank details have changed. With immediate effect, "
               "please pay all invoices to IBAN {iban}.",
               "We have moved our account to a new bank. Kindly update your vendor records: "
               "new IBAN {iban} (previously {old_iban}).",
               "Due to an internal restructuring, future payments must be sent to our new "
               "account {iban}. The old account will be closed on {date}.",
               "Our finance department asks you to replace the account on file with {iban} "
               "before the next payment run. Do not use {old_iban} any more."],
        "de": ["Zahlungen auf das Konto {old_iban} können wir nicht mehr annehmen. Unser Konto "
               "lautet jetzt {iban}.",
               "bitte beachten Sie, dass sich unsere Bankverbindung geändert hat. Ab sofort "
               "bitten wir um Zahlung aller Rechnungen auf IBAN {iban}.",
               "wir haben unser Konto zu einer neuen Bank verlegt. Bitte aktualisieren Sie "
               "Ihre Stammdaten: neue IBAN {iban} (bisher {old_iban}).",
               "aufgrund einer internen Umstrukturierung sind künftige Zahlungen auf unser "
               "neues Konto {iban} zu leisten. Das alte Konto wird am {date} geschlossen.",
               "unsere Finanzabteilung bittet Sie, die hinterlegte Kontoverbindung vor dem "
               "nächsten Zahlungslauf durch {iban} zu ersetzen. {old_iban} bitte nicht mehr "
               "verwenden."],
        "fr": ["nous ne recevons plus de paiements sur le compte {old_iban}. Notre compte est "
               "désormais {iban}.",
               "veuillez noter que nos coordonnées bancaires ont changé. Dès à présent, "
               "merci de régler toutes les factures sur l'IBAN {iban}.",
               "nous avons transféré notre compte dans une nouvelle banque. Merci de mettre à "
               "jour votre fichier fournisseurs : nouvel IBAN {iban} (ancien {old_iban}).",
               "suite à une réorganisation interne, les prochains paiements doivent être "
               "adressés sur notre nouveau compte {iban}. L'ancien compte sera clôturé le "
               "{date}.",
               "notre service financier vous demande de remplacer le compte enregistré par "
               "{iban} avant la prochaine échéance. N'utilisez plus {old_iban}."],
        "es": ["ya no recibimos pagos en la cuenta {old_iban}. Nuestra cuenta es ahora {iban}.",
               "les informamos de que nuestros datos bancarios han cambiado. A partir de "
               "ahora, rogamos paguen todas las facturas al IBAN {iban}.",
               "hemos trasladado nuestra cuenta a un nuevo banco. Por favor actualicen sus "
               "datos de proveedor: nuevo IBAN {iban} (antes {old_iban}).",
               "debido a una reestructuración interna, los pagos futuros deben enviarse a "
               "nuestra nueva cuenta {iban}. La cuenta anterior se cerrará el {date}.",
               "nuestro departamento financiero les pide sustituir la cuenta registrada por "
               "{iban} antes de la próxima remesa. No utilicen más {old_iban}."],
        "nl": ["wij ontvangen geen betalingen meer op rekening {old_iban}. Ons rekeningnummer is "
               "nu {iban}.",
               "wij delen u mee dat onze bankgegevens zijn gewijzigd. Met ingang van heden "
               "graag alle facturen betalen op IBAN {iban}.",
               "wij zijn overgestapt naar een nieuwe bank. Wilt u uw leveranciersgegevens "
               "aanpassen: nieuw IBAN {iban} (voorheen {old_iban}).",
               "door een interne reorganisatie moeten toekomstige betalingen naar onze nieuwe "
               "rekening {iban}. De oude rekening wordt op {date} opgeheven.",
               "onze financiële afdeling verzoekt u de geregistreerde rekening vóór de "
               "volgende betaalrun te vervangen door {iban}. Gebruik {old_iban} niet meer."],
    },
    "vendor_update": {
        "en": ["Following a merger, our legal entity is now {vendor}. Please change the supplier "
               "name in your records.",
               "Please note our new address from {date}: {street}, {city}. All other details "
               "remain unchanged.",
               "We would like to inform you that {old_name} is now trading as {vendor}. Our "
               "VAT number and bank details stay the same.",
               "From now on {contact} is your contact for all accounting matters. You can "
               "reach her at {phone}.",
               "Our office has relocated to {street}, {city}. Please update your vendor master "
               "and send future correspondence there."],
        "de": ["nach einer Fusion lautet unser Firmenname nun {vendor}. Bitte ändern Sie den "
               "Lieferantennamen in Ihrem System.",
               "bitte beachten Sie unsere neue Anschrift ab dem {date}: {street}, {city}. "
               "Alle übrigen Daten bleiben unverändert.",
               "wir möchten Sie informieren, dass {old_name} ab sofort als {vendor} firmiert. "
               "USt-IdNr. und Bankverbindung bleiben gleich.",
               "ab sofort ist {contact} Ihr Ansprechpartner in allen Buchhaltungsfragen, "
               "erreichbar unter {phone}.",
               "unser Büro ist in die {street}, {city} umgezogen. Bitte passen Sie Ihre "
               "Lieferantenstammdaten an und senden Sie Post künftig dorthin."],
        "fr": ["suite à une fusion, notre raison sociale est désormais {vendor}. Merci de modifier"
               " le nom du fournisseur.",
               "veuillez noter notre nouvelle adresse à compter du {date} : {street}, {city}. "
               "Les autres informations restent inchangées.",
               "nous vous informons que {old_name} s'appelle désormais {vendor}. Notre numéro "
               "de TVA et nos coordonnées bancaires ne changent pas.",
               "désormais {contact} est votre interlocuteur pour toutes les questions "
               "comptables, joignable au {phone}.",
               "nos bureaux ont déménagé au {street}, {city}. Merci de mettre à jour votre "
               "fiche fournisseur et d'y adresser votre courrier."],
        "es": ["tras una fusión, nuestra razón social es ahora {vendor}. Modifiquen el nombre del "
               "proveedor en su sistema.",
               "tengan en cuenta nuestra nueva dirección a partir del {date}: {street}, "
               "{city}. El resto de datos no cambia.",
               "les comunicamos que {old_name} pasa a denominarse {vendor}. Nuestro NIF y "
               "datos bancarios siguen siendo los mismos.",
               "a partir de ahora {contact} será su contacto para temas contables, en el "
               "teléfono {phone}.",
               "nuestra oficina se ha trasladado a {street}, {city}. Por favor actualicen su "
               "ficha de proveedor y envíen allí la correspondencia."],
        "nl": ["na een fusie is onze juridische naam nu {vendor}. Wilt u de leveranciersnaam in uw"
               " systeem aanpassen.",
               "let op ons nieuwe adres per {date}: {street}, {city}. Alle overige gegevens "
               "blijven ongewijzigd.",
               "wij laten u weten dat {old_name} voortaan verdergaat als {vendor}. Ons "
               "btw-nummer en bankgegevens blijven gelijk.",
               "vanaf nu is {contact} uw contactpersoon voor alle boekhoudkundige zaken, "
               "bereikbaar op {phone}.",
               "ons kantoor is verhuisd naar {street}, {city}. Wilt u uw leveranciersbestand "
               "bijwerken en post voortaan daarheen sturen."],
    },
    "question": {
        "en": ["Quick question: is invoice {inv} on hold for any reason? We cannot see it in the "
               "last payment advice.",
               "Could you let us know the status of invoice {inv} for {amount} {cur}? We have "
               "not seen the payment yet.",
               "Can you confirm that you received our invoice {inv}? We would like to know "
               "when it is scheduled for payment.",
               "We noticed that only part of invoice {inv} was paid. Could you explain the "
               "deduction?",
               "Our customer portal shows invoice {inv} as open. Is anything missing on your "
               "side, e.g. a PO number?"],
        "de": ["kurze Frage: ist die Rechnung {inv} aus irgendeinem Grund gesperrt? Im letzten "
               "Zahlungsavis fehlt sie.",
               "können Sie uns den Stand der Rechnung {inv} über {amount} {cur} mitteilen? "
               "Wir haben noch keinen Zahlungseingang gesehen.",
               "können Sie bestätigen, dass unsere Rechnung {inv} bei Ihnen eingegangen ist? "
               "Wann ist die Zahlung geplant?",
               "uns ist aufgefallen, dass die Rechnung {inv} nur teilweise bezahlt wurde. "
               "Können Sie den Abzug erklären?",
               "in unserem System ist die Rechnung {inv} noch offen. Fehlt bei Ihnen etwas, "
               "z. B. eine Bestellnummer?"],
        "fr": ["petite question : la facture {inv} est-elle bloquée pour une raison quelconque ? "
               "Elle n'apparaît pas dans le dernier avis.",
               "pourriez-vous nous indiquer où en est la facture {inv} de {amount} {cur} ? "
               "Nous n'avons pas encore vu le paiement.",
               "pouvez-vous confirmer la bonne réception de notre facture {inv} ? Quand "
               "est-elle prévue au paiement ?",
               "nous constatons que la facture {inv} n'a été réglée que partiellement. "
               "Pouvez-vous nous expliquer la différence ?",
               "notre système indique la facture {inv} comme ouverte. Manque-t-il quelque "
               "chose de votre côté, par exemple un numéro de commande ?"],
        "es": ["una pregunta: ¿está bloqueada la factura {inv} por algún motivo? No aparece en el "
               "último aviso de pago.",
               "¿podrían indicarnos el estado de la factura {inv} por {amount} {cur}? Aún no "
               "hemos visto el pago.",
               "¿pueden confirmar que recibieron nuestra factura {inv}? Nos gustaría saber "
               "cuándo está prevista su pago.",
               "hemos observado que la factura {inv} solo se pagó en parte. ¿Pueden "
               "explicarnos la deducción?",
               "en nuestro sistema la factura {inv} figura como abierta. ¿Les falta algo, por "
               "ejemplo un número de pedido?"],
        "nl": ["korte vraag: staat factuur {inv} om een of andere reden geblokkeerd? Wij zien hem "
               "niet in het laatste betalingsadvies.",
               "kunt u ons laten weten wat de status is van factuur {inv} van {amount} {cur}? "
               "Wij hebben de betaling nog niet gezien.",
               "kunt u bevestigen dat u onze factuur {inv} heeft ontvangen? Wanneer staat de "
               "betaling gepland?",
               "het viel ons op dat factuur {inv} slechts gedeeltelijk is betaald. Kunt u de "
               "inhouding toelichten?",
               "in ons systeem staat factuur {inv} nog open. Ontbreekt er iets bij u, "
               "bijvoorbeeld een ordernummer?"],
    },
    "not_invoice": {
        "en": ["We have received your purchase order {po} and will deliver {qty} units on {date}.",
               "Thank you for your order {po}. We confirm delivery of the items on {date}. "
               "This is not an invoice.",
               "Please find attached the delivery note {dn} for your order {po}. The goods "
               "left our warehouse today.",
               "As requested, here is our quotation {qn} for {amount} {cur}, valid until "
               "{date}.",
               "Your shipment for order {po} is on its way; tracking number {dn}. The invoice "
               "will follow separately."],
        "de": ["Ihre Bestellung {po} ist bei uns eingegangen; wir liefern {qty} Stück am {date}.",
               "vielen Dank für Ihre Bestellung {po}. Wir bestätigen die Lieferung zum "
               "{date}. Dies ist keine Rechnung.",
               "anbei der Lieferschein {dn} zu Ihrer Bestellung {po}. Die Ware hat heute unser "
               "Lager verlassen.",
               "wie gewünscht senden wir Ihnen unser Angebot {qn} über {amount} {cur}, "
               "gültig bis {date}.",
               "Ihre Sendung zur Bestellung {po} ist unterwegs, Sendungsnummer {dn}. Die "
               "Rechnung folgt separat."],
        "fr": ["nous avons bien reçu votre bon de commande {po} et livrerons {qty} unités le "
               "{date}.",
               "merci pour votre commande {po}. Nous confirmons la livraison pour le {date}. "
               "Ceci n'est pas une facture.",
               "veuillez trouver ci-joint le bon de livraison {dn} de votre commande {po}. La "
               "marchandise a quitté notre entrepôt aujourd'hui.",
               "comme demandé, voici notre devis {qn} d'un montant de {amount} {cur}, valable "
               "jusqu'au {date}.",
               "votre colis de la commande {po} est en route, numéro de suivi {dn}. La facture "
               "suivra séparément."],
        "es": ["hemos recibido su orden de compra {po} y entregaremos {qty} unidades el {date}.",
               "gracias por su pedido {po}. Confirmamos la entrega para el {date}. Esto no es "
               "una factura.",
               "adjuntamos el albarán {dn} de su pedido {po}. La mercancía ha salido hoy de "
               "nuestro almacén.",
               "según lo solicitado, le enviamos nuestro presupuesto {qn} por {amount} {cur}, "
               "válido hasta el {date}.",
               "su envío del pedido {po} está en camino, número de seguimiento {dn}. La "
               "factura se enviará por separado."],
        "nl": ["wij hebben uw inkooporder {po} ontvangen en leveren {qty} stuks op {date}.",
               "bedankt voor uw bestelling {po}. Wij bevestigen de levering op {date}. Dit is "
               "geen factuur.",
               "bijgaand de pakbon {dn} bij uw bestelling {po}. De goederen hebben vandaag ons "
               "magazijn verlaten.",
               "zoals gevraagd sturen wij u onze offerte {qn} van {amount} {cur}, geldig tot "
               "{date}.",
               "uw zending van bestelling {po} is onderweg, trackingnummer {dn}. De factuur "
               "volgt apart."],
    },
    "spam": {
        "en": ["Dear friend, I am a banker with a confidential business proposal worth {amount} "
               "{cur}. Reply for details.",
               "Congratulations! Your email was selected in our annual draw. Click here to "
               "claim your {amount} {cur} prize now!!!",
               "Get a business loan of up to {amount} {cur} in 24 hours, no credit check. "
               "Reply YES to apply.",
               "We can put your website on page 1 of Google. Special offer this week only, "
               "unsubscribe below.",
               "Your mailbox storage is almost full. Log in at the link below within 24 hours "
               "or your account will be suspended."],
        "de": ["Lieber Freund, ich bin Bankier und habe ein vertrauliches Geschäft über {amount} "
               "{cur} für Sie. Antworten Sie für Details.",
               "Herzlichen Glückwunsch! Ihre E-Mail-Adresse wurde ausgelost. Klicken Sie "
               "hier, um {amount} {cur} zu erhalten!!!",
               "Firmenkredit bis {amount} {cur} in 24 Stunden, ohne Bonitätsprüfung. "
               "Antworten Sie mit JA.",
               "Wir bringen Ihre Webseite auf Seite 1 bei Google. Nur diese Woche zum "
               "Sonderpreis, Abmeldung unten.",
               "Ihr Postfach ist fast voll. Melden Sie sich innerhalb von 24 Stunden über den "
               "Link an, sonst wird Ihr Konto gesperrt."],
        "fr": ["Cher ami, je suis banquier et j'ai une proposition confidentielle de {amount} "
               "{cur}. Répondez pour les détails.",
               "Félicitations ! Votre adresse a été tirée au sort. Cliquez ici pour recevoir "
               "{amount} {cur} !!!",
               "Prêt professionnel jusqu'à {amount} {cur} en 24 heures, sans étude de "
               "dossier. Répondez OUI.",
               "Nous plaçons votre site en première page de Google. Offre spéciale cette "
               "semaine, désabonnement en bas.",
               "Votre messagerie est presque pleine. Connectez-vous via le lien sous 24 heures "
               "ou votre compte sera suspendu."],
        "es": ["Querido amigo, soy banquero y tengo una propuesta confidencial de {amount} {cur}. "
               "Responda para más detalles.",
               "¡Enhorabuena! Su correo ha sido seleccionado en nuestro sorteo. Haga clic "
               "aquí para cobrar {amount} {cur}!!!",
               "Préstamo para empresas de hasta {amount} {cur} en 24 horas, sin consultar "
               "ASNEF. Responda SÍ.",
               "Ponemos su web en la primera página de Google. Oferta especial solo esta "
               "semana, darse de baja abajo.",
               "Su buzón está casi lleno. Inicie sesión en el enlace en 24 horas o su cuenta "
               "será suspendida."],
        "nl": ["Beste vriend, ik ben bankier met een vertrouwelijk zakelijk voorstel van {amount} "
               "{cur}. Antwoord voor details.",
               "Gefeliciteerd! Uw e-mailadres is geselecteerd in onze loterij. Klik hier om "
               "{amount} {cur} te ontvangen!!!",
               "Zakelijke lening tot {amount} {cur} binnen 24 uur, zonder BKR-toets. "
               "Antwoord JA.",
               "Wij zetten uw website op pagina 1 van Google. Alleen deze week in de "
               "aanbieding, afmelden onderaan.",
               "Uw mailbox is bijna vol. Log binnen 24 uur in via de link, anders wordt uw "
               "account geblokkeerd."],
    },
    "other": {
        "en": ["Thank you for your visit last week. It was a pleasure to show you our new plant.",
               "I am out of the office until {date} with limited access to email. For urgent "
               "matters please contact {contact}.",
               "The whole team at {vendor} wishes you happy holidays and a successful new "
               "year.",
               "Would Tuesday at 10:00 work for a short call about next year's framework "
               "agreement?",
               "In this issue: our new product range, trade fair dates and an interview with "
               "our CEO. Read online."],
        "de": ["vielen Dank für Ihren Besuch letzte Woche. Es war uns eine Freude, Ihnen unser "
               "neues Werk zu zeigen.",
               "ich bin bis zum {date} nicht im Büro und lese keine E-Mails. In dringenden "
               "Fällen wenden Sie sich bitte an {contact}.",
               "das gesamte Team von {vendor} wünscht Ihnen frohe Feiertage und einen guten "
               "Start ins neue Jahr.",
               "passt Ihnen Dienstag um 10:00 Uhr für ein kurzes Gespräch über den "
               "Rahmenvertrag für nächstes Jahr?",
               "in dieser Ausgabe: unser neues Sortiment, Messetermine und ein Interview mit "
               "unserer Geschäftsführung. Online lesen."],
        "fr": ["merci pour votre visite la semaine dernière. Ce fut un plaisir de vous présenter "
               "notre nouvelle usine.",
               "je suis absent du bureau jusqu'au {date}. Pour toute urgence, merci de "
               "contacter {contact}.",
               "toute l'équipe de {vendor} vous souhaite de joyeuses fêtes et une excellente "
               "année.",
               "seriez-vous disponible mardi à 10h pour un court échange sur le contrat-cadre "
               "de l'an prochain ?",
               "au sommaire : notre nouvelle gamme, les dates des salons et un entretien avec "
               "notre directeur. Lire en ligne."],
        "es": ["gracias por su visita la semana pasada. Fue un placer mostrarles nuestra nueva "
               "planta.",
               "estoy fuera de la oficina hasta el {date}. Para asuntos urgentes contacte con "
               "{contact}.",
               "todo el equipo de {vendor} les desea felices fiestas y un próspero año "
               "nuevo.",
               "¿les vendría bien el martes a las 10:00 para una breve llamada sobre el "
               "contrato marco del próximo año?",
               "en este número: nuestra nueva gama de productos, fechas de ferias y una "
               "entrevista con nuestro director. Leer en línea."],
        "nl": ["bedankt voor uw bezoek vorige week. Het was een genoegen u onze nieuwe fabriek te "
               "laten zien.",
               "ik ben tot {date} afwezig en lees geen e-mail. Voor dringende zaken kunt u "
               "contact opnemen met {contact}.",
               "het hele team van {vendor} wenst u fijne feestdagen en een goed nieuwjaar.",
               "zou dinsdag om 10:00 uur schikken voor een kort gesprek over de "
               "raamovereenkomst voor volgend jaar?",
               "in deze editie: ons nieuwe assortiment, beursdata en een interview met onze "
               "directeur. Online lezen."],
    },
}

# Second sentences: they add the facts clerks look for without deciding the intent alone.
DETAILS: T = {
    "invoice": {
        "en": ["Please quote the invoice number with your payment.",
               "Our bank details: IBAN {iban}.", "The PDF is also available in our portal."],
        "de": ["Bitte geben Sie bei Zahlung die Rechnungsnummer an.",
               "Unsere Bankverbindung: IBAN {iban}.", "Die PDF finden Sie auch in unserem "
               "Portal."],
        "fr": ["Merci de rappeler le numéro de facture lors du paiement.",
               "Nos coordonnées bancaires : IBAN {iban}.", "Le PDF est aussi disponible sur "
               "notre portail."],
        "es": ["Indiquen el número de factura en la transferencia.",
               "Nuestros datos bancarios: IBAN {iban}.", "El PDF también está en nuestro "
               "portal."],
        "nl": ["Vermeld bij betaling het factuurnummer.", "Onze bankgegevens: IBAN {iban}.",
               "De PDF staat ook in ons portaal."],
    },
    "credit_note": {
        "en": ["No payment is required.", "Please offset it against open items.",
               "The amount will be refunded to you."],
        "de": ["Eine Zahlung ist nicht erforderlich.", "Bitte mit offenen Posten verrechnen.",
               "Der Betrag wird Ihnen erstattet."],
        "fr": ["Aucun paiement n'est requis.", "Merci de l'imputer sur les pièces ouvertes.",
               "Le montant vous sera remboursé."],
        "es": ["No se requiere ningún pago.", "Compénsenlo con las partidas abiertas.",
               "El importe les será reembolsado."],
        "nl": ["Er hoeft niets betaald te worden.", "Graag verrekenen met openstaande posten.",
               "Het bedrag wordt aan u terugbetaald."],
    },
    "reminder": {
        "en": ["If you have already paid, please disregard this letter.",
               "Please transfer the amount to IBAN {iban}.", "A copy of the invoice is "
               "attached."],
        "de": ["Sollten Sie bereits gezahlt haben, betrachten Sie dieses Schreiben als "
               "gegenstandslos.", "Bitte überweisen Sie auf IBAN {iban}.",
               "Eine Kopie der Rechnung liegt bei."],
        "fr": ["Si vous avez déjà réglé, merci de ne pas tenir compte de ce courrier.",
               "Merci de virer le montant sur l'IBAN {iban}.", "Une copie de la facture est "
               "jointe."],
        "es": ["Si ya han realizado el pago, ignoren este mensaje.",
               "Transfieran el importe al IBAN {iban}.", "Adjuntamos copia de la factura."],
        "nl": ["Heeft u al betaald, dan kunt u deze brief als niet verzonden beschouwen.",
               "Graag overmaken op IBAN {iban}.", "Een kopie van de factuur is bijgevoegd."],
    },
    "remittance": {
        "en": ["Payment reference: {ref}.", "Please allow two days for the funds to arrive.",
               "Deductions: none."],
        "de": ["Verwendungszweck: {ref}.", "Der Betrag wird in zwei Tagen gutgeschrieben.",
               "Abzüge: keine."],
        "fr": ["Référence du paiement : {ref}.", "Les fonds arrivent sous deux jours.",
               "Déductions : aucune."],
        "es": ["Referencia del pago: {ref}.", "Los fondos llegarán en dos días.",
               "Deducciones: ninguna."],
        "nl": ["Betalingskenmerk: {ref}.", "Het bedrag staat binnen twee dagen op uw "
               "rekening.", "Inhoudingen: geen."],
    },
    "bank_change": {
        "en": ["A signed letter on our letterhead is attached.", "BIC: {bic}.",
               "Please confirm once the change is made."],
        "de": ["Ein unterschriebenes Schreiben liegt bei.", "BIC: {bic}.",
               "Bitte bestätigen Sie die Änderung kurz."],
        "fr": ["Un courrier signé est joint.", "BIC : {bic}.",
               "Merci de confirmer la modification."],
        "es": ["Adjuntamos carta firmada.", "BIC: {bic}.", "Confirmen el cambio, por favor."],
        "nl": ["Een ondertekende brief is bijgevoegd.", "BIC: {bic}.",
               "Graag een bevestiging van de wijziging."],
    },
    "vendor_update": {
        "en": ["Our phone number is now {phone}.", "Please update your records.",
               "Invoices will show the new details from next month."],
        "de": ["Unsere Telefonnummer lautet jetzt {phone}.", "Bitte passen Sie Ihre Daten an.",
               "Rechnungen tragen ab nächstem Monat die neuen Angaben."],
        "fr": ["Notre numéro est désormais le {phone}.", "Merci de mettre à jour vos "
               "fichiers.", "Les factures porteront les nouvelles mentions dès le mois "
               "prochain."],
        "es": ["Nuestro teléfono es ahora {phone}.", "Actualicen sus registros, por favor.",
               "Las facturas mostrarán los nuevos datos desde el mes próximo."],
        "nl": ["Ons telefoonnummer is nu {phone}.", "Graag uw gegevens bijwerken.",
               "Facturen vermelden vanaf volgende maand de nieuwe gegevens."],
    },
    "question": {
        "en": ["Thanks for a quick reply.", "The invoice was sent on {date}.",
               "Our reference: {ref}."],
        "de": ["Danke für eine kurze Rückmeldung.", "Die Rechnung wurde am {date} versandt.",
               "Unser Zeichen: {ref}."],
        "fr": ["Merci de votre retour rapide.", "La facture a été envoyée le {date}.",
               "Notre référence : {ref}."],
        "es": ["Gracias por su pronta respuesta.", "La factura se envió el {date}.",
               "Nuestra referencia: {ref}."],
        "nl": ["Alvast bedankt voor uw reactie.", "De factuur is op {date} verstuurd.",
               "Ons kenmerk: {ref}."],
    },
    "not_invoice": {
        "en": ["Delivery address: {street}, {city}.", "Items: {qty} units.",
               "Please check the goods on arrival."],
        "de": ["Lieferadresse: {street}, {city}.", "Positionen: {qty} Stück.",
               "Bitte prüfen Sie die Ware bei Eingang."],
        "fr": ["Adresse de livraison : {street}, {city}.", "Articles : {qty} unités.",
               "Merci de contrôler la marchandise à réception."],
        "es": ["Dirección de entrega: {street}, {city}.", "Artículos: {qty} unidades.",
               "Revisen la mercancía al recibirla."],
        "nl": ["Afleveradres: {street}, {city}.", "Artikelen: {qty} stuks.",
               "Controleer de goederen bij ontvangst."],
    },
    "spam": {
        "en": ["Limited time offer!", "This message was sent to thousands of businesses.",
               "Click the link: http://promo.example/{qty}"],
        "de": ["Nur für kurze Zeit!", "Diese Nachricht ging an tausende Firmen.",
               "Link: http://promo.example/{qty}"],
        "fr": ["Offre limitée !", "Ce message a été envoyé à des milliers d'entreprises.",
               "Lien : http://promo.example/{qty}"],
        "es": ["¡Oferta por tiempo limitado!", "Este mensaje se envió a miles de empresas.",
               "Enlace: http://promo.example/{qty}"],
        "nl": ["Tijdelijke aanbieding!", "Dit bericht is naar duizenden bedrijven gestuurd.",
               "Link: http://promo.example/{qty}"],
    },
    "other": {
        "en": ["Have a nice day.", "See you soon.", "You receive this as a business partner."],
        "de": ["Einen schönen Tag noch.", "Bis bald.", "Sie erhalten dies als "
               "Geschäftspartner."],
        "fr": ["Bonne journée.", "À bientôt.", "Vous recevez ce message en tant que "
               "partenaire."],
        "es": ["Que tengan un buen día.", "Hasta pronto.", "Lo recibe como socio comercial."],
        "nl": ["Fijne dag.", "Tot snel.", "U ontvangt dit als zakenpartner."],
    },
}

ATTACHMENTS: T = {
    "invoice": {"en": ["invoice_{inv}.pdf", "INV{inv}.pdf"],
                "de": ["Rechnung_{inv}.pdf", "RE_{inv}.pdf"],
                "fr": ["facture_{inv}.pdf", "FA_{inv}.pdf"],
                "es": ["factura_{inv}.pdf", "FRA_{inv}.pdf"],
                "nl": ["factuur_{inv}.pdf", "FACT_{inv}.pdf"]},
    "credit_note": {"en": ["credit_note_{inv}.pdf", "CN{inv}.pdf"],
                    "de": ["Gutschrift_{inv}.pdf", "GS_{inv}.pdf"],
                    "fr": ["avoir_{inv}.pdf", "AV_{inv}.pdf"],
                    "es": ["abono_{inv}.pdf", "NC_{inv}.pdf"],
                    "nl": ["creditnota_{inv}.pdf", "CR_{inv}.pdf"]},
    "reminder": {"en": ["reminder_{inv}.pdf", "statement_overdue.pdf"],
                 "de": ["Mahnung_{inv}.pdf", "Zahlungserinnerung.pdf"],
                 "fr": ["relance_{inv}.pdf", "rappel.pdf"],
                 "es": ["recordatorio_{inv}.pdf", "aviso.pdf"],
                 "nl": ["herinnering_{inv}.pdf", "aanmaning.pdf"]},
    "remittance": {"en": ["remittance_{date_compact}.pdf", "payment_advice.pdf"],
                   "de": ["Zahlungsavis_{date_compact}.pdf", "Avis.pdf"],
                   "fr": ["avis_paiement.pdf", "releve.pdf"],
                   "es": ["aviso_pago.pdf", "extracto.pdf"],
                   "nl": ["betalingsadvies.pdf", "specificatie.pdf"]},
    "bank_change": {"en": ["bank_letter.pdf", "new_account.pdf"],
                    "de": ["Bankverbindung.pdf", "Kontoaenderung.pdf"],
                    "fr": ["RIB.pdf", "nouveau_RIB.pdf"],
                    "es": ["certificado_bancario.pdf", "cuenta.pdf"],
                    "nl": ["bankbrief.pdf", "rekening.pdf"]},
    "not_invoice": {"en": ["order_confirmation_{po}.pdf", "delivery_note_{dn}.pdf",
                           "quote_{qn}.pdf"],
                    "de": ["AB_{po}.pdf", "Lieferschein_{dn}.pdf", "Angebot_{qn}.pdf"],
                    "fr": ["confirmation_{po}.pdf", "BL_{dn}.pdf", "devis_{qn}.pdf"],
                    "es": ["pedido_{po}.pdf", "albaran_{dn}.pdf", "presupuesto_{qn}.pdf"],
                    "nl": ["orderbevestiging_{po}.pdf", "pakbon_{dn}.pdf", "offerte_{qn}.pdf"]},
    "spam": {"en": ["offer.html", "invoice_{qty}.zip"], "de": ["angebot.html", "rechnung.zip"],
             "fr": ["offre.html", "facture.zip"], "es": ["oferta.html", "factura.zip"],
             "nl": ["aanbieding.html", "factuur.zip"]},
}

# More training wordings, added before each list's last (held-out) template so the
# held-out family stays what it was: the wider the training wording, the less an unseen
# phrasing surprises the model.
MORE_SUBJECTS: T = {
    "invoice": {"en": ["Invoice for your order {po}", "Billing {month} - {vendor}"],
                "de": ["Rechnungsstellung {month}", "Faktura {inv}"],
                "fr": ["Facturation {month}", "Facture pour commande {po}"],
                "es": ["Facturación {month}", "Factura pedido {po}"],
                "nl": ["Facturatie {month}", "Factuur {inv} - {vendor}"]},
    "credit_note": {"en": ["Credit note for returned goods", "Correction invoice {ref}"],
                    "de": ["Gutschrift Retoure {inv}", "Stornorechnung {ref}"],
                    "fr": ["Avoir pour retour marchandise", "Facture d'avoir {inv}"],
                    "es": ["Abono por devolución", "Nota de abono {inv}"],
                    "nl": ["Creditnota retour {inv}", "Correctiefactuur {ref}"]},
    "reminder": {"en": ["Reminder: payment overdue", "Past due notice {inv}"],
                 "de": ["Erinnerung: Zahlung überfällig", "2. Mahnung Rechnung {inv}"],
                 "fr": ["Deuxième relance {inv}", "Rappel : échéance dépassée"],
                 "es": ["Aviso de impago {inv}", "Recordatorio: pago vencido"],
                 "nl": ["Herinnering: betaling te laat", "Tweede herinnering {inv}"]},
    "remittance": {"en": ["Payment remittance {vendor}", "Account statement as of {date}"],
                   "de": ["Zahlungsmitteilung", "Saldenbestätigung per {date}"],
                   "fr": ["Avis de règlement {vendor}", "Relevé de compte au {date}"],
                   "es": ["Comunicación de pago", "Extracto de cuenta a {date}"],
                   "nl": ["Betaalbericht {vendor}", "Rekeningafschrift per {date}"]},
    "bank_change": {"en": ["New bank account details", "Bank account change notice"],
                    "de": ["Neue Kontoverbindung", "Mitteilung Bankänderung"],
                    "fr": ["Nouveau compte bancaire", "Avis de changement de banque"],
                    "es": ["Nueva cuenta bancaria", "Aviso de cambio de banco"],
                    "nl": ["Nieuwe bankrekening", "Melding wijziging bank"]},
    "vendor_update": {"en": ["Change of address {vendor}", "New contact person for billing"],
                      "de": ["Adressänderung {vendor}", "Neue Firmierung"],
                      "fr": ["Changement d'adresse {vendor}", "Nouvelle raison sociale"],
                      "es": ["Cambio de dirección {vendor}", "Nueva denominación social"],
                      "nl": ["Adreswijziging {vendor}", "Nieuwe bedrijfsnaam"]},
    "question": {"en": ["Invoice {inv} - open question", "Status of our invoice {inv}"],
                 "de": ["Status Rechnung {inv}", "Anfrage zu Beleg {inv}"],
                 "fr": ["Où en est la facture {inv} ?", "Question paiement {inv}"],
                 "es": ["Estado de la factura {inv}", "Pregunta sobre el pago {inv}"],
                 "nl": ["Stand van zaken factuur {inv}", "Vraag over betaling {inv}"]},
    "not_invoice": {"en": ["Shipping notification {dn}", "Offer {qn} for your request"],
                    "de": ["Lieferavis {dn}", "Unser Angebot {qn}"],
                    "fr": ["Avis de livraison {dn}", "Notre offre {qn}"],
                    "es": ["Aviso de entrega {dn}", "Nuestra oferta {qn}"],
                    "nl": ["Leveringsbericht {dn}", "Onze offerte {qn}"]},
    "spam": {"en": ["Earn money from home", "Urgent: verify your account"],
             "de": ["Geld verdienen von zu Hause", "Dringend: Konto bestätigen"],
             "fr": ["Gagnez de l'argent depuis chez vous", "Urgent : vérifiez votre compte"],
             "es": ["Gane dinero desde casa", "Urgente: verifique su cuenta"],
             "nl": ["Geld verdienen vanuit huis", "Dringend: verifieer uw account"]},
    "other": {"en": ["Thank you", "Webinar invitation"],
              "de": ["Dankeschön", "Einladung zum Webinar"],
              "fr": ["Merci", "Invitation au webinaire"],
              "es": ["Gracias", "Invitación al webinar"],
              "nl": ["Bedankt", "Uitnodiging webinar"]},
}

MORE_CORES: T = {
    "invoice": {
        "en": ["Our invoice {inv} is attached. Total due: {amount} {cur}, payment terms {days} "
               "days.",
               "Please process the attached invoice {inv} for {amount} {cur}; it covers "
               "purchase order {po}."],
        "de": ["anbei unsere Rechnung {inv}. Rechnungsbetrag: {amount} {cur}, Zahlungsziel "
               "{days} Tage.",
               "bitte buchen Sie die beigefügte Rechnung {inv} über {amount} {cur} zur "
               "Bestellung {po}."],
        "fr": ["ci-joint notre facture {inv}. Montant dû : {amount} {cur}, paiement à {days} "
               "jours.",
               "merci de traiter la facture jointe {inv} de {amount} {cur}, relative au bon de "
               "commande {po}."],
        "es": ["adjunta nuestra factura {inv}. Importe a pagar: {amount} {cur}, plazo {days} "
               "días.",
               "les rogamos que tramiten la factura adjunta {inv} por {amount} {cur} del "
               "pedido {po}."],
        "nl": ["bijgevoegd onze factuur {inv}. Te betalen: {amount} {cur}, betalingstermijn "
               "{days} dagen.",
               "graag de bijgevoegde factuur {inv} van {amount} {cur} voor inkooporder {po} "
               "verwerken."]},
    "credit_note": {
        "en": ["We are sending you a credit note of {amount} {cur} that cancels invoice {ref}.",
               "Following your complaint we grant a reduction of {amount} {cur}; see credit "
               "note {inv} (reference invoice {ref})."],
        "de": ["wir senden Ihnen eine Gutschrift über {amount} {cur}, die Rechnung {ref} "
               "aufhebt.",
               "aufgrund Ihrer Reklamation gewähren wir eine Minderung von {amount} {cur}, "
               "siehe Gutschrift {inv} (Bezug Rechnung {ref})."],
        "fr": ["nous vous envoyons un avoir de {amount} {cur} qui annule la facture {ref}.",
               "suite à votre réclamation, nous accordons une réduction de {amount} {cur} : "
               "voir l'avoir {inv} (facture de référence {ref})."],
        "es": ["les enviamos una nota de crédito de {amount} {cur} que anula la factura {ref}.",
               "tras su reclamación les concedemos una reducción de {amount} {cur}; vean el "
               "abono {inv} (factura de referencia {ref})."],
        "nl": ["wij sturen u een creditnota van {amount} {cur} die factuur {ref} vervangt.",
               "naar aanleiding van uw klacht geven wij een korting van {amount} {cur}, zie "
               "creditnota {inv} (factuur {ref})."]},
    "reminder": {
        "en": ["We have not yet received payment for invoice {inv} ({amount} {cur}). Please "
               "check and transfer the amount.",
               "Invoice {inv}, due {date}, remains open. This is our second reminder."],
        "de": ["für Rechnung {inv} ({amount} {cur}) haben wir noch keine Zahlung erhalten. "
               "Bitte prüfen und überweisen Sie den Betrag.",
               "Rechnung {inv}, fällig am {date}, ist weiterhin offen. Dies ist unsere zweite "
               "Mahnung."],
        "fr": ["nous n'avons pas encore reçu le paiement de la facture {inv} ({amount} {cur}). "
               "Merci de vérifier et de virer le montant.",
               "la facture {inv}, échue le {date}, reste ouverte. Ceci est notre deuxième "
               "relance."],
        "es": ["todavía no hemos recibido el pago de la factura {inv} ({amount} {cur}). "
               "Rogamos lo comprueben y transfieran el importe.",
               "la factura {inv}, vencida el {date}, sigue abierta. Este es nuestro segundo "
               "aviso."],
        "nl": ["wij hebben nog geen betaling ontvangen voor factuur {inv} ({amount} {cur}). "
               "Graag controleren en het bedrag overmaken.",
               "factuur {inv}, vervallen op {date}, staat nog open. Dit is onze tweede "
               "herinnering."]},
    "remittance": {
        "en": ["We have paid the following invoices: {inv} and {ref}. Total amount transferred: "
               "{amount} {cur}.",
               "Please find our statement of account attached. Paid items: {inv}; open balance "
               "after payment of {amount} {cur}: zero."],
        "de": ["folgende Rechnungen haben wir bezahlt: {inv} und {ref}. Überwiesener "
               "Gesamtbetrag: {amount} {cur}.",
               "anbei unser Kontoauszug. Bezahlte Posten: {inv}; offener Saldo nach Zahlung "
               "von {amount} {cur}: null."],
        "fr": ["nous avons réglé les factures suivantes : {inv} et {ref}. Montant total viré : "
               "{amount} {cur}.",
               "veuillez trouver notre relevé de compte en pièce jointe. Pièces réglées : "
               "{inv} ; solde après paiement de {amount} {cur} : nul."],
        "es": ["hemos pagado las siguientes facturas: {inv} y {ref}. Importe total "
               "transferido: {amount} {cur}.",
               "adjuntamos nuestro extracto de cuenta. Partidas pagadas: {inv}; saldo "
               "pendiente tras el pago de {amount} {cur}: cero."],
        "nl": ["wij hebben de volgende facturen betaald: {inv} en {ref}. Totaal overgemaakt: "
               "{amount} {cur}.",
               "in de bijlage ons rekeningoverzicht. Betaalde posten: {inv}; openstaand saldo "
               "na betaling van {amount} {cur}: nul."]},
    "bank_change": {
        "en": ["Please note our new bank details for all future payments: IBAN {iban}, BIC "
               "{bic}.",
               "Due to a change of bank, please stop paying into {old_iban} and use {iban} "
               "instead."],
        "de": ["bitte beachten Sie unsere neue Bankverbindung für alle künftigen Zahlungen: "
               "IBAN {iban}, BIC {bic}.",
               "wegen eines Bankwechsels bitten wir Sie, nicht mehr auf {old_iban}, sondern "
               "auf {iban} zu zahlen."],
        "fr": ["veuillez noter nos nouvelles coordonnées bancaires pour tous les paiements "
               "futurs : IBAN {iban}, BIC {bic}.",
               "suite à un changement de banque, merci de ne plus payer sur {old_iban} mais "
               "sur {iban}."],
        "es": ["tomen nota de nuestros nuevos datos bancarios para todos los pagos futuros: "
               "IBAN {iban}, BIC {bic}.",
               "por cambio de banco, les rogamos que dejen de pagar en {old_iban} y utilicen "
               "{iban}."],
        "nl": ["let op onze nieuwe bankgegevens voor alle toekomstige betalingen: IBAN {iban}, "
               "BIC {bic}.",
               "wegens een bankwissel verzoeken wij u niet meer op {old_iban} te betalen maar "
               "op {iban}."]},
    "vendor_update": {
        "en": ["Please update our master data: new address {street}, {city}, new phone "
               "{phone}.",
               "Our company name changes from {old_name} to {vendor} as of {date}."],
        "de": ["bitte aktualisieren Sie unsere Stammdaten: neue Adresse {street}, {city}, neue "
               "Telefonnummer {phone}.",
               "unser Firmenname ändert sich zum {date} von {old_name} in {vendor}."],
        "fr": ["merci de mettre à jour nos données : nouvelle adresse {street}, {city}, "
               "nouveau téléphone {phone}.",
               "notre raison sociale passe de {old_name} à {vendor} à compter du {date}."],
        "es": ["actualicen nuestros datos maestros: nueva dirección {street}, {city}, nuevo "
               "teléfono {phone}.",
               "nuestra razón social cambia de {old_name} a {vendor} a partir del {date}."],
        "nl": ["graag onze stamgegevens bijwerken: nieuw adres {street}, {city}, nieuw "
               "telefoonnummer {phone}.",
               "onze bedrijfsnaam wijzigt per {date} van {old_name} in {vendor}."]},
    "question": {
        "en": ["Could you tell us why invoice {inv} was only partly paid?",
               "We sent invoice {inv} on {date}. Has it been received and approved?"],
        "de": ["können Sie uns sagen, warum Rechnung {inv} nur teilweise bezahlt wurde?",
               "wir haben die Rechnung {inv} am {date} geschickt. Ist sie angekommen und "
               "freigegeben?"],
        "fr": ["pourriez-vous nous dire pourquoi la facture {inv} n'a été payée qu'en partie ?",
               "nous avons envoyé la facture {inv} le {date}. L'avez-vous reçue et validée ?"],
        "es": ["¿podrían indicarnos por qué la factura {inv} solo se pagó en parte?",
               "enviamos la factura {inv} el {date}. ¿La han recibido y aprobado?"],
        "nl": ["kunt u ons vertellen waarom factuur {inv} maar deels is betaald?",
               "wij stuurden factuur {inv} op {date}. Is die ontvangen en goedgekeurd?"]},
    "not_invoice": {
        "en": ["Thank you for your order {po}. We confirm delivery of {qty} units on {date}.",
               "Enclosed is our quotation {qn} for {qty} units; prices are valid for {days} "
               "days. This is not an invoice."],
        "de": ["vielen Dank für Ihre Bestellung {po}. Wir bestätigen die Lieferung von {qty} "
               "Stück am {date}.",
               "anbei unser Angebot {qn} über {qty} Stück; die Preise gelten {days} Tage. Dies "
               "ist keine Rechnung."],
        "fr": ["merci pour votre commande {po}. Nous confirmons la livraison de {qty} unités "
               "le {date}.",
               "ci-joint notre devis {qn} pour {qty} unités ; prix valables {days} jours. Ceci "
               "n'est pas une facture."],
        "es": ["gracias por su pedido {po}. Confirmamos la entrega de {qty} unidades el "
               "{date}.",
               "adjuntamos nuestro presupuesto {qn} para {qty} unidades; precios válidos {days} "
               "días. No es una factura."],
        "nl": ["bedankt voor uw bestelling {po}. Wij bevestigen de levering van {qty} stuks op "
               "{date}.",
               "bijgaand onze offerte {qn} voor {qty} stuks; prijzen geldig {days} dagen. Dit "
               "is geen factuur."]},
    "spam": {
        "en": ["Work from home and earn {amount} {cur} a week. No experience needed, click to "
               "start.",
               "Security alert: unusual sign-in detected. Verify your password here or lose "
               "access."],
        "de": ["arbeiten Sie von zu Hause und verdienen Sie {amount} {cur} pro Woche. Keine "
               "Erfahrung nötig, jetzt klicken.",
               "Sicherheitswarnung: ungewöhnliche Anmeldung erkannt. Bestätigen Sie hier Ihr "
               "Passwort, sonst verlieren Sie den Zugang."],
        "fr": ["travaillez depuis chez vous et gagnez {amount} {cur} par semaine. Sans "
               "expérience, cliquez pour commencer.",
               "alerte de sécurité : connexion inhabituelle détectée. Vérifiez votre mot de "
               "passe ici ou perdez l'accès."],
        "es": ["trabaje desde casa y gane {amount} {cur} a la semana. Sin experiencia, haga "
               "clic para empezar.",
               "alerta de seguridad: inicio de sesión inusual. Verifique su contraseña aquí o "
               "perderá el acceso."],
        "nl": ["werk vanuit huis en verdien {amount} {cur} per week. Geen ervaring nodig, klik "
               "om te beginnen.",
               "beveiligingswaarschuwing: ongebruikelijke aanmelding. Bevestig hier uw "
               "wachtwoord of verlies de toegang."]},
    "other": {
        "en": ["Thank you for the pleasant cooperation this year. We look forward to working "
               "with you.",
               "Join our free webinar on {date} about digital supply chains. Registration is "
               "open."],
        "de": ["vielen Dank für die angenehme Zusammenarbeit in diesem Jahr. Wir freuen uns "
               "auf die weitere Zusammenarbeit.",
               "nehmen Sie am {date} an unserem kostenlosen Webinar zu digitalen Lieferketten "
               "teil. Die Anmeldung ist offen."],
        "fr": ["merci pour l'agréable collaboration cette année. Nous nous réjouissons de "
               "poursuivre avec vous.",
               "participez le {date} à notre webinaire gratuit sur les chaînes "
               "d'approvisionnement numériques. Inscriptions ouvertes."],
        "es": ["gracias por la agradable colaboración este año. Esperamos seguir trabajando "
               "con ustedes.",
               "participe el {date} en nuestro webinar gratuito sobre cadenas de suministro "
               "digitales. Inscripción abierta."],
        "nl": ["bedankt voor de prettige samenwerking dit jaar. Wij kijken uit naar een "
               "vervolg.",
               "doe op {date} mee aan ons gratis webinar over digitale toeleverketens. "
               "Aanmelden kan nu."]},
}

# Training wordings that use a neighbouring intent's words, so the head learns what
# decides between them (an invoice is billed now; a remittance says paid; a delivery
# note says the invoice follows).
MORE_NEAR_CORES: T = {
    "invoice": {
        "en": ["The goods on delivery note {dn} are now invoiced: {inv}, {amount} {cur}, "
               "payable within {days} days."],
        "de": ["die Ware vom Lieferschein {dn} stellen wir hiermit in Rechnung: {inv}, "
               "{amount} {cur}, zahlbar in {days} Tagen."],
        "fr": ["la marchandise du bon de livraison {dn} est désormais facturée : {inv}, "
               "{amount} {cur}, payable à {days} jours."],
        "es": ["la mercancía del albarán {dn} queda facturada: {inv}, {amount} {cur}, "
               "pagadera a {days} días."],
        "nl": ["de goederen van pakbon {dn} worden hierbij gefactureerd: {inv}, {amount} "
               "{cur}, te betalen binnen {days} dagen."]},
    "credit_note": {
        "en": ["Invoice {ref} was wrong, so we cancel it with credit note {inv} (-{amount} "
               "{cur}); a corrected invoice follows."],
        "de": ["die Rechnung {ref} war fehlerhaft; wir stornieren sie mit Gutschrift {inv} "
               "(-{amount} {cur}), eine korrigierte Rechnung folgt."],
        "fr": ["la facture {ref} était erronée ; nous l'annulons par l'avoir {inv} (-{amount} "
               "{cur}), une facture corrigée suit."],
        "es": ["la factura {ref} era errónea; la anulamos con el abono {inv} (-{amount} "
               "{cur}) y les enviaremos una factura corregida."],
        "nl": ["factuur {ref} was onjuist; wij crediteren haar met creditnota {inv} "
               "(-{amount} {cur}), een gecorrigeerde factuur volgt."]},
    "remittance": {
        "en": ["We paid your invoice {inv} today: {amount} {cur} by bank transfer, so please "
               "mark it as settled."],
        "de": ["wir haben Ihre Rechnung {inv} heute bezahlt: {amount} {cur} per Überweisung, "
               "bitte als erledigt vermerken."],
        "fr": ["nous avons payé votre facture {inv} aujourd'hui : {amount} {cur} par virement, "
               "merci de la noter comme réglée."],
        "es": ["hoy hemos pagado su factura {inv}: {amount} {cur} por transferencia; "
               "márquenla como liquidada."],
        "nl": ["wij hebben uw factuur {inv} vandaag betaald: {amount} {cur} per overschrijving, "
               "graag als voldaan noteren."]},
    "not_invoice": {
        "en": ["Your order {po} has been dispatched with delivery note {dn}; the invoice "
               "will be sent separately."],
        "de": ["Ihre Bestellung {po} ist mit Lieferschein {dn} unterwegs; die Rechnung "
               "erhalten Sie separat."],
        "fr": ["votre commande {po} est partie avec le bon de livraison {dn} ; la facture "
               "vous sera envoyée à part."],
        "es": ["su pedido {po} ha salido con el albarán {dn}; la factura se enviará aparte."],
        "nl": ["uw bestelling {po} is verzonden met pakbon {dn}; de factuur volgt apart."]},
    "reminder": {
        "en": ["Our account statement still lists invoice {inv} ({amount} {cur}) as unpaid. "
               "Please settle it."],
        "de": ["auf unserem Kontoauszug ist Rechnung {inv} ({amount} {cur}) weiter unbezahlt. "
               "Bitte gleichen Sie sie aus."],
        "fr": ["notre relevé de compte indique toujours la facture {inv} ({amount} {cur}) "
               "impayée. Merci de la régler."],
        "es": ["nuestro extracto de cuenta sigue mostrando la factura {inv} ({amount} {cur}) "
               "sin pagar. Rogamos la abonen."],
        "nl": ["ons rekeningoverzicht toont factuur {inv} ({amount} {cur}) nog als onbetaald. "
               "Graag voldoen."]},
}


def _before_held_out(base: T, more: T) -> None:
    """Insert training wordings before each list's last template, the held-out one."""
    for intent, languages in more.items():
        for lang, extra in languages.items():
            base[intent][lang][-1:-1] = extra


_before_held_out(SUBJECTS, MORE_SUBJECTS)
_before_held_out(CORES, MORE_CORES)
_before_held_out(CORES, MORE_NEAR_CORES)
