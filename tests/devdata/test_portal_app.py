"""The supplier portal over plain HTTP: sign-in, pages, downloads, bad folders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from devdata.erp import Chaos
from devdata.portal import (
    DEV_PASSWORD,
    DEV_USER,
    PortalIndexError,
    PortalServer,
    write_sample_invoices,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portal")
    write_sample_invoices(path, count=7)
    return path


def _signed_in(portal: PortalServer) -> httpx.Client:
    client = httpx.Client(base_url=portal.url, timeout=10)
    client.post("/login", data={"username": DEV_USER, "password": DEV_PASSWORD})
    return client


def test_list_needs_sign_in_and_pages(folder: Path) -> None:
    with PortalServer(folder, page_size=3) as portal:
        assert httpx.get(portal.url + "/invoices").status_code == 303
        client = _signed_in(portal)
        numbers = []
        for page in (1, 2, 3):
            html = client.get("/invoices", params={"page": page}).text
            numbers += re.findall(r"<td>(PRT-\d+)</td>", html)
            assert f"Page {page} of 3" in html
        assert numbers == [i.invoice_number for i in portal.invoices]
        assert 'rel="next"' not in html


def test_download_serves_the_pdf_bytes(folder: Path) -> None:
    with PortalServer(folder) as portal:
        client = _signed_in(portal)
        invoice = portal.invoices[0]
        response = client.get(f"/download/{invoice.key}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content == (folder / invoice.filename).read_bytes()
        assert client.get("/download/..%2F..%2Fetc%2Fpasswd").status_code == 404
        assert httpx.get(f"{portal.url}/download/{invoice.key}").status_code == 303


def test_wrong_password_is_refused(folder: Path) -> None:
    with PortalServer(folder) as portal:
        page = httpx.post(portal.url + "/login", data={"username": DEV_USER, "password": "x"})
        assert "Unknown user or wrong password." in page.text


def test_index_naming_a_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text(json.dumps([{
        "invoice_number": "X", "vendor": "V", "invoice_date": "2026-10-01",
        "filename": "../../etc/passwd"}]))
    with pytest.raises(PortalIndexError, match="must be a plain name"):
        PortalServer(tmp_path)
    (tmp_path / "index.json").write_text("[{broken")
    with pytest.raises(PortalIndexError, match="not valid"):
        PortalServer(tmp_path)


def test_folder_without_index_lists_every_pdf(tmp_path: Path, folder: Path) -> None:
    (tmp_path / "a.pdf").write_bytes((folder / "PRT-20260001.pdf").read_bytes())
    with PortalServer(tmp_path) as portal:
        assert [i.invoice_number for i in portal.invoices] == ["a"]


def test_chaos_errors_the_portal_too(folder: Path) -> None:
    with PortalServer(folder, chaos=Chaos(error_rate=1.0)) as portal:
        assert httpx.get(portal.url + "/login").status_code == 500
