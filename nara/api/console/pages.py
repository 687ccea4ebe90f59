"""The console's pages: my work, a tender, a payment, the weekly figures.

Each reads through the same services as the API's routes (`nara.services`), as the
person the access gate let through; the templates only lay the answers out.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.api.console import web
from nara.api.console.chart import SERIES, daily_chart
from nara.api.deps import ActorDep, MaybeTemporalDep, SessionDep
from nara.api.schemas.base import Day, NoticeNumber, PaymentId
from nara.domain.enums import Phase, Role
from nara.domain.errors import WrongPhase
from nara.services import payments, reports, timeline, worklist
from nara.services.actors import Actor
from nara.services.tenders import next_steps, opening_results, reading

router = APIRouter(
    prefix=web.PREFIX, include_in_schema=False, dependencies=[Depends(web.verify_csrf)]
)


@router.get("")
async def my_work(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    phase: Annotated[Phase | None, Query()] = None,
    cursor: Annotated[NoticeNumber | None, Query()] = None,
) -> Response:
    work = await worklist.list_mine(session=session, actor=actor, phase=phase, cursor=cursor)
    return web.render(request, "work.html", person=actor, work=work, phases=list(Phase))


async def tender_page(
    request: Request,
    *,
    session: AsyncSession,
    temporal: Client | None,
    actor: Actor,
    notice_no: str,
    status: int = 200,
    **context: Any,
) -> Response:
    """The tender's page; the actions re-render it with their problem next to a field."""
    tender = await reading.get(session=session, temporal=temporal, notice_no=notice_no)
    try:
        opening = await opening_results.get(session=session, notice_no=notice_no)
    except WrongPhase:
        opening = None
    return web.render(
        request,
        "tender.html",
        status=status,
        person=actor,
        tender=tender,
        phase=tender.live.phase if tender.live else tender.phase,
        opening=opening,
        timeline=await timeline.get(session=session, actor=actor, notice_no=notice_no),
        steps=[
            s.value for s in await next_steps.available(session=session, actor=actor, tender=tender)
        ],
        errors=context.pop("errors", {}),
        form=context.pop("form", {}),
        done=request.query_params.get("done") if status == 200 else None,
        **context,
    )


@router.get("/tenders/{notice_no}")
async def tender(
    request: Request,
    notice_no: NoticeNumber,
    session: SessionDep,
    temporal: MaybeTemporalDep,
    actor: ActorDep,
) -> Response:
    return await tender_page(
        request, session=session, temporal=temporal, actor=actor, notice_no=notice_no
    )


async def payment_page(
    request: Request,
    *,
    session: AsyncSession,
    temporal: Client | None,
    actor: Actor,
    payment_id: str,
    status: int = 200,
    **context: Any,
) -> Response:
    """The payment's page, with the inspection form for an inspector while it waits."""
    detail = await payments.get(
        session=session, temporal=temporal, actor=actor, payment_id=payment_id
    )
    waiting = detail.live.awaiting_role if detail.live else None
    return web.render(
        request,
        "payment.html",
        status=status,
        person=actor,
        payment=detail,
        may_inspect=actor.role is Role.INSPECTOR and waiting is Role.INSPECTOR,
        errors=context.pop("errors", {}),
        form=context.pop("form", {}),
        done=request.query_params.get("done") if status == 200 else None,
        **context,
    )


@router.get("/payments/{payment_id}")
async def payment(
    request: Request,
    payment_id: PaymentId,
    session: SessionDep,
    temporal: MaybeTemporalDep,
    actor: ActorDep,
) -> Response:
    return await payment_page(
        request, session=session, temporal=temporal, actor=actor, payment_id=payment_id
    )


@router.get("/reports/weekly")
async def weekly(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    start: Annotated[Day | None, Query()] = None,
) -> Response:
    start = start or reports.current_week_start()
    days = await reports.get_daily(session=session, start=start)
    return web.render(
        request,
        "weekly.html",
        person=actor,
        start=start,
        days=days,
        series=SERIES,
        chart=daily_chart(days, web.language(request)),
    )
