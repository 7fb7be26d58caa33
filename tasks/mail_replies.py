"""Suggested replies to vendors' mails: a template per route, filled with ERP facts, in the
mail's language.

No generative model: each route has one template in English, German, French, Spanish and
Dutch (:mod:`tasks.reply_templates`); the facts are the bot's own findings (where each
invoice stands, as :mod:`tasks.invoice_status` worded it) and the mail's extracted facts.
The language is the mail's own (:func:`skills.language.guess_text_language`), English when
it cannot be told. The clerk reads, edits and sends it; nothing is sent by the bot.
"""

from __future__ import annotations

from datetime import date

from skills.language import guess_text_language
from tasks.invoice_status import Status
from tasks.reply_templates import REPLIES, ReplyLanguage

DEFAULT_LANGUAGE = "en"


def reply_language(text: str) -> str:
    """The language a reply to ``text`` is written in: the mail's, if we have templates
    for it, else English."""
    language = guess_text_language(text)
    return language if language in REPLIES else DEFAULT_LANGUAGE


def vendor_sentence(status: Status, language: str = DEFAULT_LANGUAGE) -> str:
    """What the vendor may be told of one invoice (no item numbers, no internal codes)."""
    words = REPLIES[language]
    if status.state in ("posted", "erp_only"):
        hint = words.state_hint[status.state]
        if status.due_date and status.due_date < date.today().isoformat():
            hint = words.past_due
        return words.booked(status.number, status.posted_on, status.due_date) + " " + hint
    return words.invoice_state.format(number=status.number,
                                      hint=words.state_hint[status.state])


def suggest_reply(route: str, vendor_name: str | None, statuses: list[Status],
                  language: str = DEFAULT_LANGUAGE) -> str | None:
    """The reply a clerk may send, or None where none should be sent (spam)."""
    if route in ("spam", "unsure"):
        return None
    words: ReplyLanguage = REPLIES.get(language, REPLIES[DEFAULT_LANGUAGE])
    template = words.templates.get(route, words.templates["other"])
    facts = "\n".join(vendor_sentence(s, words.code) for s in statuses) or words.no_number
    return template.format(open=words.open(vendor_name), facts=facts, close=words.closing)
