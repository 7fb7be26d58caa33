"""Suggested replies in the mail's language: every language has every route and state,
the facts are worded in it, and a mail's own words choose it."""

from __future__ import annotations

import pytest

from tasks.invoice_status import Status
from tasks.mail_replies import reply_language, suggest_reply
from tasks.reply_templates import EN, REPLIES
from tests.tasks.mail_fixtures import hand_written, routed

BOOKED = Status(number="RE-2026-0816", state="posted", sentence="", due_date="2099-12-31",
                posted_on="2026-11-03")
MISSING = Status(number="RE-1999-0001", state="never_received", sentence="")


@pytest.mark.parametrize("language", sorted(REPLIES))
def test_every_language_has_every_route_and_state(language):
    words = REPLIES[language]
    assert set(words.templates) == set(EN.templates)
    assert set(words.state_hint) == set(EN.state_hint)
    for route in EN.templates:
        reply = suggest_reply(route, "Nordwind", [BOOKED], language)
        assert reply and "{" not in reply and "Nordwind" in reply


@pytest.mark.parametrize(("language", "booked", "missing", "closing"), [
    ("en", "Invoice RE-2026-0816 was booked on 2026-11-03, due on 2099-12-31.",
     "please send us a copy", "Kind regards"),
    ("de", "Rechnung RE-2026-0816 wurde am 2026-11-03 gebucht, fällig am 2099-12-31.",
     "Bitte senden Sie uns eine Kopie", "Mit freundlichen Grüßen"),
    ("fr", "La facture RE-2026-0816 a été comptabilisée le 2026-11-03, échéance le "
     "2099-12-31.", "merci de nous en envoyer une copie", "Cordialement"),
    ("es", "La factura RE-2026-0816 se contabilizó el 2026-11-03, con vencimiento el "
     "2099-12-31.", "envíenos una copia", "Atentamente"),
    ("nl", "Factuur RE-2026-0816 is op 2026-11-03 geboekt, vervaldatum 2099-12-31.",
     "stuur ons een kopie", "Met vriendelijke groet"),
])
def test_a_reminder_reply_states_the_facts_in_the_language(language, booked, missing,
                                                           closing):
    reply = suggest_reply("reminder", "Nordwind", [BOOKED, MISSING], language)
    assert booked in reply and missing in reply and closing in reply


def test_the_mails_words_choose_the_language_and_english_is_the_fallback():
    assert reply_language("Sehr geehrte Damen und Herren, bitte zahlen Sie die Rechnung") == "de"
    assert reply_language("Bonjour, merci de payer la facture, cordialement") == "fr"
    assert reply_language("Hola, gracias, adjuntamos la factura pendiente de pago") == "es"
    assert reply_language("Geachte heer, graag ontvangen wij de betaling van de factuur") == "nl"
    assert reply_language("Gentile cliente, la fattura è scaduta, grazie") == "en"  # no IT
    assert reply_language("12345 ---") == "en"


def test_a_german_mail_routed_as_the_producer_does_is_answered_in_german():
    [mail] = routed(hand_written("10-reminder-de.eml"))
    language = reply_language(f"{mail.payload.subject}\n{mail.payload.body}")
    assert language == "de"
    reply = suggest_reply("reminder", None, [MISSING], language)
    assert reply.startswith("Sehr geehrte Damen und Herren,\n\nvielen Dank")
    assert suggest_reply("reminder", None, [MISSING]).startswith("Dear Sir or Madam,")
