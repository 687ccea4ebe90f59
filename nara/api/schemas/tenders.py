"""Tenders: the announcement an officer sends, and what everyone reads back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from nara.api.schemas.base import ApiModel, ReadModel
from nara.domain.enums import AgencyKind, Category, Method, PaymentKind, PaymentState, Phase, Role

Krw = Annotated[int, Field(gt=0, strict=True, description="whole KRW")]


class TenderCreate(ApiModel):
    """An announcement. The agency and its kind come from the officer's person record."""

    title: str = Field(min_length=1, max_length=300)
    description: str = Field("", max_length=20_000)
    category: Category
    method: Method = Method.GENERAL
    estimated_price: Krw
    base_amount: Krw | None = Field(
        None, description="base of the reserve prices; defaults to the estimated price"
    )
    deadline: AwareDatetime = Field(description="bid deadline, with a time zone")
    opening_at: AwareDatetime = Field(description="opening time, after the deadline")
    urgent: bool = Field(False, description="urgent tenders have a shorter notice period")
    region: str | None = Field(None, max_length=40)
    agency_code: str | None = Field(
        None, description="optional; when sent it must be the officer's own agency"
    )


class TenderRead(ReadModel):
    notice_no: str
    base_no: str
    round: int
    workflow_id: str
    agency_code: str
    agency_kind: AgencyKind
    officer_id: str
    title: str
    description: str
    category: Category
    method: Method
    region: str | None
    urgent: bool
    estimated_price: int
    base_amount: int
    announced_at: datetime
    deadline: datetime
    opening_at: datetime
    bidding_open: bool
    phase: Phase
    awaiting_role: Role | None
    outcome_note: str | None
    created_at: datetime
    updated_at: datetime


class Candidate(ReadModel):
    rank: int
    business_no: str
    price: int
    bid_rate: Decimal
    bid_guarantee_cert: str | None = None


class PaymentRecord(ReadModel):
    payment_id: str
    seq: int
    kind: PaymentKind
    amount: int
    subcontract_amount: int = 0
    status: PaymentState = PaymentState.CLAIMED


class TenderStatus(ReadModel):
    """What the `status` query answers: the live view of the process."""

    notice_no: str
    phase: Phase
    awaiting_role: Role | None
    deadline: datetime
    opening_at: datetime
    bid_count: int
    predetermined_price: int | None
    candidate: Candidate | None
    contract_no: str | None
    paid_total: int
    contract_amount: int
    payments: list[PaymentRecord]
    next_round_notice_no: str | None
    note: str


class TenderDetail(TenderRead):
    """The database record plus the live process state from the tender's workflow."""

    live: TenderStatus | None = Field(
        None, description="the workflow's `status` query; null when Temporal did not answer"
    )
    live_note: str | None = Field(None, description="why `live` is null")
    next_round: str | None = Field(None, description="notice no of the re-announcement, if any")


class TenderPage(ApiModel):
    items: list[TenderRead]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
    limit: int


class ExtendDeadlineRequest(ApiModel):
    deadline: AwareDatetime
    opening_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _opening_after_deadline(self) -> ExtendDeadlineRequest:
        if self.opening_at <= self.deadline:
            raise ValueError("opening_at must come after deadline")
        return self


class CancelRequest(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class ScheduleChange(ReadModel):
    notice_no: str
    deadline: datetime
    opening_at: datetime
    note: str


class CancelAccepted(ReadModel):
    notice_no: str
    note: str
