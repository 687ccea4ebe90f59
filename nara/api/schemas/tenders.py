"""Tenders: the announcement an officer sends, and what everyone reads back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, Strict, ValidationInfo, field_validator

from nara.api.schemas.base import (
    HORIZON,
    MAX_KRW,
    AgencyCode,
    ApiModel,
    Deadline,
    Money,
    MoneyOrZero,
    ReadModel,
    Text,
    refuse,
)
from nara.domain.enums import AgencyKind, Category, Method, PaymentKind, PaymentState, Phase, Role
from nara.domain.signals import Trace

Reason = Annotated[str, Text(500, lines=True)]
_AHEAD = f"at most {HORIZON.days} days ahead (rule deadline-horizon)"


AValueItem = Literal[
    "national_pension",
    "health_insurance",
    "retirement_mutual_aid",
    "long_term_care",
    "occupational_safety",
    "safety_management",
    "quality_management",
]
"""The items of the A value (A값), as `nara.domain.a_value.A_VALUE_ITEMS` lists them."""


class TenderCreate(ApiModel):
    """An announcement. The agency and its kind come from the officer's person record."""

    title: Annotated[str, Text(300)]
    description: Annotated[str, Text(20_000, min_length=0, lines=True)] = ""
    category: Category
    method: Method = Method.GENERAL
    estimated_price: Money = Field(
        description=f"whole KRW from 1 to {MAX_KRW:,}; the rule tables decide which prices "
        "a category and method allow (rules lower-limit-rate, reserve-base-amount)"
    )
    base_amount: Money | None = Field(
        None,
        description=f"base of the reserve prices, whole KRW from 1 to {MAX_KRW:,}; defaults "
        "to the estimated price; large enough to split into 15 bands (rule "
        "reserve-base-amount)",
    )
    deadline: Deadline = Field(
        description=f"bid deadline, with a time zone, {_AHEAD}, after the notice period "
        "(rules notice-period, deadline-on-the-hour, deadline-hour-capacity)"
    )
    opening_at: Deadline = Field(
        description=f"opening time, after the deadline (rule opening-after-deadline), {_AHEAD}"
    )
    urgent: Annotated[bool, Strict()] = Field(
        False, description="urgent tenders have a shorter notice period"
    )
    region: Annotated[str, Text(40)] | None = None
    agency_code: AgencyCode | None = Field(
        None, description="optional; when sent it must be the officer's own agency"
    )
    a_value_items: Annotated[dict[AValueItem, MoneyOrZero], Field(max_length=7)] = Field(
        default_factory=dict,
        description="construction only, optional: the A-value items (statutory costs every "
        "bidder bears) in whole KRW; their sum stays below the lowest predetermined price "
        "(rules a-value-items, a-value); none means an A value of 0",
    )
    sme_competitive: Annotated[bool, Strict()] = Field(
        False,
        description="goods bought in competition among SMEs only (중소기업자간 경쟁제품): "
        "their own lower-limit rate",
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
    contract_law: str = Field(
        description="the law the tender runs under, from the kind of its agency: national "
        "agencies and PPS under the State Contracts Act, local governments under the Local "
        "Contracts Act; its rule tables apply"
    )
    a_value_items: dict[str, int] = Field(
        default_factory=dict, description="the announcement's A-value items (KRW)"
    )
    sme_competitive: bool = False


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
    progress_n: int = Field(0, description="how many progress reports the tender has seen")
    progress: str = Field("", description="the payment's live status, e.g. `bank refused: ...`")
    awaiting_role: Role | None = Field(None, description="who the payment waits for")
    stuck_reason: str | None = Field(None, description="why it needs a person (StuckReason)")
    partner: str | None = Field(None, description="the partner concerned, e.g. `bank`")
    overdue: bool = False
    legs_paid: list[str] = Field(
        default_factory=list, description="legs already paid while another is refused"
    )


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
    deadline: Deadline = Field(
        description=f"the new deadline: later than the current one (rule extension-later), "
        f"{_AHEAD}, after the notice period (rule notice-period)"
    )
    opening_at: Deadline = Field(
        description=f"the new opening, after the new deadline (rule opening-after-deadline), "
        f"{_AHEAD}"
    )
    reason: Reason

    @field_validator("opening_at")
    @classmethod
    def _opening_after_deadline(cls, opening_at: datetime, info: ValidationInfo) -> datetime:
        deadline = info.data.get("deadline")
        if deadline is not None and opening_at <= deadline:
            raise refuse(
                "opening_after_deadline",
                "opening_at must come after deadline",
                f"a time after the deadline {deadline.isoformat()}",
                "opening-after-deadline",
            )
        return opening_at


class CancelRequest(ApiModel):
    reason: Reason


class ScheduleChange(ReadModel):
    notice_no: str
    deadline: datetime
    opening_at: datetime
    note: str


class CancelAccepted(ReadModel):
    notice_no: str
    note: str


class SignalRead(ReadModel):
    """Competing businesses whose bids shared one value of one trace."""

    trace: Trace = Field(
        description="what they shared: `agent` (who sent the bids), `passkey` (the "
        "credential that confirmed them), `certificate` (its SHA-256 fingerprint) or "
        "`address` (the client network address)"
    )
    value: str
    business_nos: list[str] = Field(description="the businesses, two or more")
    text: str


class SignalsRead(ReadModel):
    """The signs of lent certificates the opening found."""

    notice_no: str
    opened_at: datetime | None = Field(description="null: not opened yet, nothing compared")
    signals: list[SignalRead]
    note: str


class OpenedBidRead(ReadModel):
    business_no: str
    price: int | None = Field(description="null for a bid that did not open")
    bid_rate: Decimal | None
    rank: int | None
    status: str = Field(description="candidate, below_limit, opened, not_eligible or invalid")
    invalid_reason: str | None = Field(description="why an invalid bid did not count")
    submitted_at: datetime


class OpeningRead(ReadModel):
    """The opening (개찰결과), public once the bids are opened."""

    notice_no: str
    opened_at: datetime
    bid_count: int = Field(description="bids that opened and count")
    invalid_count: int
    reserve_prices: list[int]
    most_picked: list[int]
    predetermined_price: int | None
    lower_limit_rate: Decimal | None
    reserve_commitment: str | None = Field(description="published at the announcement")
    reserve_secret: str | None = Field(
        description="hex; SHA-256('nara-reserve-commitment/1|<notice_no>|' + secret) equals "
        "the commitment, and the reserve prices are drawn from it (docs/sealed-bids.md)"
    )
    bids: list[OpenedBidRead]
