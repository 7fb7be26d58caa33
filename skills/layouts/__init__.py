"""Layout memory: one correction teaches a vendor's layout.

When a clerk approves an invoice's fields, the layout of that vendor's invoice is
remembered: its printed words (a fingerprint), and where each field's value sat
relative to the printed labels around it. The next invoice of that layout is read at
the learned places beside the general model (``skills.extract.extract(...,
layouts=memory)``); a value read there still passes every check, and its confidence
comes from how often the layout's place was right before, so a layout taught once
never auto-accepts a value on its own.

    from skills.layouts import InMemoryLayouts, recall, teach
    memory = InMemoryLayouts()
    teach(memory, doc, candidates, approved_values)

Modules: ``printed`` (a page's printed words: the fingerprint), ``places`` (where a value sits
next to its anchor words), ``memory`` (the learned record and its backends),
``learn`` (recall and teach).
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Where each public name lives; imported on first use, so the store's side
# (tasks.layout_memory needs only ``memory``) does not load the extraction model.
_HOME = {
    "fingerprint": "printed", "similarity": "printed",
    "MIN_SIMILARITY": "learn", "Pick": "learn", "Recalled": "learn", "recall": "learn",
    "teach": "learn", "teach_document": "learn", "vendor_keys": "learn",
    "FieldMemory": "memory", "InMemoryLayouts": "memory", "Layout": "memory",
    "LayoutMemory": "memory", "StaleLayout": "memory",
    "Place": "places", "learn_place": "places",
}
__all__ = [
    "MIN_SIMILARITY", "FieldMemory", "InMemoryLayouts", "Layout", "LayoutMemory", "Pick",
    "Place", "Recalled", "StaleLayout", "fingerprint", "learn_place", "recall", "similarity",
    "teach", "teach_document", "vendor_keys",
]

if TYPE_CHECKING:
    from skills.layouts.learn import (
        MIN_SIMILARITY,
        Pick,
        Recalled,
        recall,
        teach,
        teach_document,
        vendor_keys,
    )
    from skills.layouts.memory import (
        FieldMemory,
        InMemoryLayouts,
        Layout,
        LayoutMemory,
        StaleLayout,
    )
    from skills.layouts.places import Place, learn_place
    from skills.layouts.printed import fingerprint, similarity


def __getattr__(name: str) -> object:
    if name in _HOME:
        return getattr(import_module(f"skills.layouts.{_HOME[name]}"), name)
    raise AttributeError(f"module 'skills.layouts' has no attribute {name!r}")
