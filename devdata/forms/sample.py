"""Write ``people.xlsx``: ten registrations whose column names differ from the form's labels;
and ``challenge.xlsx``: the ten rows of the data-entry challenge (``devdata/forms/challenge.py``).

    python -m devdata.forms.sample
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from devdata.forms import challenge

HERE = Path(__file__).resolve().parent
HEADERS = ["First Name", "last_name", "E-mail", "Country", "Contact preference", "Newsletter",
           "Start date"]
ROWS = [
    ["Ada", "Lovelace", "ada@example.org", "United Kingdom", "Email", "yes", datetime(2027, 1, 15)],
    ["Grace", "Hopper", "grace@example.org", "US", "phone", True, "2027-02-01"],
    ["Émilie", "du Châtelet", "emilie@example.fr", "france", "Post", "no", "03.03.2027"],
    ["Konrad", "Zuse", "konrad@example.de", "Germany", "Email", False, datetime(2027, 4, 1)],
    ["Leonardo", "Torres", "leonardo@example.es", "Spain", "Phone", "x", "2027-05-10"],
    ["Edsger", "Dijkstra", "edsger@example.nl", "NL", "post", "yes", datetime(2027, 6, 1)],
    ["Alan", "Turing", "alan@example.co.uk", "GB", "email", "", "2027-07-07"],
    ["Margaret", "Hamilton", "margaret@example.com", "United States", "Phone", "TRUE",
     "2027-08-20"],
    ["Marie", "Curie", "marie@example.fr", "France", "Email", "yes", datetime(2027, 9, 9)],
    ["Hedy", "Lamarr", "hedy@example.com", "us", "post", "no", "10.10.2027"],
]


def write(path: Path = HERE / "people.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "People"
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    book.properties.created = book.properties.modified = datetime(2026, 1, 1)
    book.save(path)
    return path


def write_challenge(path: Path = HERE / "challenge.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Challenge"
    sheet.append(challenge.HEADERS)
    for row in challenge.ROWS:
        sheet.append(row)
    book.properties.created = book.properties.modified = datetime(2026, 1, 1)
    book.save(path)
    return path


if __name__ == "__main__":
    print(f"wrote {write().name} and {write_challenge().name}")
