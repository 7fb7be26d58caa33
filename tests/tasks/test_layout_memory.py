"""Learned layouts kept in the work-item store, and the approval that teaches them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devdata.generator import render_invoice
from skills.documents import read_document
from skills.extract import extract
from skills.layouts import StaleLayout, teach_document
from tasks.consumer import InvoiceJob
from tasks.layout_memory import StoreLayouts
from tasks.payloads import DocumentRef, Extracted, FieldValue, InvoicePayload, Review, Source
from tasks.settings import BotSettings
from workitems import Store, open_store

FAMILY = "procedural-heldout"


def _invoice(index: int) -> tuple[bytes, dict[str, str | None]]:
    """Invoice ``index`` of one vendor (one layout); plain one-page invoices only."""
    data, _, generated = render_invoice(3, index, FAMILY, house=0)
    return data, generated.truth.header()


def test_workers_share_what_one_of_them_learned(store: Store) -> None:
    data, truth = _invoice(0)
    taught = teach_document(StoreLayouts(store, actor="worker-1"),
                            read_document(data, "a.pdf"), truth)
    assert taught is not None and taught.version == 1
    # Another worker, another connection to the same store, reads the next invoice.
    with open_store(_url_of(store)) as other:
        memory = StoreLayouts(other, actor="worker-2")
        nxt, nxt_truth = _invoice(1)
        doc = read_document(nxt, "b.pdf")
        result = extract(doc, layouts=memory)
        assert result.layout == taught.id
        again = teach_document(memory, doc, nxt_truth)
        assert again is not None and (again.id, again.version, again.documents) == (
            taught.id, 2, 2)
    (kept,) = StoreLayouts(store).all()
    assert kept.version == 2
    # What the Control Room's administrators see beside the record.
    assert store.records("layout")[0].data["summary"]["documents seen"] == "2"
    with pytest.raises(StaleLayout):  # a save over a newer version is refused
        StoreLayouts(store).save(taught)
    assert StoreLayouts(store).remove(taught.id) and StoreLayouts(store).all() == []


def _url_of(store: Store) -> str:
    return store.settings.db_url


class _Item:
    """Stand-in for robocorp's work-item Input: the few things the job asks of it."""

    def __init__(self, name: str, data: bytes) -> None:
        self.files = [name]
        self._data = {name: data}
        self.payload: dict = {}
        self.saved = 0

    def save(self) -> None:
        self.saved += 1

    def get_file(self, name: str, path: Path) -> Path:
        path.write_bytes(self._data[name])
        return path


def _approved(name: str, data: bytes, fields: dict) -> _Item:
    """An item a clerk approved with ``fields``."""
    item = _Item(name, data)
    item.payload = InvoicePayload(
        reference="x", source=Source(kind="folder", name="inbox"),
        document=DocumentRef(filename=name, sha256="x"),
        review=Review(action="approve", fields=fields, by="clerk",
                      at=datetime.now(UTC))).model_dump(mode="json")
    return item


def test_an_approved_review_teaches_the_vendors_layout(tmp_path: Path) -> None:
    data, truth = _invoice(0)
    with open_store(f"sqlite:///{tmp_path / 'workitems.db'}") as store:
        memory = StoreLayouts(store)
        item = _approved("invoice.pdf", data, truth)
        job = InvoiceJob(item, erp=None, settings=BotSettings(), layouts=memory)  # type: ignore[arg-type]
        fields, _, by_person = job._fields()
        assert by_person and fields == truth
        (layout,) = memory.all()
        assert layout.documents == 1 and layout.vendor_name == truth["vendor_name"]
        assert layout.fields["invoice_number"].places
        assert item.payload["layout_taught"] == layout.id and item.saved
        # A retried attempt of the same item does not teach the same approval twice.
        InvoiceJob(item, erp=None, settings=BotSettings(), layouts=memory)._fields()  # type: ignore[arg-type]
        assert memory.all()[0].documents == 1


def test_what_the_bot_read_and_the_clerk_changed_is_remembered_as_a_wrong_place(
        tmp_path: Path) -> None:
    """The bot read the order number as the invoice number; the clerk approved the right
    one. The layout keeps where the bot's value sat, so a value read there is doubted."""
    data, truth = _invoice(0)
    assert truth["po_number"]
    with open_store(f"sqlite:///{tmp_path / 'workitems.db'}") as store:
        memory = StoreLayouts(store)
        item = _approved("invoice.pdf", data, truth)
        item.payload["extracted"] = Extracted(fields={
            "invoice_number": FieldValue(value=truth["po_number"], confidence=0.9),
        }).model_dump(mode="json")
        InvoiceJob(item, erp=None, settings=BotSettings(), layouts=memory)._fields()  # type: ignore[arg-type]
        (layout,) = memory.all()
        assert layout.fields["invoice_number"].wrong
        assert not layout.fields["total"].wrong  # the bot read no total: nothing wrong


def test_values_as_the_control_room_keeps_them_teach_every_field(tmp_path: Path) -> None:
    """The Control Room keeps a rate as "22", the page prints 22.00 %: the rate is taught."""
    from tasks.invoice_fields import validate_fields  # noqa: PLC0415

    data, truth = next(found for i in range(20) if str((found := _invoice(i))[1]["tax_rate"])
                       .endswith(".00"))
    approved, errors = validate_fields(truth)
    assert not errors and approved["tax_rate"] != truth["tax_rate"]  # "22" against "22.00"
    with open_store(f"sqlite:///{tmp_path / 'workitems.db'}") as store:
        memory = StoreLayouts(store)
        item = _approved("invoice.pdf", data, approved)
        InvoiceJob(item, erp=None, settings=BotSettings(), layouts=memory)._fields()  # type: ignore[arg-type]
        (layout,) = memory.all()
        assert layout.fields["tax_rate"].places


def test_an_admin_lists_and_removes_learned_layouts(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    from tasks.layout_memory import main  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'workitems.db'}"
    with open_store(url) as store:
        memory = StoreLayouts(store)
        for index in (0, 1):
            data, truth = _invoice(index)
            taught = teach_document(memory, read_document(data, f"{index}.pdf"), truth)
    assert main(["list", "--db", url]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert '"documents": 2' in line and taught.id in line and '"agreement": {' in line
    assert main(["remove", taught.id, "--db", url]) == 0
    assert main(["remove", taught.id, "--db", url]) == 1
