"""The project's one error vocabulary.

Every failure a bot reports carries a code from :class:`ErrorCode`. BUSINESS
codes mean "a person must look at this document" and are never retried;
APPLICATION codes mean "something technical went wrong" and the worker retries
them with backoff (see ``workitems.retry``).

The exceptions are robocorp's own ``BusinessException`` / ``ApplicationException``
so that ``for item in workitems.inputs: with item: ...`` releases them with the
right type, code and message, whichever adapter runs the bot.
"""

from __future__ import annotations

from enum import StrEnum

from robocorp.workitems import ApplicationException, BusinessException


class ErrorCode(StrEnum):
    # BUSINESS: the item goes to the AP exception queue with the reason.
    LOW_CONFIDENCE = "LOW_CONFIDENCE"  # a required field is below the auto-accept threshold
    UNKNOWN_VENDOR = "UNKNOWN_VENDOR"  # no vendor master entry matches name or tax id
    PO_MISMATCH = "PO_MISMATCH"  # purchase order closed, unknown, or amounts out of tolerance
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE"  # this vendor's invoice number is already posted
    BANK_ACCOUNT_CHANGED = "BANK_ACCOUNT_CHANGED"  # IBAN differs from the vendor master
    UNREADABLE_DOCUMENT = "UNREADABLE_DOCUMENT"  # corrupt, encrypted, empty, bomb, unknown type
    INVALID_PAYLOAD = "INVALID_PAYLOAD"  # the work item's payload or files are malformed
    REJECTED = "REJECTED"  # a person rejected the invoice in the exception queue
    CREDIT_NOTE = "CREDIT_NOTE"  # a credit note: a person posts it as a credit memo
    # Mails to the AP mailbox that are no invoice (inbox triage), and what they block.
    BANK_DETAILS_CHANGE = "BANK_DETAILS_CHANGE"  # a vendor asks to change its bank details
    VENDOR_ON_HOLD = "VENDOR_ON_HOLD"  # the vendor's bank change waits for a call-back
    PAYMENT_REMINDER = "PAYMENT_REMINDER"  # a vendor reminds us to pay; the bot looked it up
    INBOX_MAIL = "INBOX_MAIL"  # a mail for a clerk to answer or file (reply suggested)
    INTENT_UNSURE = "INTENT_UNSURE"  # the triage model is not sure what the mail is about
    # APPLICATION: retried with backoff, then failed for a person to retry.
    ERP_UNAVAILABLE = "ERP_UNAVAILABLE"  # the ERP answered 5xx, timed out or refused
    SESSION_EXPIRED = "SESSION_EXPIRED"  # the ERP logged the bot out mid-entry
    LOCATOR_NOT_FOUND = "LOCATOR_NOT_FOUND"  # no locator (nor its fallbacks) found the element
    LEASE_EXPIRED = "LEASE_EXPIRED"  # a worker died holding the item too many times
    POSTING_UNCONFIRMED = "POSTING_UNCONFIRMED"  # posting may have reached an ERP that did
    # not answer whether it has it; `python -m tasks.reconcile` settles it later
    SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"  # no document source (folder, mailbox, portal)
    UNEXPECTED_ERROR = "UNEXPECTED_ERROR"  # a bug or an unforeseen failure; see log.html

    @property
    def is_business(self) -> bool:
        return self in _BUSINESS

    @property
    def explanation(self) -> str:
        """What the code means, in words an AP clerk understands."""
        return _EXPLANATIONS[self]


_BUSINESS = frozenset(
    {
        ErrorCode.LOW_CONFIDENCE,
        ErrorCode.UNKNOWN_VENDOR,
        ErrorCode.PO_MISMATCH,
        ErrorCode.DUPLICATE_INVOICE,
        ErrorCode.BANK_ACCOUNT_CHANGED,
        ErrorCode.UNREADABLE_DOCUMENT,
        ErrorCode.INVALID_PAYLOAD,
        ErrorCode.REJECTED,
        ErrorCode.CREDIT_NOTE,
        ErrorCode.BANK_DETAILS_CHANGE,
        ErrorCode.VENDOR_ON_HOLD,
        ErrorCode.PAYMENT_REMINDER,
        ErrorCode.INBOX_MAIL,
        ErrorCode.INTENT_UNSURE,
    }
)

_EXPLANATIONS: dict[ErrorCode, str] = {
    ErrorCode.LOW_CONFIDENCE: "The bot could not read some fields with enough certainty.",
    ErrorCode.UNKNOWN_VENDOR: "No vendor in the vendor master matches this invoice.",
    ErrorCode.PO_MISMATCH: "The invoice does not match its purchase order or goods receipts.",
    ErrorCode.DUPLICATE_INVOICE: "This invoice number is already posted for this vendor.",
    ErrorCode.BANK_ACCOUNT_CHANGED: "The bank account differs from the vendor master.",
    ErrorCode.UNREADABLE_DOCUMENT: "The file could not be read as an invoice.",
    ErrorCode.INVALID_PAYLOAD: "The work item's data is malformed.",
    ErrorCode.REJECTED: "A person rejected this invoice.",
    ErrorCode.CREDIT_NOTE: ("This is a credit note: post it as a credit memo in the ERP, then "
                            "mark the item done."),
    ErrorCode.BANK_DETAILS_CHANGE: (
        "A vendor asks to change its bank details. Call the vendor back on the number in the "
        "vendor master (never one from the mail), then record the call: until then nothing "
        "of this vendor is posted automatically."),
    ErrorCode.VENDOR_ON_HOLD: (
        "The vendor is on hold: a request to change its bank details waits for a call-back. "
        "This invoice goes back to the bot once a person has verified the change."),
    ErrorCode.PAYMENT_REMINDER: ("A vendor reminds us of a payment: the bot looked the invoice "
                                 "up; answer the vendor with what it found."),
    ErrorCode.INBOX_MAIL: ("A mail for AP staff, not an invoice: answer it (a reply is "
                           "suggested) or file it, then mark it done."),
    ErrorCode.INTENT_UNSURE: ("The bot is not sure what this mail is about: choose where it "
                              "goes (keys 1-0)."),
    ErrorCode.ERP_UNAVAILABLE: "The ERP did not answer; the bot will try again.",
    ErrorCode.SESSION_EXPIRED: "The ERP session expired during entry; the bot will try again.",
    ErrorCode.LOCATOR_NOT_FOUND: "A screen element was not found; the ERP screen may have changed.",
    ErrorCode.LEASE_EXPIRED: "Workers stopped while holding this item too many times.",
    ErrorCode.POSTING_UNCONFIRMED: ("The invoice may already be in the ERP, which could not "
                                    "confirm it; reconciliation settles it when the ERP answers."),
    ErrorCode.SOURCE_UNAVAILABLE: "No document source could be reached; the bot will try again.",
    ErrorCode.UNEXPECTED_ERROR: "The bot met an unexpected error; a developer should look.",
}


def business_error(code: ErrorCode, message: str) -> BusinessException:
    """A non-retryable failure that goes to the exception queue."""
    assert code.is_business, f"{code} is an APPLICATION code"
    return BusinessException(message, code=code.value)


def application_error(code: ErrorCode, message: str) -> ApplicationException:
    """A technical failure that the worker retries with backoff."""
    assert not code.is_business, f"{code} is a BUSINESS code"
    return ApplicationException(message, code=code.value)


class UnreadableDocument(BusinessException):
    """The document cannot be read: corrupt, encrypted, empty, too large, unknown type."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.UNREADABLE_DOCUMENT.value)
