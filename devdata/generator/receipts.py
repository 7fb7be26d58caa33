"""Till receipts: narrow slips from shops, restaurants, hardware stores and petrol stations.

A receipt prints the shop's name (sometimes a brand line above the legal company
name), its registration and tax numbers, address and phone, a title (TAX
INVOICE, CASH BILL, RECEIPT...), receipt number, date and time, cashier, the
items, then subtotal, tax, rounding, the total to pay, and how it was paid (cash
tendered and change, or a card), often a tax summary and a thank-you footer.

The truth is an :class:`~devdata.generator.truth.InvoiceTruth` like an
invoice's: the receipt number is the invoice number, the legal company name the
vendor, the amount to pay (after cash rounding) the total. Net, tax and rate
are None when the slip does not print them. The amounts that are not the total
(cash, change, subtotal, rounding, the tax summary's rows) are printed with
their own labels so a reader learns to tell them apart.

``RECEIPT_TRAIN_LAYOUTS`` train the extraction model; ``RECEIPT_HELDOUT_LAYOUTS``
are never shown to it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from devdata.generator.canvas import Canvas, available_fonts
from devdata.generator.truth import InvoiceTruth, LineItem, make_vat
from skills.normalize import MONTHS, format_decimal

PAPER_WIDTHS = (164.4, 226.8)  # 58 mm and 80 mm till rolls, in points

# Locale: currency, sign, tax names with rates, cash rounding to 5 cents, date formats.
LOCALES: dict[str, dict] = {
    "MY": {"currency": "MYR", "sign": "RM", "taxes": [("GST", "6"), ("SST", "6"), ("SST", "10"),
                                                      ("GST", "0")],
           "rounding": True, "dates": ["dd/mm/yyyy", "dd-mm-yyyy", "dd mon yyyy", "dd/mm/yy",
                                       "yyyy-mm-dd", "dd.mm.yyyy", "dd-mon-yyyy"]},
    "GB": {"currency": "GBP", "sign": "£", "taxes": [("VAT", "20")], "rounding": False,
           "dates": ["dd/mm/yyyy", "dd/mm/yy", "dd mon yyyy", "dd-mon-yyyy"]},
    "US": {"currency": "USD", "sign": "$", "taxes": [("SALES TAX", "8.25"), ("TAX", "7"),
                                                     ("TAX", "6.5")],
           "rounding": False, "dates": ["mm/dd/yyyy", "mm/dd/yy", "mon dd, yyyy"]},
    "EU": {"currency": "EUR", "sign": "€", "taxes": [("VAT", "21"), ("VAT", "19"), ("MWST", "19")],
           "rounding": False, "dates": ["dd.mm.yyyy", "dd/mm/yyyy", "dd-mm-yyyy", "dd.mm.yy"]},
}
_LOCALE_WEIGHTS = {"MY": 0.64, "GB": 0.12, "US": 0.1, "EU": 0.14}

_MY_WORDS = [
    "SINAR", "MAJU", "JAYA", "BINTANG", "EMAS", "SRI", "MEGA", "GOLDEN", "SUNRISE", "EVERGREEN",
    "PRIMA", "UNITED", "HAPPY", "NEW", "OCEAN", "KIM", "HENG", "SENG", "HUAT", "LEE", "TAN",
    "WONG", "LIM", "CHEONG", "AIK", "SOON", "HUP", "FATT", "WAH", "LUCKY", "GREEN", "RAINBOW",
    "ROYAL", "CITY", "STAR", "PERMATA", "CAHAYA", "MUTIARA", "DAMAI", "SEJAHTERA", "ZHENG",
]
_MY_TRADES = [
    "HARDWARE", "STATIONERY", "BOOK STORE", "MINI MARKET", "SUPERMARKET", "RESTAURANT",
    "BAKERY", "PHARMACY", "TRADING", "MOTOR", "ELECTRICAL", "FURNITURE", "CAFE", "FOOD",
    "MARKETING", "AUTO PARTS", "GIFT & DECO", "TEXTILE", "FRUITS", "SEAFOOD", "PETRO",
    "BEAUTY", "OPTICAL", "KITCHEN", "STORE", "DIGITAL", "PRINTING", "HOME DECO",
]
_MY_PREFIX = ["", "", "", "", "KEDAI ", "SYARIKAT ", "PERNIAGAAN ", "RESTORAN ", "KEDAI MAKAN "]
_MY_SUFFIX = ["SDN BHD", "SDN. BHD.", "(M) SDN BHD", "S/B", "ENTERPRISE", "TRADING", "",
              "SDN BHD", "BHD", "(M) SDN. BHD."]
_MY_PLACES = [
    ("JOHOR BAHRU", "JOHOR", "81100"), ("SKUDAI", "JOHOR", "81300"),
    ("KUALA LUMPUR", "W.P. KUALA LUMPUR", "50450"), ("PETALING JAYA", "SELANGOR", "47301"),
    ("SHAH ALAM", "SELANGOR", "40150"), ("KLANG", "SELANGOR", "41200"),
    ("IPOH", "PERAK", "30450"), ("SEREMBAN", "NEGERI SEMBILAN", "70200"),
    ("MELAKA", "MELAKA", "75200"), ("KAJANG", "SELANGOR", "43000"),
    ("PUCHONG", "SELANGOR", "47100"), ("GEORGE TOWN", "PULAU PINANG", "10200"),
    ("BATU PAHAT", "JOHOR", "83000"), ("KLUANG", "JOHOR", "86000"),
    ("CHERAS", "SELANGOR", "43200"), ("SUBANG JAYA", "SELANGOR", "47500"),
]
_MY_STREETS = ["JALAN", "JLN", "LORONG", "PERSIARAN"]
_MY_STREET_NAMES = ["MERANTI", "BUNGA RAYA", "KENANGA", "MELATI", "SAGU", "INDAH", "PERMAS",
                    "TAMPOI", "BESAR", "SETIA", "MUTIARA", "PUTRA", "MAWAR", "CEMPAKA"]
_WEST_NAMES = ["Harper", "Whitfield", "Atlas", "Cedar", "Orchard", "Riverside", "Corner",
               "Oak Tree", "Station", "Market", "Village", "Northgate", "Bluebell", "Kingsway"]
_WEST_TRADES = ["Cafe", "Deli", "Pharmacy", "Hardware", "Stores", "Newsagents", "Bakery",
                "Wine Shop", "Books", "Market", "Kitchen", "Garden Centre", "Convenience"]
_WEST_SUFFIX = {"GB": ["Ltd", "Limited", "Ltd.", ""], "US": ["Inc.", "LLC", "Co.", ""],
                "EU": ["GmbH", "B.V.", "Ltd", ""]}
_WEST_PLACES = {"GB": ["London SE1 7PB", "Leeds LS1 6HH", "Bristol BS1 4DJ", "York YO1 7HH"],
                "US": ["Austin, TX 78701", "Denver, CO 80202", "Portland, OR 97205"],
                "EU": ["1012 AB Amsterdam", "10115 Berlin", "D02 X285 Dublin", "80331 Munich"]}
_ITEMS = [
    "MINERAL WATER 500ML", "A4 PAPER 80GSM", "BALL PEN BLUE", "NASI LEMAK", "TEH TARIK",
    "KOPI O", "CHICKEN RICE", "PLASTIC BAG", "AA BATTERY 4S", "SCREWDRIVER SET",
    "PVC PIPE 1/2\"", "CABLE TIE 8\"", "MILO ICE", "ROTI CANAI", "WHITE BREAD", "FRESH MILK 1L",
    "EGGS 10S", "DETERGENT 2KG", "TISSUE BOX", "NOTEBOOK A5", "GLUE STICK", "LED BULB 9W",
    "PAINT BRUSH 2\"", "MASKING TAPE", "INSTANT NOODLE", "COOKING OIL 2KG", "SUGAR 1KG",
    "RICE 5KG", "SOY SAUCE", "FRIED RICE", "ICED LEMON TEA", "CURRY PUFF", "COFFEE BEANS",
    "SCISSORS", "EXTENSION CORD", "HAND SOAP", "TOOTHPASTE", "SHAMPOO 400ML", "BISCUITS",
    "CHOCOLATE BAR", "POTATO CHIPS", "UNLEADED RON95", "DIESEL", "WIPER BLADE", "ENGINE OIL 4L",
    "FILE FOLDER", "CORRECTION TAPE", "CALCULATOR", "KEY CUTTING", "DOOR HINGE", "WALL PLUG",
]
_PEOPLE = ["MANIS", "AINA", "KUMAR", "MEI LING", "JASON", "SITI", "ALI", "RAJ", "NURUL", "CHONG",
           "SARAH", "TOM", "ANNA", "PRIYA", "DAVID", "FARAH"]
_NUMBER_SHAPES = ["CS{n8}", "{n6}", "TD{n8}", "INV{n6}", "{n4}-{n6}", "R{n7}", "OR{n5}",
                  "T01-{n6}", "{n10}", "CB{n5}", "{y}{n6}", "{n3}{n5}", "A{n5}", "POS{n7}"]


@dataclass
class ReceiptFacts:
    """What a receipt prints besides the truth: for the layouts only."""

    locale: str
    brand: str | None  # a shop name printed above the legal name
    reg_no: str | None  # company registration number
    tax_id: str | None  # GST / SST number (not an EU VAT id)
    phone: str | None
    time: str
    cashier: str | None
    counter: str | None
    title: str | None
    tax_name: str | None  # printed name of the tax (GST, SST, VAT...)
    tax_mode: str  # excl (net + tax = total) | incl (prices include tax) | none
    subtotal: str | None  # printed net or subtotal
    pre_rounding: str  # net + tax before cash rounding
    payment: str  # cash | card
    tendered: str | None
    change: str | None
    codes: list[str] = field(default_factory=list)  # item codes (barcodes), may be empty
    summary: bool = False  # a tax summary table (code, amount, tax)
    extra_top: str | None = None  # a line above the shop's name (REPRINT, WELCOME...)


@dataclass(frozen=True)
class ReceiptStyle:
    upper: bool
    date_format: str
    with_sign: str  # none | total | all: which amounts carry the currency sign
    sign: str
    colon: str
    labels: dict[str, str]
    seps: str  # "-" | "=" | "*" | "rule" | "none"
    size: float
    tax_codes: bool  # item amounts followed by a tax code (SR / ZR)
    glue: str  # between a currency sign and its amount: "" or " "
    grouping: bool  # thousands separated by commas

    def t(self, text: str) -> str:
        return text.upper() if self.upper else text

    def money(self, value: str | Decimal, sign: bool = False) -> str:
        text = f"{Decimal(value):,.2f}" if self.grouping else f"{Decimal(value):.2f}"
        return f"{self.sign}{self.glue}{text}" if sign and self.sign else text

    def date(self, iso: str) -> str:
        day = date.fromisoformat(iso)
        mon = MONTHS["en"][day.month - 1][:3]
        mon = mon.upper() if self.upper or day.day % 2 else mon
        return {
            "dd/mm/yyyy": day.strftime("%d/%m/%Y"), "dd-mm-yyyy": day.strftime("%d-%m-%Y"),
            "dd mon yyyy": f"{day.day:02d} {mon} {day.year}", "dd/mm/yy": day.strftime("%d/%m/%y"),
            "yyyy-mm-dd": day.isoformat(), "dd.mm.yyyy": day.strftime("%d.%m.%Y"),
            "dd-mon-yyyy": f"{day.day:02d}-{mon}-{day.year}",
            "mm/dd/yyyy": day.strftime("%m/%d/%Y"), "mm/dd/yy": day.strftime("%m/%d/%y"),
            "mon dd, yyyy": f"{mon} {day.day:02d}, {day.year}",
            "dd.mm.yy": day.strftime("%d.%m.%y"),
        }[self.date_format]


_LABELS = {
    "invoice_number": ["Receipt No", "Receipt #", "Invoice No", "Inv No", "Bill No", "Doc No",
                       "Document No", "Trans No", "Transaction No", "Slip No", "Cash Bill No",
                       "Ref No", "Receipt Number", "Invoice #", "Bill #", "Check No"],
    "invoice_date": ["Date", "Date", "Date/Time", "Date & Time", "Trans Date", "Invoice Date",
                     "Bill Date", ""],
    "time": ["Time", "Time", ""],
    "cashier": ["Cashier", "Served by", "Operator", "Staff", "Salesperson"],
    "counter": ["Counter", "Terminal", "POS", "Till", "Table", "Pax"],
    "net": ["Sub Total", "Subtotal", "Sub-Total", "Total Excl. {tax}", "Total Excluding {tax}",
            "Total Sales (Excl {tax})", "Amount Before {tax}", "Total Before Tax"],
    "tax": ["{tax} {rate}%", "{tax} @ {rate}%", "{tax} ({rate}%)", "Total {tax}", "{tax} Amount",
            "{tax}"],
    "incl_tax": ["{tax} {rate}% Included", "Incl. {tax} {rate}%", "{tax} Included",
                 "Total {tax} ({rate}%)"],
    "rounding": ["Rounding", "Rounding Adj", "Rounding Adjustment", "Round Adj", "Rounding Adj."],
    "total": ["Total", "Total ({sign})", "Total {sign}", "Total Incl. {tax}", "Total Amount",
              "Nett Total", "Grand Total", "Amount Due", "Total Payable", "Total Sales",
              "Amount Payable", "Total Due", "Total Incl {tax}", "Total Amount Due",
              "Net Total ({sign})", "Net Total"],
    "pre_round": ["Total", "Total Incl. {tax}", "Total Sales", "Total Amount", "Bill Total"],
    "after_round": ["Total Payable", "Rounded Total", "Nett Total", "Amount Due",
                    "Grand Total", "Total After Rounding", "Rounded Total ({sign})",
                    "Total Rounded", "Amount Payable", "Net Total", "Net Total Rounded"],
    "cash": ["Cash", "Cash Tendered", "Tendered", "Cash Received", "Paid", "Payment", "Cash Paid",
             "Tender"],
    "change": ["Change", "Change Due", "Balance", "Cash Change", "Change Amount"],
    "card": ["Visa", "Mastercard", "Credit Card", "Debit Card", "Card", "Master"],
    "qty": ["Total Qty", "No. of Items", "Item Count", "Total Item(s)", "Total Quantity",
            "Qty Total"],
    "summary": ["{tax} Summary", "Tax Summary", "{tax} Analysis"],
    "description": ["Description", "Item", "Desc", "Code/Desc", "Product"],
    "quantity": ["Qty", "Quantity"],
    "price": ["Price", "U/Price", "Unit Price", "U.P", "Rate"],
    "amount": ["Amount", "Amt", "Total", "Amount ({sign})"],
    "phone": ["Tel", "Tel No", "Phone", "Tel."],
    "reg": ["Co. Reg. No", "Co Reg No", "Company No", "ROC No", "Reg No", "Business Reg No"],
    "tax_id": ["GST ID", "GST Reg No", "GST No", "SST ID", "SST Reg No", "Tax ID"],
    "footer": ["Thank You", "Thank you, please come again", "Goods sold are not returnable",
               "Thank you for shopping with us", "Please keep this receipt",
               "Goods sold are not refundable or exchangeable", "See you again",
               "This is a computer generated receipt"],
    "top": ["*** REPRINT ***", "WELCOME", "** COPY **", "Welcome to our store", "DUPLICATE"],
}
_MY_TITLES = ["TAX INVOICE", "CASH BILL", "SIMPLIFIED TAX INVOICE", "RECEIPT", "OFFICIAL RECEIPT",
              "CASH SALES", "INVOICE", None, None]
_WEST_TITLES = ["RECEIPT", "SALES RECEIPT", "VAT RECEIPT", "TAX INVOICE", None, None]


def _pct(rate: str | None) -> str:
    """A rate as printed on a slip: ``6``, ``8.25``."""
    return format(Decimal(rate or "0").normalize(), "f")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _round5(value: Decimal) -> Decimal:
    """Cash rounding to the nearest 5 cents."""
    return (value * 20).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 20


def _company(rng: random.Random, locale: str) -> tuple[str, str | None, list[str]]:
    """(legal name, brand line or None, address lines)."""
    if locale == "MY":
        words = " ".join(rng.sample(_MY_WORDS, rng.choice([1, 1, 2, 2, 3])))
        trade = rng.choice(_MY_TRADES)
        city, state, postcode = rng.choice(_MY_PLACES)
        branch = f"({rng.choice([city, 'M', state.split()[-1]])}) " if rng.random() < 0.2 else ""
        suffix = rng.choice(_MY_SUFFIX)
        prefix = rng.choice(_MY_PREFIX)
        if len(f"{prefix}{words} {trade} {branch}{suffix}") > 40:  # one line on a slip
            prefix, branch = "", ""
        base = f"{prefix}{words} {trade}"
        name = f"{base} {branch}{suffix}".replace("  ", " ").strip()
        brand = f"{words} {trade}" if rng.random() < 0.25 else None
        street = (f"NO. {rng.randint(1, 120)}, {rng.choice(_MY_STREETS)} "
                  f"{rng.choice(_MY_STREET_NAMES)} {rng.randint(1, 30)}"
                  + (f"/{rng.randint(1, 9)}" if rng.random() < 0.4 else ""))
        lines = [street + ",", f"TAMAN {rng.choice(_MY_STREET_NAMES)},",
                 f"{postcode} {city}, {state}."]
        if rng.random() < 0.4:
            lines = [street + f", TAMAN {rng.choice(_MY_STREET_NAMES)},",
                     f"{postcode} {city}, {state}."]
        return name, brand, lines
    base = f"{rng.choice(_WEST_NAMES)} {rng.choice(_WEST_TRADES)}"
    name = f"{base} {rng.choice(_WEST_SUFFIX[locale])}".strip()
    brand = base if rng.random() < 0.2 else None
    lines = [f"{rng.randint(1, 200)} {rng.choice(['High Street', 'Main St', 'Market Square'])}",
             rng.choice(_WEST_PLACES[locale])]
    return name, brand, lines


def make_receipt(rng: random.Random) -> tuple[InvoiceTruth, ReceiptFacts]:
    locale = rng.choices(list(_LOCALE_WEIGHTS), weights=list(_LOCALE_WEIGHTS.values()))[0]
    spec = LOCALES[locale]
    name, brand, address = _company(rng, locale)
    issued = date(2014, 1, 1) + timedelta(days=rng.randint(0, 365 * 10))
    items = []
    for _ in range(rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])):
        qty = Decimal(rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 5, 10]))
        top = rng.choice([400, 400, 1000, 3000, 12000])  # cents
        unit = _money(Decimal(rng.randint(30, top)) / 100)
        if rng.random() < 0.5:
            unit = _round5(unit) or Decimal("0.05")
        items.append(LineItem(description=rng.choice(_ITEMS), quantity=format_decimal(qty, 0),
                              unit_price=format_decimal(unit),
                              amount=format_decimal(_money(qty * unit))))
    goods = sum((Decimal(i.amount) for i in items), Decimal(0))
    tax_name, rate_text = rng.choice(spec["taxes"])
    rate = Decimal(rate_text)
    mode = rng.choices(["excl", "incl", "none"], weights=[0.45, 0.25, 0.3])[0]
    if locale in ("GB", "EU"):
        mode = rng.choice(["incl", "incl", "none"])
    elif locale == "US":
        mode = "excl"
    if mode == "excl":
        net, tax = goods, _money(goods * rate / 100)
    elif mode == "incl":
        tax = _money(goods * rate / (100 + rate))
        net = goods - tax
    else:
        net, tax = goods, Decimal(0)
    pre = net + tax
    total = _round5(pre) if spec["rounding"] and rng.random() < 0.85 else pre
    rounding = total - pre
    subtotal_printed = mode == "excl" or rng.random() < 0.4
    summary = mode != "none" and locale == "MY" and rng.random() < 0.5
    # The net is printed as the subtotal (tax on top, or no tax), or in the tax summary.
    net_printed = mode == "excl" or (mode == "none" and subtotal_printed) or summary
    payment = "cash" if rng.random() < 0.65 else "card"
    tendered = change = None
    if payment == "cash":
        notes = [n for n in (1, 2, 5, 10, 20, 50, 100) if n >= total] or [int(total) + 1]
        paid = Decimal(rng.choice(notes[:3])) if rng.random() < 0.8 else total
        tendered, change = format_decimal(paid), format_decimal(paid - total)
    upper_shop = locale == "MY" or rng.random() < 0.5
    number = rng.choice(_NUMBER_SHAPES).format(
        y=issued.year, **{f"n{k}": _digits(rng, k) for k in range(3, 11)})
    vat = make_vat(rng, {"GB": "GB", "EU": rng.choice(["DE", "NL"])}.get(locale, "")) \
        if locale in ("GB", "EU") and rng.random() < 0.7 else None
    truth = InvoiceTruth(
        vendor_name=name.upper() if upper_shop else name, vendor_vat=vat, vendor_iban=None,
        invoice_number=number, invoice_date=issued.isoformat(), due_date=None, po_number=None,
        currency=spec["currency"],
        net_amount=format_decimal(net) if net_printed else None,
        tax_amount=format_decimal(tax) if mode != "none" else None,
        tax_rate=format_decimal(rate) if mode != "none" else None,
        total=format_decimal(total), line_items=items, buyer_name="", buyer_address=[],
        vendor_address=address, rounding=format_decimal(rounding),
    )
    hour, minute, second = rng.randint(7, 22), rng.randint(0, 59), rng.randint(0, 59)
    time_text = rng.choice([f"{hour:02d}:{minute:02d}:{second:02d}", f"{hour:02d}:{minute:02d}",
                            f"{(hour - 1) % 12 + 1}:{minute:02d}:{second:02d} "
                            f"{'PM' if hour >= 12 else 'AM'}"])
    facts = ReceiptFacts(
        locale=locale, brand=brand.upper() if brand and upper_shop else brand,
        reg_no=(f"{_digits(rng, rng.choice([6, 7]))}-{rng.choice('ADHKMPTUVWX')}"
                if locale == "MY" and rng.random() < 0.75 else None),
        tax_id=(_digits(rng, 12) if locale == "MY" and rng.random() < 0.6 else None),
        phone=(f"0{rng.randint(3, 9)}-{_digits(rng, 3)} {_digits(rng, 4)}" if locale == "MY"
               else f"0{_digits(rng, 3)} {_digits(rng, 6)}") if rng.random() < 0.75 else None,
        time=time_text, cashier=rng.choice(_PEOPLE) if rng.random() < 0.6 else None,
        counter=str(rng.randint(1, 30)) if rng.random() < 0.4 else None,
        title=rng.choice(_MY_TITLES if locale == "MY" else _WEST_TITLES),
        tax_name=tax_name if mode != "none" else None, tax_mode=mode,
        subtotal=format_decimal(net if mode == "excl" else goods) if subtotal_printed else None,
        pre_rounding=format_decimal(pre), payment=payment, tendered=tendered, change=change,
        summary=summary,
        extra_top=rng.choice(_LABELS["top"]) if rng.random() < 0.1 else None,
    )
    if rng.random() < 0.4:
        facts.codes = [_digits(rng, rng.choice([13, 13, 6, 4])) for _ in items]
    return truth, facts


def pick_receipt_style(rng: random.Random, truth: InvoiceTruth,
                       facts: ReceiptFacts) -> ReceiptStyle:
    spec = LOCALES[facts.locale]
    upper = facts.locale == "MY" and rng.random() < 0.8 or rng.random() < 0.4
    sign = spec["sign"]
    fill = {"tax": facts.tax_name or "Tax", "sign": sign,
            "rate": _pct(truth.tax_rate) if truth.tax_rate else ""}
    labels = {key: rng.choice(options).format(**fill) for key, options in _LABELS.items()}
    # A label that must name the currency when amounts carry no sign.
    with_sign = rng.choice(["none", "total", "all"]) if facts.locale == "MY" else \
        rng.choice(["total", "all", "all"])
    if with_sign == "none":  # the currency is then printed in the totals' labels
        if sign not in labels["total"]:
            labels["total"] = rng.choice(["Total ({sign})", "Total {sign}",
                                          "Total Amount ({sign})",
                                          "Nett Total ({sign})"]).format(**fill)
        if sign not in labels["after_round"]:
            labels["after_round"] = rng.choice(["Rounded Total ({sign})", "Total Payable ({sign})",
                                                "Nett Total ({sign})"]).format(**fill)
    return ReceiptStyle(
        upper=upper, date_format=rng.choice(spec["dates"]), with_sign=with_sign, sign=sign,
        colon=rng.choice([":", ":", " :", ""]), labels=labels,
        seps=rng.choice(["-", "=", "*", "rule", "none", "-"]),
        size=rng.choice([7.0, 7.5, 8.0, 8.5, 9.0, 9.5]),
        tax_codes=facts.locale == "MY" and facts.tax_mode != "none" and rng.random() < 0.4,
        glue="" if sign in "£$€" or rng.random() < 0.5 else " ", grouping=rng.random() < 0.5,
    )


def rate_printed(facts: ReceiptFacts, st: ReceiptStyle) -> bool:
    """Whether the slip prints its tax rate (in the tax line's label or the tax summary)."""
    if facts.tax_mode == "none":
        return False
    label = st.labels["tax"] if facts.tax_mode == "excl" else st.labels["incl_tax"]
    return facts.summary or "%" in label


# ------------------------------------------------------------------ drawing helpers


class Slip:
    """A cursor down a narrow receipt: centred, left/right and label/value rows."""

    def __init__(self, c: Canvas, st: ReceiptStyle, margin: float = 8.0) -> None:
        self.c, self.st = c, st
        self.x0, self.x1 = margin, c.page_w - margin
        self.y = 12.0

    def gap(self, points: float = 4.0) -> None:
        self.y += points

    def fit(self, text: str, size: float, bold: bool = False, room: float | None = None) -> float:
        """The largest size up to ``size`` at which ``text`` fits in ``room`` (the width)."""
        room = self.x1 - self.x0 if room is None else room
        while size > 5.0 and self.c.width(text, size, bold) > room:
            size -= 0.25
        return size

    def center(self, text: str | None, size: float | None = None, bold: bool = False) -> None:
        if text:
            text = self.st.t(text)
            size = self.fit(text, size or self.st.size, bold)
            self.y = self.c.text(self.c.page_w / 2, self.y, text, size, bold=bold, align="C")

    def left(self, text: str | None, size: float | None = None, bold: bool = False,
             x: float | None = None) -> None:
        if text:
            text, x = self.st.t(text), self.x0 if x is None else x
            size = self.fit(text, size or self.st.size, bold, self.x1 - x)
            self.y = self.c.text(x, self.y, text, size, bold=bold)

    def lr(self, label: str, value: str, bold: bool = False, size: float | None = None,
           label_x: float | None = None, colon: bool = True) -> None:
        """Label on the left (or at ``label_x``), value flush right on the same row."""
        size = size or self.st.size
        text = self.st.t(label) + (self.st.colon if colon else "")
        x = self.x0 if label_x is None else label_x
        need = self.c.width(text, size, bold) + 8 + self.c.width(value, size, bold)
        if x + need > self.x1:
            x = max(self.x0, self.x1 - need)
            size = self.fit(text + "  " + value, size, bold)
        self.c.text(x, self.y, text, size, bold=bold)
        self.y = self.c.text(self.x1, self.y, value, size, bold=bold, align="R")

    def kv(self, label: str, value: str, label_w: float | None = None) -> None:
        """``LABEL : value``, the values aligned at ``label_w`` when given."""
        size = self.st.size
        if not label:
            self.left(value)
            return
        if label_w:
            self.c.text(self.x0, self.y, self.st.t(label), size)
            self.y = self.c.text(self.x0 + label_w, self.y, f"{self.st.colon.strip() or ':'} "
                                 f"{value}", size)
        else:
            self.left(f"{self.st.t(label)}{self.st.colon} {value}")

    def row(self, cells: list[tuple[float, str, str]], bold: bool = False) -> None:
        """Cells at fractions of the width: (fraction, text, align); the row shrinks until
        no two cells touch."""
        width, size = self.x1 - self.x0, self.st.size
        while True:
            spans = []
            for frac, text, align in cells:
                w = self.c.width(text, size, bold)
                x = self.x0 + frac * width - (w if align == "R" else w / 2 if align == "C" else 0)
                spans.append((x, x + w))
            spans.sort()
            if size <= 5.0 or all(a[1] + 3 <= b[0] for a, b in zip(spans, spans[1:], strict=False)):
                break
            size -= 0.25
        for frac, text, align in cells:
            self.c.text(self.x0 + frac * width, self.y, text, size, bold=bold, align=align)
        self.y += self.st.size * 1.35

    def sep(self) -> None:
        kind = self.st.seps
        if kind == "none":
            self.gap(3)
        elif kind == "rule":
            self.c.hline(self.x0, self.x1, self.y + 2)
            self.gap(6)
        else:
            n = int((self.x1 - self.x0) / max(self.c.width(kind, self.st.size), 1))
            self.y = self.c.text(self.x0, self.y, kind * n, self.st.size)


def _amount(st: ReceiptStyle, value: str, is_total: bool = False) -> str:
    sign = st.with_sign == "all" or (is_total and st.with_sign == "total")
    return st.money(value, sign)


def _header(s: Slip, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle, rng: random.Random,
            align: str = "C") -> None:
    put = s.center if align == "C" else s.left
    big = st.size + rng.choice([1.5, 2.5, 4.0])
    if f.extra_top:
        put(f.extra_top, st.size - 0.5)
    if f.brand:
        put(f.brand, big + 2, bold=True)
    name = inv.vendor_name
    reg_inline = f.reg_no and rng.random() < 0.5
    size = big if not f.brand else st.size + 0.5
    if reg_inline and s.c.width(f"{name} ({f.reg_no})", size, True) < s.x1 - s.x0:
        s.y = s.c.text(s.c.page_w / 2 if align == "C" else s.x0, s.y, f"{name} ({f.reg_no})",
                       size, bold=True, align=align)
    else:
        s.y = s.c.text(s.c.page_w / 2 if align == "C" else s.x0, s.y, name,
                       s.fit(name, size, True), bold=True, align=align)
        if f.reg_no:
            reg = f"({f.reg_no})" if rng.random() < 0.5 else f"{st.labels['reg']}: {f.reg_no}"
            put(reg)
    for line in inv.vendor_address:
        put(line)
    if f.phone:
        put(f"{st.labels['phone']}{st.colon} {f.phone}")
    if f.tax_id:
        put(f"{st.labels['tax_id']}{st.colon} {f.tax_id}")
    if inv.vendor_vat:
        put(f"VAT No{st.colon} {inv.vendor_vat}" if rng.random() < 0.5
            else f"VAT Reg No{st.colon} {inv.vendor_vat}")


def _date_time(st: ReceiptStyle, inv: InvoiceTruth, f: ReceiptFacts, rng: random.Random) -> str:
    label = st.labels["invoice_date"]
    d = st.date(inv.invoice_date)
    joined = f"{d} {f.time}" if rng.random() < 0.7 else d
    return f"{st.t(label)}{st.colon} {joined}" if label else joined


def _meta(s: Slip, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle, rng: random.Random,
          aligned: bool) -> None:
    label_w = max(s.c.width(st.t(x), st.size) for x in (
        st.labels["invoice_number"], st.labels["invoice_date"] or "Date", st.labels["cashier"],
        st.labels["counter"])) + 4 if aligned else None
    rows: list[tuple[str, str]] = [(st.labels["invoice_number"], inv.invoice_number)]
    date_label = st.labels["invoice_date"]
    d = st.date(inv.invoice_date)
    if rng.random() < 0.5 and date_label:
        rows.append((date_label, d))
        rows.append((st.labels["time"] or "Time", f.time))
    elif rng.random() < 0.5:
        rows.append((date_label, f"{d} {f.time}"))
    else:  # date and time side by side on one row
        rows.append(("", f"{st.t(date_label or 'Date')}{st.colon} {d}   "
                         f"{st.t(st.labels['time'] or 'Time')}{st.colon} {f.time}"))
    if f.cashier:
        rows.append((st.labels["cashier"], f.cashier))
    if f.counter:
        rows.append((st.labels["counter"], f.counter))
    if rng.random() < 0.3:
        rows[:2] = rows[:2][::-1]
    for label, value in rows:
        s.kv(label, value, label_w)


def _items(s: Slip, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle, rng: random.Random,
           style: str) -> None:
    code = " SR" if st.tax_codes else ""
    if style == "columns":  # DESC | QTY | PRICE | AMOUNT on one row per item
        s.row([(0, st.t(st.labels["description"]), "L"), (0.55, st.t(st.labels["quantity"]), "R"),
               (0.75, st.t(st.labels["price"]), "R"), (1.0, st.t(st.labels["amount"]), "R")])
        s.sep()
        for i, item in enumerate(inv.line_items):
            if f.codes:
                s.left(f.codes[i])
            desc = item.description if s.c.width(item.description, st.size) < 0.45 * (
                s.x1 - s.x0) else item.description[:12]
            s.row([(0, desc, "L"), (0.55, item.quantity, "R"),
                   (0.75, st.money(item.unit_price), "R"),
                   (1.0, _amount(st, item.amount) + code, "R")])
    else:  # description, then "qty x price ... amount" below it
        if rng.random() < 0.5:
            s.row([(0, st.t(st.labels["description"]), "L"), (1.0, st.t(st.labels["amount"]), "R")])
            s.sep()
        for i, item in enumerate(inv.line_items):
            first = f"{f.codes[i]} {item.description}" if f.codes else item.description
            s.left(first)
            qty = (f"{item.quantity} x {st.money(item.unit_price)}" if style == "stacked"
                   else f"{item.quantity} PC @ {st.money(item.unit_price)}")
            s.lr("  " + qty, _amount(st, item.amount) + code, colon=False)


def _totals(s: Slip, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle, rng: random.Random,
            label_x: float | None = None) -> None:
    lab = st.labels
    if rng.random() < 0.4:
        qty = sum(int(Decimal(i.quantity)) for i in inv.line_items)
        if rng.random() < 0.4:  # the item count and the goods' sum on one row
            goods = sum((Decimal(i.amount) for i in inv.line_items), Decimal(0))
            s.c.text(s.x0 + (s.x1 - s.x0) * 0.5, s.y, str(qty), st.size)
            s.lr(lab["qty"], _amount(st, format_decimal(goods)), label_x=label_x)
        else:
            s.lr(lab["qty"], str(qty), label_x=label_x)
    if f.subtotal is not None:
        s.lr(lab["net"] if f.tax_mode == "excl" else "Sub Total", _amount(st, f.subtotal),
             label_x=label_x)
    if f.tax_mode == "excl":
        s.lr(lab["tax"], _amount(st, inv.tax_amount or "0"), label_x=label_x)
    if Decimal(inv.rounding) != 0 or (LOCALES[f.locale]["rounding"] and rng.random() < 0.5):
        pre_label = lab["pre_round"]
        if f.tax_mode != "excl" or rng.random() < 0.7:
            s.lr(pre_label, _amount(st, f.pre_rounding, True), label_x=label_x)
        s.lr(lab["rounding"], st.money(inv.rounding), label_x=label_x)
        size = st.size + rng.choice([0, 0, 1, 2])
        if rng.random() < 0.15:  # some tills print the rounded amount on its own
            s.y = s.c.text(s.x1, s.y, _amount(st, inv.total, True), size, bold=True, align="R")
        else:
            s.lr(lab["after_round"], _amount(st, inv.total, True), bold=True, label_x=label_x,
                 size=size)
    else:
        s.lr(lab["total"], _amount(st, inv.total, True), bold=True, label_x=label_x,
             size=st.size + rng.choice([0, 0, 1, 2]))
    if f.tax_mode == "incl":
        s.lr(lab["incl_tax"], st.money(inv.tax_amount or "0"), label_x=label_x)
    s.gap(3)
    if f.payment == "cash":
        s.lr(lab["cash"], _amount(st, f.tendered or "0"), label_x=label_x)
        s.lr(lab["change"], _amount(st, f.change or "0"), label_x=label_x)
    else:
        s.lr(lab["card"], _amount(st, inv.total), label_x=label_x)
        s.left(f"CARD NO: ************{_digits(rng, 4)}")
        if rng.random() < 0.5:
            s.left(f"APPROVAL CODE: {_digits(rng, 6)}")


def _summary(s: Slip, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
             rng: random.Random) -> None:
    if not f.summary:
        return
    s.sep()
    s.left(st.labels["summary"])
    sign = f"({st.sign})"
    s.row([(0, st.t("Code"), "L"), (0.62, st.t(f"Amount{sign}"), "R"),
           (1.0, st.t(f"Tax{sign}"), "R")])
    s.row([(0, f"SR @ {_pct(inv.tax_rate)}%", "L"), (0.62, st.money(inv.net_amount or "0"), "R"),
           (1.0, st.money(inv.tax_amount or "0"), "R")])
    if rng.random() < 0.4:
        s.row([(0, "ZR @ 0%", "L"), (0.62, "0.00", "R"), (1.0, "0.00", "R")])
    if rng.random() < 0.4:
        s.row([(0, st.t("Total"), "L"), (0.62, st.money(inv.net_amount or "0"), "R"),
               (1.0, st.money(inv.tax_amount or "0"), "R")])


def _footer(s: Slip, st: ReceiptStyle, rng: random.Random) -> None:
    s.gap(6)
    for text in rng.sample(_LABELS["footer"], rng.choice([1, 1, 2])):
        s.center(text)


# ------------------------------------------------------------------ training layouts


def till_classic(c: Canvas, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
                 rng: random.Random) -> None:
    """Centred header, title, ``Label: value`` meta, items in columns, totals label/value."""
    s = Slip(c, st)
    _header(s, inv, f, st, rng)
    s.gap(4)
    s.center(f.title, st.size + 1, bold=True)
    s.gap(2)
    _meta(s, inv, f, st, rng, aligned=False)
    s.sep()
    _items(s, inv, f, st, rng, "columns")
    s.sep()
    _totals(s, inv, f, st, rng)
    _summary(s, inv, f, st, rng)
    _footer(s, st, rng)


def till_stacked(c: Canvas, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
                 rng: random.Random) -> None:
    """Left-aligned header, meta with aligned colons, items over two rows, totals right half."""
    s = Slip(c, st)
    _header(s, inv, f, st, rng, align=rng.choice(["L", "C"]))
    s.sep()
    s.center(f.title, st.size + 0.5, bold=True)
    _meta(s, inv, f, st, rng, aligned=True)
    s.sep()
    _items(s, inv, f, st, rng, "stacked")
    s.sep()
    _totals(s, inv, f, st, rng, label_x=s.x0 + (s.x1 - s.x0) * rng.choice([0.25, 0.35, 0.45]))
    _summary(s, inv, f, st, rng)
    _footer(s, st, rng)


def till_compact(c: Canvas, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
                 rng: random.Random) -> None:
    """Date, time and number on one line under the header (or after the totals),
    ``n PC @ price`` items."""
    s = Slip(c, st)
    _header(s, inv, f, st, rng)
    s.center(f.title, st.size, bold=True)
    s.sep()
    meta_last = rng.random() < 0.3

    def meta() -> None:
        s.left(_date_time(st, inv, f, rng))
        s.left(f"{st.t(st.labels['invoice_number'])}{st.colon} {inv.invoice_number}")
        if f.cashier:
            s.left(f"{st.t(st.labels['cashier'])}{st.colon} {f.cashier}")

    if not meta_last:
        meta()
        s.sep()
    _items(s, inv, f, st, rng, "at")
    s.sep()
    _totals(s, inv, f, st, rng)
    if meta_last:
        s.sep()
        meta()
    _summary(s, inv, f, st, rng)
    _footer(s, st, rng)


def till_brand(c: Canvas, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
               rng: random.Random) -> None:
    """Title first, then the shop; meta as a two-column grid; totals after a double rule."""
    s = Slip(c, st)
    s.center(f.title or "RECEIPT", st.size + 2, bold=True)
    s.gap(4)
    _header(s, inv, f, st, rng)
    s.sep()
    half = (s.x1 - s.x0) / 2
    top = s.y
    s.left(st.t(st.labels["invoice_number"]), st.size - 0.5)
    s.left(inv.invoice_number)
    bottom = s.y
    s.y = top
    s.left(st.t(st.labels["invoice_date"] or "Date"), st.size - 0.5, x=s.x0 + half)
    s.left(st.date(inv.invoice_date), x=s.x0 + half)
    s.y = max(bottom, s.y)
    if f.cashier:
        s.kv(st.labels["cashier"], f.cashier)
    s.sep()
    _items(s, inv, f, st, rng, rng.choice(["columns", "stacked"]))
    s.sep()
    s.sep()
    _totals(s, inv, f, st, rng)
    _summary(s, inv, f, st, rng)
    _footer(s, st, rng)


# ------------------------------------------------------------------ held-out layouts


def till_bottom_meta(c: Canvas, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
                     rng: random.Random) -> None:
    """Number, date and time printed at the very end, under the totals and the footer."""
    s = Slip(c, st)
    _header(s, inv, f, st, rng)
    s.center(f.title, st.size + 1, bold=True)
    s.sep()
    _items(s, inv, f, st, rng, "stacked")
    s.sep()
    _totals(s, inv, f, st, rng, label_x=s.x0 + (s.x1 - s.x0) * 0.3)
    _summary(s, inv, f, st, rng)
    _footer(s, st, rng)
    s.sep()
    s.left(f"{inv.invoice_number}  {st.date(inv.invoice_date)}  {f.time}")
    if f.cashier:
        s.left(f"{st.t(st.labels['cashier'])}{st.colon} {f.cashier}")


def till_stacked_totals(c: Canvas, inv: InvoiceTruth, f: ReceiptFacts, st: ReceiptStyle,
                        rng: random.Random) -> None:
    """Meta in a boxed block; each total's value on the row below its label."""
    s = Slip(c, st)
    _header(s, inv, f, st, rng)
    s.gap(4)
    top = s.y
    s.gap(3)
    s.left(_date_time(st, inv, f, rng), x=s.x0 + 4)
    s.left(f"{st.t(st.labels['invoice_number'])}{st.colon} {inv.invoice_number}", x=s.x0 + 4)
    c.rect(s.x0, top, s.x1 - s.x0, s.y - top + 3)
    s.gap(8)
    _items(s, inv, f, st, rng, "columns")
    s.sep()
    rows = []
    if f.subtotal is not None:
        rows.append((st.labels["net"] if f.tax_mode == "excl" else "Sub Total",
                     _amount(st, f.subtotal)))
    if f.tax_mode == "excl":
        rows.append((st.labels["tax"], _amount(st, inv.tax_amount or "0")))
    if Decimal(inv.rounding) != 0:
        rows.append((st.labels["rounding"], st.money(inv.rounding)))
        rows.append((st.labels["after_round"], _amount(st, inv.total, True)))
    else:
        rows.append((st.labels["total"], _amount(st, inv.total, True)))
    if f.payment == "cash":
        rows += [(st.labels["cash"], _amount(st, f.tendered or "0")),
                 (st.labels["change"], _amount(st, f.change or "0"))]
    else:
        rows.append((st.labels["card"], _amount(st, inv.total)))
    for label, value in rows:
        s.left(st.t(label) + st.colon)
        s.y = c.text(s.x1, s.y, value, st.size, align="R")
    if f.tax_mode == "incl":
        s.left(f"{st.t(st.labels['incl_tax'])}{st.colon} {st.money(inv.tax_amount or '0')}")
    _summary(s, inv, f, st, rng)
    _footer(s, st, rng)


Receipt = Callable[[Canvas, InvoiceTruth, ReceiptFacts, ReceiptStyle, random.Random], None]
RECEIPT_TRAIN_LAYOUTS: dict[str, Receipt] = {
    "till_classic": till_classic, "till_stacked": till_stacked, "till_compact": till_compact,
    "till_brand": till_brand,
}
RECEIPT_HELDOUT_LAYOUTS: dict[str, Receipt] = {
    "till_bottom_meta": till_bottom_meta, "till_stacked_totals": till_stacked_totals,
}
RECEIPT_FONTS = ("courier", "helvetica", "DejaVu Sans Mono", "DejaVu Sans")


def receipt_fonts() -> tuple[str, ...]:
    from devdata.generator.canvas import _font_file  # noqa: PLC0415

    return tuple(f for f in RECEIPT_FONTS if f in available_fonts() or _font_file(f))


def draw_receipt(layout: Receipt, font: str, inv: InvoiceTruth, facts: ReceiptFacts,
                 st: ReceiptStyle, rng: random.Random, width: float) -> Canvas:
    """The receipt on a page exactly as long as it needs (drawn twice, same draws)."""
    state = rng.getstate()
    probe = Canvas(font, (width, 3000.0))
    layout(probe, inv, facts, st, rng)
    rng.setstate(state)
    canvas = Canvas(font, (width, probe.bottom + 14))
    layout(canvas, inv, facts, st, rng)
    return canvas
