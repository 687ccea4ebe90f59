"""PaymentWorkflow: one payment claim, from claim through inspection to the bank transfer.

Id `payment-<contract>-<n>`. The inspector accepts or rejects within 14 days;
an accepted claim is paid within 5 business days. In a rehearsal (`time_scale` > 1,
`NARA_TIME_SCALE` of the API that announced the tender) both periods pass that many
times faster and a lateness counts the days of interest the law would count
(`nara.domain.time_scale`); at scale 1 the code computes exactly what it always did.
The bank call is retried with the same idempotency key until it goes through; a business
refusal (for example an invalid account) waits for an operator to fix the cause and retry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities, steps
    from nara.contracts.errors import refusal
    from nara.contracts.payment import (
        Inspect,
        InspectOutcome,
        PaymentInput,
        PaymentResult,
        PaymentView,
    )
    from nara.contracts.search import PAYMENT_OVERDUE
    from nara.domain import calendar, time_scale
    from nara.domain.enums import PaymentKind, PaymentState, Role
    from nara.domain.errors import Forbidden, WrongPhase
    from nara.workflows.calls import db_step, decide_local_db_steps, partner_step, rejection_of
    from nara.workflows.payment_ops import (
        OPS_AT_A_GLANCE,
        SIGNED_PEOPLE,
        PaymentOps,
        check_person,
        present,
        verified_person,
    )


@workflow.defn
class PaymentWorkflow(PaymentOps):
    @workflow.init
    def __init__(self, input: PaymentInput) -> None:
        self._init_ops()
        self.finished = False
        self.input = input
        self.status_text = "claimed"
        self.awaiting: Role | None = Role.INSPECTOR
        self.inspection: Inspect | None = None
        self.inspection_due: datetime = time_scale.compress(
            input.claimed_at, calendar.inspection_due(input.claimed_at), input.time_scale
        )
        self.due_at: datetime | None = None
        self.due_by_law: datetime | None = None  # due_at before compression
        self.overdue = False
        self.retry_requested = False
        self.refusal: str | None = None

    @workflow.run
    async def run(self, input: PaymentInput) -> PaymentResult:
        self._ops = workflow.patched(OPS_AT_A_GLANCE)
        self._signed_people = workflow.patched(SIGNED_PEOPLE)
        decide_local_db_steps()
        result = await self._run(input)
        self.finished = True
        await self._told_parent()
        return result

    async def _run(self, input: PaymentInput) -> PaymentResult:
        await db_step(
            activities.record_claim,
            steps.ClaimStep(
                payment_id=input.payment_id,
                contract_no=input.contract_no,
                seq=input.seq,
                kind=input.kind,
                amount=input.amount,
                subcontract_amount=input.subcontract_amount,
                subcontractor_no=input.subcontractor_no,
                claimed_by=input.claimed_by,
                inspection_due=self.inspection_due,
            ),
        )
        self._show("waiting for inspection", Role.INSPECTOR)
        if not await self._wait(lambda: self.inspection is not None, self.inspection_due):
            self._mark_overdue("inspection overdue")
            await workflow.wait_condition(lambda: self.inspection is not None)
        assert self.inspection is not None
        await workflow.wait_condition(workflow.all_handlers_finished)
        if not self.inspection.accepted:
            self.status_text = "rejected"
            if self._ops:
                self._show("rejected by the inspector", None)
            return PaymentResult(
                payment_id=input.payment_id,
                seq=input.seq,
                status=PaymentState.REJECTED,
                amount=input.amount,
                subcontract_amount=input.subcontract_amount,
            )
        assert self.due_at is not None and self.due_by_law is not None
        self._show("paying", None)
        transfer = await self._transfer_by(self.due_at)
        paid_at = workflow.now()
        interest = calendar.late_payment_interest(
            amount=input.amount,
            due=self.due_by_law,
            paid=time_scale.lateness_by_law(
                due_by_law=self.due_by_law, due_at=self.due_at, paid=paid_at, scale=input.time_scale
            ),
            annual_rate_bp=input.late_interest_rate_bp,
        )
        transfer_ids = list(transfer.transfer_ids)
        if interest > 0:
            extra = await self._transfer(
                steps.TransferStep(
                    payment_id=input.payment_id,
                    contract_no=input.contract_no,
                    seq=input.seq,
                    purpose="interest",
                    amount=interest,
                )
            )
            transfer_ids += extra.transfer_ids
        await db_step(
            activities.record_paid,
            steps.PaidStep(
                payment_id=input.payment_id,
                contract_no=input.contract_no,
                seq=input.seq,
                transfer_ids=transfer_ids,
                late_interest=interest,
                final=input.kind is PaymentKind.FINAL,
            ),
        )
        self.status_text = "paid"
        self._show(
            f"paid {input.amount:,} KRW" + (f" + {interest:,} interest" if interest else ""), None
        )
        return PaymentResult(
            payment_id=input.payment_id,
            seq=input.seq,
            status=PaymentState.PAID,
            amount=input.amount,
            subcontract_amount=input.subcontract_amount,
            paid_at=paid_at,
            late_interest=interest,
            transfer_ids=transfer_ids,
        )

    async def _transfer_by(self, due_at: datetime) -> steps.TransferDone:
        """Transfer, marking the payment overdue if the due date passes first."""
        i = self.input
        task = asyncio.ensure_future(
            self._transfer(
                steps.TransferStep(
                    payment_id=i.payment_id,
                    contract_no=i.contract_no,
                    seq=i.seq,
                    amount=i.amount,
                    subcontract_amount=i.subcontract_amount,
                    subcontractor_no=i.subcontractor_no,
                )
            )
        )
        if not await self._wait(task.done, due_at):
            self._mark_overdue("payment overdue")
        return await task

    async def _transfer(self, step: steps.TransferStep) -> steps.TransferDone:
        """One transfer; a bank refusal waits for an operator's retry signal."""
        while True:
            try:
                result: steps.TransferDone = (
                    await self._call_bank(step)
                    if self._ops
                    else await partner_step(activities.transfer_payment, step)
                )
                self.refusal = None
                return result
            except ActivityError as error:
                refusal = rejection_of(error)
                if refusal is None:
                    raise
                self.refusal = refusal
                self.retry_requested = False
                self._refused(error)
                await workflow.wait_condition(lambda: self.retry_requested)
                self.refusal = None
                self._show("retrying the transfer", None)

    async def _wait(self, condition: Callable[[], bool], until: datetime) -> bool:
        remaining = (until - workflow.now()).total_seconds()
        if condition():
            return True
        if remaining <= 0:
            return False
        try:
            await workflow.wait_condition(condition, timeout=timedelta(seconds=remaining))
        except TimeoutError:
            return False
        return True

    def _mark_overdue(self, why: str) -> None:
        workflow.logger.warning(why, extra={"notice_no": self.input.notice_no})
        self.overdue = True
        workflow.upsert_search_attributes([PAYMENT_OVERDUE.value_set(True)])
        if self._ops:  # keep why it waits: "payment overdue; bank refused: ..."
            self._show(
                f"{why}; {self.status_text}",
                self.awaiting,
                stuck=self.stuck_reason,
                partner=self.partner,
            )
        else:
            self._show(why, self.awaiting)

    def _show(
        self,
        text: str,
        awaiting: Role | None,
        *,
        stuck: str | None = None,
        partner: str | None = None,
    ) -> None:
        workflow.upsert_search_attributes(self._search_attributes(awaiting, stuck, partner))
        self.status_text, self.awaiting = text, awaiting
        i = self.input
        workflow.set_current_details(
            f"**{i.kind} payment {i.seq}** of contract {i.contract_no} ({i.notice_no})\n\n"
            f"{i.amount:,} KRW"
            + (
                f", of which {i.subcontract_amount:,} KRW paid directly to "
                f"subcontractor {i.subcontractor_no}"
                if i.subcontract_amount
                else ""
            )
            + f"\n\nStatus: {text}"
            + (
                f"\n\nInspection due {self._when(self.inspection_due)}"
                if self.due_at is None
                else f"\n\nPayment due {self._when(self.due_at)}"
            )
            + (f"\n\nAlready paid: {'; '.join(self.legs_paid)}" if self.legs_paid else "")
        )
        self._tell_parent()

    def _when(self, at: datetime) -> str:
        """A due date as the case file shows it; to the second in a rehearsal."""
        shown = "%Y-%m-%d" if self.input.time_scale == 1 else "%Y-%m-%d %H:%M:%S KST"
        return f"{at.astimezone(calendar.SEOUL):{shown}}"

    @workflow.update
    async def inspect(self, inspection: Inspect) -> InspectOutcome:
        """The inspector accepts or rejects the work (patched: with a signed token, checked
        and audited before anything is recorded)."""
        i = self.input
        self._signed_people = workflow.patched(SIGNED_PEOPLE)
        if self._signed_people:
            token = present(inspection.token, person_id=inspection.inspector_id, action="inspect")
            await verified_person(token, entity=f"contract:{i.contract_no}", role=Role.INSPECTOR)
            self._inspectable(inspection)  # another inspection may have won meanwhile
        now = workflow.now()
        by_law = calendar.payment_due(now) if inspection.accepted else None
        due_at = time_scale.compress(now, by_law, i.time_scale) if by_law else None
        await db_step(
            activities.record_inspection,
            steps.InspectionStep(
                payment_id=i.payment_id,
                contract_no=i.contract_no,
                seq=i.seq,
                inspector_id=inspection.inspector_id,
                accepted=inspection.accepted,
                note=inspection.note,
                due_at=due_at,
            ),
        )
        self.due_at, self.due_by_law = due_at, by_law
        self.inspection = inspection
        return InspectOutcome(payment_id=i.payment_id, accepted=inspection.accepted, due_at=due_at)

    @inspect.validator
    def _validate_inspect(self, inspection: Inspect) -> None:
        self._inspectable(inspection)
        if self._signed_people is not False:
            check_person(
                inspection.token,
                person_id=inspection.inspector_id,
                action="inspect",
                args=inspection.token_args(),
                role=Role.INSPECTOR,
            )

    def _inspectable(self, inspection: Inspect) -> None:
        """Not inspected yet, and not by the claimant (the token is the validator's)."""
        if self.inspection is not None:
            raise refusal(
                WrongPhase(
                    f"payment {self.input.payment_id} was already inspected "
                    f"({'accepted' if self.inspection.accepted else 'rejected'})"
                )
            )
        if inspection.inspector_id == self.input.claimed_by:
            raise refusal(Forbidden("the person who claimed a payment cannot inspect it"))

    @workflow.signal
    def retry_transfer(self) -> None:
        """Former way to retry: refused since `ops-at-a-glance` (it names no person); use
        the `retry_now` Update with an operator's token."""
        if self._ops:
            workflow.logger.warning(
                "retry_transfer refused for %s: it names no operator; use retry_now",
                self.input.payment_id,
            )
            return
        self.retry_requested = True

    @workflow.query
    def status(self) -> PaymentView:
        return PaymentView(
            payment_id=self.input.payment_id,
            status=self.status_text,
            awaiting_role=self.awaiting,
            inspection_due=self.inspection_due,
            due_at=self.due_at,
            overdue=self.overdue,
            attempts_note=self.refusal or "",
            stuck_reason=self.stuck_reason,
            partner=self.partner,
            awaiting_since=self.awaiting_since,
            legs_paid=list(self.legs_paid),
        )
