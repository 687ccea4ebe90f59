"""Sealed bids of a tender, and what the opening and the scoring made of them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.opening import Opening
from nara.domain.signals import Signal
from nara.store import clock
from nara.store.tables import Bid, BusinessAgent, OpeningResult, Tender


@dataclass(frozen=True)
class SealedRecord:
    """What the database keeps of a sealed bid before the opening (never its price)."""

    tender_key_id: str
    enc: bytes
    price: bytes
    picks: bytes
    check: bytes
    document_sha256: str
    signature: str
    signing_certificate: str


async def insert(
    session: AsyncSession,
    *,
    tender_id: uuid.UUID,
    business_no: str,
    agent_id: str,
    client_key: str,
    submitted_at: datetime,
    sealed: SealedRecord,
    bid_guarantee_cert: str | None,
    passkey_credential_id: str | None = None,
    certificate_fingerprint: str | None = None,
    certificate_serial: str | None = None,
    client_address: str | None = None,
) -> Bid | None:
    """Store a sealed bid with what it was sent with; None if this business or client key
    already bid on the tender."""
    inserted = await session.execute(
        pg_insert(Bid)
        .values(
            tender_id=tender_id,
            business_no=business_no,
            agent_id=agent_id,
            client_key=client_key,
            submitted_at=submitted_at,
            tender_key_id=sealed.tender_key_id,
            sealed_enc=sealed.enc,
            sealed_price=sealed.price,
            sealed_picks=sealed.picks,
            sealed_check=sealed.check,
            document_sha256=sealed.document_sha256,
            signature=sealed.signature,
            signing_certificate=sealed.signing_certificate,
            bid_guarantee_cert=bid_guarantee_cert,
            passkey_credential_id=passkey_credential_id,
            certificate_fingerprint=certificate_fingerprint,
            certificate_serial=certificate_serial,
            client_address=client_address,
        )
        .on_conflict_do_nothing()
        .returning(Bid)
    )
    return inserted.scalar_one_or_none()


async def tender_for_bid(
    session: AsyncSession, *, notice_no: str, client_key: str
) -> tuple[Tender | None, Bid | None, datetime]:
    """In one statement, without locks: the tender, the bid already sent on it with this
    client key (if any), and the database clock; (None, None, clock) without the tender."""
    row = (
        await session.execute(
            select(Tender, Bid, func.clock_timestamp())
            .outerjoin(Bid, and_(Bid.tender_id == Tender.id, Bid.client_key == client_key))
            .where(Tender.notice_no == notice_no)
        )
    ).one_or_none()
    if row is None:
        return None, None, await clock.now(session)
    return row[0], row[1], row[2]


async def find_by_client_key(
    session: AsyncSession, *, tender_id: uuid.UUID, client_key: str
) -> Bid | None:
    """The bid sent on this tender with this client key, if any."""
    return (
        await session.execute(
            select(Bid).where(Bid.tender_id == tender_id, Bid.client_key == client_key)
        )
    ).scalar_one_or_none()


async def find_competing(
    session: AsyncSession, *, tender_id: uuid.UUID, business_no: str, person_id: str
) -> Bid | None:
    """A bid on the tender for another business that `person_id` sent or is an agent of."""
    agent_of = select(BusinessAgent.business_no).where(BusinessAgent.person_id == person_id)
    return (
        await session.execute(
            select(Bid)
            .where(
                Bid.tender_id == tender_id,
                Bid.business_no != business_no,
                or_(Bid.agent_id == person_id, Bid.business_no.in_(agent_of)),
            )
            .order_by(Bid.submitted_at)
            .limit(1)
        )
    ).scalar_one_or_none()


async def find_by_rank(session: AsyncSession, *, tender_id: uuid.UUID, rank: int) -> Bid | None:
    """The bid ranked `rank` on this tender, if any."""
    return (
        await session.execute(select(Bid).where(Bid.tender_id == tender_id, Bid.rank == rank))
    ).scalar_one_or_none()


async def list(session: AsyncSession, *, tender_id: uuid.UUID) -> Sequence[Bid]:
    """Every bid on the tender, in the order they were submitted."""
    return (
        (
            await session.execute(
                select(Bid).where(Bid.tender_id == tender_id).order_by(Bid.submitted_at)
            )
        )
        .scalars()
        .all()
    )


async def list_valid(session: AsyncSession, *, tender_id: uuid.UUID) -> Sequence[Bid]:
    """The tender's bids that opened and count (not those the opening found invalid)."""
    return [bid for bid in await list(session, tender_id=tender_id) if bid.status != "invalid"]


async def count(session: AsyncSession, *, tender_id: uuid.UUID) -> int:
    """How many bids the tender has."""
    total = await session.scalar(
        select(func.count()).select_from(Bid).where(Bid.tender_id == tender_id)
    )
    return total or 0


async def update_ranks(
    session: AsyncSession, *, bids: Sequence[Bid], ranks: Mapping[str, int | None]
) -> None:
    """Give scored bids their rank: ranked ones become candidates, the rest not eligible."""
    for bid in bids:
        if bid.business_no in ranks:
            rank = ranks[bid.business_no]
            bid.rank, bid.status = rank, "candidate" if rank else "not_eligible"
    await session.flush()


async def find_opening(session: AsyncSession, *, tender_id: uuid.UUID) -> OpeningResult | None:
    """The stored opening of the tender, if its bids were opened."""
    return await session.get(OpeningResult, tender_id)


async def insert_opening(
    session: AsyncSession,
    *,
    tender_id: uuid.UUID,
    bids: Sequence[Bid],
    opening: Opening,
    reserve_seed: int,
    lottery_seed: int,
    reserve_secret: bytes | None = None,
    reserve_commitment: str | None = None,
) -> OpeningResult:
    """Store the opening and give each of the tender's bids its rate, status and rank."""
    by_business = {bid.business_no: bid for bid in bids}
    for opened in opening.bids:
        bid = by_business[opened.business_no]
        bid.bid_rate, bid.status, bid.rank = opened.bid_rate, opened.status.value, opened.rank
    result = OpeningResult(
        tender_id=tender_id,
        bid_count=opening.bid_count,
        reserve_seed=reserve_seed,
        reserve_secret=reserve_secret,
        reserve_commitment=reserve_commitment,
        reserve_prices=[*opening.draw.prices],
        pick_counts=[*opening.predetermined.pick_counts],
        most_picked=[*opening.most_picked],
        predetermined_price=opening.predetermined_price,
        lower_limit_rate=opening.lower_limit_rate,
        lottery_seed=lottery_seed,
        candidate_count=opening.candidate_count,
        flags={
            "signals": [*opening.flags],
            "shared": [signal.as_dict() for signal in opening.signals],
        },
    )
    session.add(result)
    await session.flush()
    return result


def signals_of(result: OpeningResult) -> tuple[Signal, ...]:
    """The signals an opening stored (none for openings from before they were kept)."""
    return tuple(Signal.from_dict(data) for data in result.flags.get("shared", []))
