"""The clerk's locale, from the browser's Accept-Language: how they write dates and numbers.

Only what the validation view needs to read what a person types: whether a numeric
date puts the day first and which character separates decimals. Anything the browser
does not say defaults to ISO-like habits (day first, decimal point).
"""

from __future__ import annotations

from pydantic import BaseModel

# Languages whose numbers use a decimal point; most others use a comma.
_DECIMAL_POINT = frozenset({"en", "ja", "zh", "ko", "he", "th", "hi", "ga", "mt", "ms", "tl"})
# Regions that write the month first in numeric dates (03/04/2026 is March 4).
_MONTH_FIRST = frozenset({"US", "PH", "FM", "MH", "PW"})


class ClerkLocale(BaseModel):
    tag: str = ""  # e.g. "de-DE"; "" when the browser said nothing
    day_first: bool = True
    decimal: str = "."  # "." or ","

    @property
    def date_example(self) -> str:
        return "31.12.2026 or 2026-12-31" if self.day_first else "12/31/2026 or 2026-12-31"

    @property
    def amount_example(self) -> str:
        return "1.234,56 or 1234.56" if self.decimal == "," else "1,234.56 or 1234.56"


def from_accept_language(header: str | None) -> ClerkLocale:
    """The first language of an Accept-Language header ("de-DE,de;q=0.9,en;q=0.8")."""
    first = (header or "").split(",")[0].split(";")[0].strip()
    if not first or first == "*":
        return ClerkLocale()
    parts = first.replace("_", "-").split("-")
    language = parts[0].lower()
    region = next((p.upper() for p in parts[1:] if len(p) == 2), "")
    return ClerkLocale(tag=first, day_first=region not in _MONTH_FIRST,
                       decimal="." if language in _DECIMAL_POINT else ",")
