"""The weekly report, from PostgreSQL only: the figures the real system published."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.calendar import SEOUL
from nara.services.base import ServiceModel
from nara.store import reports


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

    week = await reports.figures(session, starts_at=lo, ends_at=hi)
    return WeeklyReport(
        start=start,
        end=end,
        starts_at=lo,
        ends_at=hi,
        announcements=week.announcements,
        re_announcements=week.re_announcements,
        openings=week.openings,
        failed_tenders=week.failed_tenders,
        cancelled_tenders=week.cancelled_tenders,
        awards=CountAndValue(count=week.awards, value=week.award_value),
        contracts=CountAndValue(count=week.contracts, value=week.contract_value),
        payments_disbursed=PaymentsDisbursed(
            count=week.payments,
            contract=week.paid_to_contractors,
            subcontract=week.paid_to_subcontractors,
            late_interest=week.late_interest,
            total=week.paid_to_contractors + week.paid_to_subcontractors,
        ),
    )


class DayFigures(ServiceModel):
    """One day's counts (KST), for the console's chart."""

    day: date
    announcements: int
    openings: int
    awards: int
    payments: int


async def get_daily(*, session: AsyncSession, start: date | None = None) -> list[DayFigures]:
    """The seven days from `start` (default: this week's Monday, KST), one by one."""
    start = start or current_week_start()
    days: list[DayFigures] = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        lo = datetime.combine(day, time(0), tzinfo=SEOUL)
        figures = await reports.figures(session, starts_at=lo, ends_at=lo + timedelta(days=1))
        days.append(
            DayFigures(
                day=day,
                announcements=figures.announcements,
                openings=figures.openings,
                awards=figures.awards,
                payments=figures.payments,
            )
        )
    return days
