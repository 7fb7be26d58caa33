"""Write the seed spreadsheets in this folder: vendors, purchase orders, goods receipts.

    python -m devdata.master.generate [--out FOLDER]

Deterministic (a fixed random seed): running it again writes the same records. All
companies are made up; their IBANs and VAT ids carry correct check digits so
validators accept them.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from devdata.master import numbers
from devdata.master.models import Address, GoodsReceipt, PoLine, PurchaseOrder, Vendor

HERE = Path(__file__).resolve().parent
SEED = 20260101
ORDER_COUNT = 40

# name, street, postcode, city, country — all fictitious.
_COMPANIES: list[tuple[str, str, str, str, str]] = [
    ("Brenner Industriebedarf GmbH", "Hafenstraße 12", "20457", "Hamburg", "DE"),
    ("Kessler Logistik GmbH & Co. KG", "Am Güterbahnhof 3", "04103", "Leipzig", "DE"),
    ("Weißmann Büroservice GmbH", "Lindenallee 48", "50968", "Köln", "DE"),
    ("Hofmeister Elektrotechnik AG", "Nymphenburger Str. 201", "80639", "München", "DE"),
    ("Ostwald Verpackungen GmbH", "Industriepark 7", "99086", "Erfurt", "DE"),
    ("Falkenrath IT-Systeme GmbH", "Königsallee 90", "40212", "Düsseldorf", "DE"),
    ("Rheinblick Reinigungsdienste GmbH", "Uferweg 5", "55116", "Mainz", "DE"),
    ("Atelier Moreau Fournitures SAS", "14 rue des Tanneurs", "69002", "Lyon", "FR"),
    ("Transports Delacroix SARL", "8 avenue Jean Jaurès", "31000", "Toulouse", "FR"),
    ("Lumière Bureautique SA", "27 boulevard Haussmann", "75009", "Paris", "FR"),
    ("Chaudronnerie Girard et Fils SAS", "3 zone artisanale du Moulin", "44300", "Nantes", "FR"),
    ("Provence Emballages SARL", "52 chemin des Oliviers", "13090", "Aix-en-Provence", "FR"),
    ("Suministros Industriales Ortega S.L.", "Calle de Alcalá 154", "28009", "Madrid", "ES"),
    ("Transportes Marín Hermanos S.A.", "Avinguda Diagonal 377", "08008", "Barcelona", "ES"),
    ("Papelería Costa del Sol S.L.", "Calle Larios 9", "29005", "Málaga", "ES"),
    ("Ingeniería Vázquez S.L.", "Gran Vía 41", "48011", "Bilbao", "ES"),
    ("Van der Berg Kantoorartikelen B.V.", "Keizersgracht 221", "1016 DV", "Amsterdam", "NL"),
    ("De Vries Transport B.V.", "Waalhaven Zuidzijde 20", "3089 JH", "Rotterdam", "NL"),
    ("Bakker Schoonmaak B.V.", "Oudegracht 118", "3511 AZ", "Utrecht", "NL"),
    ("Jansen Techniek B.V.", "Stationsplein 4", "5611 AB", "Eindhoven", "NL"),
    ("Ashworth Office Supplies Ltd", "41 Deansgate", "M3 2BW", "Manchester", "GB"),
    ("Pembroke Freight Services Ltd", "Unit 6, Dockside Road", "CF10 4LQ", "Cardiff", "GB"),
    ("Thistle Engineering Ltd", "17 Argyle Street", "G2 8AH", "Glasgow", "GB"),
    ("Redwood Cloud Software Inc.", "500 Howard Street", "CA 94105", "San Francisco", "US"),
    ("Great Lakes Industrial Supply LLC", "2300 Lakeshore Drive", "IL 60616", "Chicago", "US"),
]

_CURRENCY = {"DE": "EUR", "FR": "EUR", "ES": "EUR", "NL": "EUR", "GB": "GBP", "US": "USD"}
_TAX_RATE = {"DE": "19", "FR": "20", "ES": "21", "NL": "21", "GB": "20", "US": "0"}

# description, unit, price range — what the made-up companies sell.
_ITEMS: list[tuple[str, str, float, float]] = [
    ("Copy paper A4 80 g, box of 5 reams", "EA", 18.0, 32.0),
    ("Toner cartridge black, high yield", "EA", 60.0, 140.0),
    ("Pallet transport, full truck load", "EA", 380.0, 1200.0),
    ("Corrugated shipping boxes 60x40x40", "EA", 0.8, 2.4),
    ("Stretch film 500 mm", "EA", 9.0, 19.0),
    ("Safety gloves nitrile, pack of 100", "EA", 6.0, 14.0),
    ("Office cleaning service", "H", 24.0, 42.0),
    ("On-site IT support", "H", 75.0, 140.0),
    ("Laptop docking station", "EA", 140.0, 260.0),
    ("Steel sheet 2 mm, cut to size", "KG", 1.1, 2.9),
    ("Cable NYM-J 3x1.5, 100 m", "EA", 45.0, 90.0),
    ("Software subscription, monthly seat", "EA", 12.0, 49.0),
    ("Welding consumables set", "EA", 35.0, 80.0),
    ("Warehouse shelving bay", "EA", 180.0, 420.0),
]


def _vendor(i: int, rng: random.Random) -> Vendor:
    name, street, postcode, city, country = _COMPANIES[i]
    return Vendor(
        vendor_id=f"V{10001 + i}",
        name=name,
        vat_id=_vat_id(country, rng),
        iban=_iban(country, rng),
        address=Address(street=street, postcode=postcode, city=city, country=country),
        currency=_CURRENCY[country],
        tax_rate=Decimal(_TAX_RATE[country]),
    )


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _vat_id(country: str, rng: random.Random) -> str:
    if country == "DE":
        first8 = str(rng.randint(1, 9)) + _digits(rng, 7)
        return f"DE{first8}{numbers.de_vat_check(first8)}"
    if country == "FR":
        head = str(rng.randint(3, 9)) + _digits(rng, 7)
        siren = head + numbers.luhn_check(head)
        return f"FR{numbers.fr_vat_key(siren)}{siren}"
    if country == "ES":
        seven = _digits(rng, 7)
        return f"ESB{seven}{numbers.es_cif_check(seven)}"
    if country == "NL":
        while not numbers.nl_vat_is_valid(candidate := _digits(rng, 9)):
            pass
        return f"NL{candidate}B01"
    if country == "GB":
        seven = str(rng.randint(1, 9)) + _digits(rng, 6)
        return f"GB{seven}{numbers.gb_vat_check(seven)}"
    return f"{rng.randint(10, 98)}-{_digits(rng, 7)}"  # US employer id (EIN), no VAT


def _iban(country: str, rng: random.Random) -> str | None:
    if country == "DE":
        blz = rng.choice(["10070000", "20050550", "37040044"])
        return numbers.iban("DE", blz + _digits(rng, 10))
    if country == "FR":
        bank, branch, account = "30004", _digits(rng, 5), _digits(rng, 11)
        key = numbers.fr_rib_key(bank, branch, account)
        return numbers.iban("FR", bank + branch + account + key)
    if country == "ES":
        bank = rng.choice(["2100", "0049", "0182"])
        branch, account = _digits(rng, 4), _digits(rng, 10)
        check = numbers.es_account_check(bank, branch, account)
        return numbers.iban("ES", bank + branch + check + account)
    if country == "NL":
        while not numbers.nl_account_is_valid(account := _digits(rng, 10)):
            pass
        return numbers.iban("NL", rng.choice(["ABNA", "INGB", "RABO"]) + account)
    if country == "GB":
        return numbers.iban("GB", rng.choice(["NWBK", "BARC", "LOYD"]) + _digits(rng, 14))
    return None  # US vendors are paid by ACH; no IBAN


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2))).quantize(Decimal("0.01"))


def _order(i: int, vendor: Vendor, rng: random.Random, receipt_no: list[int]) -> PurchaseOrder:
    po_number = f"{4500001001 + i}"
    order_date = date(2026, 9, 1) + timedelta(days=rng.randint(0, 60))
    lines = tuple(
        PoLine(
            line=10 * (n + 1),
            description=(item := rng.choice(_ITEMS))[0],
            unit=item[1],
            quantity=Decimal(rng.choice([1, 2, 5, 10, 12, 20, 40, 100])),
            unit_price=_money(rng, item[2], item[3]),
        )
        for n in range(rng.randint(1, 4))
    )
    # Most lines are fully received, some partly, some not yet: what the 3-way match meets.
    receipts = []
    for line in lines:
        share = rng.choice([1, 1, 1, 0.5, 0])
        if share:
            receipt_no[0] += 1
            receipts.append(
                GoodsReceipt(
                    receipt_number=f"{receipt_no[0]}",
                    po_number=po_number,
                    line=line.line,
                    receipt_date=order_date + timedelta(days=rng.randint(2, 14)),
                    quantity=(line.quantity * Decimal(str(share))).quantize(Decimal("1")),
                )
            )
    return PurchaseOrder(
        po_number=po_number,
        vendor_id=vendor.vendor_id,
        order_date=order_date,
        currency=vendor.currency,
        status="open",
        lines=lines,
        receipts=tuple(receipts),
    )


def build(seed: int = SEED) -> tuple[list[Vendor], list[PurchaseOrder]]:
    """The master data as records, before it is written to spreadsheets."""
    rng = random.Random(seed)
    vendors = [_vendor(i, rng) for i in range(len(_COMPANIES))]
    receipt_no = [5000000000]
    # Every vendor gets at least one order; the rest go to random vendors.
    owners = vendors + [rng.choice(vendors) for _ in range(ORDER_COUNT - len(vendors))]
    orders = [_order(i, v, rng, receipt_no) for i, v in enumerate(owners)]
    return vendors, orders


def write(out: Path = HERE, seed: int = SEED) -> list[Path]:
    """Write vendors.xlsx, purchase_orders.xlsx and goods_receipts.xlsx into ``out``."""
    vendors, orders = build(seed)
    out.mkdir(parents=True, exist_ok=True)
    vendor_rows = [
        [v.vendor_id, v.name, v.vat_id, v.iban or "", v.address.street, v.address.postcode,
         v.address.city, v.address.country, v.currency, float(v.tax_rate)]
        for v in vendors
    ]
    order_rows = [[o.po_number, o.vendor_id, o.order_date, o.currency, o.status] for o in orders]
    line_rows = [
        [o.po_number, ln.line, ln.description, float(ln.quantity), ln.unit, float(ln.unit_price)]
        for o in orders
        for ln in o.lines
    ]
    receipt_rows = [
        [r.receipt_number, r.po_number, r.line, r.receipt_date, float(r.quantity)]
        for o in orders
        for r in o.receipts
    ]
    paths = [
        _write_book(out / "vendors.xlsx", {"Vendors": (VENDOR_COLUMNS, vendor_rows)}),
        _write_book(
            out / "purchase_orders.xlsx",
            {"Orders": (ORDER_COLUMNS, order_rows), "Lines": (LINE_COLUMNS, line_rows)},
        ),
        _write_book(out / "goods_receipts.xlsx", {"Receipts": (RECEIPT_COLUMNS, receipt_rows)}),
    ]
    return paths


VENDOR_COLUMNS = ["Vendor ID", "Name", "VAT ID", "IBAN", "Street", "Postcode", "City",
                  "Country", "Currency", "Tax rate %"]
ORDER_COLUMNS = ["PO number", "Vendor ID", "Order date", "Currency", "Status"]
LINE_COLUMNS = ["PO number", "Line", "Description", "Quantity", "Unit", "Unit price"]
RECEIPT_COLUMNS = ["Receipt number", "PO number", "Line", "Receipt date", "Quantity"]


def _write_book(path: Path, sheets: dict[str, tuple[list[str], list[list]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) + 4)
        for column in ("C", "D"):  # dates show as dates, not serial numbers
            for cell in sheet[column][1:]:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    # A fixed timestamp keeps the files identical from run to run.
    book.properties.created = book.properties.modified = _FIXED_TIME
    book.save(path)
    return path


_FIXED_TIME = datetime(2026, 1, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
