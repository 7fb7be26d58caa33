"""An invoice the supplier portal lists, and the ``index.json`` that describes a folder of PDFs."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

INDEX_FILE = "index.json"


class PortalIndexError(ValueError):
    """The folder's index.json is malformed or names a file outside the folder."""


class PortalInvoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    invoice_number: str
    vendor: str
    invoice_date: date
    due_date: date | None = None
    amount: Decimal | None = None
    currency: str = ""
    filename: str  # a PDF inside the served folder, no directories

    @field_validator("filename")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if PurePosixPath(value).name != value or "\\" in value or value in {"", ".", ".."}:
            raise ValueError(f"file name {value!r} must be a plain name inside the folder")
        return value

    @property
    def key(self) -> str:
        """The download id in URLs: stable, and never a path."""
        return hashlib.sha1(self.filename.encode()).hexdigest()[:12]


def load_index(folder: Path) -> list[PortalInvoice]:
    """The invoices described by ``folder/index.json``, or one per PDF when there is none."""
    index = folder / INDEX_FILE
    if not index.exists():
        return [
            PortalInvoice(invoice_number=pdf.stem, vendor="",
                          invoice_date=date.fromtimestamp(pdf.stat().st_mtime),
                          filename=pdf.name)
            for pdf in sorted(folder.glob("*.pdf"))
        ]
    try:
        raw = json.loads(index.read_text(encoding="utf-8"))
        invoices = [PortalInvoice.model_validate(entry) for entry in raw]
    except (ValueError, TypeError, ValidationError) as exc:
        raise PortalIndexError(f"{INDEX_FILE} in the portal folder is not valid: {exc}") from exc
    missing = [i.filename for i in invoices if not (folder / i.filename).is_file()]
    if missing:
        raise PortalIndexError(f"{INDEX_FILE} names files that are not there: {missing}")
    return invoices


def write_index(folder: Path, invoices: list[PortalInvoice]) -> Path:
    path = folder / INDEX_FILE
    path.write_text(json.dumps([i.model_dump(mode="json") for i in invoices], indent=2))
    return path
