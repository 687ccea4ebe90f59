"""Declared outages, and the tenders an outage window may have caught."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Phase
from nara.store.tables import Outage, Tender


async def find(session: AsyncSession, *, outage_id: int) -> Outage | None:
    """The outage with this id, if declared."""
    return await session.get(Outage, outage_id)


async def find_window(
    session: AsyncSession, *, started_at: datetime, recovered_at: datetime
) -> Outage | None:
    """The outage declared for exactly this window, if any."""
    return (
        await session.execute(
            select(Outage).where(
                Outage.started_at == started_at, Outage.recovered_at == recovered_at
            )
        )
    ).scalar_one_or_none()


async def find_overlapping(
    session: AsyncSession, *, started_at: datetime, recovered_at: datetime
) -> Outage | None:
    """The first declared outage whose window overlaps this one, if any."""
    return (
        await session.execute(
            select(Outage)
            .where(Outage.started_at < recovered_at, Outage.recovered_at > started_at)
            .order_by(Outage.id)
            .limit(1)
        )
    ).scalar_one_or_none()


async def list(session: AsyncSession, *, before_id: int | None, limit: int) -> Sequence[Outage]:
    """Up to `limit` outages, newest first, with ids below `before_id` when given."""
    query = select(Outage).order_by(Outage.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Outage.id < before_id)
    return (await session.execute(query)).scalars().all()


async def insert(
    session: AsyncSession,
    *,
    started_at: datetime,
    recovered_at: datetime,
    reason: str,
    declared_by: str,
    declared_at: datetime,
) -> Outage:
    """Store a declared outage that has moved nothing yet; the row has its id."""
    outage = Outage(
        started_at=started_at,
        recovered_at=recovered_at,
        reason=reason,
        declared_by=declared_by,
        declared_at=declared_at,
        affected=0,
        tenders=[],
    )
    session.add(outage)
    await session.flush()
    return outage


async def update_moves(
    session: AsyncSession, *, outage: Outage, moves: Sequence[dict[str, Any]]
) -> None:
    """Record the tenders the outage moved (and how telling each workflow went)."""
    outage.tenders = [*moves]
    outage.affected = len(moves)
    await session.flush()


async def lock_caught_tenders(
    session: AsyncSession,
    *,
    phases: Collection[Phase],
    deadline_from: datetime,
    deadline_to: datetime,
    opening_from: datetime,
    opening_before: datetime,
) -> Sequence[Tender]:
    """Tenders in `phases` whose deadline (inclusive) or opening (half-open) falls in the
    windows, read fresh and locked in notice order (the one order every writer takes)."""
    return (
        (
            await session.execute(
                select(Tender)
                .where(
                    Tender.phase.in_(phases),
                    or_(
                        and_(Tender.deadline >= deadline_from, Tender.deadline <= deadline_to),
                        and_(Tender.opening_at >= opening_from, Tender.opening_at < opening_before),
                    ),
                )
                .order_by(Tender.notice_no)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
