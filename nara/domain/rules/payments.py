"""Payment terms: advance payments, inspection and payment periods."""

from __future__ import annotations

from dataclasses import dataclass

from nara.domain.rules.base import BASELINE, RuleRow


@dataclass(frozen=True, kw_only=True)
class AdvancePaymentRow(RuleRow):
    cap_bp: int
    guarantee_bp: int  # of the advance


@dataclass(frozen=True, kw_only=True)
class PaymentTermsRow(RuleRow):
    payment_business_days: int
    inspection_days: int
    progress_payment_interval_days: int


ADVANCE_PAYMENTS: tuple[AdvancePaymentRow, ...] = (
    AdvancePaymentRow(
        effective_from=BASELINE,
        cap_bp=7000,
        guarantee_bp=10000,
        source="MOEF contract execution standard: advance up to 70% (temporarily"
        " higher caps have applied); guarantee covers the advance",
    ),
)

PAYMENT_TERMS: tuple[PaymentTermsRow, ...] = (
    PaymentTermsRow(
        effective_from=BASELINE,
        payment_business_days=5,
        inspection_days=14,
        progress_payment_interval_days=30,
        source="Enforcement Decree art. 55 (inspection 14 days) and art. 58"
        " (payment 5 days excluding holidays; progress payments every 30"
        " days at most)",
    ),
)
