"""What operators see of a TenderWorkflow and do to it.

Behind the `ops-at-a-glance` patch: `AwaitingSince`, `StuckReason`, `Partner` and
`PaymentOverdue` join `AwaitingRole` in the phase's upsert; the tender mirrors its
payments (signal `payment_progress` from each PaymentWorkflow): it waits for an
operator while a payment does, and for nobody once the inspector accepted. The
`operator_extend` and `operator_cancel` Updates carry an operator's signed token, checked
by the `apply_operator_action` activity before the schedule moves or the tender ends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities
    from nara.contracts.errors import refusal
    from nara.contracts.ops import (
        ActionOutcome,
        OperatorActionStep,
        OperatorCancel,
        OperatorExtend,
        PaymentProgress,
        PersonToken,
        schedule_args,
    )
    from nara.contracts.search import (
        AWAITING_ROLE,
        AWAITING_SINCE,
        BID_DEADLINE,
        PARTNER,
        PAYMENT_OVERDUE,
        STUCK_REASON,
        StuckReason,
    )
    from nara.contracts.tender import CancelTender, ExtendDeadline
    from nara.domain.enums import PaymentState, Phase, Role
    from nara.domain.errors import ActionRefused, NaraError, WrongPhase
    from nara.workflows.calls import checked_step
    from nara.workflows.payment_ops import check_token
    from nara.workflows.tender_base import PHASES_BEFORE_CONTRACT
    from nara.workflows.tender_decisions import TenderDecisions

MAX_OPERATOR_EXTENSION = timedelta(days=90)


class TenderOps(TenderDecisions):
    """Search attributes of waiting, the payments' mirror and operators' Updates."""

    _ops: bool = False

    def _waiting_attributes(self, awaiting: Role | None) -> list[SearchAttributeUpdate[Any]]:
        """The attributes of who the tender waits for, and since when (patched only)."""
        s = self.s
        role = AWAITING_ROLE.value_set(awaiting.value) if awaiting else AWAITING_ROLE.value_unset()
        if not self._ops:
            return [role]
        if awaiting is not s.awaiting_role or s.awaiting_since is None:
            s.awaiting_since = workflow.now()
        open_payments = [p for p in s.payments if p.status is PaymentState.CLAIMED]
        stuck = next((p for p in open_payments if p.stuck_reason), None)
        reason, partner = (
            (StuckReason.PARTNER_RETRYING.value, self._stuck_partner)
            if self._stuck_partner
            else (StuckReason.PAYMENT_WAITING.value, stuck.partner)
            if stuck
            else (None, None)
        )
        return [
            role,
            AWAITING_SINCE.value_set(s.awaiting_since),
            STUCK_REASON.value_set(reason) if reason else STUCK_REASON.value_unset(),
            PARTNER.value_set(partner) if partner else PARTNER.value_unset(),
            PAYMENT_OVERDUE.value_set(any(p.overdue for p in open_payments)),
        ]

    def _reflect_payments(self, note: str) -> None:
        """While paying, wait with the payments: an operator if one waits for an operator,
        else the inspector if one waits for inspection, else nobody."""
        s = self.s
        if s.phase is not Phase.PAYING:
            return
        roles = {p.awaiting_role for p in s.payments if p.status is PaymentState.CLAIMED}
        awaiting = next((r for r in (Role.OPERATOR, Role.INSPECTOR) if r in roles), None)
        workflow.upsert_search_attributes(self._waiting_attributes(awaiting))
        s.awaiting_role = awaiting
        workflow.set_current_details(self._details(note))

    @workflow.signal
    def payment_progress(self, progress: PaymentProgress) -> None:
        """A payment of this tender moved: mirror where it stands."""
        record = next((p for p in self.s.payments if p.payment_id == progress.payment_id), None)
        if record is None or progress.n <= record.progress_n:
            return
        record.progress_n = progress.n
        record.progress = progress.progress
        record.awaiting_role = progress.awaiting_role
        record.stuck_reason = progress.stuck_reason
        record.partner = progress.partner
        record.overdue = progress.overdue
        record.legs_paid = list(progress.legs_paid)
        self._reflect_payments(f"payment {record.seq}: {progress.progress}")

    # --- signed signals -------------------------------------------------------------

    async def _signed(self, token: PersonToken | None, action: str, args: dict[str, str]) -> bool:
        """Patched: a signal that moves the deadline or ends the tender must name a person
        (its officer, or an operator) with a token the API signed; else it is ignored."""
        try:
            if token is None:
                raise refusal(ActionRefused("the signal names no person", field="token"))
            check_token(token, action=action, args=args, roles=(Role.OFFICER, Role.OPERATOR))
            if token.role is Role.OFFICER:
                self._require_officer(token.person_id)
            await checked_step(
                activities.apply_operator_action,
                OperatorActionStep(
                    token=token,
                    entity=f"tender:{self.s.terms.notice_no}",
                    roles=[Role.OFFICER, Role.OPERATOR],
                ),
            )
        except ApplicationError as refused:
            workflow.logger.warning("%s signal refused: %s", action, refused.message)
            return False
        return True

    # --- operators' Updates ----------------------------------------------------------

    async def _verified(self, token: PersonToken, payload: dict[str, str]) -> str:
        done = await checked_step(
            activities.apply_operator_action,
            OperatorActionStep(
                token=token, entity=f"tender:{self.s.terms.notice_no}", payload=payload
            ),
        )
        return done.person_id

    @workflow.update
    async def operator_extend(self, request: OperatorExtend) -> ActionOutcome:
        """An operator moves this tender's deadline (and opening) later."""
        person = await self._verified(request.token, {})
        self._apply_extension(
            ExtendDeadline(
                deadline=request.deadline,
                opening_at=request.opening_at,
                reason=request.token.reason,
                requested_by=person,
            )
        )
        return ActionOutcome(
            workflow_id=request.token.workflow_id,
            action="extend",
            person_id=person,
            note=f"deadline {self.s.terms.deadline.isoformat()}, "
            f"opening {self.s.terms.opening_at.isoformat()}",
        )

    @operator_extend.validator
    def _validate_operator_extend(self, request: OperatorExtend) -> None:
        check_token(
            request.token,
            action="extend",
            args=schedule_args(request.deadline, request.opening_at),
        )
        self._require_phase(Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED)
        t = self.s.terms
        if request.deadline <= t.deadline or request.deadline <= workflow.now():
            raise refusal(
                NaraError(
                    f"an extension moves the deadline later than {t.deadline.isoformat()} "
                    "and later than now",
                    field="deadline",
                )
            )
        if request.deadline > t.deadline + MAX_OPERATOR_EXTENSION:
            raise refusal(
                NaraError(
                    f"an operator extends by at most {MAX_OPERATOR_EXTENSION.days} days",
                    field="deadline",
                    fix="a longer change is a cancellation and a new announcement",
                )
            )
        if request.opening_at < request.deadline:
            raise refusal(
                NaraError("the opening cannot be before the deadline", field="opening_at")
            )

    @workflow.update
    async def operator_cancel(self, request: OperatorCancel) -> ActionOutcome:
        """An operator cancels this tender (before its contract)."""
        person = await self._verified(request.token, {})
        if self._cancel is None:
            self._cancel = CancelTender(reason=request.token.reason, requested_by=person)
        return ActionOutcome(
            workflow_id=request.token.workflow_id,
            action="cancel",
            person_id=person,
            note="the tender is being cancelled",
        )

    @operator_cancel.validator
    def _validate_operator_cancel(self, request: OperatorCancel) -> None:
        check_token(request.token, action="cancel", args={})
        self._require_phase(*PHASES_BEFORE_CONTRACT)
        if self._cancel is not None:
            raise refusal(WrongPhase("the tender is already being cancelled"))

    def _apply_extension(self, change: ExtendDeadline) -> None:
        """Move the schedule (the extend_deadline signal and operator_extend share it)."""
        s = self.s
        if s.phase not in (Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED):
            workflow.logger.warning("extension ignored: tender is %s", s.phase.value)
            return
        if s.phase is Phase.CLOSED:
            if change.deadline > s.terms.deadline and change.deadline > workflow.now():
                # The deadline fell inside an outage: bidding reopens until the new one.
                s.terms.deadline = change.deadline
                self._reopen = True
                workflow.upsert_search_attributes([BID_DEADLINE.value_set(s.terms.deadline)])
            s.terms.opening_at = max(change.opening_at, s.terms.deadline)
        else:
            s.terms.deadline = max(change.deadline, s.terms.deadline)
            s.terms.opening_at = max(change.opening_at, s.terms.deadline)
            workflow.upsert_search_attributes([BID_DEADLINE.value_set(s.terms.deadline)])
        s.note = f"schedule moved by {change.requested_by}: {change.reason}"
        workflow.set_current_details(self._details(s.note))
        self._schedule_version += 1
