"""Saving the workbooks the bots write, with no formula an outsider can plant.

Vendor names, invoice numbers, exception messages and form answers come from
documents and web pages nobody here controls. A value such as ``=HYPERLINK(...)``
would become a live formula in the AP report (CSV/formula injection). The product
writes no formulas of its own, so before a workbook is saved every text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as text,
shown as typed, and marked so Excel keeps it text when someone edits the cell.
Numbers, negative ones included, stay numbers: only strings are touched.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def save(book: Workbook, path: Path | str) -> None:
    """``book.save(path)``, after making every formula-like text a plain string."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    as_text(cell)
    book.save(path)


def as_text(cell) -> None:  # noqa: ANN001 - an openpyxl cell
    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
    cell.quotePrefix = True  # Excel's own "this is text" mark (the leading apostrophe)
