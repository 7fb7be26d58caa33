"""Which party a printed value belongs to: the seller, the buyer, or neither.

Invoices print both parties with the same labels ("Name:", "USt-IdNr.:", "IBAN"); only a
section heading tells them apart: "Verkäufer" / "Käufer", "Seller" / "Bill to",
"Fournisseur" / "Facturé à", "Cedente" / "Cessionario" (the ``seller`` and ``buyer``
phrases of skills.extract.labels). :func:`role_features` says, for every value on a
page, how strongly it sits in a block headed by each role; where no heading is known,
:func:`other_company_above` finds the company whose name heads a value's block.

The buyer is usually one of the AP team's own companies, and those are known:
:class:`OurCompanies` lists their names, VAT ids and IBANs (``AP_OUR_COMPANIES`` names a
JSON file, see :func:`our_companies`), and extraction never takes one of them for the
vendor.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from skills.extract.labels import Label
from skills.normalize import normalize_iban, normalize_text, normalize_vat
from skills.schema import Page

if TYPE_CHECKING:  # skills.extract.candidates imports this module
    from skills.extract.candidates import Candidate

# How far below its heading a block reaches, as a share of the page height.
_BLOCK_REACH = 0.3
# A block is at most this wide, as a share of the page width: a value further right is
# in another column.
_BLOCK_WIDTH = 0.4
# A heading's block starts at most this far left of the heading (points).
_LEFT_SLACK = 12.0


def role_features(boxes: np.ndarray, labels: list[Label], page: Page) -> np.ndarray:
    """For each box (n × 4), how strongly it sits under a buyer's and under a seller's
    heading: columns (buyer, seller), 1.0 right under the heading or beside it on its
    line, fading to 0 a third of a page below. A value belongs to the nearest heading
    at or left of it in its column (blocks side by side each have their own)."""
    out = np.zeros((len(boxes), 2))
    heads = [lab for lab in labels if lab.field in ("buyer", "seller")]
    if not heads or not len(boxes):
        return out
    hb = np.array([h.box for h in heads], dtype=np.float64)
    is_buyer = np.array([h.field == "buyer" for h in heads])
    reach = page.height * _BLOCK_REACH
    height = np.maximum(hb[:, 3] - hb[:, 1], 1.0)
    for i, box in enumerate(boxes):
        dy = box[1] - hb[:, 1]
        under = ((dy >= -height / 2) & (dy <= reach) & (hb[:, 0] <= box[0] + _LEFT_SLACK)
                 & (box[0] - hb[:, 0] <= page.width * _BLOCK_WIDTH))
        if not under.any():
            continue
        # The heading of this column: the right-most one at or left of the value, then the
        # nearest above it.
        x = np.where(under, hb[:, 0], -np.inf)
        column = under & (x >= x.max() - _LEFT_SLACK)
        j = int(np.argmin(np.where(column, np.abs(dy), np.inf)))
        strength = 1.0 - max(float(dy[j]), 0.0) / reach
        out[i, 0 if is_buyer[j] else 1] = strength
    return out


# ------------------------------------------------------------------ our own companies


# A party's block where no heading names it: how far under the party's name its values
# (VAT id, address) are printed, and how near the name's column.
BLOCK_DEPTH = 120.0
SAME_COLUMN = 60.0


def other_company_above(value: Candidate, candidates: Sequence[Candidate],
                        vendor: str) -> str | None:
    """The name of another company printed over ``value`` in its block: the nearest
    company name above it in its column, when that is not the vendor's."""
    from skills.extract.extraction import values_match  # extraction imports this module

    above = [(c, values_match("vendor_name", c.value, vendor)) for c in candidates
             if c.field == "vendor_name" and c.page == value.page
             and 0 < value.box[1] - c.box[1] <= BLOCK_DEPTH
             and abs(c.box[0] - value.box[0]) <= SAME_COLUMN]
    # A company name: a legal form and no digits ("5611 AB Eindhoven" is an address).
    companies = [(c, ours) for c, ours in above if ours or (
        c.features.get("name_suffix") and not c.features.get("name_digits"))]
    if not companies:
        return None
    nearest, ours = max(companies, key=lambda co: co[0].box[1])
    return None if ours else nearest.value



class OurCompany(BaseModel):
    """One of the buyer's own companies, as it is printed on the invoices it receives."""

    name: str
    vat: str | None = None
    iban: str | None = None


class OurCompanies(BaseModel):
    """The companies the AP team pays for: never the vendor of an invoice."""

    companies: list[OurCompany] = Field(default_factory=list)

    def is_ours(self, field: str, value: str | None) -> bool:
        """Whether ``value`` of ``field`` (vendor_name, vendor_vat, vendor_iban) is ours."""
        if not value:
            return False
        if field == "vendor_vat":
            return any(c.vat and normalize_vat(c.vat) == value for c in self.companies)
        if field == "vendor_iban":
            return any(c.iban and normalize_iban(c.iban) == value for c in self.companies)
        if field == "vendor_name":
            return any(_same_name(c.name, value) for c in self.companies)
        return False


def _same_name(ours: str, printed: str) -> bool:
    """The printed line is our name, with or without legal form, or our name plus a few
    words of address ("Contoso Retail GmbH, Einkauf")."""
    from skills.extract.extraction import name_words  # noqa: PLC0415 - it imports this module

    a, b = name_words(ours), name_words(printed)
    if not a or not b:
        return normalize_text(ours) == normalize_text(printed)
    return b[:len(a)] == a and len(b) <= len(a) + 2


def load_our_companies(path: Path) -> OurCompanies:
    """A JSON file: a list of ``{"name": ..., "vat": ..., "iban": ...}``."""
    return OurCompanies(companies=json.loads(path.read_text(encoding="utf-8")))


_REPO_ROOT = Path(__file__).resolve().parents[1]


@cache
def our_companies() -> OurCompanies:
    """The list named by ``AP_OUR_COMPANIES`` (a JSON file; a relative path is taken from
    the repository root, as in ``devdata/env-*.json``), or an empty one."""
    path = os.environ.get("AP_OUR_COMPANIES")
    if not path:
        return OurCompanies()
    file = Path(path).expanduser()
    return load_our_companies(file if file.is_absolute() else _REPO_ROOT / file)

