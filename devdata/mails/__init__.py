"""Generated AP mailbox messages in English, German, French, Spanish and Dutch, one of ten
intents each, for training and measuring the inbox triage model.

A mail is composed from parts (``devdata.mails.phrases``): greeting, a core paragraph
that carries the intent, maybe a detail sentence, a closing and a signature, with made-up
vendors, amounts, IBANs (valid check digits), dates and document numbers. The ``train``
family never uses the last template of any list; the ``heldout`` family uses only those,
so held-out figures measure wording the model never saw. The ``calibration`` family has
wording of its own (``devdata.mails.calibration``), in neither of the others: confidence
is fitted on it, so the held-out family is never used to fit anything.

    python -m devdata.mails --out DIR --count 200 --seed 5 --family heldout
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

from pydantic import BaseModel

from devdata.generator.truth import make_iban, make_vendor
from devdata.mails import calibration as C
from devdata.mails import phrases as P

INTENTS = ("invoice", "credit_note", "reminder", "remittance", "bank_change",
           "vendor_update", "question", "not_invoice", "spam", "other")
FAMILIES = ("train", "calibration", "heldout")
_HOME = {"en": ["GB", "US"], "de": ["DE", "AT", "CH"], "fr": ["FR", "BE"], "es": ["ES"],
         "nl": ["NL", "BE"]}
_MONTHS = {
    "en": "January February March April May June July August September October November "
          "December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
          "décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
          "diciembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november "
          "december",
}
_CONTACTS = ["Anna Weber", "Jean Martin", "María López", "Pieter de Vries", "John Smith",
             "Sophie Laurent", "Lukas Braun", "Carmen Ruiz", "Emma Jansen", "David Brown"]
_BICS = ["DEUTDEFFXXX", "BNPAFRPPXXX", "CAIXESBBXXX", "INGBNL2AXXX", "BARCGB22XXX",
         "COBADEFFXXX", "RABONL2UXXX"]
_INV_SHAPES = ["INV-{y}-{n5}", "RE-{n5}", "F{y}/{n4}", "{y}-{n4}", "A-{n6}", "FAC-{n6}",
               "R{n7}", "{n3}/{y}", "SI{n6}", "FV{y}-{n4}"]


class Mail(BaseModel):
    """One generated message and its truth."""

    subject: str
    body: str
    sender: str
    attachments: list[str]
    intent: str
    language: str
    template: str  # "intent/lang/subject.core index" ("c" first: calibration wording)
    facts: dict[str, str]  # slot values (invoice number, IBAN, amount...) as printed


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _pick(rng: random.Random, options: list[str], family: str) -> tuple[int, str]:
    """A template index: of the shared lists, the last one is the held-out family's, the
    rest are training's; the calibration family's lists are its own, all of them usable."""
    if len(options) == 1:
        return 0, options[0]
    if family == "calibration":
        index = rng.randrange(len(options))
    else:
        index = len(options) - 1 if family == "heldout" else rng.randrange(len(options) - 1)
    return index, options[index]


def _amount(rng: random.Random, lang: str) -> tuple[str, Decimal]:
    value = Decimal(rng.choice([rng.randint(20, 999), rng.randint(1000, 99999)])) + \
        Decimal(rng.randint(0, 99)) / 100
    plain = f"{value:,.2f}"  # 12,345.67
    if lang == "en":
        return plain, value
    swapped = plain.replace(",", "_").replace(".", ",").replace("_", ".")
    if lang == "fr":
        swapped = swapped.replace(".", "\u202f" if rng.random() < 0.3 else " ")
    elif rng.random() < 0.4:
        swapped = swapped.replace(".", "")
    return swapped, value


def _date(rng: random.Random, lang: str, day: date) -> str:
    month = _MONTHS[lang].split()[day.month - 1]
    styles = {
        "en": [f"{day.day} {month} {day.year}", f"{month} {day.day}, {day.year}",
               day.strftime("%d/%m/%Y"), day.isoformat()],
        "de": [day.strftime("%d.%m.%Y"), f"{day.day}. {month} {day.year}"],
        "fr": [day.strftime("%d/%m/%Y"), f"{day.day} {month} {day.year}"],
        "es": [day.strftime("%d/%m/%Y"), f"{day.day} de {month} de {day.year}"],
        "nl": [day.strftime("%d-%m-%Y"), f"{day.day} {month} {day.year}"],
    }[lang]
    return rng.choice(styles)


def _grouped(rng: random.Random, iban: str) -> str:
    if rng.random() < 0.5:
        return iban
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def _currency(rng: random.Random, country: str) -> str:
    home = {"GB": "GBP", "US": "USD", "CH": "CHF"}.get(country, "EUR")
    return rng.choice([home, home, home, "EUR", "€" if home == "EUR" else home])


def _slots(rng: random.Random, lang: str) -> dict[str, str]:
    country = rng.choice(_HOME[lang])
    vendor = make_vendor(rng)
    while vendor.country != country and rng.random() < 0.8:
        vendor = make_vendor(rng)
    iban_country = vendor.country if vendor.iban else rng.choice(["DE", "FR", "NL", "ES"])
    year = rng.choice([2025, 2026])
    day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    amount, _ = _amount(rng, lang)
    street, city = (vendor.address + ["", ""])[:2]
    return {
        "vendor": vendor.name,
        "old_name": make_vendor(rng).name,
        "inv": rng.choice(_INV_SHAPES).format(
            y=year, **{f"n{k}": _digits(rng, k) for k in range(3, 8)}),
        "ref": rng.choice(_INV_SHAPES).format(
            y=year, **{f"n{k}": _digits(rng, k) for k in range(3, 8)}),
        "po": rng.choice(["PO-", "45000", "BE-", ""]) + _digits(rng, 5),
        "dn": rng.choice(["LS-", "DN", "BL", "ALB-", ""]) + _digits(rng, 7),
        "qn": rng.choice(["AN-", "Q", "DEV-", "PRE-", "OFF-"]) + _digits(rng, 5),
        "amount": amount,
        "cur": _currency(rng, vendor.country),
        "date": _date(rng, lang, day),
        "date_compact": day.strftime("%Y%m%d"),
        "days": str(rng.choice([7, 10, 14, 30, 45, 60])),
        "month": _MONTHS[lang].split()[rng.randrange(12)],
        "iban": _grouped(rng, make_iban(rng, iban_country)),
        "old_iban": _grouped(rng, make_iban(rng, iban_country)),
        "bic": rng.choice(_BICS),
        "contact": rng.choice(_CONTACTS),
        "addressee": rng.choice(_CONTACTS),
        "phone": f"+{rng.choice(['49', '33', '34', '31', '44'])} {_digits(rng, 3)} "
                 f"{_digits(rng, 6)}",
        "street": street or "Main Street 1",
        "city": city or "Berlin",
        "qty": str(rng.randint(2, 400)),
    }


def make_mail(rng: random.Random, intent: str, lang: str, family: str = "train") -> Mail:
    """One mail of ``intent`` in ``lang``, worded from ``family``'s templates."""
    slots = _slots(rng, lang)
    words = C if family == "calibration" else P
    s_index, subject = _pick(rng, words.SUBJECTS[intent][lang], family)
    c_index, core = _pick(rng, words.CORES[intent][lang], family)
    # German, French, Spanish and Dutch letters go on in lower case after "Dear ...,";
    # mails often do not.
    if lang == "en" or rng.random() < 0.5:
        core = core[0].upper() + core[1:]
    parts = [rng.choice(P.GREETINGS[lang]), "", core]
    if rng.random() < 0.6:
        parts.append(_pick(rng, words.DETAILS[intent][lang], family)[1])
    parts += ["", rng.choice(P.CLOSINGS[lang]), slots["contact"], slots["vendor"]]
    if rng.random() < 0.4:
        parts.append(f"{slots['street']}, {slots['city']}")
    subject = subject.format(**slots)
    if rng.random() < 0.15:
        subject = rng.choice(P.REPLY_PREFIX[lang]) + subject
    attachments = []
    if intent in words.ATTACHMENTS and rng.random() < 0.8:
        name = _pick(rng, words.ATTACHMENTS[intent][lang], family)[1].format(**slots)
        attachments.append(name.replace("/", "-"))
    body = "\n".join(parts).format(**slots)
    domain = "".join(ch for ch in slots["vendor"].lower() if ch.isalnum())[:16] or "vendor"
    return Mail(subject=subject, body=body, sender=f"accounts@{domain}.example",
                attachments=attachments, intent=intent, language=lang,
                template=f"{intent}/{lang}/{'c' if family == 'calibration' else ''}"
                         f"{s_index}.{c_index}", facts=slots)


def generate_mails(count: int, seed: int, family: str = "train") -> list[Mail]:
    """``count`` mails, intents and languages in turn so every pair is equally present."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, not {family!r}")
    rng = random.Random(f"{seed}:{family}")
    pairs = [(i, lang) for i in INTENTS for lang in P.LANGUAGES]
    return [make_mail(rng, *pairs[n % len(pairs)], family=family) for n in range(count)]


def to_eml(mail: Mail) -> bytes:
    """The mail as an RFC 5322 message; attachments are named in the body's last line
    (the generator makes no documents)."""
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = "ap@acme-buyer.example"
    msg["Subject"] = mail.subject
    body = mail.body
    if mail.attachments:
        body += "\n\n[" + ", ".join(mail.attachments) + "]"
    msg.set_content(body)
    return bytes(msg)


def write_mails(mails: list[Mail], out: Path) -> None:
    """One ``.eml`` per mail plus ``labels.jsonl`` (file, intent, language, template)."""
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for n, mail in enumerate(mails):
        name = f"mail-{n:05d}.eml"
        (out / name).write_bytes(to_eml(mail))
        lines.append(mail.model_dump_json(include={"intent", "language", "template"})
                     .replace("{", f'{{"file": "{name}", ', 1))
    (out / "labels.jsonl").write_text("\n".join(lines) + "\n")
