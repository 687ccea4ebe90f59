"""Operators' desk: the stuck list and the audited actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from nara.api.schemas.base import ApiModel, Deadline, ReadModel, Text
from nara.domain.enums import Role

OperatorReason = Annotated[str, Text(500, min_length=5, lines=True)]
"""Why the operator acts (5 to 500 characters): written to the audit log."""


class RetryRequest(ApiModel):
    reason: OperatorReason


class AccountCorrection(ApiModel):
    payee: Literal["prime", "subcontractor"] = Field(
        description="whose account: the contractor's (prime) or the subcontractor's"
    )
    account_no: Annotated[str, Text(40)] = Field(description="an account the bank knows")
    reason: OperatorReason


class OperatorExtension(ApiModel):
    deadline: Deadline = Field(description="the new bid deadline (later than the current)")
    opening_at: Deadline = Field(description="the new opening (at or after the deadline)")
    reason: OperatorReason


class OperatorCancellation(ApiModel):
    reason: OperatorReason


class ActionDone(ReadModel):
    """The action was checked (token, cause), audited under the operator's id and applied."""

    workflow_id: str
    action: str
    person_id: str
    note: str


class StuckCase(ReadModel):
    kind: Literal["waiting", "partner-retrying", "partner-refused", "overdue"]
    workflow_id: str
    workflow_type: str
    notice_no: str | None
    awaiting_role: Role | None
    waiting_since: datetime | None
    partner: str | None
    attempts: int | None
    last_error: str | None
    next_retry: datetime | None
    overdue_since: datetime | None
    amount: int | None
    interest_accrued: int | None
    ui_url: str
    action: str
    command: str | None


class StuckList(ReadModel):
    at: datetime
    cases: list[StuckCase]
    queries: list[str]
    truncated: bool
