"""What operators see of a PaymentWorkflow and do to it.

Behind the `ops-at-a-glance` patch (payments started before it keep their old commands):
every status change upserts `AwaitingRole`, `AwaitingSince`, `StuckReason`, `Partner` and
`PaymentOverdue` in one command and tells the parent tender (signal `payment_progress`);
a bank call still failing after `partner_slow_s` shows as `partner-retrying`; the
`retry_now` and `correct_account` Updates carry an operator's signed token, checked by
the `apply_operator_action` activity before anything changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from nara.contracts import activities, steps
    from nara.contracts.errors import from_application_error, refusal
    from nara.contracts.ops import (
        ActionOutcome,
        CorrectAccount,
        OperatorActionStep,
        PaymentCheck,
        PaymentProgress,
        PersonToken,
        RetryNow,
    )
    from nara.contracts.payment import PaymentInput
    from nara.contracts.search import (
        AWAITING_ROLE,
        AWAITING_SINCE,
        PARTNER,
        PAYMENT_OVERDUE,
        STUCK_REASON,
        StuckReason,
    )
    from nara.domain.enums import Role
    from nara.domain.errors import ActionRefused, InvalidClaim, PartnerRejected, WrongPhase
    from nara.workflows.calls import checked_step, start_partner_step

OPS_AT_A_GLANCE = "ops-at-a-glance"
BANK = "bank"


def check_token(
    token: PersonToken,
    *,
    action: str,
    args: dict[str, str],
    roles: tuple[Role, ...] = (Role.OPERATOR,),
) -> None:
    """What a validator can check of a token without the key: it is for this workflow,
    this action and these arguments, and names an operator (the signature is checked by
    the activity)."""
    here = workflow.info().workflow_id
    if token.workflow_id != here or token.action != action or token.args != args:
        raise refusal(
            ActionRefused(
                f"the token is for {token.action} on {token.workflow_id} with {token.args}, "
                f"not {action} on {here} with {args}",
                field="token",
            )
        )
    if token.role not in roles:
        raise refusal(
            ActionRefused(
                f"{token.person_id} is a {token.role.value}; this needs "
                + " or ".join(r.value for r in roles),
                field="token",
            )
        )


class PaymentOps:
    """Search attributes, the parent's view and operators' Updates of PaymentWorkflow."""

    input: PaymentInput
    status_text: str
    awaiting: Role | None
    overdue: bool
    retry_requested: bool
    refusal: str | None
    finished: bool

    def _init_ops(self) -> None:
        self._ops = False
        self.stuck_reason: str | None = None
        self.partner: str | None = None
        self.awaiting_since: datetime | None = None
        self.legs_paid: list[str] = []
        self._retry_now = False
        self._calling = False
        self._told = 0
        self._telling: set[asyncio.Future[None]] = set()

    def _search_attributes(
        self, awaiting: Role | None, stuck: str | None, partner: str | None
    ) -> list[SearchAttributeUpdate[Any]]:
        """The one upsert of a status change (only the attributes of the old code without
        the patch)."""
        role = AWAITING_ROLE.value_set(awaiting.value) if awaiting else AWAITING_ROLE.value_unset()
        if not self._ops:
            return [role]
        if awaiting is not self.awaiting or self.awaiting_since is None:
            self.awaiting_since = workflow.now()
        self.stuck_reason, self.partner = stuck, partner
        return [
            role,
            AWAITING_SINCE.value_set(self.awaiting_since),
            STUCK_REASON.value_set(stuck) if stuck else STUCK_REASON.value_unset(),
            PARTNER.value_set(partner) if partner else PARTNER.value_unset(),
            PAYMENT_OVERDUE.value_set(self.overdue),
        ]

    def _tell_parent(self) -> None:
        """Signal the tender where this payment stands (it shows it, and waits with it)."""
        parent = workflow.info().parent
        if not self._ops or parent is None:
            return
        self._told += 1
        progress = PaymentProgress(
            payment_id=self.input.payment_id,
            n=self._told,
            progress=self.status_text,
            awaiting_role=self.awaiting,
            stuck_reason=self.stuck_reason,
            partner=self.partner,
            overdue=self.overdue,
            legs_paid=list(self.legs_paid),
        )
        handle = workflow.get_external_workflow_handle(parent.workflow_id)

        async def send() -> None:
            try:
                await handle.signal("payment_progress", progress)
            except Exception as error:  # the tender may be gone: its view is only a mirror
                workflow.logger.warning("tender not told of %s: %s", progress.payment_id, error)

        self._telling.add(asyncio.ensure_future(send()))

    async def _told_parent(self) -> None:
        """Wait until every signal to the tender is delivered (before the run ends)."""
        if self._telling:
            await asyncio.wait(self._telling)

    def _show(
        self,
        text: str,
        awaiting: Role | None,
        *,
        stuck: str | None = None,
        partner: str | None = None,
    ) -> None:
        raise NotImplementedError

    async def _call_bank(self, step: steps.TransferStep) -> steps.TransferDone:
        """One transfer activity (retried by Temporal); shown as `partner-retrying` once it
        has failed for `partner_slow_s`; `retry_now` cancels its backoff and calls again."""
        slow = timedelta(seconds=self.input.partner_slow_s)
        while True:
            self._retry_now, self._calling, slowed = False, True, False
            call = start_partner_step(activities.transfer_payment, step)

            def answered_or_asked(call: asyncio.Task[steps.TransferDone] = call) -> bool:
                return call.done() or self._retry_now

            try:
                await workflow.wait_condition(answered_or_asked, timeout=slow)
            except TimeoutError:
                slowed = True
                self._show(
                    "the bank keeps failing; the transfer is retried",
                    None,
                    stuck=StuckReason.PARTNER_RETRYING,
                    partner=BANK,
                )
                await workflow.wait_condition(answered_or_asked)
            if call.done() or not self._retry_now:
                self._calling = False
                result = await call
                if slowed:
                    self._show("the bank answered; recording the payment", None)
                return result
            call.cancel()
            with contextlib.suppress(ActivityError, asyncio.CancelledError):
                await call
            self._show("an operator asked to transfer now", None)

    def _refused(self, error: ActivityError) -> None:
        """Show a bank refusal: waiting for an operator, with the legs already paid."""
        refused = from_application_error(error)
        if isinstance(refused, PartnerRejected):
            self.legs_paid = [str(leg) for leg in refused.extra.get("legs_paid", [])]
        self._show(
            f"bank refused: {self.refusal}; waiting for an operator",
            Role.OPERATOR,
            stuck=StuckReason.PARTNER_REFUSED if self._ops else None,
            partner=BANK if self._ops else None,
        )

    # --- operators' Updates ----------------------------------------------------------

    async def _apply(
        self, token: PersonToken, correction: CorrectAccount | None = None
    ) -> ActionOutcome:
        i = self.input
        done = await checked_step(
            activities.apply_operator_action,
            OperatorActionStep(
                token=token,
                entity=f"contract:{i.contract_no}",
                payment=PaymentCheck(
                    payment_id=i.payment_id,
                    contract_no=i.contract_no,
                    subcontractor_no=i.subcontractor_no,
                    correction=correction,
                ),
                payload={"payment_id": i.payment_id},
            ),
        )
        note = "the transfer is attempted now"
        if self.refusal is not None:
            note += f"; it failed with: {self.refusal}"
            self.retry_requested = True
        elif self._calling:
            self._retry_now = True
        return ActionOutcome(
            workflow_id=i.payment_id,
            action=token.action,
            person_id=done.person_id,
            note=f"{done.note}; {note}" if done.note else note,
        )

    @workflow.update
    async def retry_now(self, request: RetryNow) -> ActionOutcome:
        """An operator: the cause is fixed, transfer now (not at the next backoff)."""
        return await self._apply(request.token)

    @retry_now.validator
    def _validate_retry_now(self, request: RetryNow) -> None:
        check_token(request.token, action="retry", args={})
        if self.refusal is None and not self._calling:
            raise refusal(
                WrongPhase(
                    f"payment {self.input.payment_id} is not waiting for an operator or the bank "
                    f"(status: {self.status_text})",
                    fix="retry only a transfer the bank refused or keeps failing",
                )
            )

    @workflow.update
    async def correct_account(self, request: CorrectAccount) -> ActionOutcome:
        """An operator puts a payee's account on file (known to the bank), then retries."""
        return await self._apply(request.token, request)

    @correct_account.validator
    def _validate_correct_account(self, request: CorrectAccount) -> None:
        check_token(
            request.token,
            action="correct-account",
            args={"payee": request.payee, "account_no": request.account_no},
        )
        if self.finished:
            raise refusal(WrongPhase(f"payment {self.input.payment_id} has finished"))
        if request.payee == "subcontractor" and not self.input.subcontractor_no:
            raise refusal(
                InvalidClaim(f"payment {self.input.payment_id} has no subcontractor", field="payee")
            )
