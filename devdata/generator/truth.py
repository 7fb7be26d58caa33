"""What an invoice says: vendors, line items and header fields, sampled from a seed.

The ground truth of every generated document is an :class:`InvoiceTruth`; the
layouts only print it. Amounts are consistent by construction: each line's
amount is quantity x unit price, net is the sum of the lines, tax is net x rate
(rounded to cents), and total is net + tax (+ the cash rounding of a receipt).
IBANs carry a valid checksum and VAT ids follow their country's format.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from skills.normalize import format_decimal, normalize_text, normalize_vat

HEADER_FIELDS = (
    "vendor_name", "vendor_vat", "vendor_iban", "invoice_number", "invoice_date", "due_date",
    "po_number", "currency", "net_amount", "tax_amount", "tax_rate", "total",
)


class Vendor(BaseModel):
    """A supplier as the vendor master knows it; the generator prints these on invoices."""

    name: str
    vat: str | None = None  # compact, e.g. DE123456789
    iban: str | None = None  # compact, checksum valid
    address: list[str] = Field(default_factory=list)  # street, postcode + city, country
    country: str = "DE"


class LineItem(BaseModel):
    description: str
    quantity: str  # decimal string, e.g. "2" or "1.50"
    unit_price: str  # "12.50"
    amount: str  # "25.00"


class InvoiceTruth(BaseModel):
    """Every header field in canonical form (see skills.normalize), None when not printed."""

    vendor_name: str
    vendor_vat: str | None
    vendor_iban: str | None
    invoice_number: str
    invoice_date: str
    due_date: str | None
    po_number: str | None
    currency: str
    net_amount: str | None  # None: not printed (a till receipt without tax lines)
    tax_amount: str | None
    tax_rate: str | None
    total: str  # what is to be paid, after any cash rounding
    line_items: list[LineItem]
    buyer_name: str
    buyer_address: list[str]
    vendor_address: list[str]
    rounding: str = "0.00"  # cash rounding printed on a receipt: net + tax + rounding = total
    # invoice | credit_note | corrected_invoice; a credit note's amounts are negative here,
    # whatever sign its page prints.
    document_type: str = "invoice"
    amount_due: str | None = None  # printed and different from total (after a prepayment)

    def header(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in HEADER_FIELDS}


# ------------------------------------------------------------------ made-up vendors

_COUNTRIES = {
    # country: (currency, language, company suffixes, cities, street words)
    "DE": ("EUR", "de", ["GmbH", "AG", "GmbH & Co. KG", "KG"],
           ["10115 Berlin", "80331 München", "50667 Köln", "20095 Hamburg", "70173 Stuttgart"],
           ["Hauptstraße", "Bahnhofstr.", "Industrieweg", "Gartenweg"]),
    "AT": ("EUR", "de", ["GmbH", "AG"], ["1010 Wien", "8010 Graz", "5020 Salzburg"],
           ["Ringstraße", "Mariahilfer Str."]),
    "CH": ("CHF", "de", ["AG", "GmbH", "SA"], ["8001 Zürich", "3011 Bern", "1204 Genève"],
           ["Bahnhofstrasse", "Rue du Rhône"]),
    "FR": ("EUR", "fr", ["SARL", "SAS", "SA"], ["75008 Paris", "69002 Lyon", "13001 Marseille"],
           ["rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire"]),
    "BE": ("EUR", "nl", ["BV", "NV", "SRL"], ["1000 Bruxelles", "2000 Antwerpen"],
           ["Kerkstraat", "Rue Royale"]),
    "ES": ("EUR", "es", ["S.L.", "S.A.", "S.L.U."], ["28013 Madrid", "08002 Barcelona"],
           ["Calle Mayor", "Avenida Diagonal", "Calle de Alcalá"]),
    "NL": ("EUR", "nl", ["B.V.", "N.V.", "V.O.F."], ["1012 AB Amsterdam", "3011 Rotterdam"],
           ["Keizersgracht", "Stationsweg", "Dorpsstraat"]),
    "GB": ("GBP", "en", ["Ltd", "Limited", "PLC", "LLP"], ["London EC1A 1BB", "Leeds LS1 4AP"],
           ["High Street", "Station Road", "Church Lane"]),
    "US": ("USD", "en", ["Inc.", "LLC", "Corp."], ["Austin, TX 78701", "Denver, CO 80202"],
           ["Main Street", "Oak Avenue", "Market St"]),
    "SE": ("SEK", "en", ["AB"], ["111 20 Stockholm", "411 03 Göteborg"],
           ["Drottninggatan", "Storgatan"]),
}
_NAME_WORDS = [
    "Müller", "Schmidt", "Keller", "Dupont", "Lefèvre", "García", "Hernández", "Van Dijk",
    "De Vries", "Nordström", "Lindqvist", "Harper", "Whitfield", "Atlas", "Nordic", "Alpine",
    "Summit", "Blue River", "Orion", "Helios", "Vega", "Quantum", "Cedar", "Iron Bridge",
]
_TRADE_WORDS = [
    "Industrietechnik", "Bürobedarf", "Logistik", "Fournitures", "Services", "Suministros",
    "Kantoorartikelen", "Verktyg", "Supplies", "Consulting", "Software", "Elektro", "Print",
    "Maschinenbau", "Solutions", "Trading", "Systems", "Components", "Werkzeuge", "Data",
]
_BUYERS = [
    "Contoso Retail GmbH", "Fabrikam Europe B.V.", "Northwind Traders Ltd", "Tailspin Toys SAS",
    "Wide World Importers S.L.", "Adventure Works AG", "Proseware Inc.", "Litware Nordic AB",
]
ITEMS = {
    "en": ["Consulting services", "Office chair", "Printer paper A4", "Software licence",
           "Maintenance contract", "Laptop docking station", "Cleaning service", "Cable set",
           "Shipping and handling", "Training workshop", "Toner cartridge", "Server rack"],
    "de": ["Beratungsleistung", "Bürostuhl", "Druckerpapier A4", "Softwarelizenz", "Wartung",
           "Dockingstation", "Reinigung", "Kabelsatz", "Versandkosten", "Schulung"],
    "fr": ["Prestation de conseil", "Chaise de bureau", "Papier A4", "Licence logiciel",
           "Maintenance", "Station d'accueil", "Nettoyage", "Frais de port", "Formation"],
    "es": ["Servicios de consultoría", "Silla de oficina", "Papel A4", "Licencia de software",
           "Mantenimiento", "Limpieza", "Gastos de envío", "Formación"],
    "nl": ["Advieswerk", "Bureaustoel", "Printpapier A4", "Softwarelicentie", "Onderhoud",
           "Schoonmaak", "Verzendkosten", "Training"],
}
TAX_RATES = {"DE": ["19", "7"], "AT": ["20", "10"], "CH": ["8.1", "2.6"], "FR": ["20", "5.5"],
             "BE": ["21", "6"], "ES": ["21", "10"], "NL": ["21", "9"], "GB": ["20", "0"],
             "US": ["0", "8.25", "7"], "SE": ["25", "12"]}
_IBAN_BBAN = {"DE": "n18", "AT": "n16", "CH": "n17", "FR": "n23", "BE": "n12", "ES": "n20",
              "NL": "a4n10", "GB": "a4n14", "SE": "n20"}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_iban(rng: random.Random, country: str) -> str:
    spec = _IBAN_BBAN.get(country, "n18")
    if spec.startswith("a4"):
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        bban += _digits(rng, int(spec[3:]))
    else:
        bban = _digits(rng, int(spec[1:]))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def make_vat(rng: random.Random, country: str) -> str | None:
    made = {
        "DE": "DE" + _digits(rng, 9), "AT": "ATU" + _digits(rng, 8),
        "CH": "CHE" + _digits(rng, 9) + "MWST", "FR": "FR" + _digits(rng, 11),
        "BE": "BE0" + _digits(rng, 9), "ES": "ES" + rng.choice("ABCB") + _digits(rng, 7) + "X",
        "NL": "NL" + _digits(rng, 9) + "B01", "GB": "GB" + _digits(rng, 9),
        "SE": "SE" + _digits(rng, 10) + "01",
    }.get(country)
    assert made is None or normalize_vat(made) == made, made
    return made


def make_vendor(rng: random.Random) -> Vendor:
    country = rng.choice(list(_COUNTRIES))
    _, _, suffixes, cities, streets = _COUNTRIES[country]
    name = f"{rng.choice(_NAME_WORDS)} {rng.choice(_TRADE_WORDS)} {rng.choice(suffixes)}"
    address = [f"{rng.choice(streets)} {rng.randint(1, 180)}", rng.choice(cities)]
    iban = make_iban(rng, country) if country in _IBAN_BBAN else None  # no IBANs in the US
    return Vendor(name=name, vat=make_vat(rng, country), iban=iban, address=address,
                  country=country)


def currency_for(country: str) -> str:
    return _COUNTRIES.get(country, _COUNTRIES["DE"])[0]


def language_for(country: str) -> str:
    return _COUNTRIES.get(country, _COUNTRIES["DE"])[1]


# ------------------------------------------------------------------ invoices

_NUMBER_SHAPES = ["INV-{y}-{n5}", "RE-{n5}", "F{y}/{n4}", "{y}-{n4}", "A-{n6}", "FAC-{n6}",
                  "{n8}", "R{n7}", "{n3}/{y}", "SI{n6}"]
_PO_SHAPES = ["PO-{n5}", "45000{n5}", "BE-{y}-{n3}", "PO{n6}", "ORD-{n4}"]


def _shaped(rng: random.Random, shapes: list[str], year: int) -> str:
    shape = rng.choice(shapes)
    return shape.format(y=year, **{f"n{k}": _digits(rng, k) for k in range(3, 9)})


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def make_invoice(
    rng: random.Random,
    vendor: Vendor,
    po_numbers: list[str] | None = None,
    language: str | None = None,
    currency: str | None = None,
) -> InvoiceTruth:
    """A consistent invoice from ``vendor``; a PO number from ``po_numbers`` when given."""
    language = language or language_for(vendor.country)
    currency = currency or currency_for(vendor.country)
    issued = date(2019, 1, 1) + timedelta(days=rng.randint(0, 365 * 7))
    due = issued + timedelta(days=rng.choice([10, 14, 30, 45, 60])) if rng.random() < 0.8 else None
    if po_numbers:
        po = rng.choice(po_numbers)
    else:
        po = _shaped(rng, _PO_SHAPES, issued.year) if rng.random() < 0.6 else None
    rate = Decimal(rng.choice(TAX_RATES.get(vendor.country, ["20"])))
    items = []
    for _ in range(rng.randint(1, 7)):
        if rng.random() < 0.75:
            quantity = Decimal(rng.randint(1, 25))
        else:
            quantity = Decimal(rng.randint(1, 40)) / 4
        unit = _money(Decimal(rng.randint(150, 250000)) / 100)
        items.append(LineItem(
            description=rng.choice(ITEMS.get(language, ITEMS["en"])),
            quantity=format_decimal(quantity, 2 if quantity % 1 else 0),
            unit_price=format_decimal(unit), amount=format_decimal(_money(quantity * unit)),
        ))
    net = sum((Decimal(i.amount) for i in items), Decimal(0))
    tax = _money(net * rate / 100)
    buyer = rng.choice([b for b in _BUYERS if normalize_text(b) != normalize_text(vendor.name)])
    return InvoiceTruth(
        vendor_name=vendor.name, vendor_vat=vendor.vat, vendor_iban=vendor.iban,
        invoice_number=_shaped(rng, _NUMBER_SHAPES, issued.year),
        invoice_date=issued.isoformat(), due_date=due.isoformat() if due else None,
        po_number=po, currency=currency, net_amount=format_decimal(net),
        tax_amount=format_decimal(tax), tax_rate=format_decimal(rate),
        total=format_decimal(net + tax), line_items=items, buyer_name=buyer,
        buyer_address=[f"{rng.choice(['Market Square', 'Am Hafen', 'Rue Neuve'])} "
                       f"{rng.randint(1, 99)}", rng.choice(["10115 Berlin", "1012 Amsterdam",
                                                          "75002 Paris", "London W1 2AA"])],
        vendor_address=list(vendor.address),
    )
