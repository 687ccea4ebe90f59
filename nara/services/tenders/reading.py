"""Reading tenders: one with its live workflow status, and a page of them.

Reads never lock and never write; `tender_row` is how the other services load (and lock)
a tender they act on, answering NotFound for an unknown notice number.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.domain.enums import Category, Phase
from nara.domain.errors import NotFound
from nara.services import processes
from nara.services.tenders.models import TenderDetail, TenderPage, TenderView
from nara.store import tenders
from nara.store.tables import Tender
from nara.store.tenders import Lock
from nara.workflows.tender import TenderWorkflow


async def tender_row(*, session: AsyncSession, notice_no: str, lock: Lock | None = None) -> Tender:
    """The tender's row, locked (share or update) when asked; NotFound if there is none."""
    tender = await tenders.find(session, notice_no=notice_no, lock=lock)
    if tender is None:
        raise no_tender(notice_no)
    return tender


def no_tender(notice_no: str) -> NotFound:
    """The refusal for a notice number no tender has."""
    return NotFound(
        f"no tender {notice_no}",
        field="notice_no",
        fix="check the notice number (YYYYSSSSSSS-RR), or search with GET /tenders",
    )


async def get(*, session: AsyncSession, temporal: Client | None, notice_no: str) -> TenderDetail:
    """The tender with its live workflow status (None with a note if Temporal is away).

    The database is read first and its transaction ended before the workflow is queried:
    a query waits for the worker (seconds when it is busy), and a pooled connection held
    that long per poll emptied the API's pool under the launch-week replay (requests
    then timed out waiting for a connection).
    """
    tender = await tender_row(session=session, notice_no=notice_no)
    next_round = await tenders.find_next_round(session, base_no=tender.base_no, round=tender.round)
    view = TenderView.model_validate(tender).model_dump(exclude={"contract_law"})
    live, note = await processes.query(
        temporal, tender.workflow_id, TenderWorkflow.status, release=session
    )
    return TenderDetail(**view, live=live, live_note=note, next_round=next_round)


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
    rows = await tenders.list(
        session,
        phase=phase,
        agency_code=agency_code,
        category=category,
        before=cursor,
        limit=limit + 1,
    )
    items = [TenderView.model_validate(row) for row in rows[:limit]]
    next_cursor = items[-1].notice_no if len(rows) > limit and items else None
    return TenderPage(items=items, next_cursor=next_cursor, limit=limit)
