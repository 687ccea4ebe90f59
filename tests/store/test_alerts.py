"""Alerts on real PostgreSQL: one announcement matched against many subscriptions in one
statement, idempotent; the outbox delivered and retried with backoff; recommendations
ranked with their reasons."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from nara.activities.alerts import AlertDelivery
from nara.domain.alerts import BACKOFF_BASE, MAX_SUBSCRIPTIONS
from nara.domain.enums import AgencyKind, Category, Method, Phase, Role
from nara.domain.errors import Conflict, Forbidden, NotFound, RuleViolation
from nara.partners.messaging import Message
from nara.services import alerts as service
from nara.services.actors import Actor
from nara.store import alerts, tenders
from nara.store.alert_tables import AlertNotification, AlertSubscription
from nara.store.tables import Agency, Bid, Business, BusinessAgent, Person
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
    session.add(
        Person(id=f"officer-{tag}", name="Officer", role=Role.OFFICER, agency_code=f"A{tag}")
    )
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
        await tenders.update_phase(
            session, notice_no=notice, phase=phase, awaiting_role=None, note=None
        )
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
        AlertSubscription(
            business_no=no, created_by=agency[1], keywords=[f"없는말{i}"], channel="feed"
        )
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


class Outbox:
    """Both adapters: records what it was given; fails while `failing`."""

    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.sent: list[tuple[str, Message]] = []

    async def _take(self, channel: str, message: Message) -> None:
        if self.failing:
            raise ConnectionError("gateway unreachable")
        self.sent.append((channel, message))

    async def send_email(self, message: Message) -> None:
        await self._take("email", message)

    async def send_sms(self, message: Message) -> None:
        await self._take("sms", message)


async def _queued(engine: AsyncEngine, tag: str, channels: list[tuple[str, str]]) -> dict[str, int]:
    """Committed: a tender titled with `tag` and one subscriber per (channel, address);
    {business_no: its notification id}."""
    async with async_sessionmaker(engine).begin() as s:
        agency = await _agency(s)
        businesses = []
        for channel, address in channels:
            no = await _business(s)
            await _subscribe(s, no, keywords=[tag])
            await s.execute(
                update(AlertSubscription)
                .where(AlertSubscription.business_no == no)
                .values(channel=channel, address=address)
            )
            businesses.append(no)
        notice = await _announce(s, agency, title=f"청사 보수 {tag}")
        assert await alerts.match_announcement(s, notice_no=notice) == (len(channels),) * 2
        rows = await s.execute(
            select(AlertNotification.business_no, AlertNotification.id).where(
                AlertNotification.business_no.in_(businesses)
            )
        )
        return {no: id_ for no, id_ in rows}


async def _rows(engine: AsyncEngine, ids: list[int]) -> list[AlertNotification]:
    async with async_sessionmaker(engine)() as s:
        found = await s.scalars(
            select(AlertNotification)
            .where(AlertNotification.id.in_(ids))
            .order_by(AlertNotification.id)
        )
        return list(found)


async def test_the_worker_delivers_the_outbox_and_marks_each_row(db_engine: AsyncEngine) -> None:
    tag = f"tag{uuid.uuid4().hex[:8]}"
    ids = await _queued(db_engine, tag, [("email", "kim@example.org"), ("sms", "010-1234-5678")])
    adapters = Outbox()
    delivery = AlertDelivery(async_sessionmaker(db_engine), email=adapters, sms=adapters)
    while (await delivery.deliver_round()).taken:
        pass
    mine = [(c, m) for c, m in adapters.sent if m.notification_id in ids.values()]
    assert sorted((c, m.address) for c, m in mine) == [
        ("email", "kim@example.org"),
        ("sms", "010-1234-5678"),
    ]
    assert all(tag in m.subject and "keyword" in m.body for _, m in mine)
    rows = await _rows(db_engine, list(ids.values()))
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [("delivered", 1, None)] * 2
    assert all(r.delivered_at is not None for r in rows)
    # delivered rows are never taken again
    adapters.sent.clear()
    await delivery.deliver_round()
    assert not [m for _, m in adapters.sent if m.notification_id in ids.values()]


async def test_a_failing_adapter_is_retried_with_backoff_then_given_up(
    db_engine: AsyncEngine,
) -> None:
    tag = f"tag{uuid.uuid4().hex[:8]}"
    ids = list((await _queued(db_engine, tag, [("email", "lee@example.org")])).values())
    adapters = Outbox(failing=True)
    delivery = AlertDelivery(
        async_sessionmaker(db_engine), email=adapters, sms=adapters, max_attempts=3
    )

    async def make_due() -> None:
        async with async_sessionmaker(db_engine).begin() as s:
            await s.execute(
                update(AlertNotification)
                .where(AlertNotification.id.in_(ids))
                .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
            )

    started = datetime.now(UTC)
    await delivery.deliver_round()
    [row] = await _rows(db_engine, ids)
    assert (row.status, row.attempts, row.last_error) == (
        "pending",
        1,
        "ConnectionError: gateway unreachable",
    )
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at - started
    assert BACKOFF_BASE - timedelta(seconds=5) < wait < BACKOFF_BASE + timedelta(seconds=5)
    await delivery.deliver_round()  # not due yet: untouched
    assert (await _rows(db_engine, ids))[0].attempts == 1

    await make_due()
    await delivery.deliver_round()
    [row] = await _rows(db_engine, ids)
    assert row.attempts == 2 and row.next_attempt_at is not None
    assert row.next_attempt_at - datetime.now(UTC) > BACKOFF_BASE * 2 - timedelta(seconds=5)

    await make_due()
    await delivery.deliver_round()
    [row] = await _rows(db_engine, ids)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)

    adapters.failing = False  # given up: not sent again even when the gateway is back
    await make_due()
    await delivery.deliver_round()
    assert not adapters.sent


async def test_recommendations_rank_open_tenders_with_their_reasons(
    db_session: AsyncSession,
) -> None:
    s = db_session
    usual, other = await _agency(s, "Usual Office"), await _agency(s, "Other Office")
    me = await _business(s, region="경기", licences=("토목공사업",))
    agent = f"agent-{uuid.uuid4().hex[:8]}"
    s.add(Person(id=agent, name="Agent", role=Role.SUPPLIER))
    await s.flush()
    s.add(BusinessAgent(business_no=me, person_id=agent))
    # three earlier bids with the usual agency, on goods (and one below, still open)
    for _ in range(3):
        past = await _announce(
            s, usual, title="사무용품", category=Category.GOODS, phase=Phase.CLOSED
        )
        tender = await tenders.get(s, notice_no=past)
        s.add(Bid(tender_id=tender.id, business_no=me, agent_id=agent, client_key=uuid.uuid4().hex))
    await s.flush()

    best = await _announce(s, usual, title="하천 정비", region="경기")  # licence, agency, region
    licence = await _announce(s, other, title="도로 확장", region="강원", days=5)
    agency_goods = await _announce(s, usual, title="복사기", category=Category.GOODS, region="부산")
    region_only = await _announce(s, other, title="용역", category=Category.SERVICES, region="경기")
    nothing = await _announce(s, other, title="급식", category=Category.SERVICES, region="부산")
    bid_on = await _announce(s, usual, title="교량 보수", region="경기")
    tender = await tenders.get(s, notice_no=bid_on)
    s.add(Bid(tender_id=tender.id, business_no=me, agent_id=agent, client_key=uuid.uuid4().hex))
    await s.flush()

    actor = Actor(id=agent, name="Agent", role=Role.SUPPLIER, agency_code=None)
    found = await service.recommend(session=s, actor=actor, business_no=me, limit=50)
    mine = [
        r
        for r in found
        if r.notice_no in {best, licence, agency_goods, region_only, nothing, bid_on}
    ]
    assert [(r.notice_no, r.reasons) for r in mine] == [
        (
            best,
            [
                "matches licence 토목공사업",
                "agency you bid with 4 times (Usual Office)",
                "in your region 경기",
                "construction tenders you bid on once",
            ],
        ),
        (licence, ["matches licence 토목공사업", "construction tenders you bid on once"]),
        (
            agency_goods,
            ["agency you bid with 4 times (Usual Office)", "goods tenders you bid on 3 times"],
        ),
        (region_only, ["in your region 경기"]),
    ]
    assert [r.score for r in mine] == sorted((r.score for r in mine), reverse=True)
    assert len(await service.recommend(session=s, actor=actor, business_no=me, limit=1)) == 1


async def test_the_delivery_loop_wakes_on_the_commit_of_an_announcement(
    db_engine: AsyncEngine, database_url: str
) -> None:
    adapters = Outbox()
    delivery = AlertDelivery(
        async_sessionmaker(db_engine), email=adapters, sms=adapters, idle_s=60.0
    )
    running = asyncio.create_task(delivery.run(database_url))
    try:
        await asyncio.sleep(0.3)  # listening, idle (its first round found nothing of ours)
        tag = f"tag{uuid.uuid4().hex[:8]}"
        ids = await _queued(db_engine, tag, [("email", "park@example.org")])
        started = time.monotonic()
        while not any(m.notification_id in ids.values() for _, m in adapters.sent):
            assert time.monotonic() - started < 5, "not woken by the NOTIFY (idle is 60 s)"
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert [r.status for r in await _rows(db_engine, list(ids.values()))] == ["delivered"]


async def test_the_feed_pages_by_keyset_newest_first_and_marks_read(
    db_session: AsyncSession,
) -> None:
    s = db_session
    agency = await _agency(s)
    me = await _business(s)
    await _subscribe(s, me, keywords=["급식"])
    agent = (await alerts.subscriptions_of(s, business_no=me))[0].created_by
    actor = Actor(id=agent, name="Agent", role=Role.SUPPLIER, agency_code=None)
    notices = []
    for _ in range(3):
        notices.append(
            await _announce(s, agency, title="학교 급식 식재료", category=Category.GOODS)
        )
        await alerts.match_announcement(s, notice_no=notices[-1])

    first = await service.list_feed(session=s, actor=actor, business_no=me, cursor=None, limit=2)
    assert [n.notice_no for n in first.items] == notices[:0:-1]
    assert first.next_cursor == first.items[-1].id
    # a newer announcement between the pages does not move the next page
    newer = await _announce(s, agency, title="급식 용기", category=Category.GOODS)
    await alerts.match_announcement(s, notice_no=newer)
    second = await service.list_feed(
        session=s, actor=actor, business_no=me, cursor=first.next_cursor, limit=2
    )
    assert ([n.notice_no for n in second.items], second.next_cursor) == ([notices[0]], None)

    marked = await service.mark_read(
        session=s, actor=actor, business_no=me, ids=[first.items[0].id, second.items[0].id]
    )
    assert marked == 2
    unread = await service.list_feed(
        session=s, actor=actor, business_no=me, cursor=None, limit=10, unread=True
    )
    assert [n.notice_no for n in unread.items] == [newer, notices[1]]
    stranger = Actor(id=agency[1], name="Officer", role=Role.OFFICER, agency_code=agency[0])
    with pytest.raises(Forbidden):
        await service.list_feed(session=s, actor=stranger, business_no=me, cursor=None, limit=2)


async def test_a_business_keeps_at_most_twenty_subscriptions_and_known_licences(
    db_session: AsyncSession,
) -> None:
    s = db_session
    me = await _business(s)
    await _subscribe(s, me, keywords=["책상"])
    agent = (await alerts.subscriptions_of(s, business_no=me))[0].created_by
    actor = Actor(id=agent, name="Agent", role=Role.SUPPLIER, agency_code=None)
    for i in range(MAX_SUBSCRIPTIONS - 1):
        draft = service.SubscriptionDraft(keywords=(f"의자{i}",))
        await service.create_subscription(session=s, actor=actor, business_no=me, draft=draft)
    with pytest.raises(Conflict, match="20 subscriptions"):
        await service.create_subscription(
            session=s, actor=actor, business_no=me, draft=service.SubscriptionDraft()
        )
    with pytest.raises(NotFound):
        await service.delete_subscription(
            session=s, actor=actor, business_no=me, subscription_id=2**62
        )
    with pytest.raises(Forbidden):  # licences are the registry's: operators only
        await service.set_licences(session=s, actor=actor, business_no=me, licences=["측량업"])
    operator = Actor(id="console:test", name="test", role=Role.OPERATOR, agency_code=None)
    with pytest.raises(RuleViolation, match="not a licence"):
        await service.set_licences(session=s, actor=operator, business_no=me, licences=["낚시업"])
    held = await service.set_licences(
        session=s, actor=operator, business_no=me, licences=["측량업", "전기공사업"]
    )
    assert [(h.licence, h.category) for h in held] == [
        ("전기공사업", Category.CONSTRUCTION),
        ("측량업", Category.SERVICES),
    ]
    held = await service.set_licences(session=s, actor=operator, business_no=me, licences=[])
    assert held == []
