"""A test form with shuffled fields and random ids, for the spreadsheet form filler."""

from devdata.forms.app import CONTACTS, COUNTRIES, FormApp, create_app
from devdata.forms.server import FormServer

__all__ = ["COUNTRIES", "CONTACTS", "FormApp", "FormServer", "create_app"]
