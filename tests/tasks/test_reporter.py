"""The reporter: figures from a seeded store, the workbook's sheets, tables and charts,
summary.json, and a run through the real worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from tasks.payloads import InvoicePayload
from tasks.report_data import (
    amounts_by_vendor,
    due_invoices,
    exceptions_by_code_and_age,
    percentile,
    readable_hours,
    report_from_inputs,
    report_from_store,
)
from tasks.reporter import write_report
from tests.tasks.bot_runs import PROCESS, register, run_step, write_ap_config
from workitems import ExceptionType, ItemState, Store
from workitems.processes import REPO_ROOT

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
# (reference, vendor, number, total, hours from queue to posting, straight-through, day)
POSTED = [
    ("a" * 64, "Nordwind GmbH", "NW-1", "1190.00", 1.0, True, 0),
    ("b" * 64, "Acme Supplies", "AS-7", "250.50", 2.0, True, 0),
    ("c" * 64, "Nordwind GmbH", "NW-2", "99.99", 3.0, True, 1),
    ("d" * 64, "Blue Ocean Ltd", "BO-3", "5000.00", 10.0, False, 1),
]
FAILED = [
    ("e" * 64, ExceptionType.BUSINESS, "UNKNOWN_VENDOR", "No vendor matches 'Foo AG'."),
    ("f" * 64, ExceptionType.BUSINESS, "UNKNOWN_VENDOR", "No vendor matches 'Bar SA'."),
    ("0" * 64, ExceptionType.BUSINESS, "PO_MISMATCH", "PO 4500000001 is closed."),
    ("1" * 64, ExceptionType.APPLICATION, "ERP_UNAVAILABLE", "The ERP answered 503."),
]


# Due dates: one posted invoice falls due in 3 days, one waiting invoice is overdue.
DUE = {"NW-1": "2026-11-24", "X-0": "2026-11-20", "AS-7": "2026-12-31"}


def invoice(reference: str, vendor: str = "", number: str = "", total: str = "",
            posted_at: datetime | None = None, straight: bool = True) -> dict:
    payload: dict = {
        "reference": reference,
        "source": {"kind": "folder", "name": f"inbox/{number or reference[:6]}.pdf"},
        "document": {"filename": f"{number or reference[:6]}.pdf", "sha256": reference,
                     "media_type": "application/pdf", "size": 1234},
        "extracted": {"fields": {
            "vendor_name": {"value": vendor}, "invoice_number": {"value": number},
            "invoice_date": {"value": "2026-11-02"}, "total": {"value": total},
            "currency": {"value": "EUR"}, "due_date": {"value": DUE.get(number)}}},
    }
    if posted_at is not None:
        payload["posting"] = {"document_number": f"51{number}", "posted_at":
                              posted_at.isoformat(), "straight_through": straight}
    if not straight:
        payload["review"] = {"action": "approve", "fields": {"vendor_name": vendor + " (checked)"},
                             "by": "clerk", "at": posted_at.isoformat()}
    return InvoicePayload.model_validate(payload).model_dump(mode="json")


def _set_created(store: Store, item_id: int, when: datetime) -> None:
    with store.db.transaction() as cur:
        cur.execute("UPDATE items SET created_at = :t WHERE id = :id",
                    {"t": when.timestamp(), "id": item_id})


def _lease(store: Store, item_id: int) -> str:
    reservation = store.reserve(PROCESS, "consumer", "test")
    assert reservation is not None and reservation.item_id == item_id
    return reservation.token


def seed(store: Store, config: Path) -> None:
    """Consumer items: 4 DONE with postings, 4 FAILED; the reporter's queue: the postings
    of the first three (as the consumer's outputs) and one malformed item."""
    register(store, config)
    for n, (ref, vendor, number, total, hours, straight, day) in enumerate(POSTED):
        entered = NOW - timedelta(days=3 - day, hours=hours)
        posted_at = entered + timedelta(hours=hours)
        item = store.create_item(PROCESS, "consumer", invoice(ref, vendor, number, total,
                                                              posted_at, straight),
                                 reference=ref).id
        store.complete(item, _lease(store, item), "test")
        _set_created(store, item, entered)
        if n < 3:
            store.create_item(PROCESS, "reporter", invoice(ref, vendor, number, total, posted_at,
                                                           straight), reference=ref)
    for n, (ref, kind, code, message) in enumerate(FAILED):
        item = store.create_item(PROCESS, "consumer", invoice(ref, "Foo AG", f"X-{n}",
                                                              f"{100 * (n + 1)}.00"),
                                 reference=ref).id
        store.fail(item, _lease(store, item), "test", kind, code, message)
        if kind is ExceptionType.APPLICATION:  # out of attempts: FAILED for a person
            while store.get_item(item).state is not ItemState.FAILED:
                with store.db.transaction() as cur:
                    cur.execute("UPDATE items SET available_at = 0 WHERE id = :id", {"id": item})
                store.fail(item, _lease(store, item), "test", kind, code, message)
        _set_created(store, item, NOW - timedelta(days=2))
    store.create_item(PROCESS, "reporter", {"not": "an invoice"})


def test_percentiles_interpolate_like_excel() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.95) == 4.0
    assert percentile([1, 2, 3, 10], 0.5) == 2.5
    assert percentile([1, 2, 3, 10], 0.95) == pytest.approx(8.95)


def test_figures_from_the_store(store: Store, tmp_path: Path) -> None:
    seed(store, write_ap_config(tmp_path))
    result = report_from_store(store, PROCESS, "reporter", now=NOW)
    f = result.figures
    assert (f.posted, f.human_validated) == (4, 1)
    # One definition, per invoice at the consumer: 8 dealt with, 3 with no person involved
    # (the approved one and the 4 waiting for a person needed one).
    assert (f.invoices, f.straight_through, f.human_intervention) == (8, 3, 5)
    assert (f.straight_through_rate, f.human_intervention_rate) == (0.375, 0.625)
    assert "per invoice" in f.rate_definition
    assert (f.cycle_times.p50_hours, f.cycle_times.p95_hours) == (2.5, 8.95)
    assert (f.cycle_times.p50, f.cycle_times.p95) == ("2.5 h", "8.9 h")
    assert f.exceptions_by_code == {"UNKNOWN_VENDOR": 2, "ERP_UNAVAILABLE": 1, "PO_MISMATCH": 1}
    assert f.postings_per_day == {"2026-11-18": 2, "2026-11-19": 2}
    assert f.queues["consumer"] == {"DONE": 4, "FAILED": 4}
    assert f.posted_amounts == {"EUR": Decimal("6540.49")}
    assert f.waiting_amounts == {"EUR": Decimal("1000.00")}
    assert (f.due_within_7_days, f.overdue_waiting) == (1, 1)
    assert f.wrong_postings is None, "no truth known: not claimed"
    human = next(p for p in result.posted if not p.straight_through)
    assert human.vendor == "Blue Ocean Ltd (checked)", "a person's values are what was posted"
    assert str(human.total) == "5000.00" and human.document_number == "51BO-3"
    aged = {e.code: e.age_days for e in result.exceptions}
    assert aged["PO_MISMATCH"] == 2.0


def test_the_manager_tables(store: Store, tmp_path: Path) -> None:
    seed(store, write_ap_config(tmp_path))
    result = report_from_store(store, PROCESS, "reporter", now=NOW)
    vendors = [(v.vendor, v.invoices, v.amount) for v in amounts_by_vendor(result.posted)]
    assert vendors[0] == ("Blue Ocean Ltd (checked)", 1, Decimal("5000.00"))
    assert ("Nordwind GmbH", 2, Decimal("1289.99")) in vendors
    codes = {c.code: c for c in exceptions_by_code_and_age(result.exceptions)}
    assert (codes["UNKNOWN_VENDOR"].items, codes["UNKNOWN_VENDOR"].amount) == (2, Decimal(300))
    assert codes["PO_MISMATCH"].days_1_to_3 == 1 and codes["PO_MISMATCH"].oldest_days == 2.0
    due = [(d.invoice_number, d.days_left, d.status) for d in due_invoices(result)]
    assert due == [("X-0", -1, "UNKNOWN_VENDOR"), ("NW-1", 3, "posted")]
    assert [readable_hours(h) for h in (0.01, 0.2, 2.5, 80)] == ["36 s", "12 min", "2.5 h",
                                                                 "3.3 d"]


def test_postings_are_checked_against_the_true_values(store: Store, tmp_path: Path) -> None:
    seed(store, write_ap_config(tmp_path))
    truth = {"a" * 64: {"invoice_number": "NW-1", "total": "1190.00", "currency": "EUR"},
             "b" * 64: {"invoice_number": "AS-7", "total": "205.50"},  # a misread total
             "9" * 64: {"invoice_number": "never posted"}}
    f = report_from_store(store, PROCESS, "reporter", now=NOW, truth=truth).figures
    assert (f.wrong_postings, f.postings_checked) == (1, 2)
    [wrong] = f.wrong_posting_details
    assert wrong.fields == {"total": ("250.50", "205.50")} and wrong.filename == "AS-7.pdf"


def test_without_a_store_the_inputs_are_reported_and_the_scope_says_so() -> None:
    received = NOW - timedelta(hours=5)
    payload = InvoicePayload.model_validate(invoice("a" * 64, "V", "N-1", "10.00", NOW))
    payload.source.received_at = received
    result = report_from_inputs([payload, payload], PROCESS, now=NOW)
    assert result.figures.scope == "inputs" and "FileAdapter" in result.figures.scope_note
    assert result.figures.posted == 1 and result.posted[0].cycle_hours == 5.0
    assert result.figures.exceptions == 0


def check_workbook(folder: Path) -> dict:
    book = load_workbook(folder / "ap-report.xlsx")
    assert book.sheetnames == ["Summary", "Due", "Exceptions by code", "By vendor",
                               "Cycle times", "Posted", "Exceptions"]
    for sheet in book.worksheets:
        assert len(sheet.tables) == 1, f"{sheet.title}: a table, with its filters"
    summary = book["Summary"]
    rows = {summary.cell(r, 1).value: (summary.cell(r, 2), summary.cell(r, 3).value)
            for r in range(5, summary.max_row + 1) if summary.cell(r, 1).value}
    rate, how = rows["Straight-through rate"]
    assert rate.value == 0.375 and rate.number_format == "0.0%"
    assert "3 of 8 invoices" in how and "per invoice" in how.lower()
    assert rows["Invoices posted"][0].value == 4 and rows["Open exceptions"][0].value == 4
    assert rows["Posted, EUR"][0].value == 6540.49
    assert rows["Cycle time, 95th percentile"][0].value == "8.9 h"
    charts = summary._charts
    assert len(charts) == 3 and all(isinstance(c, BarChart) for c in charts)
    codes = book["Exceptions by code"]
    assert [c.value for c in codes[1]][:4] == ["Exception code", "Value waiting", "Currency",
                                                "Items"]
    assert {codes.cell(r, 1).value: codes.cell(r, 4).value for r in range(2, 5)} == {
        "UNKNOWN_VENDOR": 2, "ERP_UNAVAILABLE": 1, "PO_MISMATCH": 1}
    cycles = book["Cycle times"]
    assert {cycles.cell(r, 1).value: cycles.cell(r, 2).value for r in range(2, 11)}[
        "1-4 h"] == 3

    posted = book["Posted"]
    assert list(posted.tables) == ["PostedInvoices"]
    assert posted.tables["PostedInvoices"].ref == "A1:P5"
    headers = [c.value for c in posted[1]]
    row = {h: c for h, c in zip(headers, posted[2], strict=True)}
    assert row["Vendor"].value == "Nordwind GmbH" and row["Total"].value == 1190.0
    assert row["Total"].number_format == "#,##0.00"
    assert row["Invoice date"].number_format == "yyyy-mm-dd"
    assert isinstance(row["Posted (UTC)"].value, datetime)
    assert row["Validation"].value == "straight-through"
    assert (row["Cycle time"].value, row["Cycle time (min)"].value) == ("60 min", 60.0)
    assert posted.column_dimensions["P"].width >= 60, "the sha256 column is readable"
    exceptions = book["Exceptions"]
    assert exceptions.tables["OpenExceptions"].ref == "A1:N5"
    assert exceptions.freeze_panes == "A2"
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def test_the_workbook_and_summary(store: Store, tmp_path: Path) -> None:
    seed(store, write_ap_config(tmp_path))
    write_report(report_from_store(store, PROCESS, "reporter", now=NOW), tmp_path / "out")
    summary = check_workbook(tmp_path / "out")
    assert summary["straight_through_rate"] == 0.375
    assert summary["cycle_times"] == {"count": 4, "p50_hours": 2.5, "p95_hours": 8.95,
                                      "mean_hours": 4.0, "p50": "2.5 h", "p95": "8.9 h"}


def test_an_empty_store_gives_a_valid_empty_report(store: Store, tmp_path: Path) -> None:
    register(store, write_ap_config(tmp_path))
    write_report(report_from_store(store, PROCESS, "reporter", now=NOW), tmp_path / "out")
    book = load_workbook(tmp_path / "out" / "ap-report.xlsx")
    assert book["Posted"].tables["PostedInvoices"].ref == "A1:P2"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["posted"] == 0 and summary["straight_through_rate"] is None


@pytest.mark.slow  # a worker run: ~3 s alone, far more on a busy machine
def test_the_reporter_runs_through_the_worker(store: Store, store_url: str,
                                              tmp_path: Path) -> None:
    config = write_ap_config(tmp_path)
    seed(store, config)
    out = tmp_path / "out"
    run = run_step(store_url, config, "reporter", tmp_path / "logs", {"AP_OUTPUT": str(out)})
    summary = check_workbook(out)
    assert summary["scope"] == "store" and summary["posted"] == 4
    assert summary["exceptions_by_code"]["UNKNOWN_VENDOR"] == 2
    reporter = {i.payload.get("reference"): i for i in store.list_items(step="reporter")}
    assert all(reporter["abc"[n] * 64].state is ItemState.DONE for n in range(3))
    bad = reporter[None]
    assert (bad.state, bad.exception_code) == (ItemState.FAILED, "INVALID_PAYLOAD")
    assert "4 posted, straight-through 38% (3 of 8 invoices)" in run.console

    # The morning report starts without a trigger: an empty queue still gets a report.
    (out / "summary.json").unlink()
    # The morning schedule's trigger: a report even though nothing new was posted.
    store.create_item("ap", "reporter", {"schedule": "morning-report"})
    run_step(store_url, config, "reporter", tmp_path / "logs2", {"AP_OUTPUT": str(out)})
    assert check_workbook(out)["posted"] == 4


@pytest.mark.slow  # a robocorp task run in its own process
def test_a_desktop_run_with_the_file_adapter_reports_its_inputs(tmp_path: Path) -> None:
    items = [{"payload": invoice(ref, vendor, number, total, NOW, straight), "files": {}}
             for ref, vendor, number, total, _, straight, _ in POSTED]
    inputs = tmp_path / "in" / "work-items.json"
    inputs.parent.mkdir()
    inputs.write_text(json.dumps(items), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AP_", "WORKITEMS_"))}
    env.update(RC_WORKITEM_ADAPTER="FileAdapter", RC_WORKITEM_INPUT_PATH=str(inputs),
               RC_WORKITEM_OUTPUT_PATH=str(tmp_path / "items-out" / "work-items.json"),
               AP_OUTPUT=str(tmp_path / "out"), PYTHONPATH=str(REPO_ROOT))
    done = subprocess.run([sys.executable, "-m", "robocorp.tasks", "run", "tasks/reporter.py",
                           "-t", "report", "-o", str(tmp_path / "log")], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["scope"], summary["posted"], summary["straight_through"]) == ("inputs", 4, 3)
    assert "report (inputs): 4 posted" in done.stdout
    book = load_workbook(tmp_path / "out" / "ap-report.xlsx")
    assert "FileAdapter" in book["Summary"]["A2"].value
