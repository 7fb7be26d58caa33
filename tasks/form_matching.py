"""Match spreadsheet columns to a web form's visible labels, and cell values to field values.

Pure Python, no browser: the form filler scans a page into :class:`FormField` records
and asks this module which column goes where ("E-mail" ~ "Email address") and what to
type ("yes" ticks a checkbox, "france" picks the option "France", a date cell becomes
2027-01-15 for a date input).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any

from pydantic import BaseModel, ConfigDict

MATCH_THRESHOLD = 0.6
_STOPWORDS = frozenset({"a", "an", "the", "your", "of", "to", "for", "and", "or", "please"})
_TRUE = frozenset({"yes", "y", "true", "1", "x", "ja", "oui", "si", "on", "checked"})
_FALSE = frozenset({"no", "n", "false", "0", "", "nein", "non", "off", "unchecked"})
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")
# Words forms use for the same thing, as whole words after normalise(): "Phone no." is
# "phone number", "Surname" is "last name". Each maps to the wording compared.
_SYNONYMS = {
    "surname": "last name", "family name": "last name", "lastname": "last name",
    "given name": "first name", "forename": "first name", "firstname": "first name",
    "telephone": "phone", "tel": "phone", "mobile": "phone", "cell": "phone",
    "no": "number", "nr": "number", "num": "number", "nbr": "number",
    "e mail": "email", "mail": "email", "email address": "email",
    "organisation": "company", "organization": "company", "employer": "company",
    "company name": "company", "job title": "role", "position": "role",
    "post code": "zip", "postcode": "zip", "postal code": "zip", "zip code": "zip",
    "dob": "date of birth", "birthday": "date of birth",
}
_SYNONYM_RE = re.compile(r"\b(" + "|".join(
    sorted((re.escape(k) for k in _SYNONYMS), key=len, reverse=True)) + r")\b")


class Option(BaseModel):
    model_config = ConfigDict(frozen=True)
    value: str
    text: str


class FormField(BaseModel):
    """A field as the page shows it: its visible label, its kind, its choices."""

    model_config = ConfigDict(frozen=True)
    label: str
    kind: str  # text, email, number, tel, url, date, textarea, select, radio, checkbox
    options: tuple[Option, ...] = ()


class CellError(ValueError):
    """A spreadsheet cell that cannot go into its form field."""


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation; "E-mail:" -> "email"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\b([a-z])[-_ ](?=[a-z]{3,})", r"\1", text)  # "e-mail" -> "email"
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def canonical(text: str) -> str:
    """normalise(), with common synonyms replaced: "Phone no." -> "phone number"."""
    return _SYNONYM_RE.sub(lambda m: _SYNONYMS[m.group(1)], normalise(text))


def _stems(text: str) -> set[str]:
    # Five-letter prefixes let "preferred" meet "preference" and "subscribe" "subscription".
    return {w[:5] for w in text.split() if w not in _STOPWORDS}


def similarity(a: str, b: str) -> float:
    """0..1: how likely a column header and a field label mean the same thing."""
    na, nb = canonical(a), canonical(b)
    if not na or not nb:
        return 0.0
    if na.replace(" ", "") == nb.replace(" ", ""):
        return 1.0
    sa, sb = _stems(na), _stems(nb)
    overlap = len(sa & sb) / min(len(sa), len(sb)) if sa and sb else 0.0
    ratio = SequenceMatcher(None, na, nb).ratio()
    return max(0.9 * overlap, ratio)


def match_columns(headers: list[str], fields: list[FormField]) -> dict[str, FormField]:
    """Each header's field, best pairs first; headers below the threshold are left out."""
    pairs = sorted(
        ((similarity(h, f.label), i, h, f) for h in headers for i, f in enumerate(fields)),
        key=lambda p: (-p[0], p[1]),
    )
    mapping: dict[str, FormField] = {}
    used: set[str] = set()
    for score, _, header, field in pairs:
        if score < MATCH_THRESHOLD or header in mapping or field.label in used:
            continue
        mapping[header] = field
        used.add(field.label)
    return mapping


def field_value(field: FormField, cell: Any) -> str | bool:
    """What to put into ``field`` for a spreadsheet cell; CellError when it cannot fit."""
    if field.kind == "checkbox":
        return _boolean(cell, field.label)
    if field.kind in ("select", "radio"):
        return _choice(field, cell)
    if field.kind == "date":
        return _iso_date(cell, field.label)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell)


def _boolean(cell: Any, label: str) -> bool:
    if isinstance(cell, bool):
        return cell
    text = normalise(str(cell)) if cell is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{label}: {cell!r} is neither yes nor no")


def _choice(field: FormField, cell: Any) -> str:
    wanted = normalise("" if cell is None else str(cell))
    for option in field.options:  # exact value or text first
        if wanted and wanted in (normalise(option.value), normalise(option.text)):
            return option.value
    scored = [(similarity(wanted, o.text), o) for o in field.options if o.value]
    best = max(scored, key=lambda s: s[0], default=(0.0, None))
    if best[1] is not None and best[0] >= 0.8:
        return best[1].value
    choices = ", ".join(o.text for o in field.options if o.value)
    raise CellError(f"{field.label}: {cell!r} is not one of {choices}")


def _iso_date(cell: Any, label: str) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    text = "" if cell is None else str(cell).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise CellError(f"{label}: {cell!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY)")
