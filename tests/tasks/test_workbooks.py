"""No value a bot writes into a workbook becomes a live formula."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import load_workbook

from tasks.form_filler import RowResult, Sheet, write_results
from tasks.report_data import CycleTimes, Figures, OpenException, PostedInvoice, Report
from tasks.report_workbook import write_workbook

HOSTILE = ["=HYPERLINK(\"http://x\",\"pay\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _no_formulas(path) -> None:
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in book.read(name), name


def test_the_ap_report_writes_hostile_text_as_text_and_numbers_as_numbers(tmp_path):
    now = datetime(2024, 3, 5, tzinfo=UTC)
    posted = [PostedInvoice(reference=f"r{i}", vendor=text, invoice_number=text,
                            total=Decimal("-119.00"), currency="EUR", document_number="D1",
                            straight_through=True, posted_at=now)
              for i, text in enumerate(HOSTILE)]
    exceptions = [OpenException(item_id=1, code="LOW_CONFIDENCE", type="BUSINESS",
                                message="=cmd|' /C calc'!A0", created_at=now, failed_at=now,
                                age_days=1.0)]
    figures = Figures(generated_at=now, scope="inputs", scope_note="", process="ap",
                      invoices=len(posted) + 1, posted=len(posted),
                      straight_through=len(posted), human_intervention=1, human_validated=0,
                      straight_through_rate=len(posted) / (len(posted) + 1),
                      human_intervention_rate=1 / (len(posted) + 1),
                      cycle_times=CycleTimes(), exceptions=1,
                      exceptions_by_code={"LOW_CONFIDENCE": 1}, postings_per_day={})
    path = write_workbook(Report(figures=figures, posted=posted, exceptions=exceptions),
                          tmp_path / "ap-report.xlsx")

    _no_formulas(path)
    book = load_workbook(path)
    cells = [c for row in book["Posted"].iter_rows(min_row=2) for c in row]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert set(HOSTILE) <= texts  # shown exactly as received
    assert all(c.data_type == "s" and c.quotePrefix for c in cells
               if isinstance(c.value, str) and c.value in HOSTILE)
    totals = [c.value for c in cells if isinstance(c.value, int | float)]
    assert totals and all(v == -119.0 for v in totals)  # a negative amount stays a number
    assert any(c.value == "=cmd|' /C calc'!A0" and c.data_type == "s"
               for row in book["Exceptions"].iter_rows() for c in row)


def test_form_filler_results_write_hostile_answers_as_text(tmp_path):
    sheet = Sheet(headers=["Name", "Amount"], rows=[{"Name": "=1+1", "Amount": -5}])
    path = write_results(tmp_path / "out.xlsx", sheet,
                         [RowResult(row=2, status="ok", answer="@evil")])

    _no_formulas(path)
    row = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))[0]
    assert row == ("=1+1", -5, "ok", "@evil")
