"""A clerk's approved field values in the forms the extractor reads them in.

The Control Room keeps a value as the clerk's locale and its checks leave it (a rate
"19"); the extractor reads the same rate as "19.00". Compared, labelled or taught as
they are, such values would never match what is printed on the page.
"""

from __future__ import annotations

from tasks.payloads import HEADER_FIELDS

# Free text: kept as the clerk approved it (vendor names are compared folded anyway).
_AS_TYPED = ("vendor_name", "invoice_number")


def confirmed_values(corrected: dict[str, str | None]) -> dict[str, str | None]:
    """A clerk's approved values in the extractor's canonical forms: the Control Room
    keeps a rate as typed ("19"), the extractor reads it as "19.00"; compared or labelled
    as they are, every rate would count as wrong."""
    from skills.normalize import normalize_field  # noqa: PLC0415

    out: dict[str, str | None] = {}
    for name in HEADER_FIELDS:
        value = corrected.get(name)
        if value is None or name in _AS_TYPED:
            out[name] = value
            continue
        try:
            out[name] = normalize_field(name, value) or value
        except ValueError:
            out[name] = value
    return out
