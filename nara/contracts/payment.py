"""PaymentWorkflow's contract: its input, result, query answer and the inspection Update."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from nara.contracts.base import Model
from nara.domain.enums import PaymentKind, PaymentState, Role


class PaymentInput(Model):
    payment_id: str  # payment-<contract>-<n>
    notice_no: str
    contract_no: str
    seq: int
    kind: PaymentKind
    amount: int
    subcontract_amount: int = 0
    subcontractor_no: str | None = None
    business_no: str
    agency_code: str
    claimed_by: str
    claimed_at: AwareDatetime
    late_interest_rate_bp: int = Field(1200, ge=0)
    # NARA_TIME_SCALE of the announcing API: payment periods pass this many times faster
    # (rehearsals only; 1 in production and in every history recorded before it existed).
    time_scale: int = Field(1, ge=1)
    partner_slow_s: int = Field(30, ge=1)
    """A bank call still failing after this long is shown as `StuckReason=partner-retrying`."""


class Inspect(Model):
    inspector_id: str
    accepted: bool
    note: str = ""


class InspectOutcome(Model):
    payment_id: str
    accepted: bool
    due_at: datetime | None


class PaymentResult(Model):
    payment_id: str
    seq: int
    status: PaymentState  # paid | rejected
    amount: int
    subcontract_amount: int = 0
    paid_at: datetime | None = None
    late_interest: int = 0
    transfer_ids: list[str] = Field(default_factory=list)


class PaymentView(Model):
    """What the `status` query of PaymentWorkflow answers."""

    payment_id: str
    status: str
    awaiting_role: Role | None
    inspection_due: datetime | None
    due_at: datetime | None
    overdue: bool
    attempts_note: str = ""
    stuck_reason: str | None = None
    partner: str | None = None
    awaiting_since: datetime | None = None
    legs_paid: list[str] = Field(default_factory=list)
