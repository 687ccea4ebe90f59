"""Inputs and results of the activities: one model each, pure pydantic (safe in the sandbox).

The activities themselves are declared in `nara.contracts.activities`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, Field

from nara.contracts.base import Model
from nara.contracts.tender import Candidate, TenderTerms
from nara.domain.enums import PaymentKind, Phase, Role


class AnnounceStep(Model):
    terms: TenderTerms
    # Histories from before sealed bids carried the seeds here; they are None now (the
    # reserve secret is the key service's, see SealingStep).
    reserve_seed: int | None = None
    lottery_seed: int | None = None
    previous_notice_no: str | None = None


class SealingStep(Model):
    notice_no: str
    officer_id: str


class SealingKey(Model):
    """The public side of a tender's sealing key: what history may hold."""

    key_id: str
    public_key: str
    """Raw X25519 public key, base64url."""
    reserve_commitment: str
    """SHA-256 (hex) committing to the reserve secret the key service reveals at opening."""


class PhaseStep(Model):
    notice_no: str
    phase: Phase
    step: str  # idempotency: one audit row per (tender, step)
    actor: str = "workflow"
    awaiting_role: Role | None = None
    note: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class ScheduleStep(Model):
    notice_no: str
    version: int  # the workflow's schedule version: one audit row per change
    deadline: AwareDatetime
    opening_at: AwareDatetime
    note: str
    reopen_bidding: bool = False  # an outage extension reopens a closed, unopened tender


class CloseStep(Model):
    notice_no: str


class CloseResult(Model):
    bid_count: int
    closed_at: datetime


class OpenStep(Model):
    terms: TenderTerms
    reserve_seed: int | None
    """None: the key service reveals the reserve secret (every tender since sealed bids)."""
    lottery_seed: int
    reserve_commitment: str | None = None


class OpeningSummary(Model):
    bid_count: int
    """Bids that opened and count (the invalid ones excluded)."""
    predetermined_price: int | None
    lower_limit_rate: Decimal | None
    candidate_count: int
    below_limit_count: int
    most_picked: list[int] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    invalid_count: int = 0
    """Bids excluded at the opening (did not decrypt, or broke a rule), each with a reason."""


class NegotiationStep(Model):
    terms: TenderTerms
    lottery_seed: int
    officer_id: str
    technical_scores: dict[str, Decimal]


class NegotiationRanking(Model):
    ranked: int
    not_eligible: int


class CandidateQuery(Model):
    notice_no: str
    rank: int


class CandidateAnswer(Model):
    candidate: Candidate | None


class ReviewStep(Model):
    notice_no: str
    candidate: Candidate
    officer_id: str
    price_score: Decimal
    capability_score: Decimal
    total: Decimal
    passed: bool
    note: str = ""


class AwardStep(Model):
    notice_no: str
    business_no: str
    price: int
    approved_by: str
    guarantee_due: AwareDatetime


class GuaranteeCheck(Model):
    certificate_no: str
    kind: str  # bid | performance
    reference: str
    business_no: str
    min_amount: int


class GuaranteeConfirmed(Model):
    certificate_no: str
    amount: int


class ForfeitStep(Model):
    notice_no: str
    business_no: str
    reason: str
    bid_guarantee_cert: str | None
    claim_amount: int


class ForfeitResult(Model):
    claimed: bool
    claim_id: str | None = None


class ContractStep(Model):
    notice_no: str
    contract_no: str
    business_no: str
    amount: int
    performance_guarantee_cert: str


class SignatureStep(Model):
    contract_no: str
    role: Role
    person_id: str


class ClaimStep(Model):
    payment_id: str
    contract_no: str
    seq: int
    kind: PaymentKind
    amount: int
    subcontract_amount: int
    subcontractor_no: str | None
    claimed_by: str
    inspection_due: AwareDatetime


class InspectionStep(Model):
    payment_id: str
    contract_no: str
    seq: int
    inspector_id: str
    accepted: bool
    note: str
    due_at: AwareDatetime | None


class TransferStep(Model):
    payment_id: str
    contract_no: str
    seq: int
    purpose: str = "payment"  # payment | interest
    amount: int
    subcontract_amount: int = 0
    subcontractor_no: str | None = None


class TransferDone(Model):
    transfer_ids: list[str]
    completed_at: datetime


class PaidStep(Model):
    payment_id: str
    contract_no: str
    seq: int
    transfer_ids: list[str]
    late_interest: int
    final: bool


class SequenceStep(Model):
    max_batch: int = 5000


class SequenceResult(Model):
    sequenced: int
    size: int
    """The log's size after the batch."""


class SequencerInput(Model):
    interval_s: float = 0.5
    """Pause between batches when the last one took everything waiting."""
    batches_per_run: int = 1000
    """Batches before the workflow continues as new (keeps its history short)."""
