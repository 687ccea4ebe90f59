"""From candidate to signed contract: reviews, awards, guarantees and contracts.

Inserts are idempotent (a retried step finds the row and changes nothing).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.store.tables import Award, Contract, Guarantee, Review


async def insert_review(
    session: AsyncSession,
    *,
    tender_id: uuid.UUID,
    business_no: str,
    rank: int,
    price_score: Decimal,
    capability_score: Decimal,
    total: Decimal,
    passed: bool,
    note: str,
    reviewed_by: str,
) -> None:
    """Store a candidate's review, once per tender and business."""
    await session.execute(
        pg_insert(Review)
        .values(
            tender_id=tender_id,
            business_no=business_no,
            rank=rank,
            price_score=price_score,
            capability_score=capability_score,
            total=total,
            passed=passed,
            note=note,
            reviewed_by=reviewed_by,
        )
        .on_conflict_do_nothing(constraint="uq_review_candidate")
    )


async def insert_award(
    session: AsyncSession,
    *,
    tender_id: uuid.UUID,
    business_no: str,
    price: int,
    approved_by: str,
    guarantee_due: datetime,
) -> None:
    """Store an award, once per tender and business."""
    await session.execute(
        pg_insert(Award)
        .values(
            tender_id=tender_id,
            business_no=business_no,
            price=price,
            approved_by=approved_by,
            guarantee_due=guarantee_due,
        )
        .on_conflict_do_nothing(constraint="uq_award_candidate")
    )


async def update_award(
    session: AsyncSession,
    *,
    tender_id: uuid.UUID,
    business_no: str,
    status: str,
    forfeit_reason: str | None = None,
) -> None:
    """Set an award's status (awarded | forfeited | contracted) and why it was forfeited."""
    values: dict[str, Any] = {"status": status}
    if forfeit_reason is not None:
        values["forfeit_reason"] = forfeit_reason
    await session.execute(
        update(Award)
        .where(Award.tender_id == tender_id, Award.business_no == business_no)
        .values(**values)
    )


async def insert_guarantee(
    session: AsyncSession,
    *,
    certificate_no: str,
    kind: str,
    reference: str,
    business_no: str,
    amount: int,
) -> None:
    """Store a guarantee its agency confirmed just now, once per certificate."""
    await session.execute(
        pg_insert(Guarantee)
        .values(
            certificate_no=certificate_no,
            kind=kind,
            reference=reference,
            business_no=business_no,
            amount=amount,
            confirmed_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=[Guarantee.certificate_no])
    )


async def update_guarantee_claimed(
    session: AsyncSession, *, certificate_no: str, amount: int
) -> None:
    """Note that `amount` was claimed on the guarantee just now."""
    await session.execute(
        update(Guarantee)
        .where(Guarantee.certificate_no == certificate_no)
        .values(claimed_amount=amount, claimed_at=func.now())
    )


async def insert_contract(
    session: AsyncSession,
    *,
    contract_no: str,
    tender_id: uuid.UUID,
    business_no: str,
    amount: int,
    performance_guarantee_cert: str,
) -> None:
    """Store a contract awaiting signatures, once per contract number."""
    await session.execute(
        pg_insert(Contract)
        .values(
            contract_no=contract_no,
            tender_id=tender_id,
            business_no=business_no,
            amount=amount,
            performance_guarantee_cert=performance_guarantee_cert,
        )
        .on_conflict_do_nothing(index_elements=[Contract.contract_no])
    )


async def lock(session: AsyncSession, *, contract_no: str) -> Contract:
    """The contract under its row lock; NoResultFound if there is none."""
    return (
        await session.execute(
            select(Contract).where(Contract.contract_no == contract_no).with_for_update()
        )
    ).scalar_one()


async def sign(session: AsyncSession, *, contract_no: str, role: Role, person_id: str) -> None:
    """Record one party's first signature; with both, the contract and its award take effect."""
    contract = await lock(session, contract_no=contract_no)
    now = datetime.now(UTC)
    if role is Role.OFFICER and contract.agency_signed_by is None:
        contract.agency_signed_by, contract.agency_signed_at = person_id, now
    elif role is Role.SUPPLIER and contract.supplier_signed_by is None:
        contract.supplier_signed_by, contract.supplier_signed_at = person_id, now
    if contract.agency_signed_by and contract.supplier_signed_by:
        contract.status = "active"
        await update_award(
            session,
            tender_id=contract.tender_id,
            business_no=contract.business_no,
            status="contracted",
        )


async def update_status(session: AsyncSession, *, contract_no: str, status: str) -> None:
    """Set a contract's status (signing | active | completed)."""
    await session.execute(
        update(Contract).where(Contract.contract_no == contract_no).values(status=status)
    )
