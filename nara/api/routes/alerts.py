"""Alerts: a business's licences (operator), and for its agents its subscriptions,
notification feed and recommended open tenders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from nara.api.deps import ActorDep, SessionDep
from nara.api.problems import problem_responses
from nara.api.schemas.alerts import (
    LicenceRead,
    LicencesUpdate,
    MarkedRead,
    MarkRead,
    NotificationPage,
    RecommendationList,
    RecommendationRead,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionRead,
)
from nara.api.schemas.base import BusinessNo, Id, Whole
from nara.services import alerts
from nara.services.alerts import SubscriptionDraft

router = APIRouter(
    prefix="/businesses/{business_no}",
    tags=["alerts"],
    responses=problem_responses(400, 401, 403, 404, 422, 500, 503),
)


@router.put(
    "/licences",
    response_model=list[LicenceRead],
    summary="Register the business's licences, all of them (operator)",
)
async def set_licences(
    business_no: BusinessNo, body: LicencesUpdate, session: SessionDep, actor: ActorDep
) -> list[LicenceRead]:
    held = await alerts.set_licences(
        session=session, actor=actor, business_no=business_no, licences=body.licences
    )
    await session.commit()
    return [LicenceRead.model_validate(item) for item in held]


@router.post(
    "/subscriptions",
    response_model=SubscriptionRead,
    status_code=201,
    responses=problem_responses(409),
    summary="Subscribe the business to announcements (its agents)",
    description="Each announcement is matched against every subscription when it is "
    "recorded; a match becomes one notification per business in its feed, and is sent by "
    "e-mail or SMS when the subscription asks. At most 20 per business.",
)
async def create_subscription(
    business_no: BusinessNo, body: SubscriptionCreate, session: SessionDep, actor: ActorDep
) -> SubscriptionRead:
    created = await alerts.create_subscription(
        session=session,
        actor=actor,
        business_no=business_no,
        draft=SubscriptionDraft.model_validate(body.model_dump()),
    )
    await session.commit()
    return SubscriptionRead.model_validate(created)


@router.get(
    "/subscriptions",
    response_model=SubscriptionList,
    summary="The business's subscriptions (its agents; auditors)",
)
async def list_subscriptions(
    business_no: BusinessNo, session: SessionDep, actor: ActorDep
) -> SubscriptionList:
    found = await alerts.list_subscriptions(session=session, actor=actor, business_no=business_no)
    return SubscriptionList(items=[SubscriptionRead.model_validate(s) for s in found])


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    summary="Delete one of the business's subscriptions (its agents)",
)
async def delete_subscription(
    business_no: BusinessNo, subscription_id: Id, session: SessionDep, actor: ActorDep
) -> Response:
    await alerts.delete_subscription(
        session=session, actor=actor, business_no=business_no, subscription_id=subscription_id
    )
    await session.commit()
    return Response(status_code=204)


@router.get(
    "/notifications",
    response_model=NotificationPage,
    summary="The business's notification feed, newest first (its agents; auditors)",
)
async def list_notifications(
    business_no: BusinessNo,
    session: SessionDep,
    actor: ActorDep,
    cursor: Annotated[Id | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Whole(1, 200, text=True), Query()] = 50,
    unread: Annotated[bool, Query(description="only those not marked read")] = False,
) -> NotificationPage:
    page = await alerts.list_feed(
        session=session,
        actor=actor,
        business_no=business_no,
        cursor=cursor,
        limit=limit,
        unread=unread,
    )
    return NotificationPage.model_validate(page.model_dump())


@router.post(
    "/notifications/read",
    response_model=MarkedRead,
    summary="Mark notifications of the business read (its agents)",
)
async def mark_read(
    business_no: BusinessNo, body: MarkRead, session: SessionDep, actor: ActorDep
) -> MarkedRead:
    marked = await alerts.mark_read(
        session=session, actor=actor, business_no=business_no, ids=body.ids
    )
    await session.commit()
    return MarkedRead(marked=marked)


@router.get(
    "/recommendations",
    response_model=RecommendationList,
    summary="Open tenders for the business, best first, with reasons (its agents; auditors)",
    description="Ranked from the business's licences, its region and its bids before "
    "(the agencies and categories it bid on); tenders it already bid on are left out.",
)
async def recommendations(
    business_no: BusinessNo,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Whole(1, 50, text=True), Query()] = 20,
) -> RecommendationList:
    found = await alerts.recommend(
        session=session, actor=actor, business_no=business_no, limit=limit
    )
    return RecommendationList(items=[RecommendationRead.model_validate(r) for r in found])
