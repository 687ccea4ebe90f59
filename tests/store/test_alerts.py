"""Alerts on real PostgreSQL: one announcement matched against many subscriptions in one
statement, idempotent; the outbox delivered and retried with backoff; recommendations
ranked with their reasons."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from nara.domain.alerts import BACKOFF_BASE
from nara.domain.enums import AgencyKind, Category, Method, Phase, Role
from nara.partners.messaging import Message
from nara.services import alerts as service
from nara.services.actors import Actor
from nara.store import alerts, tenders
from nara.store.alert_tables import AlertNotification, AlertSubscription, BusinessLicence
from nara.store.tables import Agency, Bid, Business, BusinessAgent, Person
from nara.workers.alerts import AlertDelivery
from tests.factories import business_no, notice_no


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements sent on `engine` inside the block."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _agency(session: AsyncSession, name: str = "Road Office") -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    session.add(Agency(code=f"A{tag}", name=name, kind=AgencyKind.NATIONAL))
    await session.flush()
    session.add(Person(id=f"officer-{tag}", name="Officer", role=Role.OFFICER, agency_code=f"A{tag}"))
    await session.flush()
    return f"A{tag}", f"officer-{tag}"


async def _business(
    session: AsyncSession, *, region: str | None = None, licences: tuple[str, ...] = ()
) -> str:
    no = business_no()
    session.add(Business(business_no=no, name=f"Business {no}", region=region))
    await session.flush()
    if licences:
        await alerts.replace_licences(session, business_no=no, licences=list(licences))
    return no


async def _subscribe(session: AsyncSession, business: str, **values: Any) -> None:
    agent = f"agent-{uuid.uuid4().hex[:8]}"
    session.add(Person(id=agent, name="Agent", role=Role.SUPPLIER))
    await session.flush()
    session.add(BusinessAgent(business_no=business, person_id=agent))
    await session.flush()
    await alerts.insert_subscription(
        session, business_no=business, created_by=agent, channel="feed", **values
    )


async def _announce(
    session: AsyncSession,
    agency: tuple[str, str],
    *,
    title: str,
    category: Category = Category.CONSTRUCTION,
    region: str | None = "서울",
    price: int = 500_000_000,
    days: int = 10,
    phase: Phase = Phase.BIDDING,
) -> str:
    notice = notice_no()
    now = datetime.now(UTC).replace(microsecond=0)
    row = tenders.new_tender(
        notice_no=notice,
        agency_code=agency[0],
        agency_kind=AgencyKind.NATIONAL,
        officer_id=agency[1],
        title=title,
        category=category,
        method=Method.GENERAL,
        region=region,
        estimated_price=price,
        base_amount=price,
        announced_at=now,
        deadline=now + timedelta(days=days),
        opening_at=now + timedelta(days=days, hours=1),
    )
    await tenders.upsert_bidding(session, tender=row)
    if phase is not Phase.BIDDING:
        await tenders.update_phase(session, notice_no=notice, phase=phase, awaiting_role=None, note=None)
    return notice


async def _notified(session: AsyncSession, notice: str, among: list[str]) -> dict[str, str]:
    rows = await session.execute(
        text(
            "SELECT n.business_no, n.reason FROM alert_notification n JOIN tender t "
            "ON t.id = n.tender_id WHERE t.notice_no = :notice"
        ),
        {"notice": notice},
    )
    return {no: reason for no, reason in rows if no in among}


async def test_one_announcement_is_matched_against_every_subscription_in_one_statement(
    db_session: AsyncSession, db_engine: AsyncEngine
) -> None:
    s = db_session
    agency = await _agency(s)
    want: dict[str, str] = {}
    everyone: list[str] = []

    async def business(expect: str | None, *, licences: tuple[str, ...] = (), **sub: Any) -> None:
        no = await _business(s, licences=licences)
        await _subscribe(s, no, **sub)
        everyone.append(no)
        if expect is not None:
            want[no] = expect

    await business("keyword 도로포장", keywords=["도로포장"])  # spaces in the title ignored
    await business("keyword 포장공사", keywords=["교량", "포장공사"])
    await business(None, keywords=["교량"])
    await business("region 서울", regions=["부산", "서울"])
    await business(None, regions=["부산"])
    await business("category construction", categories=["construction"])
    await business(None, categories=["goods"])
    await business("matches licence 토목공사업", licences=("토목공사업",))
    await business(None, licences=("물품제조업",))  # its licences: goods only
    await business("amount in your range", min_amount=100_000_000, max_amount=600_000_000)
    await business(None, min_amount=1_000_000_000)
    # 300 more that never match (another keyword): "many" is a bulk of rows, not a loop.
    filler = [business_no() for _ in range(300)]
    s.add_all(Business(business_no=no, name="Filler") for no in filler)
    await s.flush()
    s.add_all(
        AlertSubscription(business_no=no, created_by=agency[1], keywords=[f"없는말{i}"], channel="feed")
        for i, no in enumerate(filler)
    )
    everyone += filler
    await s.flush()
    # one business, two matching subscriptions: one notification, by the older one
    twice = await _business(s)
    await _subscribe(s, twice, keywords=["도로"])
    await _subscribe(s, twice, regions=["서울"])
    everyone.append(twice)
    want[twice] = "keyword 도로"

    notice = await _announce(s, agency, title="도로 포장 공사 (2공구)")
    with statements(db_engine) as sent:
        queued, to_deliver = await alerts.match_announcement(s, notice_no=notice)
    assert len(sent) == 1
    assert (queued >= len(want), to_deliver) == (True, 0)
    assert await _notified(s, notice, everyone) == want

    # a retried announcement writes nothing again
    again, _ = await alerts.match_announcement(s, notice_no=notice)
    assert again == 0
    assert await _notified(s, notice, everyone) == want
