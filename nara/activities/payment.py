"""Payment steps: the claim, its inspection, the bank transfer, and its record.
Each is idempotent: a retry never writes or transfers twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.domain.errors import NaraError, PartnerRejected
from nara.partners.bank import BankClient
from nara.store import audit, contracts, ocds, payments


class PaymentSteps:
    """Activities of PaymentWorkflow."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], bank: BankClient) -> None:
        self.sessions = sessions
        self.bank = bank

    @implements(declared.record_claim)
    async def record_claim(self, step: m.ClaimStep) -> None:
        """Record a payment claim."""
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor=step.claimed_by,
                entity=audit.contract_entity(step.contract_no),
                action="payment-claimed",
                key=f"{step.payment_id}:claimed",
                payload={
                    "seq": step.seq,
                    "kind": step.kind,
                    "amount": step.amount,
                    "subcontract_amount": step.subcontract_amount,
                },
                then=lambda: payments.insert(
                    session,
                    contract_no=step.contract_no,
                    seq=step.seq,
                    kind=step.kind,
                    amount=step.amount,
                    subcontract_amount=step.subcontract_amount,
                    subcontractor_no=step.subcontractor_no,
                    claimed_by=step.claimed_by,
                    inspection_due=step.inspection_due,
                ),
            )

    @implements(declared.record_inspection)
    async def record_inspection(self, step: m.InspectionStep) -> None:
        """Record the inspector's decision on a claim."""
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor=step.inspector_id,
                entity=audit.contract_entity(step.contract_no),
                action="inspection-accepted" if step.accepted else "inspection-rejected",
                key=f"{step.payment_id}:inspected",
                payload={"seq": step.seq, "note": step.note},
                then=lambda: payments.update_inspection(
                    session,
                    contract_no=step.contract_no,
                    seq=step.seq,
                    inspected_by=step.inspector_id,
                    accepted=step.accepted,
                    note=step.note,
                    due_at=step.due_at,
                ),
            )

    @implements(declared.transfer_payment)
    async def transfer_payment(self, step: m.TransferStep) -> m.TransferDone:
        """Move the money; the idempotency keys come from the payment id, never the attempt."""
        async with self.sessions() as session:
            on_file = await payments.get_accounts(
                session, contract_no=step.contract_no, subcontractor_no=step.subcontractor_no
            )
        try:
            accounts = _every_account(on_file, step.contract_no)
        except PartnerRejected as error:
            await self._audit(
                step,
                "payment-refused",
                f"{step.payment_id}:{step.purpose}:accounts:refused:{_attempt()}",
                {"refusal": error.detail},
            )
            raise to_application_error(error) from error
        legs = [(accounts["prime"], step.amount - step.subcontract_amount, "prime")]
        if step.subcontract_amount:
            legs.append((accounts["subcontractor"], step.subcontract_amount, "sub"))
        transfer_ids: list[str] = []
        paid: list[str] = []
        for to_account, amount, leg in legs:
            activity.heartbeat(leg)
            key = f"{step.payment_id}:{step.purpose}:{leg}"
            try:
                transfer = await self.bank.transfer(
                    from_account=accounts["agency"],
                    to_account=to_account,
                    amount=amount,
                    reference=step.payment_id,
                    memo=f"{step.purpose} {leg} {step.contract_no}",
                    idempotency_key=key,
                )
            except PartnerRejected as error:
                if paid:  # the refusal says which legs already went through
                    error.detail += f" (already paid: {'; '.join(paid)})"
                    error.extra["legs_paid"] = paid
                await self._audit(
                    step,
                    "payment-refused",
                    f"{key}:refused:{_attempt()}",
                    {
                        "leg": leg,
                        "amount": amount,
                        "refusal": error.detail,
                    },
                )
                raise to_application_error(error) from error
            except NaraError as error:
                raise to_application_error(error) from error
            transfer_ids.append(transfer.transfer_id)
            paid.append(f"{leg} {amount:,} KRW ({transfer.transfer_id})")
            await self._audit(
                step,
                "payment-leg-paid",
                f"{key}:paid",
                {
                    "leg": leg,
                    "amount": amount,
                    "transfer_id": transfer.transfer_id,
                },
            )
        return m.TransferDone(transfer_ids=transfer_ids, completed_at=datetime.now(UTC))

    async def _audit(
        self, step: m.TransferStep, action: str, key: str, payload: dict[str, object]
    ) -> None:
        """An audit event of the bank's answer for one leg (once per key)."""
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor="workflow",
                entity=audit.contract_entity(step.contract_no),
                action=action,
                key=key,
                payload={"seq": step.seq, "purpose": step.purpose, **payload},
            )

    @implements(declared.record_paid)
    async def record_paid(self, step: m.PaidStep) -> None:
        """Record a payment as paid; the final payment completes the contract."""
        async with self.sessions.begin() as session:

            async def paid() -> None:
                await payments.update_paid(
                    session,
                    contract_no=step.contract_no,
                    seq=step.seq,
                    transfer_ids=step.transfer_ids,
                    late_interest=step.late_interest,
                )
                if step.final:
                    await contracts.update_status(
                        session, contract_no=step.contract_no, status="completed"
                    )

            await audit.record(
                session,
                actor="workflow",
                entity=audit.contract_entity(step.contract_no),
                action="payment-paid",
                key=f"{step.payment_id}:paid",
                payload={
                    "seq": step.seq,
                    "transfers": step.transfer_ids,
                    "late_interest": step.late_interest,
                },
                then=paid,
            )
            await ocds.publish_payment(
                session,
                contract_no=step.contract_no,
                payment_id=step.payment_id,
                seq=step.seq,
                final=step.final,
            )


def _attempt() -> str:
    """This activity's attempt, so each refusal is its own audit event."""
    info = activity.info()
    return f"{info.workflow_run_id}:{info.activity_id}:{info.attempt}"


def _every_account(on_file: dict[str, str | None], contract_no: str) -> dict[str, str]:
    """The accounts of everyone paid; refused (not retried) while one is missing."""
    missing = [who for who, number in on_file.items() if not number]
    if missing:
        raise PartnerRejected(
            f"no bank account on file for the {', '.join(missing)} of {contract_no}",
            field="account_no",
            fix="register the account, then ask an operator to retry",
        )
    return {who: number for who, number in on_file.items() if number}
