"""Test data, split by domain: registry (agencies, businesses, people), tenders and bids.

Everything is written through the real tables on the session database; every call makes
fresh keys so tests never collide.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from nara.contracts.tender import TenderTerms
from nara.domain.bid_document import BidDocument, document_sha256
from nara.domain.enums import AgencyKind, Category, Method
from nara.domain.identifiers import business_no_check_digit
from nara.domain.sealing import seal_bid
from nara.store import tender_keys
from nara.store.tables import Agency, Bid, Business, BusinessAgent, Person, Tender

_rng = random.Random()


def business_no() -> str:
    """A fresh, valid business registration number."""
    first9 = f"{_rng.randrange(100, 999)}{_rng.randrange(10, 99)}{_rng.randrange(1000, 9999)}"
    digits = first9 + str(business_no_check_digit(first9))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def notice_no(round_no: int = 0) -> str:
    return f"2026{_rng.randrange(10**6, 10**7 - 1):07d}-{round_no:02d}"


@dataclass
class Registry:
    agency_code: str
    officer_id: str
    inspector_id: str
    agency_account: str
    businesses: list[str] = field(default_factory=list)
    agents: dict[str, str] = field(default_factory=dict)  # business_no -> person id
    accounts: dict[str, str] = field(default_factory=dict)  # business_no -> account


async def make_registry(
    engine: AsyncEngine, *, businesses: int = 3, kind: AgencyKind = AgencyKind.NATIONAL
) -> Registry:
    """An agency with an officer and an inspector, and businesses each with one agent."""
    tag = uuid.uuid4().hex[:8]
    reg = Registry(
        agency_code=f"A{tag}",
        officer_id=f"officer-{tag}",
        inspector_id=f"inspector-{tag}",
        agency_account=f"AG-{tag}",
    )
    sessions = async_sessionmaker(engine)
    async with sessions.begin() as s:
        s.add(
            Agency(
                code=reg.agency_code,
                name=f"Agency {tag}",
                kind=kind.value,
                account_no=reg.agency_account,
            )
        )
        await s.flush()
        s.add_all(
            [
                Person(
                    id=reg.officer_id, name="Officer", role="officer", agency_code=reg.agency_code
                ),
                Person(
                    id=reg.inspector_id,
                    name="Inspector",
                    role="inspector",
                    agency_code=reg.agency_code,
                ),
            ]
        )
        for i in range(businesses):
            no = business_no()
            agent = f"agent-{tag}-{i}"
            reg.businesses.append(no)
            reg.agents[no] = agent
            reg.accounts[no] = f"BZ-{tag}-{i}"
            s.add(Business(business_no=no, name=f"Business {tag} {i}", account_no=reg.accounts[no]))
            s.add(Person(id=agent, name=f"Agent {i}", role="supplier"))
        await s.flush()
        s.add_all(
            [BusinessAgent(business_no=no, person_id=agent) for no, agent in reg.agents.items()]
        )
    return reg


def tender_terms(
    reg: Registry,
    *,
    now: datetime | None = None,
    notice_days: int = 30,
    category: Category = Category.GOODS,
    method: Method = Method.GENERAL,
    estimated_price: int = 100_000_000,
) -> TenderTerms:
    now = now or datetime.now(UTC)
    deadline = (now + timedelta(days=notice_days)).replace(minute=0, second=0, microsecond=0)
    return TenderTerms(
        notice_no=notice_no(),
        agency_code=reg.agency_code,
        agency_kind=AgencyKind.NATIONAL,
        officer_id=reg.officer_id,
        title="Office furniture for the regional office",
        category=category,
        method=method,
        estimated_price=estimated_price,
        base_amount=estimated_price,
        announced_at=now,
        deadline=deadline,
        opening_at=deadline + timedelta(hours=1),
    )


async def tender_row(session: AsyncSession, notice: str) -> Tender | None:
    return (
        await session.execute(select(Tender).where(Tender.notice_no == notice))
    ).scalar_one_or_none()


async def place_bid(
    engine: AsyncEngine,
    *,
    notice: str,
    business: str,
    agent: str,
    price: int,
    picks: tuple[int, int] = (3, 9),
    guarantee_cert: str | None = None,
    passkey_credential_id: str | None = None,
    certificate_fingerprint: str | None = None,
    client_address: str | None = None,
) -> None:
    """Insert a sealed bid row as the bidding path stores it (the tender must be bidding):
    the price and picks sealed to the tender's public key from the `tender_key` table, as
    the bidder client seals them, so only the opening (the key service) can read them; with
    what it was sent with when given. No e-signature: the signature checks are the API's."""
    async with async_sessionmaker(engine).begin() as s:
        tender = await tender_row(s, notice)
        assert tender is not None and tender.bidding_open
        key = await tender_keys.find(s, notice_no=notice)
        assert key is not None, f"{notice} has no sealing key (announced before sealed bids?)"
        sealed = seal_bid(
            key.public_key, notice_no=notice, business_no=business, price=price, picks=picks
        )
        client_key = uuid.uuid4().hex
        document = BidDocument.of(
            notice_no=notice,
            business_no=business,
            client_key=client_key,
            tender_key_id=key.key_id,
            sealed=sealed,
            bid_guarantee_cert=guarantee_cert,
        )
        s.add(
            Bid(
                tender_id=tender.id,
                business_no=business,
                agent_id=agent,
                client_key=client_key,
                tender_key_id=key.key_id,
                sealed_enc=sealed.enc,
                sealed_price=sealed.price,
                sealed_picks=sealed.picks,
                sealed_check=sealed.check,
                document_sha256=document_sha256(document),
                bid_guarantee_cert=guarantee_cert,
                passkey_credential_id=passkey_credential_id,
                certificate_fingerprint=certificate_fingerprint,
                client_address=client_address,
            )
        )
