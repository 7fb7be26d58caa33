"""Accounts payable's rules for a clerk's approval in the Control Room.

- Four eyes: a changed bank account, or a total above a set amount, needs a second
  person's approval before the bot may post (a one-click payment to a fraudster's
  account is the classic AP loss).
- Overrides: the checks a clerk may explicitly override, with a reason; the consumer still
  runs every check that was not overridden on the approved fields.
- The main action: on an unreadable document or a duplicate the safe default is to
  reject, not to approve.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from skills.errors import ErrorCode

FOUR_EYES_CODES = frozenset({ErrorCode.BANK_ACCOUNT_CHANGED.value})
# Checks the consumer runs on approved fields (skills.validate) that a person may override.
OVERRIDABLE = {
    ErrorCode.BANK_ACCOUNT_CHANGED.value: "I confirmed the new bank account with the vendor",
    ErrorCode.PO_MISMATCH.value: "post it although it does not match the purchase order",
    ErrorCode.LOW_CONFIDENCE.value: "post it although the amounts do not add up",
}
REJECT_FIRST = frozenset({ErrorCode.UNREADABLE_DOCUMENT.value,
                          ErrorCode.DUPLICATE_INVOICE.value})


def second_approval_reason(codes: set[str], total: str | None,
                           amount_limit: Decimal | None) -> str | None:
    """Why this approval needs a second person, or None."""
    if codes & FOUR_EYES_CODES:
        return "the vendor's bank account changed"
    if amount_limit is not None and total:
        try:
            amount = Decimal(total)
        except InvalidOperation:
            return None
        if abs(amount) > amount_limit:
            return f"the total {amount} is above {amount_limit}"
    return None


def main_action(codes: set[str]) -> str:
    """The button a clerk should reach for first: "reject" or "approve"."""
    return "reject" if codes & REJECT_FIRST else "approve"
