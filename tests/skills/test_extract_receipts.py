"""How a till slip is read beyond what the model scores: the shop's name over two lines
or with its company number, the customer's name under the title, OCR's "8" for "&",
and the amount to pay after cash rounding."""

from __future__ import annotations

import pytest

from skills.extract import extract
from skills.extract.candidates import _ends_in_suffix, _tidy_ocr_name, build_candidates
from skills.schema import Document, Page, ReadMethod
from tests.skills.test_extract import _line

_TILL = [("Cashier: Ali", 20, 120), ("Receipt No: 4711", 20, 132), ("Date: 03/12/2026", 20, 144),
         ("Milk 2 x 3.50", 20, 170), ("7.00", 160, 170), ("Total RM 7.00", 20, 200),
         ("Cash 10.00", 20, 212), ("Change 3.00", 20, 224)]


def _slip(rows: list[tuple[str, float, float]], method: ReadMethod = ReadMethod.OCR,
          width: float = 227.0, height: float = 300.0) -> Document:
    page = Page(1, width, height, method, [_line(t, x, y) for t, x, y in rows])
    return Document("slip.jpg", "0" * 64, "image/jpeg", [page])


def _names(doc: Document) -> set[str]:
    return {c.value for c in build_candidates(doc) if c.field == "vendor_name"}


def test_a_name_broken_after_an_ampersand_or_inside_brackets_is_joined() -> None:
    rows = [("HOME MASTER HARDWARE &", 30, 20), ("ELECTRICAL", 60, 30),
            ("AIK HUAT ENTERPRISE (SETIA", 30, 50), ("ALAM) SDN BHD", 50, 60)] + _TILL
    names = _names(_slip(rows))
    assert "HOME MASTER HARDWARE & ELECTRICAL" in names
    assert "AIK HUAT ENTERPRISE (SETIA ALAM) SDN BHD" in names
    assert "ALAM) SDN BHD" not in names  # the second half alone is no name


def test_a_company_number_after_the_name_leaves_the_name() -> None:
    rows = [("AEON CO. (M) BHD （126926-H)", 30, 20), ("3RD FLR, TAMAN MALURI", 30, 32)] + _TILL
    assert "AEON CO. (M) BHD" in _names(_slip(rows))


def test_a_company_under_the_slips_title_is_the_customer() -> None:
    rows = [("PERNIAGAAN ZHENG HUI", 40, 20), ("GST NO: 000800589824", 40, 32),
            ("SIMPLIFIED TAX INVOICE", 40, 50), ("GOGIANT ENGINEERING (M) SDN BHD", 20, 64)] + _TILL
    names = _names(_slip(rows))
    assert "PERNIAGAAN ZHENG HUI" in names
    assert "GOGIANT ENGINEERING (M) SDN BHD" not in names
    # On an invoice (a wide page, no till words) the block under the title stays.
    page = Page(1, 595.0, 842.0, ReadMethod.TEXT,
                [_line(t, x, y) for t, x, y in rows[:4]])
    assert "GOGIANT ENGINEERING (M) SDN BHD" in _names(
        Document("a.pdf", "0" * 64, "application/pdf", [page]))


def test_ocr_reads_a_names_ampersand_as_8() -> None:
    assert _tidy_ocr_name("TEO HENG STATIONERY 8 BOOKS") == "TEO HENG STATIONERY & BOOKS"
    assert _tidy_ocr_name("PIER 8") == "PIER 8"


def test_a_legal_form_ocr_misread_is_put_right_and_nothing_else() -> None:
    assert _tidy_ocr_name("Rossi Verpackung S.r.1") == "Rossi Verpackung S.r.l"
    assert _tidy_ocr_name("Ferrari Gebäudeservice S.r.I") == "Ferrari Gebäudeservice S.r.l"
    assert _tidy_ocr_name("Lumen Metaal S.r.1.s.") == "Lumen Metaal S.r.l.s."
    assert _ends_in_suffix(_tidy_ocr_name("Zenit Tecnologie V.0.F"))
    for kept in ("ACME 1.0", "Jansen 1", "Delta KG 10", "MR. D.I.Y. (M) SDN BHD", "7-Eleven"):
        assert _tidy_ocr_name(kept) == kept
    # Zeros and ones inside words of letters are the letters they look like.
    assert _tidy_ocr_name("PERMATA G0LDEN B00K STORE") == "PERMATA GOLDEN BOOK STORE"
    assert _tidy_ocr_name("0ak Tree Bi11 Centre") == "Oak Tree Bill Centre"
    assert _tidy_ocr_name("COVID19 Unit A1") == "COVID19 Unit A1"


SHORT_SLIP = [("DUPLICATE", 60, 10), ("NORTHGATE DELI", 40, 22), ("(0209794-T)", 55, 34),
              ("96 Main St", 55, 46), ("CHOCOLATE BAR 3.30", 10, 80),
              ("TOTAL (RM) 107.15", 60, 120),
              ("7036-343636 08 JAN 2014 4:22:09 PM", 8, 200)]


def test_a_short_slip_as_narrow_as_till_paper_is_a_slip() -> None:
    from skills.extract.candidates import is_slip

    assert is_slip(build_candidates(_slip(SHORT_SLIP))[0].features)
    assert not is_slip(build_candidates(_slip(SHORT_SLIP, width=595.0, height=842.0))[0].features)


def test_a_copy_mark_is_no_name_and_a_company_number_no_invoice_number() -> None:
    candidates = build_candidates(_slip(SHORT_SLIP))
    names = {c.value for c in candidates if c.field == "vendor_name"}
    assert "NORTHGATE DELI" in names and "DUPLICATE" not in names
    numbers = {c.value for c in candidates if c.field == "invoice_number"}
    assert not any("0209794" in n for n in numbers)


def test_a_legal_form_counts_only_where_a_name_ends() -> None:
    assert _ends_in_suffix("MR D.I.Y. (M) SDN BHD") == 1.0
    assert _ends_in_suffix("ACME Store #123") == 1.0
    assert _ends_in_suffix("Ferrari Forniture V.O.F.") == 1.0
    assert _ends_in_suffix("To GST (Goods & Services Tax)") == 0.0


def test_the_total_is_the_amount_to_pay_after_cash_rounding() -> None:
    rows = [("KEDAI RUNCIT MAJU", 20, 20), ("Cashier: Ali", 20, 40),
            ("Date: 03/12/2026", 20, 52), ("Soap 1 x 60.31", 20, 80), ("60.31", 160, 80),
            ("TOTAL AMT.", 20, 110), ("60.31", 160, 110),
            ("ROUNDING ADJ", 20, 122), ("-001", 160, 122),  # OCR lost the point
            ("RM", 120, 134), ("60.30", 160, 134),
            ("CASH", 20, 146), ("70.30", 160, 146), ("CHANGE", 20, 158), ("10.00", 160, 158)]
    assert extract(_slip(rows)).fields["total"].value == "60.30"


def test_a_long_run_of_numbers_after_a_name_is_read_in_linear_time() -> None:
    import time  # noqa: PLC0415

    began = time.perf_counter()
    assert _ends_in_suffix("Posten " + "12-34 " * 40 + "x") == 0.0
    assert time.perf_counter() - began < 0.05  # a backtracking pattern took seconds here


def test_a_label_ocr_wrote_with_a_zero_or_a_one_is_found_on_scans() -> None:
    from skills.extract.labels import find_labels

    line = _line("Bi11 # 411696", 10, 100)
    assert [lab.field for lab in find_labels([line], fuzzy=True)] == ["invoice_number"]
    assert find_labels([line]) == []  # a text layer prints its labels as meant


def test_a_slip_without_a_labelled_number_suggests_the_one_beside_its_date_and_time() -> None:
    from skills.extract.extraction import Field
    from skills.extract.suggestions import _transaction_number

    slip = _slip(SHORT_SLIP)
    result = extract(slip)
    number = result.fields["invoice_number"]
    assert number.value == "7036-343636"
    assert number.confidence < result.threshold_of("invoice_number")
    date = result.fields["invoice_date"]
    assert date.value == "2014-01-08"
    assert _transaction_number(date, slip).value == "7036-343636"
    elsewhere = Field(value="2014-01-08", confidence=0.9, page=1, box=(60, 80, 100, 89))
    assert _transaction_number(elsewhere, slip) is None  # no number starts that line


PAID_SLIP = [("HARPER PHARMACY", 40, 10), ("WELCOME TO OUR STORE", 30, 22),
             ("Date: 03/12/2026", 10, 40), ("BALL PEN BLUE 4 x 0.74 $2.96", 10, 70),
             ("Total Due", 10, 100), ("$550.75", 150, 112), ("Paid", 10, 124),
             ("$551.00", 150, 136), ("Cash Change", 10, 148), ("$0.25", 160, 160)]


def test_a_slips_total_is_what_was_due_not_what_was_handed_over() -> None:
    from skills.extract.extraction import _before_change

    candidates = [c for c in build_candidates(_slip(PAID_SLIP)) if c.field == "total"]
    roles = {c.value: c.till_role for c in candidates}
    assert roles == {"0.74": "", "2.96": "", "550.75": "", "551.00": "paid", "0.25": "change"}
    paid = next(i for i, c in enumerate(candidates) if c.value == "551.00")
    options = [(0.9 if c.value == "551.00" else 0.1, c) for c in candidates]
    choice = {"total": paid}
    _before_change(options, choice)
    assert candidates[choice["total"]].value == "550.75"


def test_a_tills_greeting_is_no_name() -> None:
    names = {c.value for c in build_candidates(_slip(PAID_SLIP)) if c.field == "vendor_name"}
    assert "HARPER PHARMACY" in names
    assert not any(n.upper().startswith("WELCOME") for n in names)


# A till that prints each amount on the row under its label, at the right edge.
WRAPPED_SLIP = [("BINTANG DIGITAL S/B", 20, 20), ("Bill# TD70010855", 10, 40),
                ("Date: 27/03/2015", 10, 52), ("DIESEL 1 2.04", 10, 80), ("2.04", 170, 80),
                ("SUB-TOTAL :", 10, 110), ("999.02", 170, 121), ("SST @ 6%:", 10, 133),
                ("59.94", 174, 144), ("NETT TOTAL (RM) :", 10, 156), ("1058.96", 166, 167)]


def _right_of_label(rows: list[tuple[str, float, float]], fld: str, value: str) -> float:
    return next(c.features["d_right"] for c in build_candidates(_slip(rows))
                if c.field == fld and c.value == value)


def test_an_amount_on_the_row_under_its_label_counts_as_beside_it() -> None:
    assert _right_of_label(WRAPPED_SLIP, "net_amount", "999.02") < 1.0
    assert _right_of_label(WRAPPED_SLIP, "tax_amount", "59.94") < 1.0
    # Not when the label's own row holds an amount: the row under it is another pair.
    beside = [("SUB-TOTAL : 999.02", 10, 110) if t == "SUB-TOTAL :" else (t, x, y)
              for t, x, y in WRAPPED_SLIP if t != "999.02"]
    assert _right_of_label(beside, "net_amount", "59.94") == 1.0
    # Nor a row of several figures under a row of labels: that is a table.
    table = [("Net VAT Total", 10, 110), ("10.00 1.90 11.90", 60, 121)]
    assert _right_of_label(table, "total", "10.00") == 1.0


def test_one_printed_amount_is_not_both_a_slips_net_and_total() -> None:
    from skills.extract.extraction import _slip_total_alone

    candidates = [c for c in build_candidates(_slip(WRAPPED_SLIP)) if c.value == "1058.96"]
    net = next(c for c in candidates if c.field == "net_amount")
    total = next(c for c in candidates if c.field == "total")
    other = next(c for c in build_candidates(_slip(WRAPPED_SLIP))
                 if c.field == "net_amount" and c.value == "999.02")
    ranked = {"net_amount": [(0.9, net), (0.2, other)], "total": [(0.8, total)]}
    choice = {"net_amount": 0, "total": 0}
    _slip_total_alone(ranked, choice)
    assert ranked["net_amount"][choice["net_amount"]][1].value == "999.02"
    assert choice["total"] == 0


def test_a_total_that_includes_its_tax_prints_no_net() -> None:
    from skills.extract.extraction import Decision, _tax_included

    def decisions(net: str, tax: str, total: str, rate: str) -> dict[str, Decision]:
        values = {"net_amount": net, "tax_amount": tax, "total": total, "tax_rate": rate}
        return {n: Decision(n, v, 0.9, "value") for n, v in values.items()}

    included = decisions("209.60", "36.38", "209.60", "21.00")  # 36.38 = 21 % of 173.22
    _tax_included(included)
    assert included["net_amount"].value is None and included["tax_amount"].value == "36.38"
    added = decisions("173.22", "36.38", "209.60", "21.00")  # a net printed: left alone
    _tax_included(added)
    assert added["net_amount"].value == "173.22"
    wrong = decisions("209.60", "5.00", "209.60", "21.00")  # not the rate's share: left alone
    _tax_included(wrong)
    assert wrong["net_amount"].value == "209.60"


def test_a_tax_printed_as_included_leaves_no_net_when_the_subtotal_is_the_total() -> None:
    rows = [("CORNER HARDWARE LTD", 20, 10), ("Date: 18/07/2018", 10, 30),
            ("GLUE STICK 2 x 5.45", 10, 60), ("10.90", 170, 60),
            ("Sub Total", 10, 80), ("10.90", 170, 80), ("Total", 10, 92), ("10.90", 170, 92),
            ("VAT 20t Included 1.82", 10, 104), ("Cash 20.00", 10, 130), ("Change 9.10", 10, 142)]
    candidates = build_candidates(_slip(rows))
    assert any(c.in_prices for c in candidates if c.value == "1.82")
    assert not any(c.in_prices for c in candidates if c.value == "20.00")
    fields = extract(_slip(rows)).fields
    assert fields["net_amount"].value is None
    assert (fields["tax_amount"].value, fields["total"].value) == ("1.82", "10.90")


def test_a_hand_written_note_on_a_scan_is_no_name() -> None:
    rows = [("tan woon yann", 30, 8), ("INDAH GIFT & HOME DECO", 30, 20),
            ("27, JALAN DEDAP 13", 30, 32)] + _TILL
    names = _names(_slip(rows))
    assert "INDAH GIFT & HOME DECO" in names
    assert "tan woon yann" not in names


def test_a_legal_forms_ocr_look_alikes_are_put_right() -> None:
    assert _tidy_ocr_name("Owner by Castle Blue S/8") == "Owner by Castle Blue S/B"
    assert _tidy_ocr_name("TESCO STORES SON BHD") == "TESCO STORES SDN BHD"
    assert _tidy_ocr_name("SMITH & SON LTD") == "SMITH & SON LTD"  # a name, not a form
    assert _tidy_ocr_name("BOB SON") == "BOB SON"


def test_a_tills_one_rate_summary_that_makes_the_total_gives_the_net_and_tax() -> None:
    rows = [("KEDAI BINTANG S/B", 20, 20), ("Date: 27/03/2015", 10, 40),
            ("CHICKEN RICE 2 x 19.49", 10, 70), ("38.98", 170, 70),
            ("NETT TOTAL (RM)", 10, 100), ("39.00", 170, 111),
            ("AMOUNT (RM) TAX(RM)", 60, 140), ("SR @ 10%", 10, 152), ("35.44", 90, 152),
            ("3.54", 174, 152), ("Cash 50.00", 10, 180), ("Change 11.00", 10, 192)]
    fields = extract(_slip(rows)).fields
    assert (fields["net_amount"].value, fields["tax_amount"].value) == ("35.44", "3.54")
    assert fields["total"].value == "39.00"


def test_a_day_ocr_split_in_two_is_joined_for_a_person_to_confirm() -> None:
    rows = [("KEDAI BINTANG S/B", 20, 20), ("Date: 1 1/01/2019", 10, 40),
            ("CHICKEN RICE", 10, 70), ("Total RM 7.00", 10, 100), ("Cash 10.00", 10, 112)]
    issued = extract(_slip(rows)).fields["invoice_date"]
    assert issued.value == "2019-01-11"
    assert issued.check and "across a space" in issued.check
    # A text layer prints what it means: no join there.
    dates = {c.value for c in build_candidates(_slip(rows, ReadMethod.TEXT))
             if c.field == "invoice_date"}
    assert "2019-01-11" not in dates


def _values(rows: list[tuple[str, float, float]], fld: str) -> set[str]:
    return {c.value for c in build_candidates(_slip(rows)) if c.field == fld}


def test_a_rate_whose_percent_sign_ocr_lost_is_read_after_the_taxs_name() -> None:
    rows = [*_TILL, ("Incl. VAT 20 : 4.58", 10, 240)]
    assert "20.00" in _values(rows, "tax_rate")
    assert "4.58" not in _values(rows, "tax_rate")  # the amount after it is no rate
    assert "12.00" not in _values([*_TILL, ("VAT NO 12345", 10, 240)], "tax_rate")


def test_a_phone_number_is_no_vat_id_whatever_its_checksum() -> None:
    rows = [("WONG FURNITURE S/B", 10, 10), ("TEL NO 04-952 6429", 10, 22), *_TILL]
    assert _values(rows, "vendor_vat") == set()
    rows = [("WONG FURNITURE S/B", 10, 10), ("VAT NO DE811569869", 10, 22), *_TILL]
    assert "DE811569869" in _values(rows, "vendor_vat")


def test_a_slips_net_and_tax_that_make_its_total_count_as_printed() -> None:
    from skills.extract.extraction import _closing_sum

    candidates = build_candidates(_slip(WRAPPED_SLIP))

    def first(fld: str, value: str):  # noqa: ANN202 - a test helper
        return next(c for c in candidates if c.field == fld and c.value == value)

    def ranked(tax: str) -> dict:
        return {"net_amount": [(0.1, first("net_amount", "999.02"))],
                "tax_amount": [(0.3, first("tax_amount", tax))],
                "total": [(0.9, first("total", "1058.96"))]}

    choice = {"net_amount": 0, "tax_amount": 0, "total": 0}
    assert _closing_sum(ranked("59.94"), choice) == ("net_amount", "tax_amount")
    assert _closing_sum(ranked("2.04"), choice) == ()  # no sum: the model's doubt stands


def test_codes_starting_item_rows_are_no_number_of_the_slip() -> None:
    rows = [("STATION GARDEN CENTRE", 40, 10), ("VAT RECEIPT", 60, 30),
            ("2978 1 36962443 NASI LEMAK", 9, 50), ("2 x 1.89", 18, 60), ("3.78", 180, 60),
            ("8697376322094 TEH TARIK", 9, 72), ("2 X 24.80", 18, 82), ("49.60", 180, 82),
            ("7680648657448 RICE 5KG", 9, 94), ("1 x 1.50", 18, 104), ("1.50", 180, 104),
            ("TOTAL 54.88", 9, 130), ("7737321058 29/03/2018 10:15", 9, 160)]
    numbers = _values(rows, "invoice_number")
    assert not numbers & {"36962443", "8697376322094", "7680648657448", "2978"}
    assert "7737321058" in numbers
    # Two rows are no list: a code and a name on a line may be anything.
    assert "36962443" in _values(rows[:6], "invoice_number")


def test_a_word_ocr_wrote_with_a_zero_is_no_number() -> None:
    rows = [("G0LDEN BOOK STORE", 30, 10), ("SELANG0R", 40, 22), *_TILL]
    numbers = _values(rows, "invoice_number")
    assert not numbers & {"G0LDEN", "SELANG0R"}
    assert "4711" in numbers


@pytest.mark.parametrize(("printed", "read"), [
    ([("CB56744", 9, 100), ("20/04/15", 55, 100), ("2:34:25 PM", 106, 100)], "CB56744"),
    # OCR split the number after its dash: read whole
    ([("0689- 164982", 9, 100), ("23-JAN-2021", 71, 100), ("14:07:46", 134, 100)],
     "0689-164982"),
    # OCR wrote the O of its letters as a zero
    ([("0R12091", 9, 100), ("20/04/15", 55, 100), ("2:34:25 PM", 106, 100)], "OR12091"),
])
def test_a_tills_number_set_apart_from_its_date_on_the_row_is_suggested(
        printed: list[tuple[str, float, float]], read: str) -> None:
    rows = [("KEDAI BINTANG S/B", 20, 10), ("CHICKEN RICE", 10, 40), ("TOTAL RM 7.00", 10, 60),
            ("CASH 10.00", 10, 72), *printed]
    number = extract(_slip(rows)).fields["invoice_number"]
    assert (number.value, number.method) == (read, "inferred")


def test_a_tax_said_included_by_its_own_box_left_on_the_row_is_included() -> None:
    rows = [*_TILL, ("VAT Included :", 10, 240), ("95. 12", 150, 240)]
    candidates = build_candidates(_slip(rows))
    assert any(c.in_prices for c in candidates if c.value == "95.12")
    assert not any(c.in_prices for c in candidates if c.value == "3.00")


def test_a_cash_rounding_adjustment_is_never_the_tax_or_the_net() -> None:
    rows = [("LIM HOME DECO SDN BHD", 20, 10), ("COFFEE BEANS", 10, 40), ("9.84", 170, 40),
            ("TOTAL INCL. TAX RM9.84", 10, 70), ("ROUNDING ADJUSTMENT", 10, 82),
            ("0.01", 170, 82), ("NET TOTAL ROUNDED RM9.85", 10, 94), ("CASH 9.85", 10, 110),
            ("CASH CHANGE 0.00", 10, 122)]
    fields = extract(_slip(rows)).fields
    assert fields["total"].value == "9.85"
    assert fields["tax_amount"].value is None


def test_a_slips_net_is_printed_under_its_own_label() -> None:
    rows = [("GREEN BINTANG RESTAURANT", 20, 10), ("TISSUE BOX 1 x 4.80", 10, 40),
            ("4.80", 170, 40), ("TOTAL AMOUNT : RM 4.80", 10, 60),
            ("AMOUNT PAYABLE : RM 4.80", 10, 72), ("CASH 5.00", 10, 84), ("CHANGE 0.20", 10, 96)]
    fields = extract(_slip(rows)).fields
    assert fields["total"].value == "4.80"
    assert fields["net_amount"].value is None


def test_a_subtotal_that_a_till_rounded_to_the_total_is_the_net() -> None:
    from skills.extract.extraction import _subtotal_makes_total

    rows = [("KEDAI BINTANG S/B", 20, 10), ("CORRECTION TAPE 10 X 0.60", 10, 40),
            ("6.00", 170, 40), ("SUB TOTAL: RM6.03", 10, 60), ("ROUNDING: 0.02", 10, 72),
            ("ROUNDED TOTAL (RM): RM6.05", 10, 84)]
    candidates = build_candidates(_slip(rows))

    def ranked(net: str, total: str) -> dict:
        def first(fld: str, value: str):  # noqa: ANN202 - a test helper
            return next(c for c in candidates if c.field == fld and c.value == value)
        return {"net_amount": [(0.4, first("net_amount", net))],
                "total": [(0.9, first("total", total))]}

    choice = {"net_amount": 0, "total": 0}
    assert _subtotal_makes_total(ranked("6.03", "6.05"), choice) == ("net_amount",)
    assert _subtotal_makes_total(ranked("6.00", "6.05"), choice) == ()  # no label: a line's


def test_an_included_tax_leaves_no_net_where_the_subtotal_is_the_total_before_rounding() -> None:
    from skills.extract.extraction import Decision, _tax_included

    def decisions(net: str, tax: str, total: str) -> dict[str, Decision]:
        values = {"net_amount": net, "tax_amount": tax, "total": total, "tax_rate": "6.00"}
        return {n: Decision(n, v, 0.9, "value") for n, v in values.items()}

    rounded = decisions("66.14", "3.74", "66.15")  # 3.74 = 6 % of 66.15 - 3.74
    _tax_included(rounded)
    assert rounded["net_amount"].value is None
    untaxed = decisions("792.13", "0.00", "792.15")  # no tax in it: the sum is the net
    _tax_included(untaxed)
    assert untaxed["net_amount"].value == "792.13"


def test_a_currency_code_glued_to_whole_digits_is_a_products() -> None:
    rows = [("PETRON STATION", 20, 10), ("UNLEADED RON95 20.00", 10, 40), *_TILL]
    assert "RON" not in _values(rows, "currency")
    assert "EUR" in _values([("EUR12.00", 10, 40), *_TILL], "currency")


def test_a_rate_whose_percent_sign_ocr_read_as_a_digit_is_read_after_the_taxs_name() -> None:
    assert "8.25" in _values([*_TILL, ("SALES TAX @ 8.258:", 10, 240)], "tax_rate")
    assert "6.00" in _values([*_TILL, ("Incl. GST 68 : 2.06", 10, 240)], "tax_rate")
    assert "20.00" in _values([*_TILL, ("Total VAT (20) : 3.07", 10, 240)], "tax_rate")
    assert "1.00" not in _values([*_TILL, ("VAT 19 % 1.52", 10, 240)], "tax_rate")
    assert "7.00" in _values([*_TILL, ("TAX (78 ) : 48.92", 10, 240)], "tax_rate")
    assert "21.00" in _values([*_TILL, ("TOTAL VAT ( 21 ) : 6.54", 10, 240)], "tax_rate")
    assert "6.00" in _values([*_TILL, ("SR @ 64 127.77 7.67", 10, 240)], "tax_rate")
    assert "3.00" not in _values([*_TILL, ("2 @ 38", 10, 240)], "tax_rate")  # an item's
    # A text layer prints what it means: no repair there.
    doc = _slip([*_TILL, ("SALES TAX @ 8.258:", 10, 240)], ReadMethod.TEXT)
    assert "8.25" not in {c.value for c in build_candidates(doc) if c.field == "tax_rate"}


def test_a_balance_under_the_cash_handed_over_is_the_change() -> None:
    rows = [("STATION BAKERY", 20, 10), ("GLUE STICK 1 x 1.30", 10, 40), ("1.30", 170, 40),
            ("SCISSORS 2 x 53.03", 10, 52), ("106.05", 170, 52),
            ("Net Total : 107.35", 10, 80), ("Cash Received : 108.00", 10, 92),
            ("Balance : 0.65", 10, 104)]
    fields = extract(_slip(rows)).fields
    assert fields["total"].value == "107.35"
    assert fields["tax_amount"].value != "0.65"


def test_a_name_ocr_was_unsure_of_is_for_a_person_to_confirm() -> None:
    from skills.extract.checks import _reading_checks
    from skills.extract.extraction import Decision

    def decided(conf: float) -> dict:
        doc = _slip([("PATT PRIMA MARKETING SDN BHD", 20, 10), *_TILL])
        cand = next(c for c in build_candidates(doc) if c.field == "vendor_name")
        cand.confidence = conf
        return {"vendor_name": Decision("vendor_name", cand.value, 0.99, "value", cand)}

    assert "vendor_name" in _reading_checks(decided(0.85))
    assert _reading_checks(decided(0.97)) == {}


def test_lines_that_a_till_rounded_to_the_total_make_it() -> None:
    from decimal import Decimal

    from skills.extract.checks import _lines_make

    lines = [Decimal("9.84")]
    assert _lines_make(Decimal("9.85"), lines)
    assert not _lines_make(Decimal("9.87"), lines)  # not a total in 5 cents
    assert not _lines_make(Decimal("9.90"), lines)  # more than a till rounds


def test_two_item_amounts_that_make_the_total_are_no_net_and_tax() -> None:
    from skills.extract.extraction import _closing_sum

    rows = [("STATION BAKERY", 20, 10), ("EGGS 10S", 10, 40), ("1 x 3.90", 20, 50),
            ("3.90", 170, 50), ("KOPI O", 10, 62), ("1 x 36.90", 20, 72), ("36.90", 170, 72),
            ("TOTAL SALES: 40.80", 10, 100), ("PAYMENT: 50.00", 10, 112),
            ("CHANGE AMOUNT: 9.20", 10, 124)]
    candidates = build_candidates(_slip(rows))

    def options(fld: str, value: str) -> list:
        return [(0.5, c) for c in candidates if c.field == fld and c.value == value]

    ranked = {"net_amount": options("net_amount", "36.90")[-1:],
              "tax_amount": options("tax_amount", "3.90"),
              "total": options("total", "40.80")}
    assert _closing_sum(ranked, {"net_amount": 0, "tax_amount": 0, "total": 0}) == ()


def test_an_identifier_ocr_split_at_a_space_is_also_read_whole() -> None:
    numbers = _values([("BILL # : A1 1276", 10, 100), *_TILL], "invoice_number")
    assert {"A11276", "A1"} <= numbers
    assert "T01-411819" in _values([("RECEIPT NO : T01 -411819", 10, 100)], "invoice_number")


def test_a_zero_in_an_identifiers_leading_letters_is_the_letter_o() -> None:
    from skills.extract.candidates import ocr_id

    assert ocr_id("0R12091") == "OR12091"
    assert ocr_id("P0S8879720") == "POS8879720"
    assert ocr_id("AB0012345") == "AB0012345"  # the zeros start its digits
    assert ocr_id("T01-598025") == "T01-598025"
    assert "OR12091" in _values([("ORDER 0R12091", 10, 100), *_TILL], "invoice_number")
    doc = _slip([("Receipt No: 0R12091", 10, 100), *_TILL], ReadMethod.TEXT)
    assert "0R12091" in {c.value for c in build_candidates(doc) if c.field == "invoice_number"}


def test_a_rounding_printed_a_little_under_its_label_is_the_rounding() -> None:
    rows = [("KEDAI BINTANG S/B", 20, 10), ("EGGS 10S 1 x 8.00", 10, 40), ("8.00", 140, 40),
            ("ROUND ADJ:", 8, 187), ("0.01", 139, 195.5), ("NETT TOTAL (RM) :", 8, 204),
            ("8.00", 136, 216)]
    roles = {c.till_role for c in build_candidates(_slip(rows)) if c.value == "0.01"}
    assert roles == {"rounding"}


def test_a_slip_photographed_on_a_larger_sheet_is_a_slip_by_its_width_and_till_words() -> None:
    from skills.extract.candidates import is_slip

    def slip(rows: list[tuple[str, float, float]]) -> bool:
        doc = _slip([(t, x + 120, y + 80) for t, x, y in rows], width=380, height=535)
        return is_slip(build_candidates(doc)[0].features)

    head = [("KEDAI BINTANG S/B", 20, 10), ("Receipt No: 4711", 20, 30),
            ("Date: 03/12/2026", 20, 42), ("Milk 2 x 3.50", 20, 60), ("7.00", 160, 60),
            ("Bread 1 x 2.00", 20, 72), ("2.00", 160, 72), ("Total RM 9.00", 20, 100)]
    assert slip([*head, ("Cash Received 10.00", 20, 112)])
    # A narrow invoice, item lines and all, but no till's words: not a slip.
    assert not slip([*head, ("IBAN GB69WETM51825476157343", 20, 112)])


def test_a_receipts_title_is_a_tills_word() -> None:
    from skills.extract.candidates import _is_receipt_title

    assert _is_receipt_title("SALES RECEIPT") and _is_receipt_title("OFFICIAL RECEIPT")
    assert not _is_receipt_title("TAX INVOICE")
    assert not _is_receipt_title("Please keep this receipt")


def test_a_tax_as_large_as_the_total_is_none() -> None:
    from skills.extract.extraction import Decision, _no_tax_as_large_as_the_total

    def decisions(tax: str) -> dict[str, Decision]:
        values = {"net_amount": "320.70", "tax_amount": tax, "total": "320.70"}
        return {n: Decision(n, v, 0.5, "value") for n, v in values.items()}

    same = decisions("320.70")
    _no_tax_as_large_as_the_total(same)
    assert same["tax_amount"].value is None and same["tax_amount"].kind == "missing"
    share = decisions("53.45")
    _no_tax_as_large_as_the_total(share)
    assert share["tax_amount"].value == "53.45"


def test_a_name_with_a_letter_standing_alone_is_for_a_person_to_confirm() -> None:
    from skills.extract.checks import _reading_checks
    from skills.extract.extraction import Decision

    def decided(name: str) -> dict:
        cand = next(c for c in build_candidates(_slip([(name, 20, 10), *_TILL]))
                    if c.field == "vendor_name" and c.value == name)
        return {"vendor_name": Decision("vendor_name", cand.value, 0.99, "value", cand)}

    assert "vendor_name" in _reading_checks(decided("SYARIKAT S INAR WONG CAFE S/B"))
    assert _reading_checks(decided("SYARIKAT SINAR WONG CAFE S/B")) == {}


def _a4_slip(rows: list[tuple[str, float, float]]) -> bool:
    """A page of these rows, photographed on a large sheet, reads as a till slip."""
    from skills.extract.candidates import is_slip

    return is_slip(build_candidates(_slip(rows, width=600, height=820))[0].features)


def test_a_card_payment_is_a_tills_word() -> None:
    rows = [("NORTHGATE BAKERY LIMITED", 40, 72), ("VAT No : GB014508189", 130, 224),
            ("Invoice # : 893666", 45, 320), ("WIPER BLADE 10 119.89 1,198.90", 27, 484),
            ("Net Total :", 27, 588), ("1,736.05", 400, 628), ("Cashier : ALI", 27, 740)]

    assert _a4_slip([*rows, ("Card :", 29, 660), ("1,736.05", 400, 700)])
    assert not _a4_slip(rows)


def test_a_tax_printed_as_included_at_its_rates_share_of_the_total_counts() -> None:
    from skills.extract.extraction import Decision, _included_tax_at_its_rate

    rows = [("STATION BAKERY", 20, 10), ("Total : 35.40", 70, 148),
            ("VAT 20% Included : 5.90", 70, 160), ("VAT 20% Included : 4.10", 70, 190)]
    candidates = build_candidates(_slip(rows))

    def doubted(tax: str) -> dict[str, Decision]:
        cand = next(c for c in candidates if c.field == "tax_amount" and c.value == tax)
        rate = next(c for c in candidates if c.field == "tax_rate" and c.value == "20.00")
        ranked = {"tax_amount": [(0.45, cand)], "tax_rate": [(0.9, rate)]}
        decisions = {"tax_amount": Decision("tax_amount", None, 0.55, "none"),
                     "total": Decision("total", "35.40", 0.9, "value")}
        _included_tax_at_its_rate(decisions, ranked, {"tax_amount": 0})
        return decisions

    assert doubted("5.90")["tax_amount"].value == "5.90"  # (35.40 - 5.90) x 20 % = 5.90
    assert doubted("4.10")["tax_amount"].value is None  # not the rate's share: doubt stands


def test_an_address_line_is_never_the_vendors_name() -> None:
    from skills.extract.extraction import _ADDRESS, Decision, _not_an_address

    for line in ("NO. 51, PERSIARAN INDAH 10, TAMAN PUTRA", "83000 BATU PAHAT, JOHOR",
                 "Denver, CO 80202", "117 Market Square", "1012 AB Amsterdam"):
        assert _ADDRESS.search(line), line
    for name in ("Station Pharmacy", "99 SPEEDMART S/B", "7-ELEVEN MALAYSIA SDN BHD"):
        assert not _ADDRESS.search(name), name
    rows = [("Station Pharmacy", 107, 45), ("117 Market Square", 115, 60),
            ("Denver, CO 80202", 117, 71), *_TILL]
    names = {c.value: c for c in build_candidates(_slip(rows)) if c.field == "vendor_name"}
    address = names["Denver, CO 80202"]
    decisions = {"vendor_name": Decision("vendor_name", address.value, 0.15, "value", address)}
    _not_an_address(decisions, [(0.15, address), (0.1, names["Station Pharmacy"]),
                                (0.12, names["117 Market Square"])])
    assert decisions["vendor_name"].value == "Station Pharmacy"


def test_a_rounding_printed_on_the_row_under_its_label_makes_the_total_to_pay() -> None:
    rows = [("KEDAI BINTANG S/B", 20, 10), ("EGGS 10S 1 x 94.77", 10, 40), ("94.77", 170, 40),
            ("SUB TOTAL:", 9, 228), ("94.77", 192, 240), ("ROUNDING ADJUSTMENT:", 9, 252),
            ("-0.02", 193, 264), ("NET TOTAL:", 9, 276), ("RM94.75", 178, 292),
            ("CASH TENDERED:", 9, 304), ("100.00", 185, 316)]
    candidates = build_candidates(_slip(rows, height=400))
    assert any(c.features.get("rounded_total") for c in candidates
               if c.field == "total" and c.value == "94.75")
    assert extract(_slip(rows, height=400)).fields["total"].value == "94.75"


def test_a_masked_card_number_is_a_tills_word() -> None:
    rows = [("Cedar Kitchen", 200, 264), ("TAX INVOICE", 217, 352),
            ("PVC PIPE 3 x 2.30", 90, 380), ("$6.90", 418, 380), ("SUB-TOTAL: $6.90", 203, 464),
            ("TOTAL: $6.90", 202, 504), ("VISA: $6.90", 204, 528)]

    assert _a4_slip([*rows, ("CARD NO: ************0868", 93, 548)])
    assert not _a4_slip(rows)


def test_a_slips_total_printed_again_under_a_net_label_is_no_net() -> None:
    from skills.extract.extraction import Decision, _net_printed_again

    rows = [("STATION BAKERY", 20, 10), ("Sub Total : 8.15", 90, 172),
            ("Net Total (EUR): 8.15", 90, 184), ("Mastercard: 8.15", 90, 196)]
    candidates = build_candidates(_slip(rows))

    def decided(y: float) -> dict[str, Decision]:
        net = next(c for c in candidates if c.field == "net_amount" and c.box[1] == y)
        return {"net_amount": Decision("net_amount", "8.15", 0.8, "value", net),
                "tax_amount": Decision("tax_amount", None, 0.5, "none"),
                "total": Decision("total", "8.15", 0.9, "value")}

    again = decided(184)  # "Net Total": a till's amount to pay
    _net_printed_again(again)
    assert again["net_amount"].value is None
    subtotal = decided(172)  # a subtotal with no tax added: the net
    _net_printed_again(subtotal)
    assert subtotal["net_amount"].value == "8.15"
    assert {c.label for c in candidates if c.field == "net_amount" and c.box[1] == 172} == {
        "subtotal"}
