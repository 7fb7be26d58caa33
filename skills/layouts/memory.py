"""Learned layouts and where they are kept.

A :class:`Layout` is one vendor's arrangement of an invoice: its fingerprint, and per
field the places its value was found and how often reading there was right. Layouts
are kept behind :class:`LayoutMemory`, a small interface with two backends: this
module's :class:`InMemoryLayouts` (evaluation, tests) and the work-item store's
record table (``tasks.layout_memory``), which workers on many machines share.
Saves are versioned: a save of a layout someone else changed since it was read is
refused with :class:`StaleLayout`, and the caller reads it again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from typing import Protocol

from pydantic import BaseModel, Field

from skills.layouts.places import Place

# Places kept per field: the newest first; an older one still reads a variant of the
# layout (a second page, a longer address pushing a block down).
MAX_PLACES = 3


class FieldMemory(BaseModel):
    places: list[Place] = []
    confirmed: int = 0  # read at a learned place and the clerk kept the value
    contradicted: int = 0  # read at a learned place and the clerk changed it
    # The clerk said the field is not printed on this layout (po_number, due_date).
    absent: int = 0
    # A vendor's own identifier (IBAN, VAT id) approved the same on every invoice taught,
    # else None: looked for in the page's text where no place finds it.
    constant: str | None = None
    # Where a value the bot read was corrected (the buyer's VAT id read as the vendor's,
    # an order number read as the invoice's): a value read there again is doubted.
    wrong: list[Place] = []

    @property
    def agreement(self) -> float | None:
        tested = self.confirmed + self.contradicted
        return self.confirmed / tested if tested else None

    def confidence(self) -> float:
        """The probability the next value read at this field's place is right: the rule of
        succession over the layout's own history, so a place never tested is 0.5 and
        needs a run of confirmations before it can pass any auto-accept threshold."""
        return (self.confirmed + 1) / (self.confirmed + self.contradicted + 2)


class Layout(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:16])
    vendor: str  # the key it is found by: the vendor's VAT id, else its folded name
    vendor_name: str | None = None  # for people: the name the clerk approved
    fingerprint: list[str]
    fields: dict[str, FieldMemory] = {}
    documents: int = 0  # documents taught
    created_at: float = Field(default_factory=time.time)
    taught_at: float = Field(default_factory=time.time)
    corrected_at: float | None = None  # last time a taught value differed from the read one
    version: int = 0  # the store's version when read; 0 for a layout never saved


class StaleLayout(Exception):
    """The layout changed since it was read; read it again and redo the change."""


class LayoutMemory(Protocol):
    def layouts_of(self, vendors: Collection[str]) -> list[Layout]:
        """Every layout learned for any of ``vendors`` (keys, see :attr:`Layout.vendor`);
        the caller copies a layout before changing it."""
        ...

    def save(self, layout: Layout) -> Layout:
        """Write ``layout`` if it is still at ``layout.version``; returns it at its new
        version. Raises StaleLayout otherwise."""
        ...

    def all(self) -> list[Layout]:
        ...

    def remove(self, layout_id: str) -> bool:
        ...


class InMemoryLayouts:
    """Layouts in a dict: for evaluation and tests (one process, nothing kept)."""

    def __init__(self) -> None:
        self._layouts: dict[str, Layout] = {}

    def layouts_of(self, vendors: Collection[str]) -> list[Layout]:
        wanted = set(vendors)
        return [x for x in self._layouts.values() if x.vendor in wanted]

    def save(self, layout: Layout) -> Layout:
        kept = self._layouts.get(layout.id)
        if (kept.version if kept else 0) != layout.version:
            raise StaleLayout(f"layout {layout.id} changed since it was read")
        saved = layout.model_copy(update={"version": layout.version + 1}, deep=True)
        self._layouts[layout.id] = saved
        return saved.model_copy(deep=True)

    def all(self) -> list[Layout]:
        return [x.model_copy(deep=True) for x in self._layouts.values()]

    def remove(self, layout_id: str) -> bool:
        return self._layouts.pop(layout_id, None) is not None
