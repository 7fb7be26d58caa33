"""Clerks' labelled examples: a person's intent for a mail the model was unsure of, kept
as ``triage-example`` records in the work-item store, read back for retraining."""

from __future__ import annotations

from dataclasses import dataclass

from devdata.mails import INTENTS

EXAMPLE_KIND = "triage-example"


@dataclass(frozen=True)
class LabelledExamples:
    texts: list[str]
    intents: list[str]
    skipped: int  # records without text or with an intent the model does not know


def labelled_examples(store) -> LabelledExamples:
    """Every usable example in ``store`` (a :class:`workitems.Store`), oldest first so
    a rerun trains on the same order."""
    texts, intents, skipped = [], [], 0
    for record in sorted(store.records(EXAMPLE_KIND), key=lambda r: (r.updated_at, r.key)):
        data = record.data if isinstance(record.data, dict) else {}
        text, intent = data.get("text"), data.get("intent")
        if not isinstance(text, str) or not text.strip() or intent not in INTENTS:
            skipped += 1
            continue
        texts.append(text)
        intents.append(intent)
    return LabelledExamples(texts, intents, skipped)


def examples_from_url(url: str) -> LabelledExamples:
    from workitems import open_store  # noqa: PLC0415 - only when training with examples

    with open_store(url) as store:
        return labelled_examples(store)
