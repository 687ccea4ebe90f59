"""Payment claims of a contract: the claim, its inspection, its transfer, and who is paid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import PaymentKind, PaymentState
from nara.store.tables import Agency, Business, Contract, Payment, Tender


async def insert(
    session: AsyncSession,
    *,
    contract_no: str,
    seq: int,
    kind: PaymentKind,
    amount: int,
    subcontract_amount: int,
    subcontractor_no: str | None,
    claimed_by: str,
    inspection_due: datetime,
) -> None:
    """Store a claim, once per contract and sequence number."""
    await session.execute(
        pg_insert(Payment)
        .values(
            contract_no=contract_no,
            seq=seq,
            kind=kind,
            amount=amount,
            subcontract_amount=subcontract_amount,
            subcontractor_no=subcontractor_no,
            claimed_by=claimed_by,
            inspection_due=inspection_due,
        )
        .on_conflict_do_nothing(constraint="uq_payment_seq")
    )


async def update_inspection(
    session: AsyncSession,
    *,
    contract_no: str,
    seq: int,
    inspected_by: str,
    accepted: bool,
    note: str,
    due_at: datetime | None,
) -> None:
    """Record the inspector's decision now: accepted (due by `due_at`) or rejected."""
    await session.execute(
        update(Payment)
        .where(Payment.contract_no == contract_no, Payment.seq == seq)
        .values(
            inspected_by=inspected_by,
            inspected_at=func.now(),
            inspection_note=note,
            due_at=due_at,
            status=PaymentState.ACCEPTED if accepted else PaymentState.REJECTED,
        )
    )


async def update_paid(
    session: AsyncSession,
    *,
    contract_no: str,
    seq: int,
    transfer_ids: Sequence[str],
    late_interest: int,
) -> None:
    """Mark a claim paid now, by these bank transfers, with any late interest."""
    await session.execute(
        update(Payment)
        .where(Payment.contract_no == contract_no, Payment.seq == seq)
        .values(
            status=PaymentState.PAID,
            paid_at=func.now(),
            transfer_ids=[*transfer_ids],
            late_interest=late_interest,
        )
    )


async def get_accounts(
    session: AsyncSession, *, contract_no: str, subcontractor_no: str | None
) -> dict[str, str | None]:
    """Bank accounts on file for a payment: the agency's, the prime's, any subcontractor's."""
    agency, prime = (
        await session.execute(
            select(Agency.account_no, Business.account_no)
            .select_from(Contract)
            .join(Tender, Tender.id == Contract.tender_id)
            .join(Agency, Agency.code == Tender.agency_code)
            .join(Business, Business.business_no == Contract.business_no)
            .where(Contract.contract_no == contract_no)
        )
    ).one()
    accounts = {"agency": agency, "prime": prime}
    if subcontractor_no:
        accounts["subcontractor"] = await session.scalar(
            select(Business.account_no).where(Business.business_no == subcontractor_no)
        )
    return accounts
