"""What `nara ops stuck` and GET /ops/stuck answer: one list of cases needing a person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from nara.domain.enums import Role
from nara.services.base import ServiceModel


class StuckKind(StrEnum):
    WAITING = "waiting"  # a person's step is past its due time
    PARTNER_RETRYING = "partner-retrying"  # a partner call keeps failing, retried
    PARTNER_REFUSED = "partner-refused"  # a partner refused; an operator fixes and retries
    OVERDUE = "overdue"  # a payment (or its inspection) is late: interest accrues


class StuckCase(ServiceModel):
    """One case, what is wrong, since when, where to look and what to do."""

    kind: StuckKind
    workflow_id: str
    workflow_type: str
    notice_no: str | None = None
    awaiting_role: Role | None = None
    waiting_since: datetime | None = None
    partner: str | None = None
    attempts: int | None = Field(None, description="attempts of the failing partner call")
    last_error: str | None = None
    next_retry: datetime | None = None
    overdue_since: datetime | None = None
    amount: int | None = Field(None, description="the payment, KRW")
    interest_accrued: int | None = Field(None, description="late interest so far, KRW")
    ui_url: str = Field(description="the workflow in the Temporal Web UI")
    action: str = Field(description="the suggested action, in words")
    command: str | None = Field(None, description="the `nara ops` command that does it")


class StuckList(ServiceModel):
    at: datetime
    cases: list[StuckCase]
    queries: list[str] = Field(description="the visibility queries asked (paste into the UI)")
    truncated: bool = Field(False, description="more cases than `limit`: fix these first")
