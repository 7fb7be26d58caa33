"""The development ERP's SQLite database: schema, seeding from master data, queries.

The database is the ground truth tests check postings against. Every call opens its
own connection, so the web app's threads and a test's thread can share one file.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from devdata.erp.records import InvoiceDraft, Posting, PostingLine
from devdata.master import Address, GoodsReceipt, Master, PoLine, PurchaseOrder, Vendor

FIRST_DOCUMENT_NUMBER = 5100001000  # documents are numbered from here + invoice row id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vendors (
    vendor_id TEXT PRIMARY KEY, name TEXT NOT NULL, vat_id TEXT NOT NULL, iban TEXT,
    street TEXT, postcode TEXT, city TEXT, country TEXT, currency TEXT, tax_rate TEXT);
CREATE TABLE IF NOT EXISTS purchase_orders (
    po_number TEXT PRIMARY KEY, vendor_id TEXT NOT NULL REFERENCES vendors,
    order_date TEXT, currency TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS po_lines (
    po_number TEXT REFERENCES purchase_orders, line INTEGER, description TEXT,
    quantity TEXT, unit TEXT, unit_price TEXT, PRIMARY KEY (po_number, line));
CREATE TABLE IF NOT EXISTS goods_receipts (
    receipt_number TEXT PRIMARY KEY, po_number TEXT, line INTEGER, receipt_date TEXT,
    quantity TEXT);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document_number TEXT UNIQUE,
    vendor_id TEXT NOT NULL, invoice_number TEXT NOT NULL, invoice_key TEXT NOT NULL,
    invoice_date TEXT, due_date TEXT, po_number TEXT, currency TEXT, net_amount TEXT,
    tax_amount TEXT, total_amount TEXT, iban TEXT, posted_by TEXT, posted_at TEXT);
CREATE INDEX IF NOT EXISTS invoices_by_key ON invoices (vendor_id, invoice_key);
CREATE TABLE IF NOT EXISTS invoice_lines (
    invoice_id INTEGER REFERENCES invoices, position INTEGER, po_line INTEGER,
    description TEXT, quantity TEXT, unit_price TEXT, amount TEXT);
"""


def invoice_key(invoice_number: str) -> str:
    """How the ERP compares invoice numbers for duplicates: case and spaces ignored."""
    return "".join(invoice_number.split()).casefold()


def fold(text: str) -> str:
    """Lower case without accents, for forgiving name search ("Weissmann" ~ "Weißmann")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class ErpDatabase:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        try:
            yield db
        finally:
            db.close()

    # -- seeding ---------------------------------------------------------------------------

    def is_empty(self) -> bool:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM vendors").fetchone()[0] == 0

    def seed(self, master: Master) -> None:
        """Load vendors, orders, lines and receipts (only into an empty database)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            for v in master.vendors:
                a = v.address
                db.execute(
                    "INSERT INTO vendors VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (v.vendor_id, v.name, v.vat_id, v.iban, a.street, a.postcode, a.city,
                     a.country, v.currency, str(v.tax_rate)),
                )
            for po in master.purchase_orders:
                db.execute(
                    "INSERT INTO purchase_orders VALUES (?,?,?,?,?)",
                    (po.po_number, po.vendor_id, po.order_date.isoformat(), po.currency,
                     po.status),
                )
                for ln in po.lines:
                    db.execute(
                        "INSERT INTO po_lines VALUES (?,?,?,?,?,?)",
                        (po.po_number, ln.line, ln.description, str(ln.quantity), ln.unit,
                         str(ln.unit_price)),
                    )
                for r in po.receipts:
                    db.execute(
                        "INSERT INTO goods_receipts VALUES (?,?,?,?,?)",
                        (r.receipt_number, r.po_number, r.line, r.receipt_date.isoformat(),
                         str(r.quantity)),
                    )
            db.execute("COMMIT")

    # -- vendors and orders ----------------------------------------------------------------

    def vendor(self, vendor_id: str) -> Vendor | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM vendors WHERE vendor_id = ?", (vendor_id,)).fetchone()
        return _vendor(row) if row else None

    def search_vendors(self, name: str = "", vat_id: str = "") -> list[Vendor]:
        """Every query word must occur in the name; the VAT id matches ignoring spaces."""
        words = fold(name).split()
        vat = "".join(vat_id.split()).upper()
        with self._connect() as db:
            rows = db.execute("SELECT * FROM vendors ORDER BY name").fetchall()
        found = []
        for row in rows:
            if words and not all(w in fold(row["name"]) for w in words):
                continue
            if vat and vat not in row["vat_id"].replace(" ", "").upper():
                continue
            found.append(_vendor(row))
        return found

    def purchase_order(self, po_number: str) -> PurchaseOrder | None:
        with self._connect() as db:
            head = db.execute(
                "SELECT * FROM purchase_orders WHERE po_number = ?", (po_number,)
            ).fetchone()
            if head is None:
                return None
            lines = db.execute(
                "SELECT * FROM po_lines WHERE po_number = ? ORDER BY line", (po_number,)
            ).fetchall()
            receipts = db.execute(
                "SELECT * FROM goods_receipts WHERE po_number = ? ORDER BY receipt_number",
                (po_number,),
            ).fetchall()
        return PurchaseOrder(
            po_number=head["po_number"],
            vendor_id=head["vendor_id"],
            order_date=date.fromisoformat(head["order_date"]),
            currency=head["currency"],
            status=head["status"],
            lines=tuple(
                PoLine(line=r["line"], description=r["description"],
                       quantity=Decimal(r["quantity"]), unit=r["unit"],
                       unit_price=Decimal(r["unit_price"]))
                for r in lines
            ),
            receipts=tuple(
                GoodsReceipt(receipt_number=r["receipt_number"], po_number=r["po_number"],
                             line=r["line"], receipt_date=date.fromisoformat(r["receipt_date"]),
                             quantity=Decimal(r["quantity"]))
                for r in receipts
            ),
        )

    # -- invoices --------------------------------------------------------------------------

    def find_invoice(self, vendor_id: str, invoice_number: str) -> Posting | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM invoices WHERE vendor_id = ? AND invoice_key = ? ORDER BY id",
                (vendor_id.strip(), invoice_key(invoice_number)),
            ).fetchone()
            return self._posting(db, row) if row else None

    def post(self, draft: InvoiceDraft) -> Posting:
        """Insert an invoice and give it the next document number (one transaction)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            cur = db.execute(
                "INSERT INTO invoices (vendor_id, invoice_number, invoice_key, invoice_date,"
                " due_date, po_number, currency, net_amount, tax_amount, total_amount, iban,"
                " posted_by, posted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (draft.vendor_id, draft.invoice_number, invoice_key(draft.invoice_number),
                 draft.invoice_date.isoformat(), draft.due_date.isoformat(), draft.po_number,
                 draft.currency, str(draft.net_amount), str(draft.tax_amount),
                 str(draft.total_amount), draft.iban, draft.posted_by,
                 datetime.now(UTC).isoformat(timespec="seconds")),
            )
            invoice_id = cur.lastrowid
            document_number = str(FIRST_DOCUMENT_NUMBER + invoice_id)
            db.execute(
                "UPDATE invoices SET document_number = ? WHERE id = ?",
                (document_number, invoice_id),
            )
            for ln in draft.lines:
                db.execute(
                    "INSERT INTO invoice_lines VALUES (?,?,?,?,?,?,?)",
                    (invoice_id, ln.position, ln.po_line, ln.description, str(ln.quantity),
                     str(ln.unit_price), str(ln.amount)),
                )
            db.execute("COMMIT")
            row = db.execute("SELECT * FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
            return self._posting(db, row)

    def posting(self, document_number: str) -> Posting | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM invoices WHERE document_number = ?", (document_number,)
            ).fetchone()
            return self._posting(db, row) if row else None

    def postings(self) -> list[Posting]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM invoices ORDER BY id").fetchall()
            return [self._posting(db, row) for row in rows]

    @staticmethod
    def _posting(db: sqlite3.Connection, row: sqlite3.Row) -> Posting:
        lines = db.execute(
            "SELECT * FROM invoice_lines WHERE invoice_id = ? ORDER BY position", (row["id"],)
        ).fetchall()
        return Posting(
            document_number=row["document_number"],
            vendor_id=row["vendor_id"],
            invoice_number=row["invoice_number"],
            invoice_date=date.fromisoformat(row["invoice_date"]),
            due_date=date.fromisoformat(row["due_date"]),
            po_number=row["po_number"],
            currency=row["currency"],
            net_amount=Decimal(row["net_amount"]),
            tax_amount=Decimal(row["tax_amount"]),
            total_amount=Decimal(row["total_amount"]),
            iban=row["iban"],
            posted_by=row["posted_by"],
            posted_at=datetime.fromisoformat(row["posted_at"]),
            lines=tuple(
                PostingLine(position=r["position"], po_line=r["po_line"],
                            description=r["description"], quantity=Decimal(r["quantity"]),
                            unit_price=Decimal(r["unit_price"]), amount=Decimal(r["amount"]))
                for r in lines
            ),
        )


def _vendor(row: sqlite3.Row) -> Vendor:
    return Vendor(
        vendor_id=row["vendor_id"],
        name=row["name"],
        vat_id=row["vat_id"],
        iban=row["iban"],
        address=Address(street=row["street"], postcode=row["postcode"], city=row["city"],
                         country=row["country"]),
        currency=row["currency"],
        tax_rate=Decimal(row["tax_rate"]),
    )
