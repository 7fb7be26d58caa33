"""What an invoice work item carries, from the producer to the reporter.

One model for every party that reads or writes it: the producer fills
``source`` and ``document``; the consumer adds ``extracted``, ``findings`` and
``erp`` (so the AP clerk sees why the bot stopped and the ERP context it saw)
and, once posted, ``posting``; the Control Room adds ``review`` when a clerk
approves corrected fields, and the consumer then posts those fields without
reading the document again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

# Header fields the extractor returns, in the order people read them.
HEADER_FIELDS = (
    "vendor_name", "vendor_vat", "vendor_iban", "invoice_number", "invoice_date", "due_date",
    "po_number", "currency", "net_amount", "tax_amount", "tax_rate", "total",
)
# Without these, nothing can be posted: each must pass the auto-accept threshold.
REQUIRED_FIELDS = ("vendor_name", "invoice_number", "invoice_date", "currency", "total")


class Source(BaseModel):
    kind: Literal["folder", "imap", "portal", "manual"]
    name: str = Field(description="folder path, mailbox and message id, or portal invoice id")
    received_at: datetime | None = None


class DocumentRef(BaseModel):
    filename: str  # the name of the file attached to the work item
    sha256: str
    media_type: str = ""
    size: int = 0


class FieldValue(BaseModel):
    value: str | None = None  # normalised: ISO date, "1234.56", ISO currency, IBAN without spaces
    confidence: float = Field(0.0, ge=0, le=1)
    page: int | None = None  # 1-based
    box: list[float] | None = None  # x0, y0, x1, y1 in PDF points from the top-left
    method: str | None = None  # xml, text, ocr, or human
    raw: str | None = None  # the text as printed
    layout: str | None = None  # the learned vendor layout that read or confirmed it


class LineItem(BaseModel):
    description: str = ""
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None


class Extracted(BaseModel):
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    lines: list[LineItem] = Field(default_factory=list)
    model: str = ""  # name and version of the scoring model
    threshold: float = 1.0  # the auto-accept threshold in force


class Finding(BaseModel):
    """One reason the bot stopped, in words the clerk understands."""

    code: str  # an ErrorCode value
    message: str
    field: str | None = None


class ErpContext(BaseModel):
    """What the bot saw in the ERP, kept so the clerk sees it without logging in there."""

    vendor: dict | None = None
    purchase_order: dict | None = None
    receipts: list[dict] = Field(default_factory=list)


class Approval(BaseModel):
    by: str
    at: datetime


class Review(BaseModel):
    """A person's decision in the Control Room."""

    action: Literal["approve", "reject", "retry", "done"]
    fields: dict[str, str | None] = Field(default_factory=dict)  # human-validated values
    lines: list[LineItem] | None = None
    by: str
    at: datetime
    reason: str = ""
    # Who approved, in order: two different people when four eyes are needed.
    approvals: list[Approval] = Field(default_factory=list)
    # Checks the clerk explicitly overrode, by code, with their reason; the consumer still
    # runs every other check on the approved fields.
    overrides: dict[str, str] = Field(default_factory=dict)


class Posting(BaseModel):
    document_number: str
    posted_at: datetime
    vendor_id: str | None = None
    straight_through: bool = True  # False when a person validated the fields
    # True when settled from the ERP's records (the bot's own submit reached the ERP but
    # its answer was lost to a crash or an outage); posted_at is then when it was settled.
    reconciled: bool = False


class PostingTarget(BaseModel):
    """What the ERP knows a posting by: the vendor and the vendor's invoice number."""

    vendor_id: str
    invoice_number: str


class InvoicePayload(BaseModel):
    reference: str  # the document's sha256: the same invoice arriving twice is one item
    source: Source
    document: DocumentRef
    extracted: Extracted | None = None
    findings: list[Finding] = Field(default_factory=list)
    erp: ErpContext | None = None
    review: Review | None = None
    # A first approval that waits for a second person (four eyes); the item stays FAILED.
    pending_approval: Review | None = None
    # Set (and saved) just before the bot submits to the ERP: on a retry after a crash, an
    # invoice the ERP already has is then known to be this item's own posting, not a duplicate.
    posting_started: datetime | None = None
    posting_target: PostingTarget | None = None  # saved with posting_started
    posting: Posting | None = None
    # The learned layout this item's approved fields taught (skills.layouts): a retried
    # attempt does not teach it twice.
    layout_taught: str | None = None
    # The mail that brought it, as triage saw it: intent, confidence and the message's
    # sha256 (None for documents from the folder or the portal).
    mail_intent: str | None = None
    mail_confidence: float | None = None
    mail_reference: str | None = None


# -- mails to the AP mailbox that are not (only) an invoice: the triage step's items --------

MailRoute = Literal["invoice", "credit_note", "reminder", "remittance", "bank_change",
                    "vendor_update", "question", "not_invoice", "spam", "other", "unsure"]


class MailAttachment(BaseModel):
    name: str  # as the sender named it
    file: str | None = None  # the item's file holding it (documents only: PDF, image, XML)
    media_type: str = ""
    sha256: str = ""
    size: int = 0


class MailTriage(BaseModel):
    """What the triage model said of the mail (skills.triage)."""

    intent: str
    confidence: float
    needs_person: bool  # below the model's calibrated threshold
    model_version: str = ""
    threshold: float = 0.0
    ranked: list[tuple[str, float]] = Field(default_factory=list)  # likeliest intents first
    entities: dict = Field(default_factory=dict)  # skills.triage.Entities, as JSON
    text: str = ""  # what the model read (subject, body, first page of each attachment)


class RouteDecision(BaseModel):
    """A person's choice of where a mail goes (a labelled example for retraining)."""

    intent: str
    by: str
    at: datetime


class CallBack(BaseModel):
    """A person's call-back to verify a bank-details change, for the audit log."""

    outcome: Literal["confirmed", "denied"]
    phone: str  # the number called: the vendor master's, never one from the mail
    spoke_to: str
    note: str
    by: str
    at: datetime


class MailPayload(BaseModel):
    kind: Literal["mail"] = "mail"
    reference: str  # the message's sha256: the same mail read twice is one item
    source: Source
    message: DocumentRef  # the message as sent (.eml), attached to the item
    subject: str = ""
    sender: str = ""
    body: str = ""
    attachments: list[MailAttachment] = Field(default_factory=list)
    triage: MailTriage
    decision: RouteDecision | None = None
    route: MailRoute | None = None  # where the triage step sent it
    findings: list[Finding] = Field(default_factory=list)
    lookup: list[str] = Field(default_factory=list)  # what the bot found in the ERP and store
    reply: str | None = None  # a suggested answer to the sender
    hold: str | None = None  # the vendor id this mail put on hold
    callback: CallBack | None = None
    invoices: list[str] = Field(default_factory=list)  # references of the documents sent on

    def wanted_route(self) -> str:
        """A person's choice, else the model's intent when it is sure, else ``unsure``."""
        if self.decision is not None:
            return self.decision.intent
        return "unsure" if self.triage.needs_person else self.triage.intent


def is_mail(payload: object) -> bool:
    return isinstance(payload, dict) and payload.get("kind") == "mail"
