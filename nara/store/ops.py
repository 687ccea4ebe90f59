"""What operators change and read in bulk: a payee's account, the overdue payments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import PaymentState
from nara.store.tables import AuditEvent, Business, Contract, Payment, Tender


async def set_payee_account(
    session: AsyncSession,
    *,
    contract_no: str,
    payee: str,
    subcontractor_no: str | None,
    account_no: str,
) -> tuple[str, str | None]:
    """Put `account_no` on file for the prime (the contract's business) or the
    subcontractor; (business no, the account it replaced)."""
    if payee == "subcontractor":
        if subcontractor_no is None:
            raise ValueError("this payment has no subcontractor")
        business_no = subcontractor_no
    else:
        business_no = (
            await session.scalar(
                select(Contract.business_no).where(Contract.contract_no == contract_no)
            )
        ) or ""
    old = await session.scalar(
        select(Business.account_no).where(Business.business_no == business_no).with_for_update()
    )
    await session.execute(
        update(Business).where(Business.business_no == business_no).values(account_no=account_no)
    )
    return business_no, old


async def overdue_payments(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[Payment, str]]:
    """Payments not paid past their due date, or not inspected past the inspection's, with
    the notice no of their tender; the longest overdue first."""
    late_payment = and_(Payment.status == PaymentState.ACCEPTED, Payment.due_at < now)
    late_inspection = and_(
        Payment.status == PaymentState.CLAIMED,
        Payment.inspected_at.is_(None),
        Payment.inspection_due < now,
    )
    rows = await session.execute(
        select(Payment, Tender.notice_no)
        .join(Contract, Contract.contract_no == Payment.contract_no)
        .join(Tender, Tender.id == Contract.tender_id)
        .where(or_(late_payment, late_inspection))
        .order_by(Payment.due_at.nulls_last(), Payment.inspection_due)
        .limit(limit)
    )
    return [(payment, notice_no) for payment, notice_no in rows.all()]


async def latest_payloads(
    session: AsyncSession, *, entities: list[str], action: str
) -> dict[str, dict[str, Any]]:
    """The payload of the newest audit event of this action on each entity (one query)."""
    if not entities:
        return {}
    rows = await session.execute(
        select(AuditEvent.entity, AuditEvent.payload)
        .where(AuditEvent.entity.in_(entities), AuditEvent.action == action)
        .order_by(AuditEvent.entity, AuditEvent.id.desc())
        .ext(distinct_on(AuditEvent.entity))
    )
    return {entity: payload for entity, payload in rows.all()}
