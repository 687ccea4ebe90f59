"""Reading tenders: one with its live workflow status, a page of them, and the clock.

Reads never lock and never write; `tender_row` is the one way the other tender services
load (and lock) the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.domain.enums import Category, Phase
from nara.domain.errors import NotFound
from nara.services import processes
from nara.services.tenders.models import TenderDetail, TenderPage, TenderView
from nara.store.tables import Tender
from nara.workflows.tender import TenderWorkflow


async def database_now(session: AsyncSession) -> datetime:
    """The database clock (`clock_timestamp()`): the one clock deadlines are judged by."""
    now = await session.scalar(select(func.clock_timestamp()))
    assert now is not None
    return now


async def tender_row(*, session: AsyncSession, notice_no: str, lock: str | None = None) -> Tender:
    """The tender row; `lock` is None, "share" or "update"."""
    query = select(Tender).where(Tender.notice_no == notice_no)
    if lock == "share":
        query = query.with_for_update(read=True).execution_options(populate_existing=True)
    elif lock == "update":
        query = query.with_for_update().execution_options(populate_existing=True)
    tender = (await session.execute(query)).scalar_one_or_none()
    if tender is None:
        raise NotFound(
            f"no tender {notice_no}",
            field="notice_no",
            fix="check the notice number (YYYYSSSSSSS-RR), or search with GET /tenders",
        )
    return tender


async def get(*, session: AsyncSession, temporal: Client | None, notice_no: str) -> TenderDetail:
    """The tender with its live workflow status (None with a note if Temporal is away)."""
    tender = await tender_row(session=session, notice_no=notice_no)
    live, note = await processes.query(temporal, tender.workflow_id, TenderWorkflow.status)
    next_round = await session.scalar(
        select(Tender.notice_no).where(
            Tender.base_no == tender.base_no, Tender.round == tender.round + 1
        )
    )
    return TenderDetail(
        **TenderView.model_validate(tender).model_dump(),
        live=live,
        live_note=note,
        next_round=next_round,
    )


async def list(
    *,
    session: AsyncSession,
    phase: Phase | None = None,
    agency_code: str | None = None,
    category: Category | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> TenderPage:
    """Tenders, newest notice first; keyset pagination on the notice number."""
    query = select(Tender).order_by(Tender.notice_no.desc()).limit(limit + 1)
    if phase is not None:
        query = query.where(Tender.phase == phase.value)
    if agency_code is not None:
        query = query.where(Tender.agency_code == agency_code)
    if category is not None:
        query = query.where(Tender.category == category.value)
    if cursor is not None:
        query = query.where(Tender.notice_no < cursor)
    rows = (await session.execute(query)).scalars().all()
    items = [TenderView.model_validate(row) for row in rows[:limit]]
    next_cursor = items[-1].notice_no if len(rows) > limit and items else None
    return TenderPage(items=items, next_cursor=next_cursor, limit=limit)
