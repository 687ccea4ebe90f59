"""The payment Updates of a tender: a claim starts a child PaymentWorkflow.

Claims may overlap: the amounts of every claim not rejected count against the
contract, and only a final claim closes the list.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes

with workflow.unsafe.imports_passed_through():
    from nara.contracts.errors import refusal
    from nara.contracts.payment import PaymentInput, PaymentResult
    from nara.contracts.search import (
        AGENCY_CODE,
        AWAITING_ROLE,
        AWAITING_SINCE,
        NOTICE_NO,
        PAYMENT_OVERDUE,
    )
    from nara.contracts.tender import ClaimOutcome, ClaimPayment, PaymentRecord
    from nara.domain import guarantees
    from nara.domain.calendar import SEOUL
    from nara.domain.enums import PaymentKind, PaymentState, Phase, Role
    from nara.domain.errors import InvalidClaim, WrongPhase
    from nara.domain.identifiers import payment_workflow_id
    from nara.workflows.payment import PaymentWorkflow
    from nara.workflows.tender_base import TenderBase


class TenderPayments(TenderBase):
    """Payment claims of TenderWorkflow."""

    @workflow.update
    async def claim_payment(self, claim: ClaimPayment) -> ClaimOutcome:
        s = self.s
        assert s.contract_no is not None
        seq = len(s.payments) + 1
        payment_id = payment_workflow_id(s.contract_no, seq)
        record = PaymentRecord(
            payment_id=payment_id,
            seq=seq,
            kind=claim.kind,
            amount=claim.amount,
            subcontract_amount=claim.subcontract_amount,
        )
        s.payments.append(record)
        handle = await workflow.start_child_workflow(
            PaymentWorkflow.run,
            PaymentInput(
                payment_id=payment_id,
                notice_no=s.terms.notice_no,
                contract_no=s.contract_no,
                seq=seq,
                kind=claim.kind,
                amount=claim.amount,
                subcontract_amount=claim.subcontract_amount,
                subcontractor_no=claim.subcontractor_no,
                business_no=claim.business_no,
                agency_code=s.terms.agency_code,
                claimed_by=claim.person_id,
                claimed_at=workflow.now(),
                late_interest_rate_bp=s.terms.late_interest_rate_bp,
                time_scale=s.terms.time_scale,
            ),
            id=payment_id,
            static_summary=f"{claim.kind} payment {seq} of {s.contract_no}: {claim.amount:,} KRW",
            **self._payment_start_options(claim),
        )
        if s.phase is Phase.CONTRACTED:
            await self._enter(Phase.PAYING, Role.INSPECTOR, f"payment {seq} claimed")
        self._payment_followers.add(asyncio.ensure_future(self._follow_payment(record, handle)))
        return ClaimOutcome(payment_id=payment_id, seq=seq, workflow_id=payment_id)

    async def _follow_payment(
        self, record: PaymentRecord, handle: workflow.ChildWorkflowHandle[Any, PaymentResult]
    ) -> None:
        result = await handle
        record.status = result.status
        if result.status is PaymentState.PAID:
            self.s.paid_total += result.amount
        note = f"payment {record.seq} {result.status}"
        if self._ops:
            record.progress, record.awaiting_role = str(result.status), None
            record.stuck_reason = record.partner = None
            record.overdue = False
            self._reflect_payments(note)
        workflow.set_current_details(self._details(note))

    def _payment_start_options(self, claim: ClaimPayment) -> dict[str, Any]:
        """Patched: the payment starts searchable (waiting for the inspector since now, not
        overdue) and with its case file."""
        if not self._ops:
            return {}
        s = self.s
        return {
            "search_attributes": TypedSearchAttributes(
                [
                    SearchAttributePair(AWAITING_ROLE, Role.INSPECTOR.value),
                    SearchAttributePair(AWAITING_SINCE, workflow.now()),
                    SearchAttributePair(PAYMENT_OVERDUE, False),
                    SearchAttributePair(NOTICE_NO, s.terms.notice_no),
                    SearchAttributePair(AGENCY_CODE, s.terms.agency_code),
                ]
            ),
            "static_details": f"Contract {s.contract_no} of tender {s.terms.notice_no} "
            f"(agency {s.terms.agency_code}), claimed by {claim.business_no}: "
            f"{claim.amount:,} KRW"
            + (
                f", {claim.subcontract_amount:,} KRW of it to subcontractor "
                f"{claim.subcontractor_no}"
                if claim.subcontract_amount
                else ""
            ),
        }

    def _reflect_payments(self, note: str) -> None:
        raise NotImplementedError  # TenderOps

    @claim_payment.validator
    def _validate_claim(self, claim: ClaimPayment) -> None:
        s = self.s
        self._require_phase(Phase.CONTRACTED, Phase.PAYING)
        self._require_winner(claim.business_no)
        # Claims may overlap (the previous one may still be paying): the amounts of every
        # claim not rejected count against the contract. Only a final claim closes the list.
        open_final = next(
            (
                p
                for p in s.payments
                if p.kind is PaymentKind.FINAL and p.status is PaymentState.CLAIMED
            ),
            None,
        )
        if open_final:
            raise refusal(
                WrongPhase(
                    f"the final payment ({open_final.seq}) is in progress; "
                    "claim again only if it is rejected",
                )
            )
        claimed = sum(p.amount for p in s.payments if p.status is not PaymentState.REJECTED)
        remaining = s.contract_amount - claimed
        if claim.subcontract_amount > claim.amount:
            raise refusal(
                InvalidClaim("subcontract_amount cannot exceed amount", field="subcontract_amount")
            )
        if claim.subcontract_amount and not claim.subcontractor_no:
            raise refusal(
                InvalidClaim(
                    "a subcontract amount needs subcontractor_no", field="subcontractor_no"
                )
            )
        if claim.kind is PaymentKind.FINAL and claim.amount != remaining:
            raise refusal(
                InvalidClaim(
                    f"the final payment must be the remaining {remaining:,} KRW, "
                    f"not {claim.amount:,}",
                    field="amount",
                )
            )
        if claim.kind is not PaymentKind.FINAL and claim.amount >= remaining:
            raise refusal(
                InvalidClaim(
                    f"{claim.amount:,} KRW would use the whole remaining "
                    f"{remaining:,} KRW; claim it as the final payment",
                    field="kind",
                )
            )
        if claim.kind is PaymentKind.ADVANCE:
            if any(
                p.kind is PaymentKind.ADVANCE and p.status is not PaymentState.REJECTED
                for p in s.payments
            ):
                raise refusal(InvalidClaim("the advance payment was already claimed", field="kind"))
            cap = guarantees.advance_payment_cap(
                contract_amount=s.contract_amount, on=s.terms.announced_at.astimezone(SEOUL).date()
            )
            if claim.amount > cap:
                raise refusal(
                    InvalidClaim(
                        f"an advance payment is capped at {cap:,} KRW "
                        f"(70% of the contract); {claim.amount:,} asked",
                        field="amount",
                    )
                )
