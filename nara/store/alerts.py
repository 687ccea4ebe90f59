"""Personalised alerts in PostgreSQL: licences, subscriptions, the matching of an
announcement against every subscription (one statement), the outbox the worker delivers,
and the feed (recommendations: `nara.store.recommendations`).

The matching rules are those of `nara.domain.alerts`, in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain import alerts as rules
from nara.store.alert_tables import AlertNotification, AlertSubscription, BusinessLicence
from nara.store.tables import Tender

CHANNEL = "nara_alerts"
"""The LISTEN/NOTIFY channel: a commit that queued deliveries wakes the worker."""


# --------------------------------------------------------------------------- licences


async def replace_licences(
    session: AsyncSession, *, business_no: str, licences: list[str]
) -> list[BusinessLicence]:
    """Make the business's licences exactly these (names of `rules.LICENCES`)."""
    await session.execute(
        delete(BusinessLicence).where(
            BusinessLicence.business_no == business_no, BusinessLicence.licence.not_in(licences)
        )
    )
    if licences:
        await session.execute(
            pg_insert(BusinessLicence)
            .values(
                [
                    {"business_no": business_no, "licence": name, "category": rules.LICENCES[name]}
                    for name in licences
                ]
            )
            .on_conflict_do_nothing()
        )
    return await licences_of(session, business_no=business_no)


async def licences_of(session: AsyncSession, *, business_no: str) -> list[BusinessLicence]:
    rows = await session.scalars(
        select(BusinessLicence)
        .where(BusinessLicence.business_no == business_no)
        .order_by(BusinessLicence.licence)
    )
    return list(rows)


# --------------------------------------------------------------------------- subscriptions


async def count_subscriptions(session: AsyncSession, *, business_no: str) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(AlertSubscription)
        .where(AlertSubscription.business_no == business_no)
    )
    return int(found or 0)


async def insert_subscription(session: AsyncSession, **values: Any) -> AlertSubscription:
    row = AlertSubscription(**values)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def subscriptions_of(session: AsyncSession, *, business_no: str) -> list[AlertSubscription]:
    rows = await session.scalars(
        select(AlertSubscription)
        .where(AlertSubscription.business_no == business_no)
        .order_by(AlertSubscription.id)
    )
    return list(rows)


async def delete_subscription(
    session: AsyncSession, *, business_no: str, subscription_id: int
) -> bool:
    """Delete one of the business's subscriptions; whether there was one."""
    deleted = await session.execute(
        delete(AlertSubscription)
        .where(
            AlertSubscription.id == subscription_id,
            AlertSubscription.business_no == business_no,
        )
        .returning(AlertSubscription.id)
    )
    return deleted.scalar_one_or_none() is not None


# --------------------------------------------------------------------------- matching

# One statement for one announcement and every subscription. A subscription matches when
# each of its non-empty criteria does: one of its keywords inside the title (both
# normalised as `rules.normalise` does), the region, the amount range, and the category,
# where the business's licences count as categories (a business with licences and no
# categories of its own hears only of what its licences qualify it for).
#
# Keyword subscriptions are found through the GIN index on `keywords`, not by reading
# every subscription: a keyword (at most 40 characters) is inside the title exactly when
# it equals one of the title's substrings of 1 to 40 characters, so the title's
# substrings (a few thousand) `&&` the keywords array finds them; subscriptions without
# keywords come from their own partial index. A business with several matching
# subscriptions gets one notification, by its oldest subscription. The unique (tender,
# business) makes a retried announcement write nothing twice; NOTIFY wakes the delivery
# worker once the transaction commits.
_MATCH = text(
    r"""
WITH t AS MATERIALIZED (
    SELECT id, category, region, estimated_price,
           regexp_replace(lower(title), '\s+', '', 'g') AS words
    FROM tender WHERE notice_no = :notice_no
),
parts AS MATERIALIZED (
    SELECT array_agg(DISTINCT substr(t.words, i, n))::varchar[] AS parts
    FROM t, generate_series(1, length(t.words)) AS i, generate_series(1, 40) AS n
    WHERE i + n - 1 <= length(t.words)
),
candidates AS (
    SELECT s.* FROM alert_subscription s, parts WHERE s.keywords && parts.parts
    UNION ALL
    SELECT s.* FROM alert_subscription s WHERE cardinality(s.keywords) = 0
),
matched AS (
    SELECT DISTINCT ON (s.business_no)
           t.id AS tender_id, s.business_no, s.id AS subscription_id, s.channel, s.address,
           concat_ws('; ',
               (SELECT 'keyword ' || k FROM unnest(s.keywords) k
                 WHERE strpos(t.words, k) > 0 LIMIT 1),
               CASE WHEN lic.licence IS NOT NULL THEN 'matches licence ' || lic.licence
                    WHEN t.category = ANY(s.categories) THEN 'category ' || t.category END,
               CASE WHEN cardinality(s.regions) > 0 THEN 'region ' || t.region END,
               CASE WHEN s.min_amount IS NOT NULL OR s.max_amount IS NOT NULL
                    THEN 'amount in your range' END
           ) AS reason
    FROM candidates s
    CROSS JOIN t
    LEFT JOIN LATERAL (
        SELECT min(l.licence) FILTER (WHERE l.category = t.category) AS licence,
               count(*) AS held
          FROM business_licence l WHERE l.business_no = s.business_no
    ) lic ON true
    WHERE (cardinality(s.regions) = 0 OR t.region = ANY(s.regions))
      AND (s.min_amount IS NULL OR t.estimated_price >= s.min_amount)
      AND (s.max_amount IS NULL OR t.estimated_price <= s.max_amount)
      AND (t.category = ANY(s.categories)
           OR lic.licence IS NOT NULL
           OR (cardinality(s.categories) = 0 AND lic.held = 0))
    ORDER BY s.business_no, s.id
),
queued AS (
    INSERT INTO alert_notification
        (tender_id, business_no, subscription_id, channel, address, reason, status,
         next_attempt_at, delivered_at)
    SELECT tender_id, business_no, subscription_id, channel, address,
           CASE WHEN reason = '' THEN 'any announcement' ELSE reason END,
           CASE WHEN channel = 'feed' THEN 'feed' ELSE 'pending' END,
           CASE WHEN channel = 'feed' THEN NULL ELSE now() END,
           CASE WHEN channel = 'feed' THEN now() END
    FROM matched
    ON CONFLICT (tender_id, business_no) DO NOTHING
    RETURNING status
)
SELECT count(*) AS queued,
       count(*) FILTER (WHERE status = 'pending') AS to_deliver,
       count(pg_notify(:channel, '')) FILTER (WHERE status = 'pending') AS woken
FROM queued
"""
)


async def match_announcement(session: AsyncSession, *, notice_no: str) -> tuple[int, int]:
    """Queue a notification for every business a subscription of which the announced
    tender matches, in one statement; (notifications written, of them to deliver)."""
    row = (await session.execute(_MATCH, {"notice_no": notice_no, "channel": CHANNEL})).one()
    return int(row.queued), int(row.to_deliver)


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Due:
    """A notification taken for delivery, with what the message says."""

    id: int
    business_no: str
    channel: str
    address: str | None
    reason: str
    attempts: int
    notice_no: str
    title: str
    deadline: datetime


_CLAIM = text(
    """
UPDATE alert_notification n
   SET attempts = n.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease_s)
  FROM tender t
 WHERE t.id = n.tender_id
   AND n.id IN (SELECT id FROM alert_notification
                 WHERE status = 'pending' AND next_attempt_at <= now()
                 ORDER BY next_attempt_at
                 LIMIT :limit
                 FOR UPDATE SKIP LOCKED)
RETURNING n.id, n.business_no, n.channel, n.address, n.reason, n.attempts,
          t.notice_no, t.title, t.deadline
"""
)


async def claim_due(session: AsyncSession, *, limit: int, lease: timedelta) -> list[Due]:
    """Take up to `limit` due notifications (rows other workers hold are skipped) and
    lease them: counted as an attempt, not due again until the lease ends, so a worker
    that dies mid-delivery leaves them to another after `lease`."""
    rows = await session.execute(_CLAIM, {"limit": limit, "lease_s": lease.total_seconds()})
    return [Due(**row._mapping) for row in rows]


async def mark_delivered(session: AsyncSession, *, notification_id: int) -> None:
    await session.execute(
        update(AlertNotification)
        .where(AlertNotification.id == notification_id)
        .values(status="delivered", delivered_at=func.now(), next_attempt_at=None, last_error=None)
    )


async def mark_failed(
    session: AsyncSession, *, notification_id: int, error: str, retry_in: timedelta | None
) -> None:
    """Record a failed attempt: due again after `retry_in`, or given up (None)."""
    values: dict[str, Any] = {"last_error": error[:200]}
    if retry_in is None:
        values |= {"status": "failed", "next_attempt_at": None}
    else:
        values["next_attempt_at"] = func.now() + retry_in
    await session.execute(
        update(AlertNotification).where(AlertNotification.id == notification_id).values(**values)
    )


# --------------------------------------------------------------------------- the feed


@dataclass(frozen=True)
class FeedItem:
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


async def feed(
    session: AsyncSession, *, business_no: str, before: int | None, limit: int, unread: bool
) -> list[FeedItem]:
    """The business's notifications newest first, those with an id below `before`."""
    n = AlertNotification
    query = (
        select(
            n.id,
            Tender.notice_no,
            Tender.title,
            Tender.agency_code,
            Tender.deadline,
            Tender.estimated_price,
            n.reason,
            n.status,
            n.created_at,
            n.read_at,
        )
        .join(Tender, Tender.id == n.tender_id)
        .where(n.business_no == business_no)
        .order_by(n.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(n.id < before)
    if unread:
        query = query.where(n.read_at.is_(None))
    return [FeedItem(**row._mapping) for row in await session.execute(query)]


async def mark_read(session: AsyncSession, *, business_no: str, ids: list[int]) -> int:
    """Mark these of the business's notifications read; how many were unread."""
    marked = await session.execute(
        update(AlertNotification)
        .where(
            AlertNotification.business_no == business_no,
            AlertNotification.id.in_(ids),
            AlertNotification.read_at.is_(None),
        )
        .values(read_at=func.now())
        .returning(AlertNotification.id)
    )
    return len(marked.all())
