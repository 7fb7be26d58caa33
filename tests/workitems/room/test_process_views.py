"""The Control Room knows work items, not invoices: nothing under workitems imports the
AP process, and a process it has never heard of registers its own payload, reviewable
fields and views and gets a working validation view."""

from __future__ import annotations

import ast
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from tasks.room_demo import DemoInvoice, seed_failed_invoice
from workitems import ExceptionType, ItemState, Step, Store
from workitems.processes import QueueColumn, declared_queue_columns, declared_views
from workitems.room import create_app
from workitems.room import fields as checks
from workitems.room import repository as repo
from workitems.room.item_views import (
    ActionRequest,
    ItemView,
    ReviewField,
    ViewRegistry,
    registry_from_config,
)
from workitems.room.queue import QueueColumns
from workitems.room.review import ActionRefused

from .conftest import csrf_of, login, settings

WORKITEMS = Path(__file__).resolve().parents[3] / "workitems"


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (function bodies included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_under_workitems_imports_the_processes_code() -> None:
    sources = sorted(WORKITEMS.rglob("*.py"))
    assert len(sources) > 30  # the walk found the package, not an empty folder
    offending = {str(p.relative_to(WORKITEMS)): sorted(m for m in imported_modules(p)
                                                       if m == "tasks" or m.startswith("tasks."))
                 for p in sources}
    assert {k: v for k, v in offending.items() if v} == {}


def test_importing_the_control_room_loads_no_process_code() -> None:
    """Also what the source walk cannot see (an import through another package)."""
    code = ("import pkgutil, importlib, sys, workitems\n"
            "for m in pkgutil.walk_packages(workitems.__path__, 'workitems.'):\n"
            "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
            "print(sorted(n for n in sys.modules if n == 'tasks' or n.startswith('tasks.')))\n"
            "print(len([n for n in sys.modules if n.startswith('workitems.')]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    loaded, count = done.stdout.splitlines()
    assert loaded == "[]"
    assert int(count) > 30


# -- a process the Control Room never heard of: expense receipts ---------------------------


def _amount_up_to(limit: str) -> Any:
    """A process's own check, built on the Control Room's amount check."""
    def check(value: str, locale: checks.ClerkLocale) -> str:
        amount = checks.amount(value, locale)
        if float(amount) > float(limit):
            raise checks.FieldError(f"above the {limit} a receipt may claim")
        return amount
    return check


class ExpenseView(ItemView):
    """An expense receipt: the bot read merchant, date and amount; a person checks them."""

    kind = "expense"
    fields = (ReviewField("merchant", "Merchant", required=True),
              ReviewField("spent_on", "Date", required=True, check=checks.iso_date),
              ReviewField("amount", "Amount", required=True, check=_amount_up_to("500")),
              ReviewField("cost_centre", "Cost centre"))

    def accepts(self, payload: Any) -> bool:
        return super().accepts(payload) and payload.get("kind") == "expense"

    def actions(self) -> dict[str, Any]:
        return {"split": self.split}

    @staticmethod
    def split(request: ActionRequest) -> str:
        parts = request.form.get("parts", "")
        if not parts.isdigit():
            raise ActionRefused("Say in how many parts.")
        request.store.save_payload(request.item.id, {**request.item.payload,
                                                     "split": int(parts)},
                                   request.user.username, expected_version=request.version)
        return f"Split in {parts}."


def receipt_pdf() -> bytes:
    pdf = FPDF(unit="pt", format=(298, 420))
    pdf.add_page()
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(200, 20, "Cafe Lindner  2026-11-30  EUR 38.40")
    return bytes(pdf.output())


def failed_expense(store: Store, payload: Any, files: dict[str, bytes] | None = None,
                   process: str = "expenses") -> int:
    store.register_process(process, [Step(process=process, name="check")], "Receipts")
    item = store.create_item(process, "check", payload, files or {})
    reservation = store.reserve(process, "check", "w1")
    assert reservation is not None and reservation.item_id == item.id
    store.fail(item.id, reservation.token, "w1", ExceptionType.BUSINESS, "LOW_CONFIDENCE",
               "the amount is hard to read")
    return item.id


@pytest.fixture
def expense_client(room_store: Store):
    views = ViewRegistry()
    views.register("expenses", ExpenseView())
    with TestClient(create_app(room_store, settings(), views=views),
                    base_url="http://127.0.0.1") as client:
        yield login(client, "clerk1")


EXPENSE = {"kind": "expense", "fields": {"merchant": "Cafe Lindner", "spent_on": "2026-11-30",
                                         "amount": {"value": "38.4O", "confidence": 0.31}}}


def test_a_second_process_gets_a_validation_view_from_its_registration(
        expense_client: TestClient, room_store: Store) -> None:
    item_id = failed_expense(room_store, EXPENSE, {"receipt.pdf": receipt_pdf()})
    page = expense_client.get(f"/items/{item_id}")
    assert page.status_code == 200
    html = page.text
    assert 'id="field_merchant"' in html and 'value="Cafe Lindner"' in html
    assert "Merchant *" in html and "Cost centre" in html
    assert 'value="38.4O"' in html and "31 %" in html  # the bot's reading, its confidence
    assert re.search(r'<tr class="field low"\s+data-field="amount"', html)
    assert re.search(r'<tr class="field "\s+data-field="merchant"', html)
    assert "Invoice" not in html and "ERP" not in html  # nothing of the AP process
    assert 'data-page="1"' in html  # the receipt is shown in the document viewer
    image = expense_client.get(f"/items/{item_id}/pages/1.png")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    # the queue lists it with every other failed item
    assert f"/items/{item_id}" in expense_client.get("/queue").text

    version = room_store.get_item(item_id).version
    form = {"csrf_token": csrf_of(html), "version": str(version), "field_merchant": "",
            "field_spent_on": "30.11.2026", "field_amount": "38.4O", "field_cost_centre": ""}
    refused = expense_client.post(f"/items/{item_id}/approve", data=form,
                                  headers={"Accept-Language": "de-DE"})
    assert refused.status_code == 422
    assert "is not an amount" in refused.text and "required" in refused.text
    assert room_store.get_item(item_id).payload == EXPENSE  # nothing saved
    too_much = expense_client.post(f"/items/{item_id}/approve", headers={
        "Accept-Language": "de-DE"}, data={**form, "field_merchant": "Cafe Lindner",
                                           "field_amount": "3.840,00"})
    assert too_much.status_code == 422 and "above the 500" in too_much.text

    done = expense_client.post(f"/items/{item_id}/approve", follow_redirects=False,
                               headers={"Accept-Language": "de-DE"},
                               data={**form, "field_merchant": "Cafe Lindner",
                                     "field_amount": "38,40"})
    assert done.status_code == 303, done.text
    item = room_store.get_item(item_id)
    assert item.state is ItemState.PENDING
    assert item.payload["fields"] == EXPENSE["fields"]  # the bot's reading is kept
    assert item.payload["review"]["fields"] == {"merchant": "Cafe Lindner",
                                                "spent_on": "2026-11-30", "amount": "38.40",
                                                "cost_centre": None}
    assert item.payload["review"]["by"] == "clerk1"
    entry = repo.audit_entries(room_store, item_id=item_id)[0]
    assert (entry.action, entry.actor) == ("approve", "clerk1")
    assert entry.before["fields"]["amount"] == "38.4O"
    assert entry.after["fields"]["amount"] == "38.40"


def test_a_process_view_adds_its_own_actions(expense_client: TestClient,
                                             room_store: Store) -> None:
    item_id = failed_expense(room_store, EXPENSE)
    html = expense_client.get(f"/items/{item_id}").text
    version = room_store.get_item(item_id).version
    base = {"csrf_token": csrf_of(html), "version": str(version)}
    refused = expense_client.post(f"/items/{item_id}/split", data={**base, "parts": "x"})
    assert refused.status_code == 409 and "how many parts" in refused.text
    assert expense_client.post(f"/items/{item_id}/split", data={**base, "parts": "2"},
                               follow_redirects=False).status_code == 303
    assert room_store.get_item(item_id).payload["split"] == 2
    unknown = expense_client.post(f"/items/{item_id}/route", data={**base, "intent": "spam"})
    assert unknown.status_code == 404  # the mail's action is not the receipt's


def test_items_no_view_accepts_are_shown_without_a_form(expense_client: TestClient,
                                                        room_store: Store) -> None:
    odd = failed_expense(room_store, {"kind": "mileage", "km": 12}, process="expenses")
    other = failed_expense(room_store, ["a list"], process="travel")
    for item_id in (odd, other):
        page = expense_client.get(f"/items/{item_id}")
        assert page.status_code == 200
        assert 'id="approve-form"' not in page.text and 'id="retry"' in page.text
        version = room_store.get_item(item_id).version
        response = expense_client.post(f"/items/{item_id}/approve", data={
            "csrf_token": csrf_of(page.text), "version": str(version)})
        assert response.status_code == 409 and "no fields to approve" in response.text
        assert room_store.get_item(item_id).state is ItemState.FAILED


def test_views_are_declared_in_the_process_configuration(tmp_path: Path) -> None:
    config = tmp_path / "processes.yaml"
    config.write_text(
        "processes:\n"
        "  expenses:\n"
        "    steps: [{name: check}]\n"
        f"    views: ['{__name__}:ExpenseView']\n"
        "  plain:\n"
        "    steps: [{name: one}]\n")
    declared = declared_views(config)
    assert declared == {"expenses": [f"{__name__}:ExpenseView"]}
    registry = registry_from_config(declared)
    assert [type(v) for v in registry.by_process["expenses"]] == [ExpenseView]
    assert registry.field_names() == {"merchant", "spent_on", "amount", "cost_centre"}
    config.write_text("processes:\n  expenses:\n    steps: [{name: check}]\n"
                      "    views: ['workitems.room.fields:text']\n")
    with pytest.raises(ValueError, match="'expenses'.* not an ItemView"):
        registry_from_config(declared_views(config))
    for wrong in ("tasks.no_such_module:View", f"{__name__}:NoSuchView", "no-colon"):
        with pytest.raises(ValueError, match="'expenses'.*(cannot be loaded|module:attribute)"):
            registry_from_config({"expenses": [wrong]})


def test_the_ap_process_registers_its_invoice_and_mail_views() -> None:
    registry = registry_from_config(declared_views())
    kinds = [v.kind for v in registry.by_process["ap"]]
    assert kinds == ["mail", "invoice"]
    assert "vendor_iban" in registry.field_names()


def test_a_second_process_declares_its_queue_columns_beside_the_invoices(
        room_store: Store) -> None:
    columns = QueueColumns({
        **declared_queue_columns(),  # the AP process's, from tasks/processes.yaml
        "expenses": [QueueColumn(name="merchant", label="Merchant", filter="text",
                                 paths=["fields.merchant"]),
                     QueueColumn(name="amount", label="Total", filter="range",
                                 paths=["fields.amount.value"])]})
    invoice = seed_failed_invoice(room_store, DemoInvoice(vendor_name="ACME Tools Ltd"))
    expense = failed_expense(room_store, {**EXPENSE, "fields": {
        **EXPENSE["fields"], "amount": {"value": "38.40", "confidence": 0.9}}})
    with TestClient(create_app(room_store, settings(), columns=columns),
                    base_url="http://127.0.0.1") as client:
        queue = login(client, "clerk1").get("/queue").text
        # The AP queue looks as it did; the expense's merchant gets a column of its own.
        assert ('<th>#</th><th>Code</th><th>Vendor</th><th>Invoice</th><th class="num">Total'
                '</th><th>Merchant</th><th>Age</th>') in queue
        cells = [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", queue)]
        assert "ACME Tools Ltd" in cells and "Cafe Lindner" in cells
        assert "311.54 EUR" in cells and "38.40" in cells  # the total with its currency
        token = secrets.token_urlsafe(24)
        repo.create_token(room_store, next(u.id for u in repo.list_users(room_store)
                                           if u.username == "clerk1"), "script", token)
        api = {"Authorization": f"Bearer {token}"}
        for query, shown in (("merchant=lindner", [expense]), ("vendor=acme", [invoice]),
                             ("min_amount=100", [invoice]), ("max_amount=100", [expense])):
            rows = client.get(f"/api/v1/queue?{query}", headers=api).json()["rows"]
            assert [r["id"] for r in rows] == shown, query
            assert f'href="/items/{shown[0]}"' in client.get(f"/queue?{query}").text, query
        assert client.get("/api/v1/queue?min_amount=1e400", headers=api).status_code == 422
