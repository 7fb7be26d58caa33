"""Write the AP report as an Excel workbook people can filter, sort and chart.

Sheets: Summary (key figures, exceptions by code and postings per day, each with a native
Excel bar chart), Posted and Exceptions (Excel tables with filters). Times are UTC;
Excel has no time zones, so they are written as plain date-times and the headers say UTC.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from skills.errors import ErrorCode
from tasks import workbooks
from tasks.report_data import OpenException, PostedInvoice, Report

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
MONEY = "#,##0.00"
HOURS = "0.00"
PERCENT = "0.0%"
MAX_WIDTH = 60
TITLE = Font(bold=True, size=14)
BOLD = Font(bold=True)


class Column:
    """One table column: its header, how to get the value from a row, its number format."""

    def __init__(self, header: str, value: Callable[[Any], Any], number_format: str = "") -> None:
        self.header, self.value, self.number_format = header, value, number_format


POSTED_COLUMNS = (
    Column("Vendor", lambda p: p.vendor),
    Column("Vendor id", lambda p: p.vendor_id),
    Column("Invoice number", lambda p: p.invoice_number),
    Column("Invoice date", lambda p: p.invoice_date, DATE),
    Column("Total", lambda p: p.total, MONEY),
    Column("Currency", lambda p: p.currency),
    Column("ERP document", lambda p: p.document_number),
    Column("Validation", lambda p: "straight-through" if p.straight_through
           else "human-validated"),
    Column("Created (UTC)", lambda p: _naive(p.created_at), DATETIME),
    Column("Posted (UTC)", lambda p: _naive(p.posted_at), DATETIME),
    Column("Cycle time (h)", lambda p: p.cycle_hours, HOURS),
    Column("Source", lambda p: p.source),
    Column("File", lambda p: p.filename),
    Column("Reference (sha256)", lambda p: p.reference),
)
EXCEPTION_COLUMNS = (
    Column("Item", lambda e: e.item_id),
    Column("Code", lambda e: e.code),
    Column("Type", lambda e: e.type),
    Column("Message", lambda e: e.message),
    Column("File", lambda e: e.filename),
    Column("Vendor", lambda e: e.vendor),
    Column("Invoice number", lambda e: e.invoice_number),
    Column("Created (UTC)", lambda e: _naive(e.created_at), DATETIME),
    Column("Failed (UTC)", lambda e: _naive(e.failed_at), DATETIME),
    Column("Age (days)", lambda e: e.age_days, "0.0"),
)


def write_workbook(report: Report, path: Path) -> Path:
    """Write the workbook to ``path`` (atomically: a reader never sees half a file)."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    _summary_sheet(summary, report)
    _table_sheet(book.create_sheet("Posted"), "PostedInvoices", POSTED_COLUMNS, report.posted)
    _table_sheet(book.create_sheet("Exceptions"), "OpenExceptions", EXCEPTION_COLUMNS,
                 report.exceptions)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".xlsx", delete=False) as tmp:
        workbooks.save(book, tmp.name)
    os.replace(tmp.name, path)
    return path


def _summary_sheet(sheet: Worksheet, report: Report) -> None:
    f = report.figures
    sheet["A1"] = f"Accounts payable report: process '{f.process}'"
    sheet["A1"].font = TITLE
    sheet["A2"] = f"Generated {_naive(f.generated_at):%Y-%m-%d %H:%M} UTC. {f.scope_note}"
    figures: list[tuple[str, Any, str]] = [
        ("Invoices posted", f.posted, "0"),
        ("Posted straight-through", f.straight_through, "0"),
        ("Posted after a person validated", f.human_validated, "0"),
        ("Straight-through rate", f.straight_through_rate, PERCENT),
        ("Cycle time p50 (hours)", f.cycle_times.p50_hours, HOURS),
        ("Cycle time p95 (hours)", f.cycle_times.p95_hours, HOURS),
        ("Open exceptions", f.exceptions, "0"),
    ]
    _header(sheet, 4, 1, ["Figure", "Value"])
    for row, (label, value, number_format) in enumerate(figures, start=5):
        sheet.cell(row, 1, label)
        cell = sheet.cell(row, 2, "n/a" if value is None else value)
        cell.number_format = number_format

    codes = list(f.exceptions_by_code.items())
    _header(sheet, 4, 4, ["Exception code", "Items", "Meaning"])
    for row, (code, count) in enumerate(codes, start=5):
        sheet.cell(row, 4, code)
        sheet.cell(row, 5, count)
        sheet.cell(row, 6, _meaning(code))
    days = list(f.postings_per_day.items())
    day_top = 5 + max(len(codes), len(figures)) + 2
    _header(sheet, day_top, 4, ["Day (UTC)", "Invoices posted"])
    for row, (day, count) in enumerate(days, start=day_top + 1):
        sheet.cell(row, 4, datetime.fromisoformat(day)).number_format = DATE
        sheet.cell(row, 5, count)

    chart_top = day_top + len(days) + 3
    sheet.add_chart(_bar_chart("Open exceptions by code", "Items", sheet, 4, len(codes)),
                    f"A{chart_top}")
    sheet.add_chart(_bar_chart("Invoices posted per day", "Invoices", sheet, day_top,
                               len(days)), f"F{chart_top}")
    _fit_columns(sheet, {1: 34, 2: 14, 3: 3, 4: 24, 5: 16, 6: 60})


def _bar_chart(title: str, axis: str, sheet: Worksheet, header_row: int, rows: int) -> BarChart:
    """A column chart of column E (values) by column D (labels) below ``header_row``."""
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = axis
    chart.legend = None
    chart.height, chart.width = 7.5, 14
    last = header_row + max(rows, 1)
    chart.add_data(Reference(sheet, min_col=5, min_row=header_row, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=4, min_row=header_row + 1, max_row=last))
    return chart


def _table_sheet(sheet: Worksheet, name: str, columns: Sequence[Column],
                 rows: Sequence[PostedInvoice | OpenException]) -> None:
    _header(sheet, 1, 1, [c.header for c in columns])
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(columns, start=1):
            value = column.value(row)
            cell = sheet.cell(r, c, float(value) if column.number_format == MONEY and value
                              is not None else value)
            if column.number_format:
                cell.number_format = column.number_format
    # An Excel table needs at least one data row; an empty one keeps the file valid.
    last_row = max(len(rows), 1) + 1
    table = Table(displayName=name, ref=f"A1:{get_column_letter(len(columns))}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet)


def _header(sheet: Worksheet, row: int, column: int, headers: list[str]) -> None:
    for offset, text in enumerate(headers):
        sheet.cell(row, column + offset, text).font = BOLD


def _fit_columns(sheet: Worksheet, fixed: dict[int, int] | None = None) -> None:
    """Widths from the longest value shown, capped; ``fixed`` widths win."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), _shown_width(cell))
    widths.update(fixed or {})
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)


def _shown_width(cell: Any) -> int:
    if isinstance(cell.value, str):
        return len(cell.value)
    if cell.number_format != "General":  # dates and numbers: about as wide as their format
        return max(len(cell.number_format), len(str(cell.value)) // 2)
    return len(str(cell.value))


def _meaning(code: str) -> str:
    try:
        return ErrorCode(code).explanation
    except ValueError:
        return ""


def _naive(value: datetime | None) -> datetime | None:
    """UTC without a time zone: Excel cannot store one."""
    return value.replace(tzinfo=None) if value else None
