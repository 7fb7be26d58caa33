"""Write the AP report as an Excel workbook an AP manager can filter, sort and chart.

Sheets: Summary (key figures, each with how it is counted; money posted and waiting by
currency; three native Excel charts that say something even with one day of data:
value waiting by exception code, amount posted by vendor, how long invoices took),
then one Excel table per sheet, each with its filters: Due (overdue or falling due in
the next 7 days), Exceptions by code (value waiting and its ageing), By vendor, Cycle
times, Posted, Exceptions. Times are UTC; Excel has no time zones, so they are written
as plain date-times and the headers say UTC. Cycle times read as people say them
("12 min", "2.5 h") beside a number of minutes to sort and filter by.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from skills.errors import ErrorCode
from tasks import workbooks
from tasks.report_data import (
    Report,
    amounts_by_vendor,
    due_invoices,
    exceptions_by_code_and_age,
    readable_hours,
)

DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
MONEY = "#,##0.00"
MINUTES = "0"
PERCENT = "0.0%"
MAX_WIDTH = 60
TITLE = Font(bold=True, size=14)
BOLD = Font(bold=True)
# How long invoices took from the queue to the ERP, in buckets a manager reads at a glance.
CYCLE_BUCKETS = ((1 / 60, "under 1 min"), (2 / 60, "1-2 min"), (5 / 60, "2-5 min"),
                 (0.25, "5-15 min"), (1, "15-60 min"),
                 (4, "1-4 h"), (24, "4-24 h"), (72, "1-3 days"), (float("inf"), "over 3 days"))


class Column:
    """One table column: its header, how to get the value from a row, its number format."""

    def __init__(self, header: str, value: Callable[[Any], Any], number_format: str = "") -> None:
        self.header, self.value, self.number_format = header, value, number_format


def _minutes(hours: float | None) -> float | None:
    return None if hours is None else round(hours * 60, 1)


POSTED_COLUMNS = (
    Column("Vendor", lambda p: p.vendor),
    Column("Vendor id", lambda p: p.vendor_id),
    Column("Invoice number", lambda p: p.invoice_number),
    Column("Invoice date", lambda p: p.invoice_date, DATE),
    Column("Due date", lambda p: p.due_date, DATE),
    Column("Total", lambda p: p.total, MONEY),
    Column("Currency", lambda p: p.currency),
    Column("ERP document", lambda p: p.document_number),
    Column("Validation", lambda p: "straight-through" if p.straight_through
           else "a person validated"),
    Column("Created (UTC)", lambda p: _naive(p.created_at), DATETIME),
    Column("Posted (UTC)", lambda p: _naive(p.posted_at), DATETIME),
    Column("Cycle time", lambda p: readable_hours(p.cycle_hours)),
    Column("Cycle time (min)", lambda p: _minutes(p.cycle_hours), MINUTES),
    Column("Source", lambda p: p.source),
    Column("File", lambda p: p.filename),
    Column("Reference (sha256)", lambda p: p.reference),
)
EXCEPTION_COLUMNS = (
    Column("Item", lambda e: e.item_id),
    Column("Code", lambda e: e.code),
    Column("Type", lambda e: e.type),
    Column("Message", lambda e: e.message),
    Column("Vendor", lambda e: e.vendor),
    Column("Invoice number", lambda e: e.invoice_number),
    Column("Total", lambda e: e.total, MONEY),
    Column("Currency", lambda e: e.currency),
    Column("Due date", lambda e: e.due_date, DATE),
    Column("File", lambda e: e.filename),
    Column("Created (UTC)", lambda e: _naive(e.created_at), DATETIME),
    Column("Failed (UTC)", lambda e: _naive(e.failed_at), DATETIME),
    Column("Waiting", lambda e: readable_hours(e.age_days * 24)),
    Column("Age (days)", lambda e: e.age_days, "0.0"),
)
DUE_COLUMNS = (
    Column("Due date", lambda d: d.due_date, DATE),
    Column("Days left", lambda d: d.days_left, "0"),
    Column("Status", lambda d: d.status),
    Column("Vendor", lambda d: d.vendor),
    Column("Invoice number", lambda d: d.invoice_number),
    Column("Total", lambda d: d.total, MONEY),
    Column("Currency", lambda d: d.currency),
)
CODE_COLUMNS = (
    Column("Exception code", lambda c: c.code),
    Column("Value waiting", lambda c: c.amount, MONEY),
    Column("Currency", lambda c: c.currency),
    Column("Items", lambda c: c.items, "0"),
    Column("Under 1 day", lambda c: c.under_1_day, "0"),
    Column("1-3 days", lambda c: c.days_1_to_3, "0"),
    Column("3-7 days", lambda c: c.days_3_to_7, "0"),
    Column("Over 7 days", lambda c: c.over_7_days, "0"),
    Column("Oldest waiting", lambda c: readable_hours(c.oldest_days * 24)),
    Column("Meaning", lambda c: _meaning(c.code)),
)
VENDOR_COLUMNS = (
    Column("Vendor", lambda v: v.vendor),
    Column("Amount posted", lambda v: v.amount, MONEY),
    Column("Currency", lambda v: v.currency),
    Column("Invoices", lambda v: v.invoices, "0"),
)
FIGURE_COLUMNS = (
    Column("Figure", lambda f: f[0]),
    Column("Value", lambda f: f[1]),
    Column("How it is counted", lambda f: f[2]),
)
SIMPLE_COLUMNS = (Column("From queue to ERP", lambda r: r[0]),
                  Column("Invoices", lambda r: r[1], "0"))


def write_workbook(report: Report, path: Path) -> Path:
    """Write the workbook to ``path`` (atomically: a reader never sees half a file)."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    sheets = {}
    for title, name, columns, rows in (
            ("Due", "DueThisWeek", DUE_COLUMNS, due_invoices(report)),
            ("Exceptions by code", "ExceptionsByCode", CODE_COLUMNS,
             exceptions_by_code_and_age(report.exceptions)),
            ("By vendor", "PostedByVendor", VENDOR_COLUMNS, amounts_by_vendor(report.posted)),
            ("Cycle times", "CycleTimes", SIMPLE_COLUMNS, _cycle_buckets(report)),
            ("Posted", "PostedInvoices", POSTED_COLUMNS, report.posted),
            ("Exceptions", "OpenExceptions", EXCEPTION_COLUMNS, report.exceptions)):
        sheets[title] = book.create_sheet(title)
        _table(sheets[title], name, columns, rows)
    _summary_sheet(summary, report, sheets)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".xlsx", delete=False) as tmp:
        workbooks.save(book, tmp.name)
    os.replace(tmp.name, path)
    return path


def key_figures(report: Report) -> list[tuple[str, Any, str, str]]:
    """(figure, value, how it is counted, number format): the Summary sheet's first table."""
    f = report.figures
    rates = f"{f.rate_definition[:1].upper()}{f.rate_definition[1:]}."
    rows: list[tuple[str, Any, str, str]] = [
        ("Straight-through rate", f.straight_through_rate,
         f"{f.straight_through} of {f.invoices} invoices. {rates}", PERCENT),
        ("Human-intervention rate", f.human_intervention_rate,
         f"{f.human_intervention} of {f.invoices} invoices needed a person.", PERCENT),
        ("Invoices posted", f.posted, f"{f.human_validated} of them after a person validated",
         "0"),
        *((f"Posted, {cur}", v, "sum of the posted totals", MONEY)
          for cur, v in f.posted_amounts.items()),
        ("Open exceptions", f.exceptions, "invoices waiting for a person now", "0"),
        *((f"Waiting in exceptions, {cur}", v, "sum of their totals, where readable", MONEY)
          for cur, v in f.waiting_amounts.items()),
        ("Due within 7 days", f.due_within_7_days, "posted or waiting: see the Due sheet", "0"),
        ("Waiting and already overdue", f.overdue_waiting, "clear these first", "0"),
        ("Cycle time, median", f.cycle_times.p50, "from entering the queue to the ERP "
         "posting", ""),
        ("Cycle time, 95th percentile", f.cycle_times.p95, "95 % of invoices took less", ""),
    ]
    if f.wrong_postings is not None:
        rows.append(("Wrong postings", f.wrong_postings, f"of {f.postings_checked} postings "
                     "checked against the documents' true values", "0"))
    return [(label, "n/a" if value is None else value, how, fmt)
            for label, value, how, fmt in rows]


def _summary_sheet(sheet: Worksheet, report: Report, sheets: dict[str, Worksheet]) -> None:
    f = report.figures
    sheet["A1"] = f"Accounts payable report: process '{f.process}'"
    sheet["A1"].font = TITLE
    sheet["A2"] = f"Generated {_naive(f.generated_at):%Y-%m-%d %H:%M} UTC. {f.scope_note}"
    figures = key_figures(report)
    _table(sheet, "KeyFigures", FIGURE_COLUMNS, figures, top=4)
    for row, (*_, number_format) in enumerate(figures, start=5):
        sheet.cell(row, 2).number_format = number_format or "General"
        sheet.cell(row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    chart_row = 6 + len(figures)
    codes = sheets["Exceptions by code"]
    vendors = sheets["By vendor"]
    cycles = sheets["Cycle times"]
    sheet.add_chart(_bar_chart("Value waiting by exception code", "Amount", codes, 1, 2,
                               codes.max_row - 1), f"A{chart_row}")
    sheet.add_chart(_bar_chart("Amount posted by vendor (top 10)", "Amount", vendors, 1, 2,
                               min(vendors.max_row - 1, 10)), f"C{chart_row}")
    sheet.add_chart(_bar_chart("How long invoices took", "Invoices", cycles, 1, 2,
                               cycles.max_row - 1), f"A{chart_row + 16}")
    _fit_columns(sheet, {1: 30, 2: 16, 3: 80})


def _cycle_buckets(report: Report) -> list[tuple[str, int]]:
    counts = dict.fromkeys((label for _, label in CYCLE_BUCKETS), 0)
    for p in report.posted:
        if p.cycle_hours is not None:
            label = next(label for bound, label in CYCLE_BUCKETS if p.cycle_hours < bound)
            counts[label] += 1
    return list(counts.items())


def _bar_chart(title: str, axis: str, sheet: Worksheet, label_col: int, value_col: int,
               rows: int) -> BarChart:
    """A column chart of one column by another, from a table that starts on row 1."""
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = axis
    chart.legend = None
    chart.height, chart.width = 7.5, 14
    last = 1 + max(rows, 1)
    chart.add_data(Reference(sheet, min_col=value_col, min_row=1, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=label_col, min_row=2, max_row=last))
    return chart


def _table(sheet: Worksheet, name: str, columns: Sequence[Column], rows: Sequence[Any],
           top: int = 1) -> None:
    """An Excel table (a filter on every column) with its header on row ``top``."""
    _header(sheet, top, 1, [c.header for c in columns])
    for r, row in enumerate(rows, start=top + 1):
        for c, column in enumerate(columns, start=1):
            value = column.value(row)
            cell = sheet.cell(r, c, float(value) if isinstance(value, Decimal) else value)
            if column.number_format:
                cell.number_format = column.number_format
    # An Excel table needs at least one data row; an empty one keeps the file valid.
    last_row = top + max(len(rows), 1)
    table = Table(displayName=name, ref=f"A{top}:{get_column_letter(len(columns))}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    if top == 1:
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
