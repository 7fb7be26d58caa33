"""Header fields and line items of an invoice, each with a calibrated confidence.

    from skills.extract import extract
    result = extract(doc)               # doc: skills.schema.Document
    result.fields["total"].value        # "1234.56"
    result.below_threshold()            # fields a person must check

One module per step:

- ``labels``: field labels on a page, in six languages ("Rechnungsnummer", "N° TVA")
- ``candidates``: every possible value of every field, with the features the model reads
- ``lines``: line items from the table under its header row
- ``model``: the trained scorer (ONNX) and its registry entry
- ``extraction``: the decision per field, calibration, and the public result types
- ``checks``: what a value must also pass to be auto-accepted (amounts add up, labels known)
- ``suggestions``: likely values for fields not read, for a person to confirm
"""

from typing import TYPE_CHECKING

__all__ = [
    "EXCLUSIVE", "INFERRED_CONFIDENCE", "LEGAL_FORMS", "REQUIRED_FIELDS", "Decision",
    "Extraction", "Field", "LineItem", "decide", "decision_method", "document_candidates",
    "document_method",
    "extract", "feature_matrix", "name_words", "values_match",
]

if TYPE_CHECKING:
    from skills.extract.extraction import (
        EXCLUSIVE,
        INFERRED_CONFIDENCE,
        LEGAL_FORMS,
        REQUIRED_FIELDS,
        Decision,
        Extraction,
        Field,
        LineItem,
        decide,
        decision_method,
        document_candidates,
        document_method,
        extract,
        feature_matrix,
        name_words,
        values_match,
    )


def __getattr__(name: str) -> object:
    """The public names, imported on first use: modules that only need the labels
    (skills.doctype, skills.party_roles) can import ``skills.extract.labels`` without
    loading the whole extraction, which imports them in turn."""
    if name in __all__:
        from skills.extract import extraction

        return getattr(extraction, name)
    raise AttributeError(f"module 'skills.extract' has no attribute {name!r}")
