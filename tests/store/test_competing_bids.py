"""`bids.find_competing`: the bid on a tender that makes another bid by the same person a
lent certificate (a bid for another business that they sent, or whose agent they are)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.sealing import KeyPair, seal_bid
from nara.store import bids, clock, tenders
from nara.store.tables import Agency, Bid, Business, BusinessAgent, Person, Tender
from tests.factories import business_no, notice_no


async def _tender(session: AsyncSession, tag: str) -> Tender:
    session.add(Agency(code=f"A{tag}", name="Office", kind=AgencyKind.NATIONAL))
    await session.flush()
    session.add(Person(id=f"officer-{tag}", name="O", role="officer", agency_code=f"A{tag}"))
    await session.flush()
    now = datetime.now(UTC)
    row = tenders.new_tender(
        notice_no=notice_no(),
        agency_code=f"A{tag}",
        agency_kind=AgencyKind.NATIONAL,
        officer_id=f"officer-{tag}",
        title="Desks",
        category=Category.GOODS,
        method=Method.GENERAL,
        estimated_price=100_000_000,
        base_amount=100_000_000,
        announced_at=now,
        deadline=now + timedelta(days=10),
        opening_at=now + timedelta(days=10, hours=1),
    )
    await tenders.insert(session, tender=row)
    return row


async def _business(session: AsyncSession, *agents: str) -> str:
    no = business_no()
    session.add(Business(business_no=no, name=no, account_no=f"BZ-{no}"))
    await session.flush()
    session.add_all([BusinessAgent(business_no=no, person_id=a) for a in agents])
    await session.flush()
    return no


async def _bid(session: AsyncSession, tender: Tender, business: str, agent: str) -> None:
    sealed = seal_bid(
        KeyPair.generate().public_key,
        notice_no=tender.notice_no,
        business_no=business,
        price=90_000_000,
        picks=[1, 2],
    )
    stored = await bids.insert(
        session,
        tender_id=tender.id,
        business_no=business,
        agent_id=agent,
        client_key=f"key-{business}",
        submitted_at=await clock.now(session),
        sealed=bids.SealedRecord(
            tender_key_id="0" * 16,
            enc=sealed.enc,
            price=sealed.price,
            picks=sealed.picks,
            check=sealed.check,
            document_sha256="0" * 64,
            signature="",
            signing_certificate="",
        ),
        bid_guarantee_cert=None,
    )
    assert stored is not None


async def test_a_bid_the_person_sent_or_represents_competes(db_session: AsyncSession) -> None:
    tag = notice_no()[4:11]
    tender = await _tender(db_session, tag)
    broker, honest, colleague = (f"{who}-{tag}" for who in ("broker", "honest", "colleague"))
    db_session.add_all([Person(id=p, name=p, role="supplier") for p in (broker, honest, colleague)])
    await db_session.flush()
    first = await _business(db_session, broker, colleague)
    second = await _business(db_session, broker)
    third = await _business(db_session, honest)
    await _bid(db_session, tender, first, colleague)

    async def competing(business: str, person: str) -> Bid | None:
        return await bids.find_competing(
            db_session, tender_id=tender.id, business_no=business, person_id=person
        )

    # The broker is an agent of `first`, which bid (sent by a colleague): not for `second`.
    found = await competing(second, broker)
    assert found is not None and found.business_no == first
    # The colleague sent `first`'s bid: not `third`'s as well, whatever the agent links say.
    assert (await competing(third, colleague)) is not None
    # Their own business's bid is no competitor, and the honest agent represents no rival.
    assert await competing(first, colleague) is None
    assert await competing(third, honest) is None
