"""Reports, from PostgreSQL only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nara.api.deps import SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import Day
from nara.api.schemas.reports import WeeklyReport
from nara.services import reports

router = APIRouter(prefix="/reports", tags=["reports"], responses=problem_responses(422, 500, 503))


@router.get(
    "/weekly",
    response_model=WeeklyReport,
    summary="Weekly figures: announcements, openings, awards, contracts, payments",
)
async def weekly_report(
    session: SessionDep,
    start: Annotated[
        Day | None,
        Query(
            description="first day, YYYY-MM-DD from 2000-01-01 up to 2100-01-01 (exclusive); "
            "default: this week's Monday (KST)"
        ),
    ] = None,
) -> WeeklyReport:
    return WeeklyReport.model_validate(await reports.get_weekly(session=session, start=start))
