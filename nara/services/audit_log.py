"""Reading the audit log: events by entity, and a full re-computation of the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.services.actors import Actor, require_role
from nara.services.base import ServiceModel
from nara.store import audit, audit_reads

READERS = (Role.AUDITOR,)
"""Who reads the events: they name who bid before the opening, which operators never see."""
CHECKERS = (Role.AUDITOR, Role.OPERATOR)
"""Who may recompute the chain (an answer of counts and hashes only)."""


class AuditEntry(ServiceModel):
    id: int
    at: datetime
    actor: str
    entity: str
    action: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(ServiceModel):
    items: list[AuditEntry]
    next_after_id: int | None


class ChainReport(ServiceModel):
    """How many events were checked, whether all matched, and the chain's head."""

    events: int
    ok: bool
    first_bad_id: int | None
    head_hash: str


async def list_events(
    *, session: AsyncSession, actor: Actor, entity: str | None, after_id: int, limit: int
) -> AuditPage:
    """Events in chain order, optionally of one entity (e.g. `tender:20260000001-00`)."""
    require_role(actor, *READERS, doing="read the audit log")
    rows = await audit_reads.list_events(session, after_id=after_id, entity=entity, limit=limit + 1)
    items = [AuditEntry.model_validate(row) for row in rows[:limit]]
    return AuditPage(items=items, next_after_id=items[-1].id if len(rows) > limit else None)


async def verify(*, session: AsyncSession, actor: Actor) -> ChainReport:
    """Recompute every hash from the first event; name the first that does not match."""
    require_role(actor, *CHECKERS, doing="verify the audit chain")
    check = await audit.verify(session)
    return ChainReport(
        events=check.events,
        ok=check.ok,
        first_bad_id=check.first_bad_id,
        head_hash=await audit_reads.head_hash(session),
    )
