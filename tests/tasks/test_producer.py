"""The producer bot through the real worker: a watched folder, a real IMAP server
(dovecot) and the supplier portal in real Chromium, into the consumer queue."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from devdata.portal import DEV_PASSWORD, DEV_USER, PortalServer, write_sample_invoices
from tests.tasks.bot_runs import PROCESS, register, run_step, write_ap_config
from tests.tasks.imap_server import DovecotServer
from workitems import ExceptionType, Item, ItemState, Store


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # the same text, the same bytes
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="PNG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def settled(folder: Path) -> Path:
    """Date the folder's files back, as if copied in a while ago (the bot leaves files
    changed in the last seconds for the next run)."""
    old = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (old, old))
    return folder


def consumer_items(store: Store) -> dict[str, Item]:
    items = store.list_items(process=PROCESS, step="consumer", limit=1000)
    return {item.reference: store.get_item(item.id) for item in items}  # with its files


def trigger(store: Store) -> int:
    return store.create_item(PROCESS, "producer", {"trigger": "test"}).id


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_ap_config(tmp_path, producer_attempts=1)


@pytest.mark.slow  # a worker run: ~3 s alone, far more on a busy machine
def test_folder_documents_become_one_item_each(store: Store, store_url: str, tmp_path: Path,
                                               config: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    invoice, scan = pdf_bytes("Invoice 1"), png_bytes()
    (inbox / "invoice-1.pdf").write_bytes(invoice)
    (inbox / "copy of invoice-1.pdf").write_bytes(invoice)  # same bytes, second name
    (inbox / "scan.png").write_bytes(scan)
    (inbox / "bad\x07name..pdf").write_bytes(pdf_bytes("Invoice 2"))
    (inbox / "notes.txt").write_text("call the vendor", encoding="utf-8")
    (inbox / "looks-like.pdf").write_bytes(b"PK\x03\x04 a zip file, not a PDF")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "nested.pdf").write_bytes(pdf_bytes("nested: not collected"))
    settled(inbox)
    register(store, config)
    first = trigger(store)

    run = run_step(store_url, config, "producer", tmp_path / "logs", {"AP_INBOX": str(inbox)})

    assert store.get_item(first).state is ItemState.DONE
    items = consumer_items(store)
    assert set(items) == {sha(invoice), sha(scan), sha(pdf_bytes("Invoice 2"))}
    pdf_item = items[sha(invoice)]
    assert pdf_item.files == [pdf_item.payload["document"]["filename"]]
    assert store.get_file(pdf_item.id, pdf_item.files[0]) == invoice
    assert pdf_item.payload["source"]["kind"] == "folder"
    assert pdf_item.payload["document"] == {
        "filename": pdf_item.files[0], "sha256": sha(invoice), "media_type": "application/pdf",
        "size": len(invoice)}
    assert items[sha(scan)].files == ["scan.png"]
    assert items[sha(pdf_bytes("Invoice 2"))].files == ["badname.pdf"]
    assert "found 6, documents 4, new in this run 3, skipped 2" in run.console
    assert "'notes.txt': not a document" in run.console
    assert (inbox / "invoice-1.pdf").exists(), "source files stay where they are"

    # The next scheduled run offers the same files again: merged, never duplicated.
    second = trigger(store)
    run_step(store_url, config, "producer", tmp_path / "logs2", {"AP_INBOX": str(inbox)})
    assert store.get_item(second).state is ItemState.DONE
    assert set(consumer_items(store)) == set(items)
    merged = [e for e in store.events(pdf_item.id) if e.kind == "MERGED"]
    assert [e.details["parent_id"] for e in merged] == [second]


def mail(subject: str, attachments: list[tuple[str, str, bytes]]) -> bytes:
    message = EmailMessage()
    message["From"] = "billing@vendor.example"
    message["To"] = "ap@acme.example"
    message["Subject"] = subject
    message["Date"] = "Fri, 20 Nov 2026 09:30:00 +0100"
    message["Message-ID"] = f"<{sha(subject.encode())[:12]}@vendor.example>"
    message.set_content("Please find our invoice attached.")
    message.add_alternative("<p>Please find our invoice attached.</p>", subtype="html")
    for filename, mime, data in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.mark.slow  # a worker run: ~3 s alone, far more on a busy machine
def test_imap_attachments_become_items(tmp_path: Path, config: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'workitems.db'}"
    inbox = tmp_path / "empty-inbox"
    inbox.mkdir()
    traversal, scan = pdf_bytes("IMAP invoice"), png_bytes()
    xml = b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl"/>'
    with DovecotServer(tmp_path / "dovecot") as server:
        server.append(mail("Invoice 77", [("../../etc/invoice 77.pdf", "application/pdf",
                                           traversal)]))
        server.append(mail("Scan and notes", [("scan", "image/png", scan),
                                              ("notes.txt", "text/plain", b"just text"),
                                              ("invoice.pdf", "application/pdf", b"MZ\x90\x00")]))
        server.append(mail("E-invoice", [("xrechnung.xml", "application/xml", xml)]))
        server.append(mail("No attachment", []))
        with open_store_for(store_url) as local:
            register(local, config)
            trigger(local)
            run = run_step(store_url, config, "producer", tmp_path / "logs", {
                "AP_INBOX": str(inbox), "AP_IMAP_HOST": server.host,
                "AP_IMAP_PORT": str(server.port), "AP_IMAP_USER": server.user,
                "AP_IMAP_PASSWORD": server.password,
                # How attachments are taken, without triage deciding which mails bring
                # documents (routed mails: test_triage_step.py, test_bank_change_imap.py).
                "AP_TRIAGE": "off"})
            items = consumer_items(local)
        flags = server.flags()

    assert set(items) == {sha(traversal), sha(scan), sha(xml)}
    assert items[sha(traversal)].files == ["invoice 77.pdf"]
    assert items[sha(scan)].files == ["scan.png"]
    assert items[sha(xml)].payload["document"]["media_type"] == "application/xml"
    source = items[sha(traversal)].payload["source"]
    assert source["kind"] == "imap" and source["name"].endswith("@vendor.example>")
    assert source["received_at"].startswith("2026-11-20T08:30:00")
    assert "found 5, documents 3, new in this run 3, skipped 2" in run.console
    assert all(b"\\Seen" not in f for f in flags), f"messages were marked as read: {flags}"
    assert len(flags) == 4, "no message was moved or deleted"


def open_store_for(url: str) -> Store:
    from workitems import open_store

    return open_store(url)


@pytest.mark.slow  # a worker run: ~3 s alone, far more on a busy machine
def test_a_refused_login_is_reported_and_the_folder_still_produces(
        tmp_path: Path, config: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'workitems.db'}"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "one.pdf").write_bytes(pdf_bytes("one"))
    settled(inbox)
    with DovecotServer(tmp_path / "dovecot") as server, open_store_for(store_url) as store:
        register(store, config)
        first = trigger(store)
        run = run_step(store_url, config, "producer", tmp_path / "logs", {
            "AP_INBOX": str(inbox), "AP_IMAP_HOST": server.host,
            "AP_IMAP_PORT": str(server.port), "AP_IMAP_USER": server.user,
            "AP_IMAP_PASSWORD": "wrong"})
        assert store.get_item(first).state is ItemState.DONE
        assert list(consumer_items(store)) == [sha(pdf_bytes("one"))]
    assert "refused the login of 'ap-inbox'" in run.console
    assert "imap ap-inbox@127.0.0.1" in run.console and "FAILED" in run.console


@pytest.mark.slow  # a worker run: ~3 s alone, far more on a busy machine
def test_when_every_source_fails_the_trigger_fails_to_be_retried(tmp_path: Path,
                                                                 config: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'workitems.db'}"
    env = {"AP_INBOX": str(tmp_path / "no-such-folder"), "AP_IMAP_HOST": "127.0.0.1",
           "AP_IMAP_PORT": "1"}
    with open_store_for(store_url) as store:
        register(store, config)
        idle = run_step(store_url, config, "producer", tmp_path / "idle", env)
        assert idle.console == "", "no trigger: the worker starts no bot run at all"
        first = trigger(store)
        run_step(store_url, config, "producer", tmp_path / "logs", env)
        item = store.get_item(first)
        assert (item.state, item.exception_type, item.exception_code) == (
            ItemState.FAILED, ExceptionType.APPLICATION, "SOURCE_UNAVAILABLE")
        assert "no-such-folder does not exist" in item.exception_message
        assert "cannot reach the mail server 127.0.0.1:1" in item.exception_message
        assert consumer_items(store) == {}


@pytest.mark.browser
@pytest.mark.slow
def test_portal_invoices_are_downloaded_from_every_page(tmp_path: Path, config: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'workitems.db'}"
    portal_files = tmp_path / "portal"
    invoices = write_sample_invoices(portal_files, count=5)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with PortalServer(portal_files, page_size=2) as portal, \
            open_store_for(store_url) as store:
        register(store, config)
        trigger(store)
        run = run_step(store_url, config, "producer", tmp_path / "logs", {
            "AP_INBOX": str(inbox), "AP_PORTAL_URL": portal.url, "AP_PORTAL_USER": DEV_USER,
            "AP_PORTAL_PASSWORD": DEV_PASSWORD, "AP_OUTPUT": str(tmp_path / "out")})
        items = consumer_items(store)
        expected = {sha((portal_files / i.filename).read_bytes()): i for i in invoices}
        assert set(items) == set(expected)
        for reference, invoice in expected.items():
            item = items[reference]
            assert item.files == [f"{invoice.invoice_number}.pdf"]
            assert store.get_file(item.id, item.files[0]) == (
                portal_files / invoice.filename).read_bytes()
            assert item.payload["source"]["kind"] == "portal"
            assert invoice.invoice_number in item.payload["source"]["name"]
    assert "found 5, documents 5, new in this run 5, skipped 0" in run.console
