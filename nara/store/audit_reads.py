"""Reading the audit log for auditors: entries in the order they were written.

Writing lives in `nara.store.audit`; the tree, its heads and proofs in
`nara.store.audit_log`; recomputing all of it in `nara.store.audit_verify`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nara.store.tables import AuditEvent


async def list_events(
    session: AsyncSession, *, after_id: int, entity: str | None, limit: int
) -> Sequence[AuditEvent]:
    """Up to `limit` events after `after_id` in the order written, optionally of one entity."""
    query = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    return (await session.execute(query.limit(limit))).scalars().all()
