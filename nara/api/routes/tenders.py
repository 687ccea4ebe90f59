"""Tenders: announce, search, read, extend, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from nara.api.deps import (
    ActorDep,
    KeysDep,
    MaybeTemporalDep,
    SessionDep,
    SettingsDep,
    TemporalDep,
)
from nara.api.problems import problem_responses
from nara.api.schemas.base import AgencyCode, Code, NoticeNumber, Whole
from nara.api.schemas.tenders import (
    CancelAccepted,
    CancelRequest,
    ExtendDeadlineRequest,
    OpeningRead,
    ScheduleChange,
    SignalsRead,
    TenderCreate,
    TenderDetail,
    TenderPage,
    TenderRead,
)
from nara.domain.enums import Category, Phase
from nara.services.tenders import announcing, bid_signals, opening_results, reading, scheduling
from nara.services.tenders.models import TenderDraft

IdempotencyKey = Annotated[
    str,
    Code(r"[!-~]{8,80}", what="an Idempotency-Key", accepted="8 to 80 visible ASCII characters"),
]

router = APIRouter(prefix="/tenders", tags=["tenders"], responses=problem_responses(422, 500, 503))


@router.post(
    "",
    response_model=TenderRead,
    status_code=201,
    responses={
        200: {"model": TenderRead, "description": "the tender this Idempotency-Key announced"},
        **problem_responses(400, 401, 403, 409),
    },
    summary="Announce a tender (officer); starts its workflow",
    description=(
        "Checks the announcement rules in force today (notice period, deadline on the hour, "
        "1,500 deadlines per hour, opening after the deadline), allocates the notice number "
        "and starts `TenderWorkflow` (id `tender-<notice no>`). With an `Idempotency-Key`, a "
        "retried request answers the same tender (200). With `NARA_TIME_SCALE` > 1 (the "
        "demo), the time left until the deadline is multiplied by the scale before the notice "
        "period is checked, and the on-the-hour and hourly-capacity rules are skipped."
    ),
)
async def create_tender(
    body: TenderCreate,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    actor: ActorDep,
    idempotency_key: Annotated[
        IdempotencyKey | None,
        Header(
            alias="Idempotency-Key",
            description="8 to 80 visible ASCII characters chosen by the client; a retry with "
            "the same key answers the first announcement (200)",
        ),
    ] = None,
) -> TenderRead:
    draft = TenderDraft(
        title=body.title,
        description=body.description,
        category=body.category,
        method=body.method,
        estimated_price=body.estimated_price,
        base_amount=body.base_amount,
        deadline=body.deadline,
        opening_at=body.opening_at,
        urgent=body.urgent,
        region=body.region,
        agency_code=body.agency_code,
        a_value_items=dict(body.a_value_items),
        sme_competitive=body.sme_competitive,
    )
    announced = await announcing.create(
        session=session,
        temporal=temporal,
        settings=settings,
        actor=actor,
        draft=draft,
        client_key=idempotency_key,
    )
    await session.commit()
    response.status_code = 201 if announced.created else 200
    response.headers["Location"] = f"/tenders/{announced.item.notice_no}"
    return TenderRead.model_validate(announced.item)


@router.get("", response_model=TenderPage, summary="List tenders, newest first")
async def list_tenders(
    session: SessionDep,
    phase: Phase | None = None,
    agency_code: AgencyCode | None = None,
    category: Category | None = None,
    cursor: Annotated[
        NoticeNumber | None, Query(description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Whole(1, 200, text=True), Query()] = 50,
) -> TenderPage:
    page = await reading.list(
        session=session,
        phase=phase,
        agency_code=agency_code,
        category=category,
        cursor=cursor,
        limit=limit,
    )
    return TenderPage.model_validate(page)


@router.get(
    "/{notice_no}",
    response_model=TenderDetail,
    responses=problem_responses(404),
    summary="One tender: the database record and the live workflow status",
)
async def get_tender(
    notice_no: NoticeNumber, session: SessionDep, temporal: MaybeTemporalDep
) -> TenderDetail:
    detail = await reading.get(session=session, temporal=temporal, notice_no=notice_no)
    return TenderDetail.model_validate(detail)


@router.post(
    "/{notice_no}/extend",
    response_model=ScheduleChange,
    responses=problem_responses(400, 401, 403, 404, 409),
    summary="Extend the bid deadline while bidding is open (officer)",
)
async def extend_deadline(
    notice_no: NoticeNumber,
    body: ExtendDeadlineRequest,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    actor: ActorDep,
    keys: KeysDep,
) -> ScheduleChange:
    change = await scheduling.extend(
        session=session,
        temporal=temporal,
        settings=settings,
        actor=actor,
        notice_no=notice_no,
        deadline=body.deadline,
        opening_at=body.opening_at,
        reason=body.reason,
        keys=keys,
    )
    await session.commit()
    return ScheduleChange.model_validate(change)


@router.post(
    "/{notice_no}/cancel",
    response_model=CancelAccepted,
    status_code=202,
    responses=problem_responses(400, 401, 403, 404, 409),
    summary="Cancel a tender before its contract (officer)",
)
async def cancel_tender(
    notice_no: NoticeNumber,
    body: CancelRequest,
    session: SessionDep,
    temporal: TemporalDep,
    actor: ActorDep,
    keys: KeysDep,
) -> CancelAccepted:
    accepted = await scheduling.cancel(
        session=session,
        temporal=temporal,
        actor=actor,
        notice_no=notice_no,
        reason=body.reason,
        keys=keys,
    )
    await session.commit()
    return CancelAccepted.model_validate(accepted)


@router.get(
    "/{notice_no}/signals",
    response_model=SignalsRead,
    responses=problem_responses(401, 403, 404),
    summary="Signs of lent certificates the opening found (officer of the agency, auditor)",
    description=(
        "Competing bids on this tender that shared the agent who sent them, the passkey "
        "that confirmed them, the certificate of the session or the client network "
        "address. Found when the bids are opened (each one is also an audit event "
        "`signal-raised`); before the opening the list is empty and `opened_at` is null."
    ),
)
async def list_signals(
    notice_no: NoticeNumber, session: SessionDep, actor: ActorDep
) -> SignalsRead:
    report = await bid_signals.list(session=session, actor=actor, notice_no=notice_no)
    return SignalsRead.model_validate(report)


@router.get(
    "/{notice_no}/opening",
    response_model=OpeningRead,
    responses=problem_responses(404, 409),
    summary="The opening: every bid, the reserve prices and the revealed secret (anyone)",
    description=(
        "Public once the bids are opened (409 before, naming the opening time): each bid's "
        "price, rate, rank and status (an invalid bid with the reason it did not count), "
        "the 15 reserve prices, the most-picked bands, the predetermined price, the lower "
        "limit, and the reserve secret with the commitment published at the announcement "
        "(GET .../sealing-key), so that anyone can check them and draw the prices again."
    ),
)
async def get_opening(notice_no: NoticeNumber, session: SessionDep) -> OpeningRead:
    return OpeningRead.model_validate(
        await opening_results.get(session=session, notice_no=notice_no)
    )
