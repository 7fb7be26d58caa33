"""What a procedural document says, before any layout: both parties, the numbers and
dates around the invoice, line items with their VAT rates, allowances, charges,
prepayments, and the ground truth that follows from them.

Amounts are kept positive here and exact by construction (each VAT group's tax is
its basis x rate, rounded to cents; total = net + tax; amount due = total - prepaid).
A credit note's truth is the same amounts negated, whatever sign the page prints.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from devdata.generator.truth import (
    _COUNTRIES,
    ITEMS,
    TAX_RATES,
    InvoiceTruth,
    LineItem,
    Vendor,
    make_iban,
    make_vat,
)
from skills.normalize import format_decimal, iban_checksum_ok, normalize_text, normalize_vat

CENT = Decimal("0.01")

# Italy is printed only by the procedural families (the fixed layouts keep their countries).
_IT = ("EUR", "it", ["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s."],
       ["20121 Milano (MI)", "00184 Roma (RM)", "10121 Torino (TO)", "40121 Bologna (BO)",
        "50123 Firenze (FI)", "80133 Napoli (NA)", "35121 Padova (PD)"],
       ["Via Roma", "Corso Buenos Aires", "Viale Monza", "Piazza Garibaldi", "Via Giuseppe Verdi",
        "Via dell'Industria"])
COUNTRIES = {**_COUNTRIES, "IT": _IT}
RATES = {**TAX_RATES, "IT": ["22", "10", "4"], "FR": ["20", "5.5", "10"], "GB": ["20", "5"],
         "US": ["8.25", "7"]}
# Where documents come from: the real-data gap is widest for German, French and Italian.
_COUNTRY_WEIGHTS = {"DE": 5, "AT": 1.5, "CH": 1, "FR": 4, "BE": 1.5, "ES": 2.5, "NL": 2,
                    "IT": 4, "GB": 2, "US": 1, "SE": 0.5}
_EU = {"DE", "AT", "FR", "BE", "ES", "NL", "IT", "SE"}

ITALIAN_ITEMS = ["Consulenza tecnica", "Sedia da ufficio", "Carta A4", "Licenza software",
                 "Manutenzione", "Pulizia uffici", "Spese di trasporto", "Formazione",
                 "Cartucce toner", "Cavi di rete"]
INSURANCE_ITEMS = ["Betriebshaftpflicht", "Inhaltsversicherung", "Kfz-Flottenversicherung",
                   "Elektronikversicherung"]
_NAME_WORDS = ["Rossi", "Bianchi", "Ferrari", "Colombo", "Weber", "Fischer", "Bauer", "Martin",
               "Bernard", "Moreau", "López", "Martínez", "Jansen", "Bakker", "Smith", "Taylor",
               "Aurora", "Delta", "Zenit", "Polaris", "Merkur", "Trident", "Lumen", "Kronos"]
_TRADES = ["Impianti", "Forniture", "Tecnologie", "Haustechnik", "Gebäudeservice", "Logistique",
           "Équipements", "Distribución", "Installaties", "Office Supplies", "Engineering",
           "Elettronica", "Verpackung", "Services", "Sistemas", "Metaalbewerking"]
_BUYER_WORDS = ["Contoso", "Fabrikam", "Northwind", "Tailspin", "Wide World", "Adventure Works",
                "Proseware", "Litware", "Woodgrove", "Coho", "Lucerne", "Margie's", "Trey",
                "Alpine Ski", "Graphic Design", "Blue Yonder"]
_BUYER_TRADES = ["Retail", "Holding", "Europe", "Industries", "Handel", "Distribution",
                 "Group", "Manufacturing", "Commerce", "Services"]
_PEOPLE = ["Anna Keller", "Marco Bianchi", "Claire Dubois", "Javier Ruiz", "Pieter de Groot",
           "Thomas Brandt", "Giulia Conti", "Sophie Laurent", "Emma Visser", "James Whitaker"]
_BANKS = {"DE": ["Commerzbank", "Deutsche Bank", "Sparkasse KölnBonn", "Volksbank Stuttgart"],
          "AT": ["Erste Bank", "Raiffeisenbank Wien"],
          "CH": ["UBS Switzerland", "Zürcher Kantonalbank"],
          "FR": ["BNP Paribas", "Crédit Agricole", "Société Générale"],
          "BE": ["KBC Bank", "Belfius"], "ES": ["Banco Santander", "BBVA", "CaixaBank"],
          "NL": ["ING Bank", "Rabobank", "ABN AMRO"], "IT": ["Intesa Sanpaolo", "UniCredit",
                                                             "Banco BPM"],
          "GB": ["Barclays", "HSBC UK", "Lloyds Bank"], "SE": ["Nordea", "SEB"],
          "US": ["Chase", "Wells Fargo"]}
_NUMBER_SHAPES = ["{y}-{n4}", "RE-{y}-{n5}", "F{y}/{n4}", "INV-{n6}", "{n3}/{y}", "FA{n6}",
                  "{n7}", "{y}{n5}", "R{n6}", "FT-{n4}/{y}", "{n4}/A", "V{y}-{n4}"]
_PO_SHAPES = ["PO-{n5}", "45000{n5}", "BE-{y}-{n3}", "PO{n6}", "ORD-{n4}", "B{n6}"]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def shaped(rng: random.Random, shapes: list[str], year: int) -> str:
    return rng.choice(shapes).format(y=year, **{f"n{k}": digits(rng, k) for k in range(3, 9)})


# ------------------------------------------------------------------------ identifiers


def italian_vat(rng: random.Random) -> str:
    """IT + 11 digits: company number, office code, Luhn check digit."""
    body = digits(rng, 7) + f"{rng.randint(1, 121):03d}"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return f"IT{body}{(10 - total % 10) % 10}"


_CIN_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22,
            25, 24, 23]


def italian_iban(rng: random.Random) -> str:
    """IT IBAN: check digits, CIN letter (computed), ABI (5), CAB (5), account (12)."""
    bban = digits(rng, 5) + digits(rng, 5) + digits(rng, 12)
    total = 0
    for pos, ch in enumerate(bban, start=1):
        index = int(ch) if ch.isdigit() else ord(ch) - 65
        total += _CIN_ODD[index] if pos % 2 else index
    bban = chr(65 + total % 26) + bban
    numeric = "".join(str(int(c, 36)) for c in bban + "IT00")
    iban = f"IT{98 - int(numeric) % 97:02d}{bban}"
    assert iban_checksum_ok(iban), iban
    return iban


def gln(rng: random.Random) -> str:
    """13 digits with a GS1 check digit (a GLN/EAN looks like nothing else we print)."""
    body = rng.choice(["40", "30", "80", "84", "87"]) + digits(rng, 10)
    odd = sum(int(d) for d in body[::2])
    even = sum(int(d) for d in body[1::2])
    return body + str((10 - (odd + 3 * even) % 10) % 10)


def tax_number(rng: random.Random, country: str) -> str:
    """A national tax/company number that is not the VAT id."""
    if country == "DE":
        return f"{digits(rng, 3)}/{digits(rng, 3)}/{digits(rng, 5)}"
    if country == "FR":
        return f"{digits(rng, 3)} {digits(rng, 3)} {digits(rng, 3)} {digits(rng, 5)}"
    if country == "IT":
        return digits(rng, 11)
    if country == "ES":
        return f"{digits(rng, 4)}Z"
    if country == "NL":
        return digits(rng, 8)
    return digits(rng, 8)


def bic(rng: random.Random, country: str) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    bank = "".join(rng.choice(letters) for _ in range(4))
    return f"{bank}{country}{rng.choice(letters)}{rng.choice('ABCDEFGHJKLM12')}" + rng.choice(
        ["", "XXX"])


# ------------------------------------------------------------------------------ parties


@dataclass
class Party:
    name: str
    street: str
    city: str
    country: str
    vat: str | None
    iban: str | None = None

    @property
    def address(self) -> list[str]:
        return [self.street, self.city]


def _street(rng: random.Random, country: str, streets: list[str]) -> str:
    street, number = rng.choice(streets), rng.randint(1, 180)
    if country in ("IT", "FR", "ES") and rng.random() < 0.5:
        return f"{street}, {number}" if country != "FR" else f"{number} {street}"
    return f"{street} {number}"


def make_seller(rng: random.Random, country: str | None = None) -> Party:
    country = country or rng.choices(list(_COUNTRY_WEIGHTS), list(_COUNTRY_WEIGHTS.values()))[0]
    _, _, suffixes, cities, streets = COUNTRIES[country]
    name = f"{rng.choice(_NAME_WORDS)} {rng.choice(_TRADES)} {rng.choice(suffixes)}"
    vat = italian_vat(rng) if country == "IT" else make_vat(rng, country)
    iban = italian_iban(rng) if country == "IT" else (
        make_iban(rng, country) if country != "US" else None)
    assert vat is None or normalize_vat(vat) == vat
    return Party(name, _street(rng, country, streets), rng.choice(cities), country, vat, iban)


def party_from_vendor(vendor: Vendor) -> Party:
    street, city = (vendor.address + ["", ""])[:2]
    return Party(vendor.name, street, city, vendor.country, vendor.vat, vendor.iban)


def make_buyer(rng: random.Random, seller: Party, foreign: bool) -> Party:
    """A customer: mostly in the seller's country, abroad (in the EU) for reverse charge."""
    country = seller.country if seller.country in COUNTRIES else "DE"
    if foreign:
        country = rng.choice(sorted(_EU - {seller.country}))
    _, _, suffixes, cities, streets = COUNTRIES[country]
    while True:
        name = f"{rng.choice(_BUYER_WORDS)} {rng.choice(_BUYER_TRADES)} {rng.choice(suffixes)}"
        if normalize_text(name) != normalize_text(seller.name):
            break
    vat = italian_vat(rng) if country == "IT" else make_vat(rng, country)
    return Party(name, _street(rng, country, streets), rng.choice(cities), country, vat)


# ------------------------------------------------------------------------------ amounts


@dataclass
class Line:
    pos: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rate: Decimal
    article: str


@dataclass
class VatGroup:
    rate: Decimal
    basis: Decimal
    tax: Decimal


@dataclass
class Facts:
    """Everything a procedural document prints (amounts positive; see ``sign``)."""

    doc_type: str  # invoice | credit_note | corrected_invoice
    language: str
    currency: str
    seller: Party
    buyer: Party
    ship_to: Party | None
    number: str
    issued: date
    due: date | None
    due_days: int
    skonto: tuple[Decimal, date] | None
    delivered: date | None
    period: tuple[date, date] | None
    ordered: date | None
    po: str | None
    refs: dict[str, str]  # look-alike identifiers: key -> value
    lines: list[Line]
    discount: Decimal  # allowance on the main rate group
    discount_pct: Decimal | None
    shipping: Decimal  # charge on the main rate group
    groups: list[VatGroup]
    reverse_charge: bool
    insurance: bool
    prepaid: Decimal
    original: tuple[str, date] | None  # the invoice a correction or credit note refers to
    bank: str
    bic: str
    registry: dict[str, str]
    manager: str
    phone: str
    email: str
    web: str
    print_iban: bool
    print_vat: bool
    extras: dict[str, str] = field(default_factory=dict)
    show_buyer_vat: bool = False  # print the buyer's VAT id whatever the layout's habit

    @property
    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def net(self) -> Decimal:
        return sum((g.basis for g in self.groups), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((g.tax for g in self.groups), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.prepaid

    @property
    def main_rate(self) -> Decimal:
        """The rate of the largest basis (as skills.einvoice._main_rate reads it)."""
        return max(self.groups, key=lambda g: (g.basis, g.rate)).rate

    @property
    def sign(self) -> int:
        return -1 if self.doc_type == "credit_note" else 1


def _lines(rng: random.Random, language: str, count: int, rates: list[Decimal],
           insurance: bool) -> list[Line]:
    pool = INSURANCE_ITEMS if insurance else (
        ITALIAN_ITEMS if language == "it" else ITEMS.get(language, ITEMS["en"]))
    units = {"de": ["Stk.", "Std.", "psch."], "en": ["pcs", "h", "ea"], "fr": ["pce", "h", "u."],
             "es": ["ud.", "h", "uds."], "nl": ["st.", "uur", "stuk"], "it": ["pz.", "ore", "nr"]}
    made = []
    for pos in range(1, count + 1):
        roll = rng.random()
        quantity = Decimal(rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50, 100]))
        if roll < 0.15:
            quantity = Decimal(rng.randint(1, 40)) / 4
        # Prices spread over orders of magnitude, as in real invoices (log-uniform).
        unit_price = money(Decimal(str(round(math.exp(rng.uniform(0, math.log(4000))), 2))))
        unit = rng.choice(units.get(language, units["en"]))
        if insurance:  # one premium per policy and year
            quantity, unit = Decimal(1), "Jahr"
        made.append(Line(pos, rng.choice(pool), quantity, unit, unit_price,
                         money(quantity * unit_price), rng.choice(rates),
                         f"{rng.choice('ABCKMSX')}{digits(rng, rng.choice([4, 5, 6]))}"))
    return made


def _groups(lines: list[Line], main: Decimal, discount: Decimal, shipping: Decimal
            ) -> list[VatGroup]:
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.rate] = bases.get(line.rate, Decimal(0)) + line.amount
    bases[main] = bases.get(main, Decimal(0)) - discount + shipping
    return [VatGroup(rate, basis, money(basis * rate / 100))
            for rate, basis in sorted(bases.items(), key=lambda kv: -kv[0])]


def _doc_type(rng: random.Random) -> str:
    roll = rng.random()
    return "credit_note" if roll < 0.10 else "corrected_invoice" if roll < 0.15 else "invoice"


def _refs(rng: random.Random, seller: Party, year: int, insurance: bool) -> dict[str, str]:
    """Look-alike identifiers printed with their labels: numbers a reader must not take
    for the invoice number, the PO number or the VAT id."""
    pool = {
        "customer_number": lambda: rng.choice([digits(rng, 5), f"K{digits(rng, 6)}",
                                               f"{digits(rng, 3)}-{digits(rng, 4)}"]),
        "supplier_number": lambda: digits(rng, rng.choice([5, 6, 7])),
        "gln": lambda: gln(rng),
        "tax_number": lambda: tax_number(rng, seller.country),
        "sales_order": lambda: rng.choice([f"AB-{year}-{digits(rng, 4)}", f"SO{digits(rng, 6)}",
                                           digits(rng, 6)]),
        "delivery_note": lambda: rng.choice([f"LS{digits(rng, 6)}", f"{year}-{digits(rng, 5)}",
                                             f"BL-{digits(rng, 5)}", digits(rng, 8)]),
        "contract_number": lambda: f"{rng.choice(['V', 'C', 'CT'])}-{digits(rng, 5)}",
        "your_ref": lambda: rng.choice(["mk/ab", f"{rng.choice(_PEOPLE).split()[1]}",
                                        f"EK-{digits(rng, 3)}"]),
        "our_ref": lambda: rng.choice(["js", "TB/kl", rng.choice(_PEOPLE).split()[0]]),
    }
    keys = rng.sample(sorted(pool), rng.randint(1, 5))
    refs = {key: pool[key]() for key in keys}
    if insurance:
        refs["policy_number"] = f"{digits(rng, 2)}.{digits(rng, 3)}.{digits(rng, 6)}"
    return refs


_DIAL = {"DE": 49, "AT": 43, "CH": 41, "FR": 33, "BE": 32, "ES": 34, "NL": 31, "IT": 39,
         "GB": 44, "US": 1, "SE": 46}


def city_name(line: str) -> str:
    """The town of a postcode line ("10115 Berlin", "London EC1A 1BB", "20121 Milano (MI)")."""
    words = [t for t in re.split(r"[\s,()]+", line) if t.isalpha() and not t.isupper()]
    return " ".join(words) or line


def _delivery_and_order(rng: random.Random, issued: date
                        ) -> tuple[date | None, tuple[date, date] | None, date | None]:
    """A delivery date or a service period (last month), or neither, and maybe an order date."""
    delivered = period = None
    roll = rng.random()
    if roll < 0.45:
        delivered = issued - timedelta(days=rng.randint(0, 12))
    elif roll < 0.65:
        start = date(issued.year, issued.month, 1) - timedelta(days=1)
        period = (start.replace(day=1), start)
    ordered = issued - timedelta(days=rng.randint(5, 40)) if rng.random() < 0.3 else None
    return delivered, period, ordered


def make_facts(rng: random.Random, *, seller: Party | None = None, language: str | None = None,
               po_numbers: list[str] | None = None, max_lines: int | None = None) -> Facts:
    """A consistent document: parties, references, dates, lines, VAT groups."""
    seller = seller or make_seller(rng)
    language = language or COUNTRIES.get(seller.country, COUNTRIES["DE"])[1]
    currency = COUNTRIES.get(seller.country, COUNTRIES["DE"])[0]
    doc_type = _doc_type(rng)
    reverse = seller.country in _EU and rng.random() < 0.1
    insurance = not reverse and seller.country == "DE" and language == "de" and rng.random() < 0.08
    buyer = make_buyer(rng, seller, foreign=reverse)
    issued = date(2019, 1, 1) + timedelta(days=rng.randint(0, 365 * 7))
    due_days = rng.choice([7, 10, 14, 20, 30, 30, 45, 60])
    has_due = doc_type != "credit_note" and rng.random() < 0.8
    due = issued + timedelta(days=due_days) if has_due else None
    skonto = None
    early = [days for days in (5, 7, 8, 10, 14) if days < due_days]
    if due and early and rng.random() < 0.15:
        skonto = (Decimal(rng.choice(["2", "3"])), issued + timedelta(days=rng.choice(early)))
    delivered, period, ordered = _delivery_and_order(rng, issued)
    if po_numbers:
        po = rng.choice(po_numbers)
    else:
        po = shaped(rng, _PO_SHAPES, issued.year) if rng.random() < 0.6 else None
    country_rates = [Decimal(r) for r in RATES.get(seller.country, ["20"])]
    if reverse:
        rates = [Decimal(0)]
    elif insurance:
        rates = [Decimal(19)]
    elif len(country_rates) > 1 and rng.random() < 0.3:
        rates = country_rates[:2]
    else:
        rates = [country_rates[0]]
    many = doc_type == "invoice" and rng.random() < 0.33  # about a quarter run over pages
    count = rng.randint(16, 45) if many else rng.randint(1, 4 if doc_type != "invoice" else 7)
    if max_lines:
        count = min(count, max_lines)
    lines = _lines(rng, language, count, rates, insurance)
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        by_rate[line.rate] = by_rate.get(line.rate, Decimal(0)) + line.amount
    # Allowances and charges go with the biggest rate group (no group without lines).
    main = max(by_rate, key=lambda rate: (by_rate[rate], rate))
    main_lines = by_rate[main]
    discount_pct = discount = None
    if not insurance and main_lines > 50 and rng.random() < 0.25:
        discount_pct = Decimal(rng.choice(["2", "3", "5", "10"]))
        discount = money(main_lines * discount_pct / 100)
    shipping = Decimal(0)
    if not insurance and rng.random() < 0.25:
        shipping = money(Decimal(rng.choice([490, 595, 990, 1500, 2450, 4900])) / 100)
    groups = _groups(lines, main, discount or Decimal(0), shipping)
    total = sum((g.basis + g.tax for g in groups), Decimal(0))
    prepaid = Decimal(0)
    if doc_type == "invoice" and rng.random() < 0.12:
        prepaid = money(total * Decimal(rng.choice(["0.3", "0.5", "0.25"])))
    original = None
    if doc_type != "invoice":
        original = (shaped(rng, _NUMBER_SHAPES, issued.year),
                    issued - timedelta(days=rng.randint(10, 90)))
    person = rng.choice(_PEOPLE)
    host = normalize_text(seller.name).split()[0]
    tld = {"GB": "co.uk", "US": "com"}.get(seller.country, seller.country.lower())
    return Facts(
        doc_type=doc_type, language=language, currency=currency, seller=seller, buyer=buyer,
        ship_to=make_buyer(rng, seller, False) if rng.random() < 0.15 else None,
        number=shaped(rng, _NUMBER_SHAPES, issued.year), issued=issued, due=due,
        due_days=due_days, skonto=skonto, delivered=delivered, period=period, ordered=ordered,
        po=po, refs=_refs(rng, seller, issued.year, insurance), lines=lines,
        discount=discount or Decimal(0), discount_pct=discount_pct, shipping=shipping,
        groups=groups, reverse_charge=reverse, insurance=insurance, prepaid=prepaid,
        original=original, bank=rng.choice(_BANKS.get(seller.country, _BANKS["DE"])),
        bic=bic(rng, seller.country if seller.country != "CH" else "CH"),
        registry={"city": city_name(seller.city),
                  "n": digits(rng, rng.choice([5, 6, 8])),
                  "siren": f"{digits(rng, 3)} {digits(rng, 3)} {digits(rng, 3)}",
                  "prov": seller.city.split("(")[-1].rstrip(")") if "(" in seller.city else "MI"},
        manager=person, phone=f"+{_DIAL.get(seller.country, 49)} {digits(rng, 3)} "
                              f"{digits(rng, 6)}",
        email=f"{rng.choice(['info', 'billing', 'accounts', 'fatture', 'rechnung'])}@{host}.{tld}",
        web=f"www.{host}.{tld}", print_iban=seller.iban is not None and rng.random() < 0.93,
        print_vat=seller.vat is not None and rng.random() < 0.95,
    )


def to_truth(facts: Facts) -> InvoiceTruth:
    """The ground truth: header fields canonical, credit notes negative."""
    s = facts.sign

    def amount(value: Decimal) -> str:
        return format_decimal(value * s)

    items = [LineItem(description=ln.description, quantity=format_decimal(ln.quantity, 2 if
                      ln.quantity % 1 else 0), unit_price=amount(ln.unit_price),
                      amount=amount(ln.amount)) for ln in facts.lines]
    return InvoiceTruth(
        vendor_name=facts.seller.name,
        vendor_vat=facts.seller.vat if facts.print_vat else None,
        vendor_iban=facts.seller.iban if facts.print_iban else None,
        invoice_number=facts.number, invoice_date=facts.issued.isoformat(),
        due_date=facts.due.isoformat() if facts.due else None, po_number=facts.po,
        currency=facts.currency, net_amount=amount(facts.net), tax_amount=amount(facts.tax),
        tax_rate=format_decimal(facts.main_rate), total=amount(facts.total), line_items=items,
        buyer_name=facts.buyer.name, buyer_address=facts.buyer.address,
        vendor_address=facts.seller.address, document_type=facts.doc_type,
        amount_due=amount(facts.amount_due) if facts.prepaid else None,
    )


def _country_of(*ids: str | None) -> str | None:
    """The country a VAT id or IBAN names, when it is one we print."""
    for value in ids:
        if value and value[:2] in COUNTRIES:
            return value[:2]
    return None


def facts_from_truth(truth: InvoiceTruth, rng: random.Random, *, country: str | None = None,
                     language: str | None = None, buyer_vat: str | None = None) -> Facts:
    """The facts that print ``truth`` exactly: its parties, numbers, dates, currency and
    lines, one VAT group at its rate, no allowance, charge or prepayment. Everything the
    truth does not say (references, contact details, delivery dates, units) is drawn
    from ``rng`` as for a sampled document. ``country`` is the seller's (from its VAT id
    or IBAN when not given); ``buyer_vat``, when given, is printed with the buyer.

    ``to_truth(facts_from_truth(t, rng)).header() == t.header()`` for a truth in
    canonical form (amounts and rate as ``format_decimal`` writes them)."""
    if truth.document_type not in ("invoice", "credit_note", "corrected_invoice"):
        raise ValueError(f"unknown document type {truth.document_type!r}")
    if truth.net_amount is None or truth.tax_amount is None or truth.tax_rate is None:
        raise ValueError("a procedural document prints its net amount, tax and rate")
    country = country or _country_of(truth.vendor_vat, truth.vendor_iban) or "DE"
    language = language or COUNTRIES.get(country, COUNTRIES["DE"])[1]
    street, city = (list(truth.vendor_address) + ["", ""])[:2]
    seller = Party(truth.vendor_name, street, city, country, truth.vendor_vat, truth.vendor_iban)
    buyer_street, buyer_city = (list(truth.buyer_address) + ["", ""])[:2]
    buyer = Party(truth.buyer_name, buyer_street, buyer_city,
                  _country_of(buyer_vat) or country, buyer_vat)
    issued = date.fromisoformat(truth.invoice_date)
    due = date.fromisoformat(truth.due_date) if truth.due_date else None
    delivered, period, ordered = _delivery_and_order(rng, issued)
    rate = Decimal(truth.tax_rate)
    units = {"de": "Stk.", "en": "pcs", "fr": "pce", "es": "ud.", "nl": "st.", "it": "pz."}
    lines = [Line(pos, item.description, abs(Decimal(item.quantity)),
                  units.get(language, "pcs"), abs(Decimal(item.unit_price)),
                  abs(Decimal(item.amount)), rate,
                  f"{rng.choice('ABCKMSX')}{digits(rng, rng.choice([4, 5, 6]))}")
             for pos, item in enumerate(truth.line_items, start=1)]
    net, tax = abs(Decimal(truth.net_amount)), abs(Decimal(truth.tax_amount))
    if sum((line.amount for line in lines), Decimal(0)) != net:
        raise ValueError("the truth's lines do not add up to its net amount")
    if net + tax != abs(Decimal(truth.total)):
        raise ValueError("the truth's net amount and tax do not add up to its total")
    original = None
    if truth.document_type != "invoice":
        original = (shaped(rng, _NUMBER_SHAPES, issued.year),
                    issued - timedelta(days=rng.randint(10, 90)))
    person = rng.choice(_PEOPLE)
    host = (normalize_text(seller.name).split() or ["mail"])[0]
    tld = {"GB": "co.uk", "US": "com"}.get(country, country.lower())
    return Facts(
        doc_type=truth.document_type, language=language, currency=truth.currency,
        seller=seller, buyer=buyer, ship_to=None, number=truth.invoice_number, issued=issued,
        due=due, due_days=(due - issued).days if due else 30, skonto=None, delivered=delivered,
        period=period, ordered=ordered, po=truth.po_number,
        refs=_refs(rng, seller, issued.year, False), lines=lines, discount=Decimal(0),
        discount_pct=None, shipping=Decimal(0), groups=[VatGroup(rate, net, tax)],
        reverse_charge=False, insurance=False, prepaid=Decimal(0), original=original,
        bank=rng.choice(_BANKS.get(country, _BANKS["DE"])), bic=bic(rng, country),
        registry={"city": city_name(city),
                  "n": digits(rng, rng.choice([5, 6, 8])),
                  "siren": f"{digits(rng, 3)} {digits(rng, 3)} {digits(rng, 3)}",
                  "prov": city.split("(")[-1].rstrip(")") if "(" in city else "MI"},
        manager=person, phone=f"+{_DIAL.get(country, 49)} {digits(rng, 3)} {digits(rng, 6)}",
        email=f"{rng.choice(['info', 'billing', 'accounts', 'fatture', 'rechnung'])}@{host}.{tld}",
        web=f"www.{host}.{tld}", print_iban=truth.vendor_iban is not None,
        print_vat=truth.vendor_vat is not None,
        show_buyer_vat=buyer_vat is not None,
    )
