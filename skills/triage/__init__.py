"""Inbox triage: what an AP mail is about (intent), and the facts a clerk needs from it.

    from skills.triage import read_message, triage
    result = triage(read_message(path), vendors)

``python -m skills.triage PATH...`` prints one JSON line per mail.
"""

from skills.triage.classify import Triage, triage
from skills.triage.entities import Entities, extract
from skills.triage.message import Message, parse_eml, read_message

__all__ = ["Entities", "Message", "Triage", "extract", "parse_eml", "read_message", "triage"]
