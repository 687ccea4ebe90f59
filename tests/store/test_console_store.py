"""What the officers' console reads and writes, on real PostgreSQL: enrolment links used
once and kept hashed, the work list with what waits for me first, and a timeline that
counts bids without naming the bidders."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from nara.domain.enums import AgencyKind, Category, Method, Phase, Role
from nara.domain.errors import Forbidden
from nara.services import timeline, worklist
from nara.services.actors import Actor
from nara.services.identity.console_links import link_hash
from nara.store import audit
from nara.store import console as store
from nara.store.console_tables import ConsoleEnrolmentLink
from nara.store.db import session_factory
from nara.store.identity_tables import PersonCertificate
from nara.store.tables import Tender
from tests.factories import Registry, make_registry, notice_no


async def _certificate(engine: AsyncEngine, person_id: str) -> str:
    fingerprint = secrets.token_hex(32)
    now = datetime.now(UTC)
    async with session_factory(engine).begin() as session:
        session.add(
            PersonCertificate(
                fingerprint=fingerprint,
                person_id=person_id,
                serial=secrets.token_hex(8),
                issuer="CN=Test CA",
                spki_sha256=secrets.token_hex(32),
                not_before=now - timedelta(days=1),
                not_after=now + timedelta(days=30),
            )
        )
    return fingerprint


async def test_a_link_opens_once_and_only_its_hash_is_kept(db_engine: AsyncEngine) -> None:
    reg = await make_registry(db_engine, businesses=0)
    fingerprint = await _certificate(db_engine, reg.officer_id)
    secret = secrets.token_urlsafe(32)
    sessions = session_factory(db_engine)
    async with sessions.begin() as session:
        await store.insert_link(
            session,
            token_sha256=link_hash(secret),
            person_id=reg.officer_id,
            certificate_fingerprint=fingerprint,
            ttl=timedelta(minutes=10),
        )

    async def use() -> store.UsedLink:
        async with sessions() as session:
            used = await store.use_link(session, link_hash(secret))
            await asyncio.sleep(0.05)  # the three transactions overlap
            await session.commit()
            return used

    outcomes = await asyncio.gather(use(), use(), use())
    assert sorted(str(o.refused) for o in outcomes) == ["None", "used", "used"]
    async with sessions() as session:
        rows = (await session.execute(select(ConsoleEnrolmentLink))).scalars().all()
        assert all(secret.encode() not in row.token_sha256 for row in rows)
        assert (await store.use_link(session, link_hash("no-such-link"))).refused == "unknown"


async def test_a_link_expires_by_the_database_clock(db_engine: AsyncEngine) -> None:
    reg = await make_registry(db_engine, businesses=0)
    fingerprint = await _certificate(db_engine, reg.officer_id)
    secret = secrets.token_urlsafe(32)
    async with session_factory(db_engine).begin() as session:
        await store.insert_link(
            session,
            token_sha256=link_hash(secret),
            person_id=reg.officer_id,
            certificate_fingerprint=fingerprint,
            ttl=timedelta(milliseconds=200),
        )
    await asyncio.sleep(0.3)
    async with session_factory(db_engine)() as session:
        late = await store.use_link(session, link_hash(secret))
    assert late.refused == "expired" and late.link is not None and late.link.used_at is None


async def _tender(
    engine: AsyncEngine, reg: Registry, phase: Phase, awaiting: Role | None, note: str = ""
) -> str:
    notice = notice_no()
    now = datetime.now(UTC)
    async with session_factory(engine).begin() as session:
        session.add(
            Tender(
                notice_no=notice,
                base_no=notice[:11],
                round=0,
                workflow_id=f"tender-{notice}",
                agency_code=reg.agency_code,
                officer_id=reg.officer_id,
                title=f"Chairs {notice}",
                description="",
                category=Category.GOODS,
                method=Method.GENERAL,
                agency_kind=AgencyKind.NATIONAL,
                estimated_price=100_000_000,
                base_amount=100_000_000,
                announced_at=now,
                deadline=now + timedelta(days=7),
                opening_at=now + timedelta(days=7, hours=1),
                bidding_open=phase is Phase.BIDDING,
                phase=phase,
                awaiting_role=awaiting,
                outcome_note=note,
            )
        )
    return notice


def _actor(person: str, role: Role, agency: str | None) -> Actor:
    return Actor(id=person, name=person, role=role, agency_code=agency)


async def test_my_work_lists_what_waits_for_me_first_in_my_agency(db_engine: AsyncEngine) -> None:
    reg = await make_registry(db_engine, businesses=0)
    rival = await make_registry(db_engine, businesses=0)
    review = await _tender(db_engine, reg, Phase.EVALUATING, Role.OFFICER, "reviewing 1")
    awarded = await _tender(db_engine, reg, Phase.AWARDED, Role.SUPPLIER)
    bidding = await _tender(db_engine, reg, Phase.BIDDING, None)
    await _tender(db_engine, rival, Phase.EVALUATING, Role.OFFICER)
    officer = _actor(reg.officer_id, Role.OFFICER, reg.agency_code)
    async with session_factory(db_engine)() as session:
        work = await worklist.list_mine(session=session, actor=officer)
        assert [t.notice_no for t in work.waiting.tenders] == [review]
        assert work.waiting.tenders[0].waits_for == "reviewing 1"
        assert {t.notice_no for t in work.tenders} == {awarded, bidding}
        assert work.total == 2  # the list below "waiting for me": the other two
        only = await worklist.list_mine(session=session, actor=officer, phase=Phase.BIDDING)
        assert [t.notice_no for t in only.tenders] == [bidding] and not only.waiting.tenders
        inspector = _actor(reg.inspector_id, Role.INSPECTOR, reg.agency_code)
        assert not (await worklist.waiting_for(session=session, actor=inspector)).tenders
        auditor = await worklist.list_mine(
            session=session, actor=_actor("auditor-1", Role.AUDITOR, None)
        )
        assert auditor.total == 0 and not auditor.tenders
        with pytest.raises(Forbidden):
            await worklist.list_mine(session=session, actor=_actor("agent-1", Role.SUPPLIER, None))


async def test_the_timeline_counts_bids_and_never_names_a_bidder(db_engine: AsyncEngine) -> None:
    reg = await make_registry(db_engine, businesses=0)
    rival = await make_registry(db_engine, businesses=0)
    notice = await _tender(db_engine, reg, Phase.CLOSED, None)
    entity = audit.tender_entity(notice)
    async with session_factory(db_engine).begin() as session:
        await audit.append(
            session, actor=reg.officer_id, entity=entity, action="announced",
            idempotency_key=f"{notice}:announced", payload={"deadline": "2026-12-01"},
        )  # fmt: skip
        for i in range(3):
            await audit.append(
                session, actor=f"agent-{i}", entity=entity, action="bid-submitted",
                idempotency_key=f"{notice}:bid:{i}", payload={"business_no": f"secret-{i}"},
            )  # fmt: skip
        await audit.append(
            session, actor="workflow", entity=entity, action="closed",
            idempotency_key=f"{notice}:closed", payload={"note": "bidding closed with 3 bids"},
        )  # fmt: skip
    officer = _actor(reg.officer_id, Role.OFFICER, reg.agency_code)
    async with session_factory(db_engine)() as session:
        lines = await timeline.get(session=session, actor=officer, notice_no=notice)
        assert [(e.action, e.count) for e in lines] == [
            ("announced", 1),
            ("bid-submitted", 3),
            ("closed", 1),
        ]
        assert "secret-" not in str([e.model_dump() for e in lines])
        assert "agent-" not in str([e.model_dump() for e in lines])
        with pytest.raises(Forbidden):
            await timeline.get(
                session=session,
                actor=_actor(rival.officer_id, Role.OFFICER, rival.agency_code),
                notice_no=notice,
            )
