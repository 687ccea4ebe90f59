"""Payments: the record in PostgreSQL and the live state of its PaymentWorkflow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, Strict

from nara.api.schemas.base import ApiModel, ReadModel, Text
from nara.domain.enums import Role


class InspectionRequest(ApiModel):
    accepted: Annotated[bool, Strict()]
    note: Annotated[str, Text(2000, min_length=0, lines=True)] = ""


class InspectOutcome(ReadModel):
    payment_id: str
    accepted: bool
    due_at: datetime | None


class PaymentView(ReadModel):
    """What the `status` query of PaymentWorkflow answers."""

    payment_id: str
    status: str
    awaiting_role: Role | None
    inspection_due: datetime | None
    due_at: datetime | None
    overdue: bool
    attempts_note: str = ""


class PaymentRead(ReadModel):
    contract_no: str
    seq: int
    kind: str
    amount: int
    subcontract_amount: int
    subcontractor_no: str | None
    claimed_by: str
    claimed_at: datetime
    inspection_due: datetime
    inspected_by: str | None
    inspected_at: datetime | None
    inspection_note: str | None
    due_at: datetime | None
    paid_at: datetime | None
    transfer_ids: list[str]
    late_interest: int
    status: str


class PaymentDetail(ApiModel):
    payment_id: str
    notice_no: str
    record: PaymentRead | None = Field(
        None, description="null for a moment after the claim, until the workflow records it"
    )
    live: PaymentView | None = None
    live_note: str | None = None


class RetryAccepted(ApiModel):
    payment_id: str
    note: str
