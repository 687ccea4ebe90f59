"""The project's custom search attributes: the keys workflows set and operators filter by.

Registered at start-up (`nara temporal setup`, the dev server's `--search-attribute`
flags, the worker's check), never holding personal data.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

TENDER_PHASE = SearchAttributeKey.for_keyword("TenderPhase")
AGENCY_CODE = SearchAttributeKey.for_keyword("AgencyCode")
NOTICE_NO = SearchAttributeKey.for_keyword("NoticeNo")
BID_DEADLINE = SearchAttributeKey.for_datetime("BidDeadline")
ESTIMATED_PRICE = SearchAttributeKey.for_int("EstimatedPrice")
AWAITING_ROLE = SearchAttributeKey.for_keyword("AwaitingRole")
PAYMENT_OVERDUE = SearchAttributeKey.for_bool("PaymentOverdue")

SEARCH_ATTRIBUTES = (
    TENDER_PHASE,
    AGENCY_CODE,
    NOTICE_NO,
    BID_DEADLINE,
    ESTIMATED_PRICE,
    AWAITING_ROLE,
    PAYMENT_OVERDUE,
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
