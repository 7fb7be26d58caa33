"""The producer's document checks without a worker: names from outside, types by bytes,
mail parts, the watched folder's rules."""

from __future__ import annotations

import os
import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from tasks.payloads import Source
from tasks.producer import produce_outputs
from tasks.settings import BotSettings
from tasks.sources import SourceReport, accept_document, configured_sources, safe_name
from tasks.sources import folder as folder_source
from tasks.sources.imap import Mailbox, MailboxError, _attachments
from tests.tasks.imap_server import DovecotServer, free_port

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SOURCE = Source(kind="manual", name="test")


@pytest.mark.parametrize(("raw", "media_type", "expected"), [
    ("../../x.pdf", "application/pdf", "x.pdf"),
    ("a/b", "application/pdf", "b.pdf"),
    ("C:\\Users\\me\\inv.PDF", "application/pdf", "inv.PDF"),
    ("in\x00voice\n.pdf", "application/pdf", "invoice.pdf"),
    ("a..b.pdf", "application/pdf", "a.b.pdf"),
    ("..", "application/pdf", "document.pdf"),
    (None, "image/png", "document.png"),
    (".hidden.pdf", "application/pdf", "hidden.pdf"),
    ("invoice.exe", "application/pdf", "invoice.exe.pdf"),
    ("scan.JPEG", "image/jpeg", "scan.JPEG"),
    ("x\u202egpj.pdf", "application/pdf", "xgpj.pdf"),
    ("Rechnung Müller: 7?.pdf", "application/pdf", "Rechnung Müller_ 7_.pdf"),
])
def test_names_from_outside_become_safe_base_names(raw: str | None, media_type: str,
                                                   expected: str) -> None:
    assert safe_name(raw, media_type) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_name("x" * 400 + ".pdf", "application/pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


@pytest.mark.parametrize(("data", "media_type"), [
    (PDF, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xe0....", "image/jpeg"),
    (b"II*\x00....", "image/tiff"),
    (b"\xef\xbb\xbf<?xml version='1.0'?><Invoice/>", "application/xml"),
])
def test_documents_are_recognised_by_their_bytes(data: bytes, media_type: str) -> None:
    report = SourceReport("folder", "test")
    document = accept_document("no-extension", data, SOURCE, report)
    assert document is not None and document.media_type == media_type
    assert (report.found, report.documents, report.skipped) == (1, 1, [])


@pytest.mark.parametrize(("data", "why"), [
    (b"", "empty file"),
    (b"MZ\x90\x00 a program", "not a document"),
    (b"PK\x03\x04 a zip named .pdf", "not a document"),
    (b"just some text", "not a document"),
])
def test_other_files_are_skipped_with_a_reason(data: bytes, why: str) -> None:
    report = SourceReport("folder", "test")
    assert accept_document("invoice.pdf", data, SOURCE, report) is None
    assert report.found == 1 and report.documents == 0
    assert len(report.skipped) == 1 and why in report.skipped[0]
    assert report.skipped[0].startswith("'invoice.pdf': ")


def test_mail_parts_attachments_only() -> None:
    message = EmailMessage()
    message["Message-ID"] = "<m1@vendor.example>"
    message["Date"] = "Fri, 20 Nov 2026 09:30:00 +0100"
    message.set_content("body text is not an attachment")
    message.add_alternative("<p><img src='cid:logo'></p>", subtype="html")
    html = message.get_payload()[1]
    html.add_related(b"\x89PNG\r\n\x1a\n logo", maintype="image", subtype="png", cid="<logo>",
                     disposition="inline")
    message.add_attachment(PDF, maintype="application", subtype="pdf",
                           filename="../invoice.pdf")
    message.add_attachment(b"notes", maintype="text", subtype="plain", filename="notes.txt")
    inner = EmailMessage()
    inner.set_content("forwarded")
    inner.add_attachment(PDF + b"%2", maintype="application", subtype="octet-stream",
                         filename="forwarded")
    message.add_attachment(inner)
    report = SourceReport("imap", "box")
    documents = list(_attachments(message, b"7", "box", report))
    assert [d.filename for d in documents] == ["invoice.pdf", "forwarded.pdf"]
    assert documents[0].source.name == "box <m1@vendor.example>"
    assert (report.found, report.documents) == (4, 2)
    assert [s.split(": ")[0] for s in report.skipped] == ["'image/png'", "'notes.txt'"]
    assert "embedded in the message body" in report.skipped[0]


def test_the_folder_leaves_files_still_being_written_and_huge_ones(tmp_path: Path) -> None:
    (tmp_path / "old.pdf").write_bytes(PDF)
    with open(tmp_path / "huge.pdf", "wb") as huge:  # sparse: no disk space used
        huge.write(PDF)
        huge.truncate(60_000_000)
    old = time.time() - 60
    for name in ("old.pdf", "huge.pdf"):
        os.utime(tmp_path / name, (old, old))
    (tmp_path / "fresh.pdf").write_bytes(PDF + b"%fresh")
    report = SourceReport("folder", str(tmp_path))
    documents = list(folder_source.collect(tmp_path, report))
    assert [d.filename for d in documents] == ["old.pdf"]
    fresh, huge = report.skipped  # in name order
    assert fresh.startswith("'fresh.pdf': still being written")
    assert huge == "'huge.pdf': too large (60.0 MB; invoices up to 50 MB are read)"


def test_sources_follow_the_settings(tmp_path: Path) -> None:
    only_folder = configured_sources(BotSettings(inbox=tmp_path))
    assert [s.kind for s in only_folder] == ["folder"]
    every = configured_sources(BotSettings(inbox=tmp_path, imap_host="mail.example",
                                           imap_user="ap", imap_password="secret",
                                           portal_url="http://portal.example"))
    assert [s.kind for s in every] == ["folder", "imap", "portal"]
    assert every[1].name == "ap@mail.example:143/INBOX"
    assert all("secret" not in s.name for s in every), "no password in what gets logged"


def test_a_failing_source_is_reported_and_the_next_one_still_runs(tmp_path: Path) -> None:
    sources = configured_sources(BotSettings(inbox=tmp_path / "missing", imap_host="127.0.0.1",
                                             imap_port=1))
    reports = produce_outputs(sources)  # no output is created: neither source yields
    assert [r.kind for r in reports] == ["folder", "imap"]
    assert "does not exist" in reports[0].error
    assert "cannot reach the mail server 127.0.0.1:1" in reports[1].error
    assert "FAILED" in reports[1].line()


def test_starttls_is_used_and_the_certificate_verified(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    attached = PDF + b"%tls"
    message = EmailMessage()
    message["Message-ID"] = "<tls@vendor.example>"
    message.set_content("invoice attached")
    message.add_attachment(attached, maintype="application", subtype="pdf",
                           filename="tls.pdf")
    with DovecotServer(tmp_path / "dovecot", tls=True) as server:
        server.append(message.as_bytes())
        mailbox = Mailbox(server.host, server.port, server.user, server.password)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "unknown-ca.pem"))
        with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
            list(mailbox.collect(SourceReport("imap", mailbox.label)))
        monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))  # trust the test's CA
        documents = list(mailbox.collect(SourceReport("imap", mailbox.label)))
    assert [(d.filename, d.data) for d in documents] == [("tls.pdf", attached)]
    log = (tmp_path / "dovecot" / "dovecot.log").read_text()
    assert re.search(r"Login: user=<ap-inbox>.*, TLS, session", log), "the bot's login was "\
        "encrypted"


@pytest.mark.browser
@pytest.mark.slow  # the portal session retries with backoff before it gives up
def test_a_portal_that_does_not_answer_is_reported(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = BotSettings(inbox=tmp_path, portal_url=closed, output=tmp_path / "out")
    [folder_report, portal_report] = produce_outputs(configured_sources(settings))
    assert folder_report.error is None
    assert portal_report.error.startswith("The supplier portal did not answer")
    assert portal_report.error.endswith("[ERP_UNAVAILABLE]")
    assert portal_report.line().startswith(f"portal {closed}: FAILED (")
