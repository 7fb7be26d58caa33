"""The vendor master triage matches senders against: the development ERP's seed
spreadsheet (``devdata/master/vendors.xlsx``) unless another folder is named."""

from __future__ import annotations

from pathlib import Path

from skills.validate import Vendor


def master_vendors(folder: Path | None = None) -> list[Vendor]:
    from devdata.master import load_master  # noqa: PLC0415 - openpyxl only when asked

    return [Vendor(vendor_id=v.vendor_id, name=v.name, vat_id=v.vat_id, iban=v.iban,
                   currency=v.currency) for v in load_master(folder).vendors]
