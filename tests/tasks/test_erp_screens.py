"""The ERP page objects in real Chromium against the real development ERP.

The ERP's database is the ground truth: every posting the bot reports is checked there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect
from robocorp.workitems import ApplicationException, BusinessException

from devdata.erp import DEV_PASSWORD, DEV_USER, Chaos, ErpServer
from devdata.master import load_master
from tasks.erp_records import InvoiceEntry, InvoiceEntryLine
from tasks.erp_screens import ErpSession
from tasks.web_session import InputMethod

pytestmark = pytest.mark.browser


def _entry(number: str, vendor_id: str = "V10001", **changes) -> InvoiceEntry:
    values = dict(
        vendor_id=vendor_id, invoice_number=number, invoice_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31), po_number="4500001001", currency="EUR",
        net_amount=Decimal("393.40"), tax_amount=Decimal("74.75"),
        total_amount=Decimal("468.15"),
        lines=(
            InvoiceEntryLine(description="Software subscription, monthly seat",
                             quantity=Decimal(12), unit_price=Decimal("31.45"),
                             amount=Decimal("377.40"), po_line=10),
            InvoiceEntryLine(description="Corrugated shipping boxes", quantity=Decimal(20),
                             unit_price=Decimal("0.80"), amount=Decimal("16.00"), po_line=30),
        ),
    )
    values.update(changes)
    return InvoiceEntry(**values)


def _session(browser: Browser, erp: ErpServer, tmp_path: Path, **options) -> ErpSession:
    return ErpSession.start(browser, erp.url, DEV_USER, DEV_PASSWORD,
                            screenshot_dir=tmp_path, **options)


@pytest.fixture(scope="module")
def erp(tmp_path_factory: pytest.TempPathFactory):
    with ErpServer(tmp_path_factory.mktemp("erp") / "erp.db") as server:
        yield server


@pytest.fixture(scope="module")
def session(browser: Browser, erp: ErpServer, tmp_path_factory: pytest.TempPathFactory):
    s = _session(browser, erp, tmp_path_factory.mktemp("shots"))
    yield s
    s.close()


def test_find_vendor_by_name_and_by_vat(session: ErpSession) -> None:
    by_name = session.find_vendor(name="weissmann")
    assert [v.vendor_id for v in by_name] == ["V10003"]
    assert by_name[0].iban == load_master().vendor("V10003").iban
    by_vat = session.find_vendor(vat="GB236552364")
    assert [(v.vendor_id, v.currency, v.country) for v in by_vat] == [("V10022", "GBP", "GB")]
    assert session.find_vendor(name="nobody by this name") == []


def test_vendor_picked_in_the_search_dialog_shows_its_master_iban(session: ErpSession) -> None:
    # The screen a person uses: search in the dialog's iframe, pick a row.
    session.find_vendor(name="Kessler")  # makes sure the session is logged on
    page = session.page
    page.goto(session.base_url + "/invoice/new")
    page.get_by_role("button", name="Search vendor").click()
    frame = page.frame_locator("dialog[open] iframe")
    frame.get_by_label("Name").fill("Kessler")
    frame.get_by_role("button", name="Search").click()
    frame.get_by_role("button", name="Select").click()
    # The dialog hands the pick over by postMessage: expect() waits for it to arrive.
    expect(session.find("ERP.Invoice.Vendor")).to_have_value("V10002")
    expect(session.find("ERP.Invoice.Iban")).to_have_text(load_master().vendor("V10002").iban)


def test_purchase_order_shows_lines_and_receipts(session: ErpSession) -> None:
    expected = load_master().purchase_order("4500001007")
    po = session.purchase_order("4500001007")
    assert (po.po_number, po.vendor_id, po.order_date) == (
        expected.po_number, expected.vendor_id, expected.order_date)
    assert [(ln.line, ln.quantity, ln.unit_price, ln.net_amount) for ln in po.lines] == [
        (ln.line, ln.quantity, ln.unit_price, ln.net_amount) for ln in expected.lines]
    assert [(r.receipt_number, r.line, r.quantity) for r in po.receipts] == [
        (r.receipt_number, r.line, r.quantity) for r in expected.receipts]
    assert session.purchase_order("4599999999") is None


def test_post_invoice_lands_in_the_erp_database(session: ErpSession, erp: ErpServer) -> None:
    assert session.find_posted_invoice("V10001", "RE-2026-001") is None
    document = session.post_invoice(_entry("RE-2026-001"))
    posted = next(p for p in erp.postings() if p.document_number == document)
    assert (posted.vendor_id, posted.invoice_number, posted.po_number, posted.currency) == (
        "V10001", "RE-2026-001", "4500001001", "EUR")
    assert (posted.invoice_date, posted.due_date) == (date(2026, 10, 1), date(2026, 10, 31))
    assert posted.total_amount == Decimal("468.15")
    assert [(ln.po_line, ln.quantity, ln.amount) for ln in posted.lines] == [
        (10, Decimal(12), Decimal("377.40")), (30, Decimal(20), Decimal("16.00"))]
    assert session.find_posted_invoice("V10001", "RE-2026-001") == document


def test_mouse_input_posts_the_same_invoice(browser: Browser, erp: ErpServer,
                                            tmp_path: Path) -> None:
    """AP_INPUT=mouse: Playwright's fill and mouse clicks, for screens that need them."""
    session = _session(browser, erp, tmp_path, input_method=InputMethod.MOUSE)
    try:
        document = session.post_invoice(_entry("RE-2026-M01"))
        assert [v.vendor_id for v in session.find_vendor(vat="DE809660905")] == ["V10003"]
    finally:
        session.close()
    posted = next(p for p in erp.postings() if p.document_number == document)
    assert (posted.invoice_number, posted.total_amount, len(posted.lines)) == (
        "RE-2026-M01", Decimal("468.15"), 2)


def test_an_unknown_input_method_is_refused_with_the_choices(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AP_INPUT", "Mouse")
    assert InputMethod.from_env() is InputMethod.MOUSE
    monkeypatch.setenv("AP_INPUT", "keyboard")
    with pytest.raises(ValueError, match="'simulate'.*'mouse'.*not 'keyboard'"):
        InputMethod.from_env()


def test_invoice_without_lines_posts_one_summary_line(session: ErpSession, erp: ErpServer) -> None:
    document = session.post_invoice(_entry("RE-2026-002", lines=()))
    posted = next(p for p in erp.postings() if p.document_number == document)
    assert [(ln.description, ln.amount) for ln in posted.lines] == [
        ("Invoice RE-2026-002", Decimal("393.40"))]


def test_an_invoice_the_erp_has_is_not_posted_again(session: ErpSession, erp: ErpServer) -> None:
    document = session.post_invoice(_entry("RE-2026-003"))
    before = len(erp.postings())
    with pytest.raises(BusinessException) as caught:
        session.post_invoice(_entry("re-2026-003"))  # found by the look-up before the submit
    assert caught.value.code == "DUPLICATE_INVOICE" and document in caught.value.message
    seen = []
    assert session.post_invoice(_entry("RE-2026-003"), lambda found: seen.append(found) or found
                                ) == document  # the caller may take the posting found
    assert seen == [document] and len(erp.postings()) == before
    # Posting goes on after a duplicate: the half-typed entry screen is not reused.
    assert session.post_invoice(_entry("RE-2026-003b")) != document


def test_erp_duplicate_warning_is_cancelled_and_reported(session: ErpSession,
                                                         erp: ErpServer) -> None:
    session.post_invoice(_entry("RE-2026-006"))
    before = len(erp.postings())
    with pytest.raises(BusinessException) as caught:  # the caller insists: the ERP refuses
        session.post_invoice(_entry("re-2026-006"), before_submit=lambda found: None)
    assert caught.value.code == "DUPLICATE_INVOICE" and "the ERP says" in caught.value.message
    assert len(erp.postings()) == before
    assert session.tab("/invoice/new").url.endswith("/invoice/new?cancelled=1")


def test_rejected_entry_becomes_a_business_error(session: ErpSession, erp: ErpServer) -> None:
    before = len(erp.postings())
    with pytest.raises(BusinessException) as caught:
        session.post_invoice(_entry("RE-2026-004", vendor_id="V99999"))
    assert caught.value.code == "UNKNOWN_VENDOR"
    with pytest.raises(BusinessException) as caught:
        session.post_invoice(_entry("RE-2026-005", vendor_id="V10002"))  # PO of V10001
    assert caught.value.code == "PO_MISMATCH"
    assert len(erp.postings()) == before
    assert list(session.screenshot_dir.glob("erp-post_invoice-failed-*.png"))


@pytest.mark.slow
def test_new_release_ids_are_survived_through_fallbacks(
    browser: Browser, tmp_path: Path
) -> None:
    with ErpServer(tmp_path / "erp.db", release="2031.9") as erp:
        session = _session(browser, erp, tmp_path)
        document = session.post_invoice(_entry("RE-2031-001"))
        assert [v.vendor_id for v in session.find_vendor(vat="DE809660905")] == ["V10003"]
        assert session.purchase_order("4500001001").vendor_id == "V10001"
        assert erp.postings()[0].document_number == document
        hits = session.locators.last_hit
        assert hits["ERP.Invoice.Number"] == "label 'Invoice number'"
        assert hits["ERP.Invoice.Post"] == "role button named 'Post'"
        assert not any(h.startswith("css '#ctl") for h in hits.values())
        session.close()


@pytest.mark.slow
def test_session_expiry_mid_entry_posts_exactly_once(
    browser: Browser, tmp_path: Path
) -> None:
    with ErpServer(tmp_path / "erp.db") as erp:
        session = _session(browser, erp, tmp_path)
        session.find_vendor(name="Brenner")  # logged on
        expired = []

        def expire_before_submit(route: Route) -> None:
            # The user typed the whole invoice; the session dies just before the post.
            if route.request.method == "POST" and not expired:
                erp.expire_sessions()
                expired.append(True)
            route.continue_()

        session.page.context.route("**/invoice/new", expire_before_submit)
        document = session.post_invoice(_entry("RE-EXP-001"))
        assert expired and session.logins == 2
        assert [p.document_number for p in erp.postings()] == [document]
        session.close()


def test_session_ended_between_items_is_renewed(browser: Browser, tmp_path: Path) -> None:
    # The idle timeout itself is tested over HTTP (tests/devdata/test_erp_app.py).
    with ErpServer(tmp_path / "erp.db") as erp:
        session = _session(browser, erp, tmp_path)
        session.find_vendor(name="Kessler")
        erp.expire_sessions()
        assert session.find_posted_invoice("V10001", "X-1") is None
        assert session.logins == 2
        session.close()


def test_a_session_dropped_right_after_log_on_logs_on_again(browser: Browser,
                                                            tmp_path: Path) -> None:
    with ErpServer(tmp_path / "erp.db") as erp:
        session = _session(browser, erp, tmp_path)
        dropped = []

        def drop_after_log_on(route: Route) -> None:
            # The ERP accepts the password; the page its redirect leads to finds the new
            # session gone.
            if route.request.method != "POST" or dropped:
                route.continue_()
                return
            accepted = route.fetch(max_redirects=0)
            erp.expire_sessions()
            dropped.append(accepted.status)
            route.fulfill(response=accepted)

        session.page.context.route("**/login*", drop_after_log_on)
        vendors = session.find_vendor(name="Brenner")
        assert dropped == [303], "the session was dropped on the log-on's redirect"
        assert [v.name for v in vendors] and session.logins == 1
        session.close()


@pytest.mark.slow
def test_chaos_500s_and_timeouts_still_post_each_invoice_once(
    browser: Browser, tmp_path: Path
) -> None:
    chaos = Chaos(error_rate=0.15, timeout_rate=0.05, hang_seconds=0.5, latency_ms=20, seed=5)
    with ErpServer(tmp_path / "erp.db", chaos=chaos) as erp:
        session = _session(browser, erp, tmp_path, timeout_ms=8000, attempts=8,
                           backoff_seconds=0.05)
        documents = [session.post_invoice(_entry(f"RE-CHAOS-{n}")) for n in range(3)]
        # Reading goes through the same retries, the vendor search inside its iframe too.
        assert [v.vendor_id for v in session.find_vendor(vat="DE809660905")] == ["V10003"]
        assert len(session.purchase_order("4500001001").lines) == 3
        postings = erp.postings()
        assert sorted(p.document_number for p in postings) == sorted(documents)
        assert sorted(p.invoice_number for p in postings) == [f"RE-CHAOS-{n}" for n in range(3)]
        session.close()


def test_erp_down_is_an_application_error_with_a_screenshot(
    browser: Browser, tmp_path: Path
) -> None:
    with ErpServer(tmp_path / "erp.db", chaos=Chaos(error_rate=1.0)) as erp:
        session = _session(browser, erp, tmp_path, attempts=2, backoff_seconds=0.01)
        with pytest.raises(ApplicationException) as caught:
            session.find_vendor(name="Brenner")
        assert caught.value.code == "ERP_UNAVAILABLE"
        assert "HTTP 500" in str(caught.value)
        assert list(tmp_path.glob("erp-find_vendor-failed-*.png"))
        session.close()


@pytest.mark.slow
def test_hanging_erp_times_out_as_unavailable(browser: Browser, tmp_path: Path) -> None:
    chaos = Chaos(timeout_rate=1.0, hang_seconds=1.0)
    with ErpServer(tmp_path / "erp.db", chaos=chaos) as erp:
        session = _session(browser, erp, tmp_path, timeout_ms=300, attempts=2,
                           backoff_seconds=0.01)
        with pytest.raises(ApplicationException) as caught:
            session.purchase_order("4500001001")
        assert caught.value.code == "ERP_UNAVAILABLE"
        assert "did not answer" in str(caught.value)
        session.close()


def test_sessions_that_keep_dying_raise_session_expired(
    browser: Browser, tmp_path: Path
) -> None:
    with ErpServer(tmp_path / "erp.db", chaos=Chaos(expiry_rate=1.0)) as erp:
        session = _session(browser, erp, tmp_path, attempts=3)
        with pytest.raises(ApplicationException) as caught:
            session.find_posted_invoice("V10001", "X-1")
        assert caught.value.code == "SESSION_EXPIRED"
        session.close()


def test_wrong_password_is_reported(browser: Browser, erp: ErpServer, tmp_path: Path) -> None:
    session = ErpSession.start(browser, erp.url, DEV_USER, "not-the-password",
                               screenshot_dir=tmp_path)
    with pytest.raises(ApplicationException, match="refused the log-on"):
        session.find_vendor(name="Brenner")
    session.close()
