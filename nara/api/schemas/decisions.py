"""What officers and winners send to a tender's workflow (as Temporal Updates)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from nara.api.schemas.base import (
    BUSINESS_NO_SCHEMA,
    SCORE_SCHEMA,
    ApiModel,
    BusinessNo,
    Money,
    MoneyOrZero,
    ReadModel,
    Score,
    Text,
    refuse,
)
from nara.api.schemas.bids import CertificateNo
from nara.api.schemas.tenders import Candidate
from nara.domain.enums import Phase

Note = Annotated[str, Text(2000, min_length=0, lines=True)]
MAX_PROPOSALS = 10_000
"""Technical scores in one request: more than any tender's bidders (3,000 in the largest)."""


class ReviewRequest(ApiModel):
    """Qualification review of the current candidate."""

    business_no: BusinessNo = Field(description="the candidate under review (guards staleness)")
    capability_score: Score = Field(
        description="experience, finances, ... out of 100 minus the price points (the rule "
        "table's capability points, rule score), 0 to 100, kept to 4 decimals"
    )
    note: Note = ""


class ScoresRequest(ApiModel):
    """Technical scores of every proposal of a negotiated tender."""

    technical_scores: Annotated[
        dict[BusinessNo, Score],
        WithJsonSchema(
            {
                "type": "object",
                "propertyNames": BUSINESS_NO_SCHEMA,
                "additionalProperties": SCORE_SCHEMA,
                "minProperties": 1,
                "maxProperties": MAX_PROPOSALS,
            }
        ),
    ] = Field(
        min_length=1,
        max_length=MAX_PROPOSALS,
        description="business no -> technical points out of the technical weight (80 by "
        "default; rule score), 0 to 100 kept to 4 decimals; every business that bid, and "
        "no other (rule one-score-per-proposal)",
    )


class NonPricePoints(ApiModel):
    capability: Score = Field(description="performance-capability points (0 to 100)")
    social: Score = Field(
        default=Decimal(0), description="social-responsibility points (0 to 100; national law)"
    )


class ComprehensiveScoresRequest(ApiModel):
    """Non-price points of every bid of a works tender of 30 bn or more."""

    scores: Annotated[
        dict[BusinessNo, NonPricePoints],
        WithJsonSchema(
            {
                "type": "object",
                "propertyNames": BUSINESS_NO_SCHEMA,
                "additionalProperties": {
                    "type": "object",
                    "properties": {"capability": SCORE_SCHEMA, "social": SCORE_SCHEMA},
                    "required": ["capability"],
                    "additionalProperties": False,
                },
                "minProperties": 1,
                "maxProperties": MAX_PROPOSALS,
            }
        ),
    ] = Field(
        min_length=1,
        max_length=MAX_PROPOSALS,
        description="business no -> its non-price points; every business whose bid counts, "
        "and no other; the price score is computed against the balanced price of the bids",
    )


class AwardRequest(ApiModel):
    business_no: BusinessNo = Field(description="the candidate who passed review")


class PerformanceGuaranteeRequest(ApiModel):
    business_no: BusinessNo = Field(description="the winner")
    certificate_no: CertificateNo


class SignRequest(ApiModel):
    business_no: BusinessNo | None = Field(
        None,
        description="required when a supplier signs for the winner (rule "
        "supplier-signs-for-business); omitted by officers",
    )


class PaymentClaimRequest(ApiModel):
    """A claim; a share paid directly to a subcontractor names the subcontractor."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"properties": {"subcontract_amount": {"maximum": 0}}},
                {
                    "properties": {
                        "subcontract_amount": {"minimum": 1},
                        "subcontractor_no": {"type": "string"},
                    },
                    "required": ["subcontract_amount", "subcontractor_no"],
                },
            ]
        }
    )

    business_no: BusinessNo = Field(description="the contractor")
    kind: Literal["advance", "progress", "final"]
    amount: Money = Field(description="whole KRW, subcontract share included")
    subcontract_amount: MoneyOrZero = Field(
        0,
        description="share paid directly to the subcontractor, at most `amount` (rule "
        "subcontract-share); when above 0, `subcontractor_no` is required",
    )
    subcontractor_no: BusinessNo | None = Field(
        None, validate_default=True, description="required when subcontract_amount is above 0"
    )

    @field_validator("subcontract_amount")
    @classmethod
    def _share(cls, share: int, info: ValidationInfo) -> int:
        amount = info.data.get("amount")
        if amount is not None and share > amount:
            raise refuse(
                "subcontract_share",
                f"subcontract_amount {share:,} cannot exceed amount {amount:,}",
                f"a whole number of KRW from 0 to the amount {amount:,}",
                "subcontract-share",
            )
        return share

    @field_validator("subcontractor_no")
    @classmethod
    def _named(cls, subcontractor: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("subcontract_amount") and subcontractor is None:
            raise refuse(
                "missing",
                "a subcontract_amount needs subcontractor_no",
                "the subcontractor's business registration number",
            )
        return subcontractor


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


class ComprehensiveOutcomeRead(ReadModel):
    balanced_price: int = Field(description="the balanced price of the bids, KRW")
    ranked: int
    not_ranked: int = Field(description="bids above the predetermined price")
    candidate: Candidate | None
    phase: Phase
    confirmed: bool = Field(description="false: the table is not yet confirmed against its source")


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
