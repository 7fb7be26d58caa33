"""Column-to-label matching and cell conversion for the form filler (no browser)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tasks.form_matching import (
    CellError,
    FormField,
    Option,
    field_value,
    match_columns,
    normalise,
    similarity,
)

FIELDS = [
    FormField(label="First name", kind="text"),
    FormField(label="Last name", kind="text"),
    FormField(label="Email address", kind="email"),
    FormField(label="Country", kind="select", options=(
        Option(value="", text="- choose -"), Option(value="DE", text="Germany"),
        Option(value="GB", text="United Kingdom"))),
    FormField(label="Preferred contact", kind="radio", options=(
        Option(value="email", text="Email"), Option(value="post", text="Post"))),
    FormField(label="Subscribe to newsletter", kind="checkbox"),
    FormField(label="Start date", kind="date"),
]


@pytest.mark.parametrize(("text", "expected"), [
    ("E-mail", "email"), ("last_name", "last name"), ("  Straße: ", "strasse"),
    ("Émilie", "emilie"), ("First-Name", "first name"),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_headers_find_their_labels_whatever_the_spelling() -> None:
    headers = ["E-mail", "first_name", "Last Name", "country", "Contact preference",
               "Newsletter", "Start Date"]
    mapping = match_columns(headers, list(reversed(FIELDS)))
    assert {h: f.label for h, f in mapping.items()} == {
        "E-mail": "Email address", "first_name": "First name", "Last Name": "Last name",
        "country": "Country", "Contact preference": "Preferred contact",
        "Newsletter": "Subscribe to newsletter", "Start Date": "Start date",
    }


def test_other_wordings_of_a_label_match_the_same_column() -> None:
    # The columns keep the challenge's wording; another site says "Surname", "Phone no.".
    fields = [FormField(label=label, kind="text") for label in (
        "First Name", "Surname", "Company Name", "Role in Company", "Address", "E-mail",
        "Phone no.")]
    headers = ["First Name", "Last Name ", "Company Name", "Role in Company", "Address", "Email",
               "Phone Number"]
    mapping = match_columns(headers, fields)
    assert {h: f.label for h, f in mapping.items()} == dict(zip(headers, [
        "First Name", "Surname", "Company Name", "Role in Company", "Address", "E-mail",
        "Phone no."], strict=True))


def test_unrelated_header_matches_nothing() -> None:
    assert match_columns(["Shoe size"], FIELDS) == {}
    assert similarity("E-mail", "First name") < 0.6


def test_each_field_is_used_once() -> None:
    mapping = match_columns(["Name", "First name"], FIELDS)
    assert mapping["First name"].label == "First name"
    assert mapping.get("Name") is None or mapping["Name"].label != "First name"


def test_cell_values_become_field_values() -> None:
    by_label = {f.label: f for f in FIELDS}
    assert field_value(by_label["Country"], "united kingdom") == "GB"
    assert field_value(by_label["Country"], "de") == "DE"
    assert field_value(by_label["Preferred contact"], "POST") == "post"
    assert field_value(by_label["Subscribe to newsletter"], "Yes") is True
    assert field_value(by_label["Subscribe to newsletter"], None) is False
    assert field_value(by_label["Start date"], datetime(2027, 1, 15)) == "2027-01-15"
    assert field_value(by_label["Start date"], "15.01.2027") == "2027-01-15"
    assert field_value(by_label["First name"], 42.0) == "42"
    assert field_value(by_label["First name"], None) == ""


@pytest.mark.parametrize(("label", "cell", "message"), [
    ("Country", "Atlantis", "is not one of Germany, United Kingdom"),
    ("Subscribe to newsletter", "maybe", "neither yes nor no"),
    ("Start date", "next Tuesday", "is not a date"),
])
def test_cells_that_do_not_fit_say_why(label: str, cell: str, message: str) -> None:
    field = next(f for f in FIELDS if f.label == label)
    with pytest.raises(CellError, match=message):
        field_value(field, cell)
