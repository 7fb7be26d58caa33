"""Real third-party invoices (the shared evaluation set) read through the text-layer path.

The set lives outside the repository (../shared/realdata, or $AP_REALDATA); these
tests skip when it is absent. They only read: nothing is tuned on these files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skills.documents import read_document
from skills.schema import ReadMethod

ROOT = Path(__file__).resolve().parents[2]
REALDATA = Path(os.environ.get("AP_REALDATA") or ROOT.parent / "shared" / "realdata")
INVOICES = sorted((REALDATA / "invoices").glob("*.pdf")) if REALDATA.is_dir() else []

pytestmark = pytest.mark.skipif(
    not INVOICES, reason=f"real evaluation invoices not found under {REALDATA} (set AP_REALDATA)"
)


def _squeezed(text: str) -> str:
    return "".join(text.split()).lower()


@pytest.mark.parametrize("path", INVOICES, ids=[p.stem for p in INVOICES])
def test_real_born_digital_invoice_reads_from_its_text_layer(path: Path):
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))[0]
    doc = read_document(path.read_bytes(), path.name)

    assert doc.pages and all(page.method == ReadMethod.TEXT for page in doc.pages)
    for page in doc.pages:
        for word in page.words:
            x0, y0, x1, y1 = word.box
            assert -1 <= x0 <= x1 <= page.width + 1 and -1 <= y0 <= y1 <= page.height + 1
    # The published invoice number is printed on the invoice (spacing may differ).
    number = str(truth.get("invoice_number") or "")
    if number:
        assert _squeezed(number) in _squeezed(doc.text)
