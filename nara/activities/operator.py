"""Operators' actions: check the person's signed token and the cause, audit, apply.

One activity for every action an operator sends to a workflow. It refuses (non-retryable,
so the Update fails with the reason) a token the action key did not sign, an expired or
already used one, a person who is not an operator, and a retry or account correction the
bank would still refuse. The audit event (keyed by the token's nonce) and the change it
describes commit in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from nara.contracts import activities as declared
from nara.contracts import ops as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.domain.enums import Role
from nara.domain.errors import (
    ActionRefused,
    CauseNotFixed,
    NaraError,
    PartnerRejected,
    PartnerUnavailable,
)
from nara.keys.actions import ActionKey
from nara.partners.bank import BankClient
from nara.store import audit, payments
from nara.store import ops as store_ops
from nara.store.tables import AuditEvent


class OperatorSteps:
    """The `apply_operator_action` activity."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bank: BankClient,
        key: ActionKey | None,
    ) -> None:
        self.sessions = sessions
        self.bank = bank
        self.key = key

    @implements(declared.apply_operator_action)
    async def apply_operator_action(self, step: m.OperatorActionStep) -> m.OperatorActionDone:
        """Verify, check the cause, audit and apply one operator's action."""
        try:
            self._verify(step.token, step.roles)
            if step.payment is not None:
                await self._check_bank(step.payment)
            return await self._record(step)
        except NaraError as error:
            raise to_application_error(error, final=True) from error

    def _verify(self, token: m.PersonToken, roles: list[Role]) -> None:
        if self.key is None:
            raise ActionRefused("this worker has no action key: every action is refused")
        if not token.mac or not self.key.verify(token.signed_bytes(), token.mac):
            raise ActionRefused(
                f"the action names {token.person_id!r} without a valid signature",
                field="token",
                fix="act through the API or `nara ops` as a logged-in operator",
            )
        if token.expires_at < datetime.now(UTC):
            raise ActionRefused(
                f"the action token expired at {token.expires_at.isoformat()}",
                field="token",
                fix="ask again",
            )
        if token.role not in roles:
            raise ActionRefused(
                f"{token.person_id} is a {token.role.value}; this needs "
                + " or ".join(r.value for r in roles),
                field="token",
            )

    async def _check_bank(self, check: m.PaymentCheck) -> None:
        """Refuse while the bank would still refuse: every payee account must be known to
        it, and its transfers must answer (the read of this payment's transfer)."""
        async with self.sessions() as session:
            accounts = await payments.get_accounts(
                session, contract_no=check.contract_no, subcontractor_no=check.subcontractor_no
            )
        if check.correction is not None:
            accounts[check.correction.payee] = check.correction.account_no
        try:
            for who, account_no in accounts.items():
                if not account_no:
                    raise CauseNotFixed(
                        f"no bank account on file for the {who} of {check.contract_no}",
                        field="account_no",
                        fix="correct the payee's account first (nara ops correct-account)",
                    )
                try:
                    await self.bank.get_account(account_no)
                except PartnerRejected as error:
                    raise CauseNotFixed(
                        f"the bank still refuses the {who}'s account {account_no}: {error}",
                        field="account_no",
                        fix="correct the account (nara ops correct-account) with one the "
                        "bank knows",
                    ) from None
            await self.bank.find_transfer(f"{check.payment_id}:payment:prime")
        except PartnerUnavailable as error:
            raise CauseNotFixed(
                f"the bank still fails: {error}",
                fix="wait until the bank answers again (its status page, or nara ops stuck), "
                "then retry",
            ) from None

    async def _record(self, step: m.OperatorActionStep) -> m.OperatorActionDone:
        token = step.token
        note = ""
        info = activity.info()
        this_step = f"{info.workflow_run_id}:{info.activity_id}"
        key = f"operator-action:{token.nonce}"
        async with self.sessions.begin() as session:
            correction = step.payment.correction if step.payment else None
            payload: dict[str, object] = {
                "workflow_id": token.workflow_id,
                "reason": token.reason,
                "role": token.role.value,
                **token.args,
                **step.payload,
                "step": this_step,
            }

            async def apply() -> None:
                nonlocal note
                if correction is None or step.payment is None:
                    return
                business_no, old = await store_ops.set_payee_account(
                    session,
                    contract_no=step.payment.contract_no,
                    payee=correction.payee,
                    subcontractor_no=step.payment.subcontractor_no,
                    account_no=correction.account_no,
                )
                note = f"account of {business_no}: {old or 'none'} -> {correction.account_no}"

            fresh = await audit.record(
                session,
                actor=token.person_id,
                entity=step.entity,
                action=f"{token.role.value}-{token.action}",
                key=key,
                payload=payload,
                then=apply,
            )
        if not fresh and await self._recorded_by(key) != this_step:
            raise ActionRefused(
                "this action token was already used", field="token", fix="ask again"
            )
        return m.OperatorActionDone(person_id=token.person_id, at=datetime.now(UTC), note=note)

    async def _recorded_by(self, key: str) -> object:
        """The step that recorded an action key (a retry of that same step is no reuse)."""
        async with self.sessions() as session:
            payload = await session.scalar(
                select(AuditEvent.payload).where(AuditEvent.idempotency_key == key)
            )
        return (payload or {}).get("step")
