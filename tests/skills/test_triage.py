"""Inbox triage: intents of hand-written mails, the facts extracted, the command line's
output, and a runtime path free of torch and scikit-learn."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from fpdf import FPDF

from devdata.mails import INTENTS, generate_mails
from skills.normalize import iban_checksum_ok
from skills.triage import extract, parse_eml, read_message, triage
from skills.triage.model import TriageModelMissing, load_model
from skills.triage.vendors import master_vendors

ROOT = Path(__file__).resolve().parents[2]
HAND = Path(__file__).parent / "fixtures" / "triage" / "handwritten"


@pytest.fixture(scope="module")
def vendors():
    return master_vendors()


@pytest.mark.parametrize(("name", "intent"), [
    ("10-reminder-de.eml", "reminder"),
    ("17-bank-en.eml", "bank_change"),
    ("19-bank-fr.eml", "bank_change"),
    ("25-question-en.eml", "question"),
    ("28-question-nl.eml", "question"),
])
def test_hand_written_mails_get_their_intent(name, intent, vendors):
    result = triage(read_message(HAND / name), vendors)
    assert result.intent == intent
    assert 0.0 <= result.confidence <= 1.0
    assert result.needs_person == (result.confidence < load_model().thresholds[result.intent])


def test_a_bank_change_names_the_vendor_and_the_account_not_on_file(vendors):
    result = triage(read_message(HAND / "18-bank-de.eml"), vendors)
    vendor = result.entities.vendor
    assert vendor is not None and vendor.vendor_id == "V10003"
    assert result.entities.new_iban == "DE44500105175407324931"
    assert result.entities.new_iban != vendor.master_iban


def test_iban_check_digits_decide_valid_or_not():
    good = "DE44 5001 0517 5407 3249 31"
    bad = "DE45 5001 0517 5407 3249 31"  # one check digit off
    found = extract(f"Neue IBAN: {good}. Alte, falsch notiert: {bad}.")
    assert found.ibans == ["DE44500105175407324931"]
    assert found.invalid_ibans == ["DE45500105175407324931"]
    assert iban_checksum_ok(found.ibans[0]) and not iban_checksum_ok(found.invalid_ibans[0])


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("Rechnungsbetrag: 2.856,00 EUR brutto", "2856.00", "EUR"),
    ("Total due: GBP 1,418.40, payable within 30 days", "1418.40", "GBP"),
    ("le virement de 4 980,00 EUR a été émis", "4980.00", "EUR"),
    ("Totaalbedrag € 1.935,50 incl. btw", "1935.50", "EUR"),
    ("ACH 7781230 for USD 12,400.00 covering", "12400.00", "USD"),
])
def test_amounts_come_with_their_currency(text, value, currency):
    amounts = extract(text).amounts
    assert [(a.value, a.currency) for a in amounts] == [(value, currency)]


def test_a_number_without_currency_is_no_amount():
    assert extract("Bestellung 4500001007, Sendung 80012345").amounts == []


@pytest.mark.parametrize(("text", "iso"), [
    ("Rechnung vom 19.11.2026", "2026-11-19"),
    ("invoice dated 2 September 2026", "2026-09-02"),
    ("Kundentag am 18. März 2027 in Leipzig", "2027-03-18"),
    ("betaling van 27-11-2026", "2026-11-27"),
])
def test_dates_in_several_languages(text, iso):
    assert extract(text).dates == [iso]


def test_invoice_numbers_after_document_words():
    found = extract("Rechnung Nr. RE-2026-04417 zur Bestellung; factures 2026-311 et 2026-318")
    assert found.invoice_numbers == ["RE-2026-04417", "2026-311", "2026-318"]


def test_pdf_attachment_first_page_and_html_body_are_read():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Credit note CN-7781 total 148.75 EUR")
    msg = EmailMessage()
    msg["Subject"] = "Documents"
    msg["From"] = "ap@vendor.example"
    msg.set_content("<html><body><p>Hello &amp; welcome</p></body></html>", subtype="html")
    msg.add_attachment(bytes(pdf.output()), maintype="application", subtype="pdf",
                       filename="cn.pdf")
    message = parse_eml(bytes(msg))
    assert "Hello & welcome" in message.body and "<p>" not in message.body
    assert message.attachments[0].name == "cn.pdf"
    assert "CN-7781" in message.attachments[0].text
    assert "CN-7781" in extract(message.full_text()).invoice_numbers


def test_command_line_prints_one_json_line_per_mail(tmp_path):
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"")
    text = tmp_path / "note.txt"
    text.write_text("Please find attached our invoice INV-2026-10001 for 1,200.00 EUR.")
    run = subprocess.run([sys.executable, "-m", "skills.triage", str(HAND / "17-bank-en.eml"),
                          str(text), str(broken)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1, run.stderr  # the broken file is reported, not skipped
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [Path(line["file"]).name for line in lines] == ["17-bank-en.eml", "note.txt",
                                                           "broken.eml"]
    for line in lines[:2]:
        assert set(line) >= {"file", "intent", "confidence", "needs_person", "entities"}
        assert line["intent"] in INTENTS
    assert lines[1]["entities"]["invoice_numbers"] == ["INV-2026-10001"]
    assert lines[2]["error"]["code"] == "UNREADABLE_DOCUMENT"


def test_runtime_path_imports_no_torch_nor_scikit_learn():
    code = ("import sys; from pathlib import Path; from skills.triage import read_message, "
            "triage; triage(read_message(Path(sys.argv[1]))); "
            "print(sorted(m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code, str(HAND / "01-invoice-en.eml")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert run.stdout.strip() == "[]"


def test_a_head_that_differs_from_its_registry_is_refused(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models,
                    ignore=shutil.ignore_patterns("invoice-fields*", "encoder"))
    head = models / "triage-head.onnx"
    head.write_bytes(head.read_bytes() + b"\0")
    with pytest.raises(TriageModelMissing, match="sha256"):
        load_model(models)


def test_held_out_mails_use_only_templates_training_never_saw():
    train = {m.template for m in generate_mails(600, 1, "train")}
    heldout = generate_mails(100, 1, "heldout")
    assert not train & {m.template for m in heldout}
    assert {m.intent for m in heldout} == set(INTENTS)
    assert {m.language for m in heldout} == {"en", "de", "fr", "es", "nl"}
    for mail in heldout:
        assert iban_checksum_ok(mail.facts["iban"].replace(" ", ""))


def _wordings(words) -> set[str]:
    return {w for kind in (words.SUBJECTS, words.CORES, words.DETAILS, words.ATTACHMENTS)
            for languages in kind.values() for options in languages.values() for w in options}


def test_calibration_wording_is_in_neither_training_nor_the_held_out_set():
    from devdata.mails import calibration, phrases

    assert not _wordings(calibration) & _wordings(phrases)
    mails = generate_mails(200, 1, "calibration")
    assert {m.intent for m in mails} == set(INTENTS)
    assert all(m.template.split("/")[2].startswith("c") for m in mails)
    assert not {m.body for m in mails} & {m.body for m in generate_mails(200, 1, "train")}


def test_a_vat_id_is_not_listed_as_an_iban_with_wrong_check_digits():
    found = extract("Lumière Bureautique SA\nVAT FR25870177854\nIBAN FR76 3000 4931 9461 7375 "
                    "0863 166")
    assert found.invalid_ibans == []
