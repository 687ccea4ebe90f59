"""A tender's story from the audit log, as its agency's officers and inspectors read it.

Announced, bidding, closed, opened, each review, the award, the guarantee, the signatures
and the payments: the entries of the tender (`tender:<notice no>`) and of its contract
(`contract:<contract no>`), in the order written. Bids appear only as a count (the
entries name who bid, which nobody but an auditor reads before the opening), never one
by one and never with their content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.services.actors import Actor, require_agency, require_role
from nara.services.base import ServiceModel
from nara.services.tenders.reading import tender_row
from nara.store import audit_reads
from nara.store.audit import contract_entity, tender_entity

MAX_ENTRIES = 2_000
"""Entries read per entity: more than any tender writes besides its bids."""
BID = "bid-submitted"
_SHOWN = (
    "note",
    "reason",
    "business_no",
    "rank",
    "total",
    "price",
    "amount",
    "deadline",
    "opening_at",
)
"""Payload members a timeline line may show (never a bid's, which are counted only)."""


class TimelineEntry(ServiceModel):
    at: datetime
    action: str
    actor: str | None
    """Who did it; None for the bids, which are only counted."""
    details: dict[str, Any]
    count: int = 1


async def get(*, session: AsyncSession, actor: Actor, notice_no: str) -> list[TimelineEntry]:
    """The timeline of `notice_no` for a person of its agency (or an auditor)."""
    tender = await tender_row(session=session, notice_no=notice_no)
    require_role(actor, Role.OFFICER, Role.INSPECTOR, Role.AUDITOR, doing="read a timeline")
    if actor.role is not Role.AUDITOR:
        require_agency(actor, tender.agency_code, doing=f"read the timeline of {notice_no}")
    rows = [
        *await audit_reads.list_events(
            session, after_id=0, entity=tender_entity(notice_no), limit=MAX_ENTRIES
        ),
        *await audit_reads.list_events(
            session, after_id=0, entity=contract_entity(f"C{notice_no}"), limit=MAX_ENTRIES
        ),
    ]
    count = sum(1 for row in rows if row.action == BID)
    entries: list[TimelineEntry] = []
    for row in sorted(rows, key=lambda r: r.id):
        if row.action == BID:
            if count:  # one line, where the first bid came in
                entries.append(
                    TimelineEntry(at=row.at, action=BID, actor=None, details={}, count=count)
                )
                count = 0
            continue
        shown = {k: v for k, v in row.payload.items() if k in _SHOWN}
        entries.append(TimelineEntry(at=row.at, action=row.action, actor=row.actor, details=shown))
    return entries
