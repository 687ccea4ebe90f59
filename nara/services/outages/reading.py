"""Reading declared outages: one with the tenders it moved, and a page of them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.errors import NotFound
from nara.services.outages.models import OutagePage, OutageSummary, OutageView
from nara.store import outages
from nara.store.tables import Outage


async def get(*, session: AsyncSession, outage_id: int) -> OutageView:
    """The outage with this id and the tenders it moved."""
    return OutageView.model_validate(await outage_row(session, outage_id))


async def outage_row(session: AsyncSession, outage_id: int) -> Outage:
    """The outage's row (`signals` records on it how each signal went); NotFound if none."""
    outage = await outages.find(session, outage_id=outage_id)
    if outage is None:
        raise NotFound(
            f"no outage {outage_id}",
            field="outage_id",
            fix="list declared outages with GET /outages",
        )
    return outage


async def list(*, session: AsyncSession, cursor: int | None = None, limit: int = 50) -> OutagePage:
    """Declared outages, newest first; keyset pagination on the id."""
    rows = await outages.list(session, before_id=cursor, limit=limit + 1)
    items = [OutageSummary.model_validate(outage) for outage in rows[:limit]]
    next_cursor = items[-1].id if len(rows) > limit and items else None
    return OutagePage(items=items, next_cursor=next_cursor, limit=limit)
