"""The tender repository on real PostgreSQL: one row builder, two ways to store it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Category, Method, Phase
from nara.store import tenders
from nara.store.tables import Agency, Person, Tender
from nara.workflows.tender import tender_workflow_id
from tests.factories import notice_no


async def _officer(session: AsyncSession) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    session.add(Agency(code=f"A{tag}", name="Office", kind=AgencyKind.NATIONAL))
    await session.flush()
    session.add(Person(id=f"officer-{tag}", name="Officer", role="officer", agency_code=f"A{tag}"))
    await session.flush()
    return f"A{tag}", f"officer-{tag}"


def _tender(agency_code: str, officer_id: str, notice: str) -> Tender:
    now = datetime.now(UTC).replace(microsecond=0)
    return tenders.new_tender(
        notice_no=notice,
        agency_code=agency_code,
        agency_kind=AgencyKind.NATIONAL,
        officer_id=officer_id,
        title="Desks",
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=100_000_000,
        base_amount=100_000_000,
        announced_at=now,
        deadline=now + timedelta(days=10),
        opening_at=now + timedelta(days=10, hours=1),
    )


def test_the_row_carries_its_notice_parts_and_workflow_id() -> None:
    notice = notice_no(round_no=2)
    row = _tender("A1", "officer-1", notice)
    assert (row.base_no, row.round) == (notice[:11], 2)
    assert row.workflow_id == tender_workflow_id(notice)
    assert (row.phase, row.bidding_open) == (Phase.ANNOUNCED, False)


async def test_an_announced_row_is_opened_for_bidding_once(db_session: AsyncSession) -> None:
    agency, officer = await _officer(db_session)
    notice = notice_no()
    row = _tender(agency, officer, notice)
    await tenders.insert(db_session, tender=row)
    await tenders.upsert_bidding(db_session, tender=_tender(agency, officer, notice))
    opened = await tenders.get(db_session, notice_no=notice, lock="update")
    assert (opened.id, opened.phase, opened.bidding_open) == (row.id, Phase.BIDDING, True)

    # Later phases are the workflow's: a retried announce step does not reopen bidding.
    await tenders.close_bidding(db_session, notice_no=notice)
    await tenders.update_phase(
        db_session, notice_no=notice, phase=Phase.CLOSED, awaiting_role=None, note="closed"
    )
    await tenders.upsert_bidding(db_session, tender=_tender(agency, officer, notice))
    again = await tenders.get(db_session, notice_no=notice, lock="update")
    assert (again.phase, again.bidding_open) == (Phase.CLOSED, False)


async def test_a_new_round_is_stored_open_for_bidding(db_session: AsyncSession) -> None:
    agency, officer = await _officer(db_session)
    notice = notice_no(round_no=1)
    await tenders.upsert_bidding(db_session, tender=_tender(agency, officer, notice))
    row = await tenders.get(db_session, notice_no=notice)
    assert (row.round, row.phase, row.bidding_open, row.urgent) == (1, Phase.BIDDING, True, False)
    assert await tenders.find(db_session, notice_no=notice_no()) is None


async def test_bidding_closes_at_the_first_close(db_session: AsyncSession) -> None:
    agency, officer = await _officer(db_session)
    notice = notice_no()
    await tenders.upsert_bidding(db_session, tender=_tender(agency, officer, notice))
    first = (await tenders.close_bidding(db_session, notice_no=notice)).bidding_closed_at
    second = (await tenders.close_bidding(db_session, notice_no=notice)).bidding_closed_at
    assert first is not None and first == second
