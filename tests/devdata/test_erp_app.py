"""The development ERP over plain HTTP: log-on, sessions, posting, duplicates, chaos, releases."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from devdata.erp import DEV_PASSWORD, DEV_USER, Chaos, ErpServer
from devdata.erp.ids import ElementIds
from devdata.master import load_master


def _login(erp: ErpServer, password: str = DEV_PASSWORD) -> httpx.Client:
    ids = ElementIds(erp.release)
    client = httpx.Client(base_url=erp.url, timeout=10)
    client.post("/login", data={ids("user"): DEV_USER, ids("password"): password, "next": "/"})
    return client


def _invoice_form(erp: ErpServer, number: str = "INV-100", total: str = "119.00") -> dict:
    ids = ElementIds(erp.release)
    grid = ids("grid")
    return {
        ids("vendor"): "V10001", ids("invoice_number"): number,
        ids("invoice_date"): "01.10.2026", ids("due_date"): "31.10.2026",
        ids("po_number"): "4500001001", ids("currency"): "EUR", ids("net"): "100.00",
        ids("tax"): "19.00", ids("total"): total,
        f"{grid}_poline_1": "10", f"{grid}_desc_1": "Seats", f"{grid}_qty_1": "2",
        f"{grid}_price_1": "30.00", f"{grid}_amount_1": "60.00",
        f"{grid}_poline_2": "", f"{grid}_desc_2": "Boxes", f"{grid}_qty_2": "50",
        f"{grid}_price_2": "0.80", f"{grid}_amount_2": "40.00",
    }


@pytest.fixture(scope="module")
def erp(tmp_path_factory: pytest.TempPathFactory):
    with ErpServer(tmp_path_factory.mktemp("erp") / "erp.db") as server:
        yield server


def test_pages_need_a_log_on(erp: ErpServer) -> None:
    response = httpx.get(erp.url + "/invoice/new")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?expired=0&next=/invoice/new")
    wrong = _login(erp, password="wrong").get("/")
    assert wrong.status_code == 303  # still not logged in
    page = _login(erp).get("/")
    assert page.status_code == 200 and "Main menu" in page.text


def test_log_on_never_redirects_outside(erp: ErpServer) -> None:
    ids = ElementIds(erp.release)
    response = httpx.post(erp.url + "/login", data={
        ids("user"): DEV_USER, ids("password"): DEV_PASSWORD, "next": "//evil.example/x"})
    assert response.headers["location"] == "/"


def test_posting_stores_every_field_and_line(erp: ErpServer) -> None:
    client = _login(erp)
    response = client.post("/invoice/new", data=_invoice_form(erp, "INV-100"))
    assert response.status_code == 303
    document = response.headers["location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"51\d{8}", document)
    posted = next(p for p in erp.postings() if p.document_number == document)
    assert (posted.vendor_id, posted.invoice_number, posted.po_number) == (
        "V10001", "INV-100", "4500001001")
    assert (posted.net_amount, posted.tax_amount, posted.total_amount) == (
        Decimal("100.00"), Decimal("19.00"), Decimal("119.00"))
    assert posted.iban == load_master().vendor("V10001").iban
    assert [(ln.po_line, ln.description, ln.amount) for ln in posted.lines] == [
        (10, "Seats", Decimal("60.00")), (None, "Boxes", Decimal("40.00"))]
    page = client.get(response.headers["location"])
    assert document in page.text


def test_duplicate_warning_can_be_cancelled_or_overridden(erp: ErpServer) -> None:
    client = _login(erp)
    client.post("/invoice/new", data=_invoice_form(erp, "DUP-1"))
    before = len(erp.postings())
    # Same vendor, same number written differently: the ERP still calls it a duplicate.
    again = client.post("/invoice/new", data=_invoice_form(erp, " dup-1 "))
    assert again.headers["location"].startswith("/invoice/duplicate?draft=")
    warning = client.get(again.headers["location"])
    assert "Possible duplicate invoice" in warning.text
    draft = re.search(r'name="draft" value="([^"]+)"', warning.text).group(1)
    cancelled = client.post("/invoice/duplicate", data={"draft": draft, "action": "cancel"})
    assert cancelled.headers["location"] == "/invoice/new?cancelled=1"
    assert len(erp.postings()) == before
    again = client.post("/invoice/new", data=_invoice_form(erp, "DUP-1"))
    draft = again.headers["location"].split("draft=")[1]
    forced = client.post("/invoice/duplicate", data={"draft": draft, "action": "post"})
    assert forced.headers["location"].startswith("/invoice/posted/")
    assert len(erp.postings()) == before + 1


def test_entry_errors_are_shown_and_nothing_posts(erp: ErpServer) -> None:
    client = _login(erp)
    before = len(erp.postings())
    page = client.post("/invoice/new", data=_invoice_form(erp, "BAD-1", total="120.00"))
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert "is not the total" in page.text
    assert len(erp.postings()) == before


def test_invoice_search_finds_the_document(erp: ErpServer) -> None:
    client = _login(erp)
    client.post("/invoice/new", data=_invoice_form(erp, "FIND-1"))
    ids = ElementIds(erp.release)
    hit = client.get("/invoice/search", params={ids("find_vendor"): "V10001",
                                                ids("find_number"): "find-1"})
    document = erp.db.find_invoice("V10001", "FIND-1").document_number
    assert f"<td>{document}</td>" in hit.text
    miss = client.get("/invoice/search", params={ids("find_vendor"): "V10001",
                                                 ids("find_number"): "NOPE"})
    assert "No posted invoice found." in miss.text


def test_reads_match_the_master_data(erp: ErpServer) -> None:
    master = load_master()
    assert erp.vendor("V10003") == master.vendor("V10003")
    assert erp.purchase_order("4500001007") == master.purchase_order("4500001007")
    assert erp.vendor("V99999") is None and erp.purchase_order("1") is None


def test_vendor_search_by_name_and_vat(erp: ErpServer) -> None:
    client = _login(erp)
    ids = ElementIds(erp.release)

    def search(name: str = "", vat: str = "") -> list[str]:
        page = client.get("/vendors/search", params={ids("vs_name"): name, ids("vs_vat"): vat})
        return re.findall(r"<td>(V\d{5})</td>", page.text)

    assert search(name="weissmann") == ["V10003"]  # ß and case folded
    assert search(vat="gb 236552364") == ["V10022"]
    assert search(name="no such vendor") == []


def test_a_new_release_renames_ids_but_keeps_labels(tmp_path: Path) -> None:
    with ErpServer(tmp_path / "a.db", release="2024.1") as a, \
         ErpServer(tmp_path / "b.db", release="2025.2") as b:
        page_a = httpx.get(a.url + "/login").text
        page_b = httpx.get(b.url + "/login").text
    ids_a = set(re.findall(r'id="(ctl[^"]+)"', page_a))
    ids_b = set(re.findall(r'id="(ctl[^"]+)"', page_b))
    assert ids_a and ids_b and not ids_a & ids_b
    assert "<label" in page_b and ">User</label>" in page_a and ">User</label>" in page_b


def test_idle_session_expires(tmp_path: Path) -> None:
    with ErpServer(tmp_path / "erp.db", session_idle_seconds=0.3) as erp:
        client = _login(erp)
        assert client.get("/").status_code == 200
        time.sleep(0.45)
        expired = client.get("/po")
        assert expired.status_code == 303
        assert expired.headers["location"].startswith("/login?expired=1")


def test_slow_pages_wait_the_configured_delay(tmp_path: Path) -> None:
    with ErpServer(tmp_path / "erp.db", page_delay_ms=250) as erp:
        started = time.perf_counter()
        assert httpx.get(erp.url + "/login").status_code == 200
        assert time.perf_counter() - started >= 0.25


def test_chaos_is_seeded_and_reproducible(tmp_path: Path) -> None:
    chaos = Chaos(error_rate=0.3, timeout_rate=0.1, hang_seconds=0.05, seed=11)

    def statuses(db: Path) -> list[int]:
        with ErpServer(db, chaos=chaos) as erp, httpx.Client(base_url=erp.url) as client:
            return [client.get("/login").status_code for _ in range(24)]

    first, second = statuses(tmp_path / "a.db"), statuses(tmp_path / "b.db")
    assert first == second
    assert {200, 500, 504} <= set(first)


def test_chaos_hangs_then_answers_504(tmp_path: Path) -> None:
    with ErpServer(tmp_path / "erp.db", chaos=Chaos(timeout_rate=1.0, hang_seconds=0.3)) as erp:
        started = time.perf_counter()
        response = httpx.get(erp.url + "/login")
        assert response.status_code == 504
        assert time.perf_counter() - started >= 0.3


def test_chaos_expiry_logs_users_out(tmp_path: Path) -> None:
    with ErpServer(tmp_path / "erp.db", chaos=Chaos(expiry_rate=1.0)) as erp:
        client = _login(erp)
        response = client.get("/")
        assert response.status_code == 303 and "/login?expired=1" in response.headers["location"]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from devdata.erp import ErpSettings

    monkeypatch.setenv("ERP_RELEASE", "random")
    monkeypatch.setenv("ERP_SESSION_IDLE_SECONDS", "30")
    monkeypatch.setenv("ERP_CHAOS_ERROR_RATE", "0.25")
    monkeypatch.setenv("ERP_CHAOS_SEED", "9")
    settings = ErpSettings.from_env()
    assert settings.release == "random" and settings.session_idle_seconds == 30
    assert settings.chaos.error_rate == 0.25 and settings.chaos.seed == 9
