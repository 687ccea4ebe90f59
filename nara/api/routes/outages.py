"""Outages: an operator declares one (deadlines move), everyone reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from nara.api.deps import ActorDep, KeysDep, SessionDep, TemporalDep
from nara.api.problems import problem_responses
from nara.api.schemas.base import Id, Whole
from nara.api.schemas.outages import OutageCreate, OutageDetail, OutagePage
from nara.services.outages import declaring, reading, signals

router = APIRouter(prefix="/outages", tags=["outages"], responses=problem_responses(422, 500, 503))


@router.post(
    "",
    response_model=OutageDetail,
    status_code=201,
    responses={
        200: {"model": OutageDetail, "description": "this window was declared before"},
        **problem_responses(400, 401, 403, 409),
    },
    summary="Declare an outage (operator); the deadlines it caught move",
    description=(
        "For an outage that has ended (`recovered_at` at most 2 minutes ahead of the server "
        "clock). In one transaction: records the outage, moves the deadline and opening of "
        "every tender it caught (announced, bidding or closed) by the terms-of-use rule, and "
        "appends the audit events. After the commit each tender's workflow is sent the "
        "`ExtendDeadline` signal; `tenders[].signal` says how each went. Declaring the same "
        "window again answers the first declaration (200), moves nothing again, and re-sends "
        "only the signals that failed. A window overlapping a declared one is refused (409). "
        "A tender whose bidding had already closed keeps its deadline: only its opening moves."
    ),
)
async def declare_outage(
    body: OutageCreate,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> OutageDetail:
    declared = await declaring.declare(
        session=session,
        actor=actor,
        started_at=body.started_at,
        recovered_at=body.recovered_at,
        reason=body.reason,
    )
    await session.commit()
    outage = await signals.notify(
        session=session, temporal=temporal, outage_id=declared.item.id, keys=keys
    )
    await session.commit()
    response.status_code = 201 if declared.created else 200
    response.headers["Location"] = f"/outages/{outage.id}"
    return OutageDetail.model_validate(outage)


@router.get("", response_model=OutagePage, summary="Declared outages, newest first")
async def list_outages(
    session: SessionDep,
    cursor: Annotated[Id | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Whole(1, 200, text=True), Query()] = 50,
) -> OutagePage:
    return OutagePage.model_validate(
        await reading.list(session=session, cursor=cursor, limit=limit)
    )


@router.get(
    "/{outage_id}",
    response_model=OutageDetail,
    responses=problem_responses(404),
    summary="One outage: who declared it and the tenders it moved (times in KST)",
)
async def get_outage(outage_id: Id, session: SessionDep) -> OutageDetail:
    return OutageDetail.model_validate(await reading.get(session=session, outage_id=outage_id))
