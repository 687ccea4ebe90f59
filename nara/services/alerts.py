"""Personalised alerts: a business's licences, its subscriptions, its notification feed
and the open tenders recommended to it.

A business's agents manage its subscriptions and read its feed and recommendations; an
operator registers its licences (what the licensing authority granted). Matching runs
where announcements are recorded (`nara.activities.announce`), delivery in the worker
(`nara.activities.alerts`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import alerts as rules
from nara.domain.enums import Category, Role
from nara.domain.errors import Conflict, NotFound, RuleViolation
from nara.services.actors import Actor, require_agent, require_role
from nara.services.base import ServiceModel
from nara.store import alerts, recommendations, registry


class LicenceView(ServiceModel):
    licence: str
    category: Category
    registered_at: datetime


class SubscriptionDraft(ServiceModel):
    """What a subscription asks for; an empty list means any."""

    keywords: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    regions: tuple[str, ...] = ()
    min_amount: int | None = None
    max_amount: int | None = None
    channel: str = "feed"
    address: str | None = None


class SubscriptionView(ServiceModel):
    id: int
    business_no: str
    keywords: list[str]
    categories: list[Category]
    regions: list[str]
    min_amount: int | None
    max_amount: int | None
    channel: str
    address: str | None
    created_by: str
    created_at: datetime


class NotificationView(ServiceModel):
    id: int
    notice_no: str
    title: str
    agency_code: str
    deadline: datetime
    estimated_price: int
    reason: str
    status: str
    created_at: datetime
    read_at: datetime | None


class FeedPage(ServiceModel):
    items: list[NotificationView]
    next_cursor: int | None


class Recommendation(ServiceModel):
    notice_no: str
    title: str
    agency_code: str
    agency_name: str
    category: Category
    region: str | None
    estimated_price: int
    deadline: datetime
    score: int
    reasons: list[str]


async def _may_read(session: AsyncSession, actor: Actor, business_no: str) -> None:
    """An agent of the business, or an auditor (who reads everything)."""
    if actor.role is Role.AUDITOR:
        await _business(session, business_no)
    else:
        await require_agent(session=session, actor=actor, business_no=business_no)


async def _business(session: AsyncSession, business_no: str) -> None:
    if await registry.find_business(session, business_no=business_no) is None:
        raise NotFound(
            f"no business {business_no}", field="business_no", fix="check the registration number"
        )


async def set_licences(
    *, session: AsyncSession, actor: Actor, business_no: str, licences: list[str]
) -> list[LicenceView]:
    """Make the business's registered licences exactly these; operators only."""
    require_role(actor, Role.OPERATOR, doing="register licences")
    unknown = [name for name in licences if name not in rules.LICENCES]
    if unknown:
        raise RuleViolation(
            rule="licence-known",
            field="licences",
            value=unknown[0],
            accepted="one of " + ", ".join(rules.LICENCES),
            message=f"{unknown[0]!r} is not a licence the registry knows",
        )
    await _business(session, business_no)
    rows = await alerts.replace_licences(
        session, business_no=business_no, licences=sorted(set(licences))
    )
    return [LicenceView.model_validate(row) for row in rows]


async def create_subscription(
    *, session: AsyncSession, actor: Actor, business_no: str, draft: SubscriptionDraft
) -> SubscriptionView:
    """Subscribe the business to announcements like `draft`; an agent of the business."""
    await require_agent(session=session, actor=actor, business_no=business_no)
    if (
        draft.min_amount is not None
        and draft.max_amount is not None
        and draft.min_amount > draft.max_amount
    ):
        raise RuleViolation(
            rule="amount-range",
            field="max_amount",
            value=draft.max_amount,
            accepted=f"at least min_amount ({draft.min_amount:,} KRW)",
            message="max_amount is below min_amount",
        )
    if (draft.channel == "feed") != (draft.address is None):
        raise RuleViolation(
            rule="alert-address",
            field="address",
            value=draft.address,
            accepted="an address for email or sms, none for feed",
            message=f"channel {draft.channel} "
            + ("takes no address" if draft.channel == "feed" else "needs an address"),
        )
    held = await alerts.count_subscriptions(session, business_no=business_no)
    if held >= rules.MAX_SUBSCRIPTIONS:
        raise Conflict(
            f"business {business_no} has {held} subscriptions, the most it may keep",
            field="business_no",
            fix="delete one (DELETE /businesses/{business_no}/subscriptions/{id}) first",
        )
    keywords = list(dict.fromkeys(k for k in map(rules.normalise, draft.keywords) if k))
    row = await alerts.insert_subscription(
        session,
        business_no=business_no,
        created_by=actor.id,
        keywords=keywords,
        categories=sorted({c.value for c in draft.categories}),
        regions=sorted(set(draft.regions)),
        min_amount=draft.min_amount,
        max_amount=draft.max_amount,
        channel=draft.channel,
        address=draft.address,
    )
    return SubscriptionView.model_validate(row)


async def list_subscriptions(
    *, session: AsyncSession, actor: Actor, business_no: str
) -> list[SubscriptionView]:
    """The business's subscriptions, oldest first; an agent of the business, an auditor."""
    await _may_read(session, actor, business_no)
    rows = await alerts.subscriptions_of(session, business_no=business_no)
    return [SubscriptionView.model_validate(row) for row in rows]


async def delete_subscription(
    *, session: AsyncSession, actor: Actor, business_no: str, subscription_id: int
) -> None:
    """Delete one of the business's subscriptions; an agent of the business."""
    await require_agent(session=session, actor=actor, business_no=business_no)
    if not await alerts.delete_subscription(
        session, business_no=business_no, subscription_id=subscription_id
    ):
        raise NotFound(
            f"business {business_no} has no subscription {subscription_id}",
            field="subscription_id",
            fix=f"list them with GET /businesses/{business_no}/subscriptions",
        )


async def list_feed(
    *,
    session: AsyncSession,
    actor: Actor,
    business_no: str,
    cursor: int | None,
    limit: int,
    unread: bool = False,
) -> FeedPage:
    """The business's notifications, newest first, a page after `cursor`."""
    await _may_read(session, actor, business_no)
    rows = await alerts.feed(
        session, business_no=business_no, before=cursor, limit=limit + 1, unread=unread
    )
    items = [NotificationView.model_validate(row) for row in rows[:limit]]
    return FeedPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)


async def mark_read(
    *, session: AsyncSession, actor: Actor, business_no: str, ids: list[int]
) -> int:
    """Mark notifications of the business read; how many were unread."""
    await require_agent(session=session, actor=actor, business_no=business_no)
    return await alerts.mark_read(session, business_no=business_no, ids=ids)


async def recommend(
    *, session: AsyncSession, actor: Actor, business_no: str, limit: int
) -> list[Recommendation]:
    """Open tenders for the business, best first, each with its reasons."""
    await _may_read(session, actor, business_no)
    found = []
    for c in await recommendations.recommend(session, business_no=business_no, limit=limit):
        evidence = rules.Evidence(
            licence=c.licence,
            region=c.region if c.same_region else None,
            agency_name=c.agency_name,
            agency_bids=c.agency_bids,
            category=Category(c.category),
            category_bids=c.category_bids,
        )
        found.append(
            Recommendation(
                notice_no=c.notice_no,
                title=c.title,
                agency_code=c.agency_code,
                agency_name=c.agency_name,
                category=Category(c.category),
                region=c.region,
                estimated_price=c.estimated_price,
                deadline=c.deadline,
                score=rules.score(evidence),
                reasons=rules.reasons(evidence),
            )
        )
    return found
