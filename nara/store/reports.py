"""Figures over a time window, for the weekly report: counts and sums in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import PaymentState, Phase
from nara.store.tables import Award, Contract, OpeningResult, Payment, Tender


@dataclass(frozen=True)
class Figures:
    """What happened in a window; amounts in KRW."""

    announcements: int  # re-announcements included
    re_announcements: int
    openings: int
    failed_tenders: int
    cancelled_tenders: int
    awards: int  # forfeited awards left out
    award_value: int
    contracts: int  # signed by both sides
    contract_value: int
    payments: int
    paid_to_contractors: int
    paid_to_subcontractors: int
    late_interest: int


async def figures(session: AsyncSession, *, starts_at: datetime, ends_at: datetime) -> Figures:
    """The figures of [starts_at, ends_at)."""

    def within(column: Any) -> ColumnElement[bool]:
        between: ColumnElement[bool] = column.between(
            starts_at, ends_at - timedelta(microseconds=1)
        )
        return between

    announced = (
        await session.execute(
            select(func.count(), func.count().filter(Tender.round > 0)).where(
                within(Tender.announced_at), Tender.catalogue.is_(False)
            )
        )
    ).one()
    openings = await session.scalar(
        select(func.count()).select_from(OpeningResult).where(within(OpeningResult.opened_at))
    )
    ended: dict[Phase, int] = {
        phase: count
        for phase, count in (
            await session.execute(
                select(Tender.phase, func.count())
                .where(
                    Tender.phase.in_([Phase.FAILED, Phase.CANCELLED]),
                    within(Tender.updated_at),
                    Tender.catalogue.is_(False),
                )
                .group_by(Tender.phase)
            )
        ).all()
    }
    awards = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Award.price), 0)).where(
                within(Award.awarded_at), Award.status != "forfeited"
            )
        )
    ).one()
    signed_at = func.greatest(Contract.agency_signed_at, Contract.supplier_signed_at)
    contracts = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Contract.amount), 0)).where(
                Contract.status.in_(["active", "completed"]), within(signed_at)
            )
        )
    ).one()
    paid = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Payment.amount - Payment.subcontract_amount), 0),
                func.coalesce(func.sum(Payment.subcontract_amount), 0),
                func.coalesce(func.sum(Payment.late_interest), 0),
            ).where(Payment.status == PaymentState.PAID, within(Payment.paid_at))
        )
    ).one()
    return Figures(
        announcements=announced[0],
        re_announcements=announced[1],
        openings=openings or 0,
        failed_tenders=ended.get(Phase.FAILED, 0),
        cancelled_tenders=ended.get(Phase.CANCELLED, 0),
        awards=awards[0],
        award_value=int(awards[1]),
        contracts=contracts[0],
        contract_value=int(contracts[1]),
        payments=paid[0],
        paid_to_contractors=int(paid[1]),
        paid_to_subcontractors=int(paid[2]),
        late_interest=int(paid[3]),
    )
