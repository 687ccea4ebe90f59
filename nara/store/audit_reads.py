"""Reading the audit log for auditors: events in chain order, and the chain's head.

Writing and verifying the chain live in `nara.store.audit`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nara.store.audit import GENESIS
from nara.store.tables import AuditEvent, AuditHead


async def list_events(
    session: AsyncSession, *, after_id: int, entity: str | None, limit: int
) -> Sequence[AuditEvent]:
    """Up to `limit` events after `after_id` in chain order, optionally of one entity."""
    query = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    return (await session.execute(query.limit(limit))).scalars().all()


async def head_hash(session: AsyncSession) -> str:
    """The hash of the last event appended (GENESIS before the first)."""
    head = await session.get(AuditHead, 1)
    return head.last_hash if head else GENESIS
