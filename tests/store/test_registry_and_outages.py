"""The registry and outage repositories on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Category, Method, Phase, Role
from nara.store import outages, registry, tenders
from tests.factories import business_no, notice_no

# Far from every other test's tenders, so the window queries see only this test's rows.
AT = datetime(2291, 5, 4, 10, tzinfo=UTC)


async def test_a_record_is_stored_once_and_the_first_one_answers(
    db_session: AsyncSession,
) -> None:
    code = f"A{uuid.uuid4().hex[:8]}"
    first, stored = await registry.insert_agency(
        db_session, code=code, name="Office", kind=AgencyKind.LOCAL, account_no=None
    )
    again, stored_again = await registry.insert_agency(
        db_session, code=code, name="Another name", kind=AgencyKind.NATIONAL, account_no="1"
    )
    assert (stored, stored_again) == (True, False)
    assert (again.code, again.name, again.kind) == (code, "Office", AgencyKind.LOCAL)
    assert first is again  # one row in the session, answered as it was first stored


async def test_an_agent_acts_only_for_the_businesses_that_linked_them(
    db_session: AsyncSession,
) -> None:
    person = f"agent-{uuid.uuid4().hex[:8]}"
    mine, other = business_no(), business_no()
    for number in (mine, other):
        await registry.insert_business(
            db_session, business_no=number, name="Maker", account_no=None, region=None
        )
    await registry.insert_person(
        db_session, person_id=person, name="Agent", role=Role.SUPPLIER, agency_code=None
    )
    _, linked = await registry.insert_agent(db_session, business_no=mine, person_id=person)
    _, linked_again = await registry.insert_agent(db_session, business_no=mine, person_id=person)
    assert (linked, linked_again) == (True, False)
    assert await registry.find_agent(db_session, business_no=mine, person_id=person)
    assert not await registry.find_agent(db_session, business_no=other, person_id=person)
    assert await registry.is_agent_of_any(db_session, person_id=person, business_nos=[other, mine])
    assert not await registry.is_agent_of_any(db_session, person_id=person, business_nos=[other])


async def _tender(session: AsyncSession, *, deadline: datetime, phase: Phase) -> str:
    tag = uuid.uuid4().hex[:8]
    await registry.insert_agency(
        session, code=f"A{tag}", name="Office", kind=AgencyKind.NATIONAL, account_no=None
    )
    await registry.insert_person(
        session, person_id=f"o-{tag}", name="Officer", role=Role.OFFICER, agency_code=f"A{tag}"
    )
    row = tenders.new_tender(
        notice_no=notice_no(),
        agency_code=f"A{tag}",
        agency_kind=AgencyKind.NATIONAL,
        officer_id=f"o-{tag}",
        title="Desks",
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=100_000_000,
        base_amount=100_000_000,
        announced_at=deadline - timedelta(days=10),
        deadline=deadline,
        opening_at=deadline + timedelta(hours=1),
    )
    row.phase = phase
    await tenders.insert(session, tender=row)
    return row.notice_no


async def test_an_outage_catches_deadlines_in_or_near_its_window_and_openings_in_it(
    db_session: AsyncSession,
) -> None:
    start, back = AT, AT + timedelta(hours=2)
    on_recovery = await _tender(db_session, deadline=back, phase=Phase.BIDDING)
    soon_after = await _tender(db_session, deadline=back + timedelta(hours=3), phase=Phase.CLOSED)
    opening_inside = await _tender(  # deadline before the window, opening (+1 h) inside it
        db_session, deadline=start - timedelta(minutes=30), phase=Phase.CLOSED
    )
    await _tender(db_session, deadline=back + timedelta(hours=9), phase=Phase.BIDDING)
    await _tender(db_session, deadline=start + timedelta(hours=1), phase=Phase.OPENED)
    await _tender(db_session, deadline=start - timedelta(hours=2), phase=Phase.CLOSED)

    caught = await outages.lock_caught_tenders(
        db_session,
        phases=(Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED),
        deadline_from=start,
        deadline_to=back + timedelta(hours=4),
        opening_from=start,
        opening_before=back,
    )
    assert [t.notice_no for t in caught] == sorted([on_recovery, soon_after, opening_inside])


async def test_outages_are_found_by_their_window_and_by_overlap(db_session: AsyncSession) -> None:
    start, back = AT + timedelta(days=3), AT + timedelta(days=3, hours=2)
    operator = f"operator-{uuid.uuid4().hex[:8]}"
    await registry.insert_person(
        db_session, person_id=operator, name="Operator", role=Role.OPERATOR, agency_code=None
    )
    declared = await outages.insert(
        db_session,
        started_at=start,
        recovered_at=back,
        reason="search down",
        declared_by=operator,
        declared_at=back,
    )
    await outages.update_moves(db_session, outage=declared, moves=[{"notice_no": "x"}])
    same = await outages.find_window(db_session, started_at=start, recovered_at=back)
    assert same is not None and (same.id, same.affected) == (declared.id, 1)
    later = {"started_at": back - timedelta(minutes=1), "recovered_at": back + timedelta(hours=1)}
    touching = {"started_at": back, "recovered_at": back + timedelta(hours=1)}
    overlapping = await outages.find_overlapping(db_session, **later)
    assert overlapping is not None and overlapping.id == declared.id
    assert await outages.find_overlapping(db_session, **touching) is None
    newest = await outages.list(db_session, before_id=None, limit=1)
    assert [o.id for o in newest] == [declared.id]
