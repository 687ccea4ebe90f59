"""Steps of a payment: claim, inspection, the bank transfer, and its record."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.contracts.errors import to_application_error
from nara.domain.enums import PaymentState
from nara.domain.errors import NaraError, PartnerRejected
from nara.partners.bank import BankClient
from nara.store import audit
from nara.store.tables import Agency, Business, Contract, Payment, Tender


def _entity(contract_no: str) -> str:
    return f"contract:{contract_no}"


class PaymentSteps:
    """Activities of PaymentWorkflow."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], bank: BankClient) -> None:
        self.sessions = sessions
        self.bank = bank

    @implements(declared.record_claim)
    async def record_claim(self, step: m.ClaimStep) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                insert(Payment)
                .values(
                    contract_no=step.contract_no,
                    seq=step.seq,
                    kind=step.kind,
                    amount=step.amount,
                    subcontract_amount=step.subcontract_amount,
                    subcontractor_no=step.subcontractor_no,
                    claimed_by=step.claimed_by,
                    inspection_due=step.inspection_due,
                )
                .on_conflict_do_nothing(constraint="uq_payment_seq")
            )
            await audit.append(
                session,
                actor=step.claimed_by,
                entity=_entity(step.contract_no),
                action="payment-claimed",
                idempotency_key=f"{step.payment_id}:claimed",
                payload={
                    "seq": step.seq,
                    "kind": step.kind,
                    "amount": step.amount,
                    "subcontract_amount": step.subcontract_amount,
                },
            )

    @implements(declared.record_inspection)
    async def record_inspection(self, step: m.InspectionStep) -> None:
        async with self.sessions.begin() as session:
            fresh = await audit.append(
                session,
                actor=step.inspector_id,
                entity=_entity(step.contract_no),
                action="inspection-accepted" if step.accepted else "inspection-rejected",
                idempotency_key=f"{step.payment_id}:inspected",
                payload={"seq": step.seq, "note": step.note},
            )
            if fresh:
                await session.execute(
                    update(Payment)
                    .where(Payment.contract_no == step.contract_no, Payment.seq == step.seq)
                    .values(
                        inspected_by=step.inspector_id,
                        inspected_at=func.now(),
                        inspection_note=step.note,
                        due_at=step.due_at,
                        status=PaymentState.ACCEPTED if step.accepted else PaymentState.REJECTED,
                    )
                )

    @implements(declared.transfer_payment)
    async def transfer_payment(self, step: m.TransferStep) -> m.TransferDone:
        """Move the money; the idempotency keys come from the payment id, never the attempt."""
        async with self.sessions() as session:
            accounts = await _accounts(session, step.contract_no, step.subcontractor_no)
        legs = [(accounts["prime"], step.amount - step.subcontract_amount, "prime")]
        if step.subcontract_amount:
            legs.append((accounts["subcontractor"], step.subcontract_amount, "sub"))
        transfer_ids = []
        for to_account, amount, leg in legs:
            activity.heartbeat(leg)
            try:
                transfer = await self.bank.transfer(
                    from_account=accounts["agency"],
                    to_account=to_account,
                    amount=amount,
                    reference=step.payment_id,
                    memo=f"{step.purpose} {leg} {step.contract_no}",
                    idempotency_key=f"{step.payment_id}:{step.purpose}:{leg}",
                )
            except NaraError as error:
                raise to_application_error(error) from error
            transfer_ids.append(transfer.transfer_id)
        return m.TransferDone(transfer_ids=transfer_ids, completed_at=datetime.now(UTC))

    @implements(declared.record_paid)
    async def record_paid(self, step: m.PaidStep) -> None:
        async with self.sessions.begin() as session:
            fresh = await audit.append(
                session,
                actor="workflow",
                entity=_entity(step.contract_no),
                action="payment-paid",
                idempotency_key=f"{step.payment_id}:paid",
                payload={
                    "seq": step.seq,
                    "transfers": step.transfer_ids,
                    "late_interest": step.late_interest,
                },
            )
            if not fresh:
                return
            await session.execute(
                update(Payment)
                .where(Payment.contract_no == step.contract_no, Payment.seq == step.seq)
                .values(
                    status=PaymentState.PAID,
                    paid_at=func.now(),
                    transfer_ids=step.transfer_ids,
                    late_interest=step.late_interest,
                )
            )
            if step.final:
                await session.execute(
                    update(Contract)
                    .where(Contract.contract_no == step.contract_no)
                    .values(status="completed")
                )


async def _accounts(
    session: AsyncSession, contract_no: str, subcontractor_no: str | None
) -> dict[str, str]:
    row = (
        await session.execute(
            select(Agency.account_no, Business.account_no)
            .select_from(Contract)
            .join(Tender, Tender.id == Contract.tender_id)
            .join(Agency, Agency.code == Tender.agency_code)
            .join(Business, Business.business_no == Contract.business_no)
            .where(Contract.contract_no == contract_no)
        )
    ).one()
    accounts = {"agency": row[0], "prime": row[1]}
    if subcontractor_no:
        accounts["subcontractor"] = await session.scalar(
            select(Business.account_no).where(Business.business_no == subcontractor_no)
        )
    missing = [who for who, number in accounts.items() if not number]
    if missing:
        raise to_application_error(
            PartnerRejected(
                f"no bank account on file for the {', '.join(missing)} of {contract_no}",
                field="account_no",
                fix="register the account, then ask an operator to retry",
            )
        )
    return accounts
