"""Turn printed values into one canonical form, whatever the language or locale.

Extraction compares, scores and stores values in these forms only:

- dates as ISO strings ``2024-03-15``
- amounts as decimal strings with two places ``1234.56``
- currencies as ISO 4217 codes ``EUR``
- IBANs upper case without spaces, and only when the checksum holds
- VAT ids upper case without spaces or dots

Each ``normalize_*`` function returns ``None`` when the text is not a valid value
of that kind, so callers can use them as validators too. The month names and
the currency symbols live here because the invoice generator prints with them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from stdnum import iban as stdnum_iban
from stdnum import numdb
from stdnum.exceptions import ValidationError

# Month names in English, German, French, Spanish, Dutch and Italian (full and short forms).
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
}


def _fold(text: str) -> str:
    """Lower case without accents, so 'Février' and 'fevrier' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _month_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for names in MONTHS.values():
        for number, name in enumerate(names, start=1):
            folded = _fold(name)
            lookup[folded] = number
            lookup.setdefault(folded[:3], number)
            lookup.setdefault(folded[:4], number)
    lookup.update({"sept": 9, "mrz": 3, "maerz": 3, "okt": 10, "dez": 12, "mei": 5})
    return lookup


_MONTH_BY_NAME = _month_lookup()
# A month name, or an OCR reading of one with a digit for a letter ("0ktober", "0ct").
_MONTH_WORD = r"(?:[A-Za-zÀ-ÿ]|[01](?=[A-Za-zÀ-ÿ]))[A-Za-zÀ-ÿ01]{2,10}\.?"

# Letters OCR reads for look-alike letters in month names: a digit for a letter,
# "rn" for "m" ("Dezernber"), "vv" for "w".
_LETTER_SLIPS = (("0", "o"), ("1", "l"), ("1", "i"), ("rn", "m"), ("vv", "w"), ("ii", "u"))
_FULL_MONTHS = {_fold(name): number for names in MONTHS.values()
                for number, name in enumerate(names, start=1)}


def month_number(word: str) -> int | None:
    """The month a printed month name means, allowing for common OCR slips when only
    one month fits ("0ktober" → 10, "Dezernber" → 12, "Septernber" → 9); else None."""
    folded = _fold(word).rstrip(".")
    if folded in _MONTH_BY_NAME:
        return _MONTH_BY_NAME[folded]
    readings = {folded}
    for wrong, right in _LETTER_SLIPS:
        readings |= {r.replace(wrong, right) for r in readings}
    found = {_MONTH_BY_NAME[r] for r in readings if r in _MONTH_BY_NAME and r.isalpha()}
    if not found and len(folded) >= 5:  # one letter misread in a full month name
        found = {n for r in readings if r.isalpha() for name, n in _FULL_MONTHS.items()
                 if len(name) == len(r) and sum(a != b for a, b in zip(name, r, strict=True)) == 1}
    return found.pop() if len(found) == 1 else None


# Letters OCR reads for digits inside a numeric date ("1O.03.2024", "l5/03/2024").
_DIGIT_SLIPS = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1"})
_SLIPPED_NUMERIC = re.compile(r"(?<![\w.])[\dOoDIl|]{1,4}[./\-][\dOoDIl|]{1,2}[./\-][\dOoDIl|]{2,4}"
                              r"(?![\w.])")


def repair_digits(text: str) -> str:
    """``text`` with look-alike letters turned into digits inside numeric dates only
    ("1O.03.2024" → "10.03.2024"); same length, so positions stay valid."""
    def fix(m: re.Match[str]) -> str:
        token = m.group(0)
        if sum(c.isdigit() for c in token) < 4 or token.isdigit():
            return token
        return token.translate(_DIGIT_SLIPS)

    return _SLIPPED_NUMERIC.sub(fix, text)

# ISO codes we accept, and the symbols or local spellings that mean one of them.
CURRENCY_CODES = frozenset(
    [
        "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "JPY", "CAD", "AUD",
        "NZD", "INR", "MYR", "SGD", "CNY", "HKD", "ZAR", "BRL", "MXN", "TRY", "RON", "BGN"
    ]
)
CURRENCY_SYMBOLS: dict[str, str] = {
    "€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "chf": "CHF", "fr.": "CHF", "sfr": "CHF", "sfr.": "CHF",
    "kr": "SEK", "kr.": "SEK", "sek": "SEK",
    "₹": "INR", "rs": "INR", "rs.": "INR", "inr": "INR", "rm": "MYR", "¥": "JPY", "zł": "PLN",
}


# ---------------------------------------------------------------------------- amounts

_AMOUNT_CHARS = re.compile(r"[^0-9.,'’\u00a0\u202f \-()]")


def parse_amount(text: str) -> Decimal | None:
    """The number printed in ``text`` as a Decimal, in any usual locale format.

    Accepts ``1.234,56``, ``1,234.56``, ``1 234,56``, ``1'234.56``, ``1234``,
    currency signs around it, and a minus or brackets for negatives. A single
    separator followed by exactly three digits is read as a thousands separator.
    """
    if not text or not any(c.isdigit() for c in text):
        return None
    s = _AMOUNT_CHARS.sub("", text).strip()
    negative = s.startswith("-") or s.endswith("-") or (s.startswith("(") and s.endswith(")"))
    s = s.strip("-() ")
    s = re.sub(r"[\s\u00a0\u202f'’]", "", s)
    if not s or not re.fullmatch(r"[0-9.,]+", s) or not s[0].isdigit():
        return None
    s = _resolve_separators(s)
    if s is None:
        return None
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    return -value if negative else value


def _resolve_separators(s: str) -> str | None:
    """Rewrite digits with ',' and '.' into a plain decimal literal."""
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_sep = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if decimal_sep == "." else "."
        if s.count(decimal_sep) > 1:
            return None
        whole, frac = s.split(decimal_sep)
        if not re.fullmatch(rf"\d{{1,3}}(\{thousands}\d{{3}})*", whole):
            return None
        return whole.replace(thousands, "") + "." + frac
    sep = "." if dots else "," if commas else ""
    if not sep:
        return s
    parts = s.split(sep)
    if len(parts) > 2:  # several of one kind: thousands separators
        if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            return "".join(parts)
        return None
    whole, frac = parts
    if not whole or not frac:
        return None
    if len(frac) == 3 and len(whole) <= 3 and whole != "0":
        return whole + frac  # "1.234" / "1,234": a thousands separator
    return whole + "." + frac


def format_decimal(value: Decimal | float | int, places: int = 2) -> str:
    """The canonical decimal string: ``1234.56`` (no thousands separator)."""
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(quantum))


def normalize_amount(text: str) -> str | None:
    value = parse_amount(text)
    return None if value is None else format_decimal(value)


def normalize_rate(text: str) -> str | None:
    """A percentage such as ``19 %``, ``19,00%`` or ``0.19`` as ``19.00``."""
    value = parse_amount(text.replace("%", ""))
    if value is None:
        return None
    if 0 < value < 1 and "%" not in text:
        value *= 100
    return format_decimal(value) if 0 <= value <= 100 else None


# ------------------------------------------------------------------------------ dates

_NUMERIC_DATE = re.compile(r"(\d{1,4})\s?([./\-])\s?(\d{1,2})\s?\2\s?(\d{2,4})")
_DAY_MONTH_NAME = re.compile(
    rf"(\d{{1,2}})(?:\.|st|nd|rd|th|er)?\s*(?:de\s+)?-?\s*({_MONTH_WORD})"
    rf"\s*(?:de\s+)?[-,]?\s*(\d{{4}}|(?<=-)\d{{2}}(?!\d))"
)
_MONTH_NAME_DAY = re.compile(rf"({_MONTH_WORD})\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})")

DATE_PATTERN = re.compile(
    "|".join(p.pattern for p in (_NUMERIC_DATE, _DAY_MONTH_NAME, _MONTH_NAME_DAY)),
)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        made = date(year, month, day)
    except ValueError:
        return None
    return made if 1990 <= made.year <= 2100 else None


def parse_date(text: str, dayfirst: bool = True) -> date | None:
    """The date printed in ``text``, or None.

    ``dayfirst`` only settles numeric dates where both readings are valid
    (03/04/2024); 15/03/2024 and 03/15/2024 are unambiguous either way.
    """
    text = repair_digits(text.strip())
    m = _NUMERIC_DATE.search(text)
    if m:
        return _numeric_date(m, dayfirst)
    m = _DAY_MONTH_NAME.search(text)
    if m and (month := month_number(m.group(2))):
        return _make_date(_year(m.group(3)), month, int(m.group(1)))
    m = _MONTH_NAME_DAY.search(text)
    if m and (month := month_number(m.group(1))):
        return _make_date(_year(m.group(3)), month, int(m.group(2)))
    return None


def _numeric_date(m: re.Match[str], dayfirst: bool) -> date | None:
    a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
    if len(a) == 4:  # 2024-03-15
        return _make_date(int(a), int(b), int(c))
    if len(a) > 2:
        return None
    first, second, year = int(a), int(b), _year(c)
    if first > 12 or sep == ".":
        return _make_date(year, second, first)
    if second > 12:
        return _make_date(year, first, second)
    if dayfirst:
        return _make_date(year, second, first)
    return _make_date(year, first, second)


def slash_date_order(texts: list[str]) -> bool | None:
    """True (day first) or False (month first) when some numeric date in ``texts`` shows it."""
    for text in texts:
        for m in _NUMERIC_DATE.finditer(text):
            if len(m.group(1)) > 2 or m.group(2) == ".":
                continue
            if int(m.group(1)) > 12:
                return True
            if int(m.group(3)) > 12:
                return False
    return None


def normalize_date(text: str, dayfirst: bool = True) -> str | None:
    parsed = parse_date(text, dayfirst)
    return parsed.isoformat() if parsed else None


# ------------------------------------------------------------------------- currencies


def normalize_currency(text: str) -> str | None:
    token = text.strip().strip(":").strip()
    if token.upper() in CURRENCY_CODES:
        return token.upper()
    return CURRENCY_SYMBOLS.get(token.casefold())


_EURO = ("AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "EL", "HR", "IE", "IT", "LT",
         "LU", "LV", "MT", "NL", "PT", "SI", "SK")
# The currency a seller in each country usually invoices in (EL: Greece in VAT ids).
HOME_CURRENCY = {**dict.fromkeys(_EURO, "EUR"), "GB": "GBP", "CH": "CHF", "LI": "CHF",
                 "SE": "SEK", "DK": "DKK", "NO": "NOK", "PL": "PLN", "CZ": "CZK", "HU": "HUF",
                 "RO": "RON", "US": "USD", "IN": "INR", "MY": "MYR", "SG": "SGD"}


def home_currency(identifier: str | None) -> str | None:
    """The home currency of the country an IBAN or VAT id belongs to ("ATU1234..." -> EUR)."""
    return HOME_CURRENCY.get(identifier[:2].upper()) if identifier else None


# ------------------------------------------------------------------- IBANs and VAT ids

def iban_checksum_ok(iban: str) -> bool:
    """The checksum, the country's length and the structure of its account number
    (python-stdnum's IBAN registry): a string that passes mod 97 by chance rarely also
    has its country's shape."""
    try:
        stdnum_iban.validate(iban, check_country=False)
    except ValidationError:
        return False
    return True


# What OCR reads for a letter where the country's account number holds a digit, and the
# other way round (the Italian CIN "L" read as "1", a zero read as "O").
_AS_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6",
             "B": "8"}
_AS_LETTER = {"0": "OQD", "1": "IL", "2": "Z", "5": "S", "6": "G", "8": "B"}
_STRUCTURE = re.compile(r"(\d+)!([nac])")


def _bban_classes(iban: str) -> str | None:
    """One class per character of the country's account number ("n" digit, "a" letter,
    "c" either), or None for a country without IBANs."""
    info = numdb.get("iban").info(iban)[0][1]
    if "bban" not in info:
        return None
    return "".join(kind * int(n) for n, kind in _STRUCTURE.findall(info["bban"]))


def repair_iban(compact: str) -> str | None:
    """An IBAN OCR misread only where its country's structure says which kind of
    character belongs (a digit read as a letter, or a letter as a digit), put right when
    exactly one reading passes the checksum; None otherwise. Characters that may be
    either are never guessed."""
    compact = compact.upper()
    classes = _bban_classes(compact) if len(compact) > 4 else None
    if classes is None or len(classes) != len(compact) - 4:
        return None
    options: list[str] = [compact[:4]]
    for ch, kind in zip(compact[4:], classes, strict=True):
        if kind == "n" and not ch.isdigit():
            choices = _AS_DIGIT.get(ch, "")
        elif kind == "a" and not ch.isalpha():
            choices = _AS_LETTER.get(ch, "")
        else:
            choices = ch
        if not choices:
            return None
        options = [o + c for o in options for c in choices]
        if len(options) > 64:
            return None
    valid = [o for o in options if o != compact and iban_checksum_ok(o)]
    return valid[0] if len(valid) == 1 else None


def normalize_iban(text: str) -> str | None:
    compact = re.sub(r"[\s\-]", "", text).upper()
    if compact.startswith("IBAN"):
        compact = compact[4:].lstrip(":")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return None
    return compact if iban_checksum_ok(compact) else None


# Country prefix → the shape of the rest of the VAT id (EU VIES formats + GB, CH, NO).
VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "DE": r"\d{9}", "DK": r"\d{8}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]", "FI": r"\d{8}", "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "GB": r"\d{9}(\d{3})?", "IE": r"\d{7}[A-Z]{1,2}",
    "IT": r"\d{11}", "LU": r"\d{8}", "NL": r"\d{9}B\d{2}", "PL": r"\d{10}", "PT": r"\d{9}",
    "SE": r"\d{12}", "CHE": r"\d{9}(MWST|TVA|IVA)?", "NO": r"\d{9}(MVA)?",
}
_VAT_RE = re.compile(
    r"(?:{})".format("|".join(f"{cc}{rest}" for cc, rest in VAT_FORMATS.items()))
)


def normalize_vat(text: str) -> str | None:
    compact = re.sub(r"[\s.\-]", "", text).upper()
    return compact if _VAT_RE.fullmatch(compact) else None


# ------------------------------------------------------------------------- free text


def normalize_text(text: str) -> str:
    """Loose form of a name for comparison: folded case, no punctuation, single spaces."""
    folded = _fold(text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


# OCR sets punctuation apart: "MR D . I . Y . ( M ) SDN BHD" is printed "MR D.I.Y. (M) SDN BHD".
_SPACE_BEFORE = re.compile(r"\s+(?=[.,)\]])")
_SPACE_AFTER = re.compile(r"(?<=[(\[])\s+")
_BETWEEN_INITIALS = re.compile(r"(?<=\b[^\W\d_]\.)\s+(?=[^\W\d_]\.)")


def normalize_name(text: str) -> str:
    """A company name with the spaces OCR puts around punctuation and initials removed."""
    text = _SPACE_AFTER.sub("", _SPACE_BEFORE.sub("", text))
    return _BETWEEN_INITIALS.sub("", text)


def normalize_identifier(text: str) -> str:
    """An invoice or order number as printed, without surrounding punctuation."""
    return text.strip().strip(":#.,;").strip()


def normalize_field(name: str, text: str, dayfirst: bool = True) -> str | None:
    """The canonical value of header field ``name`` read from ``text``."""
    if name.endswith("_date"):
        return normalize_date(text, dayfirst)
    if name in ("net_amount", "tax_amount", "total"):
        return normalize_amount(text)
    if name == "tax_rate":
        return normalize_rate(text)
    if name == "currency":
        return normalize_currency(text)
    if name == "vendor_iban":
        return normalize_iban(text)
    if name == "vendor_vat":
        return normalize_vat(text)
    cleaned = normalize_identifier(text)
    return cleaned or None
