"""What officers and winners send to a tender's workflow (as Temporal Updates)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from nara.api.schemas.base import ApiModel, BusinessNo, ReadModel
from nara.api.schemas.tenders import Candidate
from nara.domain.enums import Phase


class ReviewRequest(ApiModel):
    """Qualification review of the current candidate."""

    business_no: BusinessNo = Field(description="the candidate under review (guards staleness)")
    capability_score: Decimal = Field(
        ge=0, le=100, description="experience, finances, ... out of 100 minus the price points"
    )
    note: str = Field("", max_length=2000)


class ScoresRequest(ApiModel):
    """Technical scores of every proposal of a negotiated tender."""

    technical_scores: dict[BusinessNo, Decimal] = Field(
        min_length=1,
        description="business no -> technical points out of the technical weight (80 by "
        "default); every business that bid, and no other",
    )


class AwardRequest(ApiModel):
    business_no: BusinessNo = Field(description="the candidate who passed review")


class PerformanceGuaranteeRequest(ApiModel):
    business_no: BusinessNo = Field(description="the winner")
    certificate_no: str = Field(min_length=1, max_length=40)


class SignRequest(ApiModel):
    business_no: BusinessNo | None = Field(
        None, description="required when a supplier signs for the winner; omitted by officers"
    )


class PaymentClaimRequest(ApiModel):
    business_no: BusinessNo = Field(description="the contractor")
    kind: Literal["advance", "progress", "final"]
    amount: int = Field(gt=0, strict=True, description="whole KRW, subcontract share included")
    subcontract_amount: int = Field(
        0, ge=0, strict=True, description="share paid directly to the subcontractor"
    )
    subcontractor_no: BusinessNo | None = None

    @model_validator(mode="after")
    def _subcontract(self) -> PaymentClaimRequest:
        if self.subcontract_amount > self.amount:
            raise ValueError("subcontract_amount cannot exceed amount")
        if self.subcontract_amount and not self.subcontractor_no:
            raise ValueError("a subcontract_amount needs subcontractor_no")
        return self


# --- what the workflow answers -------------------------------------------------------


class ReviewOutcome(ReadModel):
    business_no: str
    passed: bool
    total: Decimal
    pass_mark: Decimal
    next_candidate: Candidate | None = None
    phase: Phase


class ScoringOutcome(ReadModel):
    ranked: int
    not_eligible: int
    candidate: Candidate | None
    phase: Phase


class AwardOutcome(ReadModel):
    business_no: str
    price: int
    guarantee_due: datetime
    performance_guarantee_min: int


class GuaranteeOutcome(ReadModel):
    certificate_no: str
    amount: int
    contract_no: str


class SignOutcome(ReadModel):
    contract_no: str
    agency_signed: bool
    supplier_signed: bool
    phase: Phase


class ClaimOutcome(ReadModel):
    payment_id: str
    seq: int
    workflow_id: str
