"""The weekly figures, in the shape the real system published for its first week."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from nara.api.schemas.base import ApiModel


class CountAndValue(ApiModel):
    count: int
    value: int = Field(description="KRW")


class PaymentsDisbursed(ApiModel):
    count: int
    contract: int = Field(description="KRW paid to contractors")
    subcontract: int = Field(description="KRW paid directly to subcontractors")
    late_interest: int = Field(description="KRW of late-payment interest")
    total: int = Field(description="contract + subcontract, KRW")


class WeeklyReport(ApiModel):
    start: date = Field(description="Monday of the week (KST)")
    end: date = Field(description="the following Monday (exclusive)")
    starts_at: datetime = Field(description="Monday 00:00 KST")
    ends_at: datetime = Field(description="the following Monday 00:00 KST")
    announcements: int = Field(description="tenders announced, re-announcements included")
    re_announcements: int
    openings: int
    failed_tenders: int = Field(description="no bid, a single bid, or no candidate passed")
    cancelled_tenders: int
    awards: CountAndValue
    contracts: CountAndValue = Field(description="contracts signed by both sides")
    payments_disbursed: PaymentsDisbursed
