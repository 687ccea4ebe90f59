"""The weekly report, from PostgreSQL only: the figures the real system published."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.calendar import SEOUL
from nara.domain.enums import Phase
from nara.services.base import ServiceModel
from nara.store.tables import Award, Contract, OpeningResult, Payment, Tender


class CountAndValue(ServiceModel):
    count: int
    value: int  # KRW


class PaymentsDisbursed(ServiceModel):
    count: int
    contract: int  # KRW paid to contractors
    subcontract: int  # KRW paid directly to subcontractors
    late_interest: int
    total: int  # contract + subcontract


class WeeklyReport(ServiceModel):
    """Seven days of figures, from Monday 00:00 KST to the next Monday 00:00 KST."""

    start: date
    end: date
    starts_at: datetime
    ends_at: datetime
    announcements: int  # re-announcements included
    re_announcements: int
    openings: int
    failed_tenders: int
    cancelled_tenders: int
    awards: CountAndValue
    contracts: CountAndValue  # signed by both sides
    payments_disbursed: PaymentsDisbursed


def current_week_start(now: datetime | None = None) -> date:
    """Monday of the current week on the Seoul clock."""
    today = (now or datetime.now(SEOUL)).astimezone(SEOUL).date()
    return today - timedelta(days=today.weekday())


async def get_weekly(*, session: AsyncSession, start: date | None = None) -> WeeklyReport:
    """Seven days from `start` (default: this week's Monday, KST)."""
    start = start or current_week_start()
    end = start + timedelta(days=7)
    lo = datetime.combine(start, time(0), tzinfo=SEOUL)
    hi = datetime.combine(end, time(0), tzinfo=SEOUL)

    def within(column: object) -> object:
        return column.between(lo, hi - timedelta(microseconds=1))  # type: ignore[attr-defined]

    announced = (
        await session.execute(
            select(func.count(), func.count().filter(Tender.round > 0)).where(
                within(Tender.announced_at)
            )
        )
    ).one()
    openings = await session.scalar(
        select(func.count()).select_from(OpeningResult).where(within(OpeningResult.opened_at))
    )
    ended = dict(
        (
            await session.execute(
                select(Tender.phase, func.count())
                .where(
                    Tender.phase.in_([Phase.FAILED.value, Phase.CANCELLED.value]),
                    within(Tender.updated_at),
                )
                .group_by(Tender.phase)
            )
        ).all()
    )
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
            ).where(Payment.status == "paid", within(Payment.paid_at))
        )
    ).one()
    return WeeklyReport(
        start=start,
        end=end,
        starts_at=lo,
        ends_at=hi,
        announcements=announced[0],
        re_announcements=announced[1],
        openings=openings or 0,
        failed_tenders=ended.get(Phase.FAILED.value, 0),
        cancelled_tenders=ended.get(Phase.CANCELLED.value, 0),
        awards=CountAndValue(count=awards[0], value=int(awards[1])),
        contracts=CountAndValue(count=contracts[0], value=int(contracts[1])),
        payments_disbursed=PaymentsDisbursed(
            count=paid[0],
            contract=int(paid[1]),
            subcontract=int(paid[2]),
            late_interest=int(paid[3]),
            total=int(paid[1]) + int(paid[2]),
        ),
    )
