"""The project's custom search attributes: the keys workflows set and operators filter by.

Registered at start-up (`nara temporal setup`, the dev server's `--search-attribute`
flags, the worker's check), never holding personal data.

`AwaitingRole` names who a workflow waits for, one of:

- `officer`: the contracting officer (review, award, scores, the agency's signature);
- `inspector`: the agency's inspector (accept or reject delivered work);
- `supplier`: the winner (performance guarantee and signature, or a payment claim);
- `operator`: an operator (a partner refused a call: fix the cause, then retry);
- unset: nobody; the workflow waits for a timer or a partner.

`AwaitingSince` is when the current wait began (for a person, or for nobody: never unset,
so a query may always compare it). `StuckReason` says why a workflow needs a person
beyond its normal course (`StuckReason` values below); `Partner` names the partner
concerned (`bank`, `guarantee-agency`). `PaymentOverdue` is false from the start and
true once an inspection or a payment is late.
"""

from __future__ import annotations

from enum import StrEnum

from temporalio.common import SearchAttributeKey

TENDER_PHASE = SearchAttributeKey.for_keyword("TenderPhase")
AGENCY_CODE = SearchAttributeKey.for_keyword("AgencyCode")
NOTICE_NO = SearchAttributeKey.for_keyword("NoticeNo")
BID_DEADLINE = SearchAttributeKey.for_datetime("BidDeadline")
ESTIMATED_PRICE = SearchAttributeKey.for_int("EstimatedPrice")
AWAITING_ROLE = SearchAttributeKey.for_keyword("AwaitingRole")
PAYMENT_OVERDUE = SearchAttributeKey.for_bool("PaymentOverdue")
AWAITING_SINCE = SearchAttributeKey.for_datetime("AwaitingSince")
STUCK_REASON = SearchAttributeKey.for_keyword("StuckReason")
PARTNER = SearchAttributeKey.for_keyword("Partner")


class StuckReason(StrEnum):
    """The values of `StuckReason`."""

    PARTNER_RETRYING = "partner-retrying"
    """A partner call keeps failing (time-outs, 5xx) and is being retried with backoff."""
    PARTNER_REFUSED = "partner-refused"
    """A partner refused for a business reason; an operator fixes the cause and retries."""
    PAYMENT_WAITING = "payment-waiting"
    """On a tender: one of its payments is stuck (the payment workflow says why)."""


SEARCH_ATTRIBUTES = (
    TENDER_PHASE,
    AGENCY_CODE,
    NOTICE_NO,
    BID_DEADLINE,
    ESTIMATED_PRICE,
    AWAITING_ROLE,
    PAYMENT_OVERDUE,
    AWAITING_SINCE,
    STUCK_REASON,
    PARTNER,
)

# Names and CLI type words, for `temporal server start-dev --search-attribute`.
_CLI_TYPE = {
    "KEYWORD": "Keyword",
    "DATETIME": "Datetime",
    "INT": "Int",
    "BOOL": "Bool",
    "TEXT": "Text",
    "FLOAT": "Double",
}


def search_attribute_cli_args() -> list[str]:
    """`--search-attribute Name=Type` pairs for the dev server."""
    args: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type.name]}"]
    return args
