"""TenderWorkflow's contract: its input, state, result, query answer, signals and Updates.

One pydantic model per input and result, so fields can be added later without
breaking running workflows (new fields get defaults).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import AwareDatetime, Field

from nara.contracts.base import Model
from nara.contracts.ops import PersonToken
from nara.domain.calendar import SEOUL
from nara.domain.enums import (
    AgencyKind,
    AwardMethod,
    Category,
    Method,
    PaymentKind,
    PaymentState,
    Phase,
    Role,
)
from nara.domain.ranking import award_method

# --- tender workflow ---------------------------------------------------------


class TenderTerms(Model):
    """What an officer announced: fixed for the life of one round."""

    notice_no: str
    agency_code: str
    agency_kind: AgencyKind
    officer_id: str
    title: str
    category: Category
    method: Method
    estimated_price: int = Field(gt=0)
    base_amount: int = Field(gt=0)
    announced_at: AwareDatetime
    deadline: AwareDatetime
    opening_at: AwareDatetime
    region: str | None = None
    description: str = ""
    failed_rounds: int = 0
    # Annual late-payment interest in force when the tender was announced (basis points).
    late_interest_rate_bp: int = Field(1200, ge=0)
    # The announcement's A-value items (construction; nara.domain.a_value), KRW by item.
    a_value_items: dict[str, int] = Field(default_factory=dict)
    # 중소기업자간 경쟁제품: goods bought in competition among SMEs only.
    sme_competitive: bool = False
    # NARA_TIME_SCALE at the announcement (rehearsals only; 1 in production): the
    # tender's payments pass their periods this many times faster (PaymentInput).
    time_scale: int = Field(1, ge=1)

    @property
    def a_value(self) -> int:
        """The A value: the sum of the items, 0 when the announcement gave none."""
        return sum(self.a_value_items.values())

    @property
    def announced_on(self) -> date:
        """The Seoul date of the announcement: the rules in force that day apply."""
        return self.announced_at.astimezone(SEOUL).date()

    @property
    def award_method(self) -> AwardMethod:
        """How the winner is chosen (qualification, negotiated or comprehensive)."""
        return award_method(
            category=self.category,
            method=self.method,
            agency_kind=self.agency_kind,
            estimated_price=self.estimated_price,
            on=self.announced_on,
            sme_competitive=self.sme_competitive,
        )


class Candidate(Model):
    rank: int
    business_no: str
    price: int
    bid_rate: Decimal
    bid_guarantee_cert: str | None = None


class PaymentRecord(Model):
    payment_id: str
    seq: int
    kind: PaymentKind
    amount: int
    subcontract_amount: int = 0
    status: PaymentState = PaymentState.CLAIMED
    progress_n: int = 0
    progress: str = ""  # the payment's own words while it runs: "bank refused: ..."
    awaiting_role: Role | None = None
    stuck_reason: str | None = None
    partner: str | None = None
    overdue: bool = False
    legs_paid: list[str] = Field(default_factory=list)  # "prime 60,000,000 KRW (T-1)"


class TenderState(Model):
    """All process state of one tender: carried across continue-as-new."""

    terms: TenderTerms
    phase: Phase = Phase.ANNOUNCED
    awaiting_role: Role | None = None
    awaiting_since: datetime | None = None
    reserve_seed: int | None = None
    """Only in histories from before sealed bids; the key service keeps it since."""
    lottery_seed: int | None = None
    sealing_key_id: str | None = None
    reserve_commitment: str | None = None
    bid_count: int = 0
    predetermined_price: int | None = None
    candidate_count: int = 0
    candidate: Candidate | None = None
    candidate_passed: bool = False
    award_due: AwareDatetime | None = None
    performance_guarantee_cert: str | None = None
    contract_no: str | None = None
    contract_amount: int = 0
    agency_signed_by: str | None = None
    supplier_signed_by: str | None = None
    payments: list[PaymentRecord] = Field(default_factory=list)
    paid_total: int = 0
    next_round_notice_no: str | None = None
    cancel_reason: str | None = None
    note: str = ""


class TenderInput(Model):
    terms: TenderTerms
    state: TenderState | None = None  # set when continued-as-new
    # Continue-as-new between payments once history holds this many events (or when
    # Temporal suggests it first); tests lower it to exercise the hand-over.
    history_event_limit: int = Field(10_000, ge=10)


class TenderResult(Model):
    notice_no: str
    phase: Phase
    note: str = ""
    contract_no: str | None = None
    paid_total: int = 0
    next_round_notice_no: str | None = None


class TenderStatus(Model):
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


# --- signals -------------------------------------------------------------------


class ExtendDeadline(Model):
    deadline: AwareDatetime
    opening_at: AwareDatetime
    reason: str
    requested_by: str
    token: PersonToken | None = None
    """The signed person (officer or operator); required since `ops-at-a-glance`."""


class CancelTender(Model):
    reason: str
    requested_by: str
    token: PersonToken | None = None
    """The signed person (officer or operator); required since `ops-at-a-glance`."""


# --- updates -------------------------------------------------------------------


class ReviewCandidate(Model):
    """Officer's qualification review of the current candidate."""

    officer_id: str
    business_no: str
    capability_score: Decimal = Field(ge=0, le=100)
    note: str = ""


class ReviewOutcome(Model):
    business_no: str
    passed: bool
    total: Decimal
    pass_mark: Decimal
    next_candidate: Candidate | None = None
    phase: Phase


class ScoreProposals(Model):
    """Officer's technical scores of every proposal of a negotiated tender."""

    officer_id: str
    technical_scores: dict[str, Decimal]  # business no -> points out of the technical weight


class ScoringOutcome(Model):
    ranked: int
    not_eligible: int
    candidate: Candidate | None
    phase: Phase


class ApproveAward(Model):
    officer_id: str
    business_no: str


class AwardOutcome(Model):
    business_no: str
    price: int
    guarantee_due: datetime
    performance_guarantee_min: int


class PostPerformanceGuarantee(Model):
    person_id: str
    business_no: str
    certificate_no: str


class GuaranteeOutcome(Model):
    certificate_no: str
    amount: int
    contract_no: str


class SignContract(Model):
    person_id: str
    role: Role  # officer signs for the agency, supplier for the business
    business_no: str | None = None


class SignOutcome(Model):
    contract_no: str
    agency_signed: bool
    supplier_signed: bool
    phase: Phase


class ClaimPayment(Model):
    person_id: str
    business_no: str
    kind: PaymentKind
    amount: int = Field(gt=0)
    subcontract_amount: int = Field(0, ge=0)
    subcontractor_no: str | None = None


class ClaimOutcome(Model):
    payment_id: str
    seq: int
    workflow_id: str
