"""Checking a tender's schedule with the announcement rules in force.

Compressed time (`NARA_TIME_SCALE` > 1, the demo only): the period between now and the
deadline (and the opening) is stretched by the scale before the minimum notice period is
checked, so a deadline 31 s away counts as 7.2 days at scale 20000; the on-the-hour and
hourly-capacity rules are skipped (`check_clock_rules=False`), as seconds-away deadlines
cannot fall on the hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import announcement
from nara.domain.calendar import SEOUL
from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.errors import RuleViolation
from nara.domain.rules import rules_on
from nara.domain.time_scale import compress, stretch
from nara.settings import Settings
from nara.store import tenders


async def check_schedule(
    *,
    session: AsyncSession,
    settings: Settings,
    category: Category,
    method: Method,
    estimated_price: int,
    urgent: bool,
    announced_at: datetime,
    deadline: datetime,
    opening_at: datetime,
    now: datetime,
    exclude_notice_no: str | None = None,
    agency_kind: AgencyKind = AgencyKind.NATIONAL,
) -> None:
    """Check a schedule with the announcement rules of the agency's law (raises RuleViolation)."""
    scale = settings.time_scale
    if scale > 1:
        # Compressed time: stretch the remaining periods, skip the clock rules (module doc).
        try:
            announcement.check_announcement(
                category=category,
                method=method,
                estimated_price=estimated_price,
                announced_at=announced_at,
                deadline=stretch(now, deadline, scale),
                opening_at=stretch(now, opening_at, scale),
                urgent=urgent,
                check_clock_rules=False,
                agency_kind=agency_kind,
            )
        except RuleViolation as violation:
            raise _unstretched(violation, now=now, scale=scale) from None
        return
    hour = deadline.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    await tenders.lock_deadline_hour(session, hour=hour)
    count = await tenders.count_deadlines(
        session, start=hour, end=hour + timedelta(hours=1), excluding=exclude_notice_no
    )
    capacity = rules_on(announced_at.astimezone(SEOUL).date()).deadlines().tenders_per_hour
    loads = None
    if count >= capacity:  # the rule then suggests hours with room, over the proposal horizon
        loads = await tenders.count_deadlines_per_hour(
            session, start=hour, end=hour + announcement.PROPOSAL_HORIZON
        )
    announcement.check_announcement(
        category=category,
        method=method,
        estimated_price=estimated_price,
        announced_at=announced_at,
        deadline=deadline,
        opening_at=opening_at,
        urgent=urgent,
        tenders_in_deadline_hour=count,
        deadline_hour_loads=loads,
        agency_kind=agency_kind,
    )


def _unstretched(violation: RuleViolation, *, now: datetime, scale: int) -> RuleViolation:
    """Say a stretched-time violation in real time, so the demo's numbers make sense."""
    suggestion = violation.suggestion
    real = ""
    if isinstance(suggestion, datetime) and suggestion > now:
        suggestion = compress(now, suggestion, scale)
        real = f"; in real time the earliest is {suggestion.astimezone(SEOUL):%H:%M:%S} KST"
    return RuleViolation(
        rule=violation.rule,
        field=violation.field or "",  # a RuleViolation always names its field
        value=violation.value,
        accepted=violation.accepted,
        suggestion=suggestion,
        message=f"{violation.message} (NARA_TIME_SCALE={scale}: periods from now are "
        f"checked {scale:,} times longer{real})",
    )
