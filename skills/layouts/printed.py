"""What a page's printed text looks like, whatever values it carries.

A layout's fingerprint is the set of words printed without digits on its first page
(labels, headings, the vendor's own name and address lines), each with the quarter of
the page width it starts in: "rechnung@0", "summe@3". Dates, amounts and numbers
change from one invoice to the next and are left out, so two invoices of one layout
share most of their words; a different arrangement of the same labels shares fewer.
Rows go up and down with the number of line items, so only the horizontal position
is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from skills.normalize import normalize_text
from skills.schema import Document, Page, Word

_COLUMNS = 4  # horizontal bins of the page


def anchor_word(word: Word) -> str | None:
    """The folded form of a printed word that can serve as an anchor: no digits, at
    least two letters; None for values ("12.03.2024", "€", "INV-7")."""
    return _anchor_text(word.text)


@lru_cache(maxsize=1 << 16)
def _anchor_text(text: str) -> str | None:
    # Labels repeat on every invoice: each printed form is folded once per process.
    if any(ch.isdigit() for ch in text):
        return None
    folded = normalize_text(text)
    return folded if sum(ch.isalpha() for ch in folded) >= 2 else None


def page_tokens(page: Page) -> set[str]:
    tokens = set()
    width = page.width or 1.0
    for word in page.words:
        folded = anchor_word(word)
        if folded is not None:
            column = min(int(_COLUMNS * word.box[0] / width), _COLUMNS - 1)
            tokens.add(f"{folded}@{column}")
    return tokens


def fingerprint(doc: Document) -> frozenset[str]:
    """The tokens of the document's first page (an empty set for a document of no
    pages)."""
    return frozenset(page_tokens(doc.pages[0])) if doc.pages else frozenset()


def similarity(learned: Iterable[str], page: Iterable[str]) -> float:
    """The share of a learned fingerprint's tokens that ``page`` prints too. A layout keeps
    the tokens every invoice it was taught printed, so item descriptions and other words
    that change drop out of it and do not count against a new invoice."""
    kept = set(learned)
    return len(kept & set(page)) / len(kept) if kept else 0.0


def merge(learned: Iterable[str], page: Iterable[str], keep: int = 12) -> list[str]:
    """The learned tokens the new page printed too; unchanged when fewer than ``keep``
    would be left (a layout must stay recognisable)."""
    kept = set(learned)
    shared = kept & set(page)
    return sorted(shared if len(shared) >= keep else kept)
