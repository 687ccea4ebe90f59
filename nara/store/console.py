"""What the officers' console reads and writes: enrolment links and the work lists.

Times are the database's (`clock_timestamp()`), as for sessions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import PaymentState, Phase, Role
from nara.store.console_tables import ConsoleEnrolmentLink
from nara.store.tables import Contract, Payment, Review, Tender


async def insert_link(
    session: AsyncSession,
    *,
    token_sha256: bytes,
    person_id: str,
    certificate_fingerprint: str,
    ttl: timedelta,
) -> ConsoleEnrolmentLink:
    """A new enrolment link, expiring `ttl` from now."""
    row = ConsoleEnrolmentLink(
        id=uuid.uuid4(),
        token_sha256=token_sha256,
        person_id=person_id,
        certificate_fingerprint=certificate_fingerprint,
        expires_at=func.clock_timestamp() + ttl,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


@dataclass(frozen=True)
class UsedLink:
    """The link a secret named, and why it was refused (None: used up by this call)."""

    link: ConsoleEnrolmentLink | None
    refused: str | None


async def use_link(session: AsyncSession, token_sha256: bytes) -> UsedLink:
    """Mark the link used, atomically: of two redemptions, one wins."""
    used = await session.scalar(
        update(ConsoleEnrolmentLink)
        .where(
            ConsoleEnrolmentLink.token_sha256 == token_sha256,
            ConsoleEnrolmentLink.used_at.is_(None),
            ConsoleEnrolmentLink.expires_at > func.clock_timestamp(),
        )
        .values(used_at=func.clock_timestamp())
        .returning(ConsoleEnrolmentLink)
    )
    if used is not None:
        return UsedLink(used, None)
    found = await session.scalar(
        select(ConsoleEnrolmentLink).where(ConsoleEnrolmentLink.token_sha256 == token_sha256)
    )
    if found is None:
        return UsedLink(None, "unknown")
    return UsedLink(found, "used" if found.used_at is not None else "expired")


async def tenders_awaiting(
    session: AsyncSession, *, agency_code: str, role: Role, phase: Phase | None, limit: int
) -> Sequence[Tender]:
    """The agency's tenders whose workflow waits for `role`, longest waiting first."""
    query = (
        select(Tender)
        .where(Tender.agency_code == agency_code, Tender.awaiting_role == role)
        .order_by(Tender.updated_at, Tender.notice_no)
        .limit(limit)
    )
    if phase is not None:
        query = query.where(Tender.phase == phase)
    return (await session.execute(query)).scalars().all()


async def tenders_not_awaiting(
    session: AsyncSession,
    *,
    agency_code: str,
    role: Role,
    phase: Phase | None,
    before: str | None,
    limit: int,
) -> Sequence[Tender]:
    """The agency's other tenders, newest notice first, below `before`."""
    query = (
        select(Tender)
        .where(Tender.agency_code == agency_code, Tender.awaiting_role.is_distinct_from(role))
        .order_by(Tender.notice_no.desc())
        .limit(limit)
    )
    if phase is not None:
        query = query.where(Tender.phase == phase)
    if before is not None:
        query = query.where(Tender.notice_no < before)
    return (await session.execute(query)).scalars().all()


async def count_tenders_not_awaiting(
    session: AsyncSession, *, agency_code: str, role: Role, phase: Phase | None
) -> int:
    """How many of the agency's tenders do not wait for `role` (in `phase`, if given): the
    size of the list `tenders_not_awaiting` pages through."""
    query = (
        select(func.count())
        .select_from(Tender)
        .where(Tender.agency_code == agency_code, Tender.awaiting_role.is_distinct_from(role))
    )
    if phase is not None:
        query = query.where(Tender.phase == phase)
    return await session.scalar(query) or 0


async def contracts_to_sign(
    session: AsyncSession, *, agency_code: str, limit: int
) -> Sequence[tuple[Contract, Tender]]:
    """The agency's contracts it has not signed yet, oldest first."""
    rows = await session.execute(
        select(Contract, Tender)
        .join(Tender, Tender.id == Contract.tender_id)
        .where(
            Tender.agency_code == agency_code,
            Contract.agency_signed_by.is_(None),
            Tender.phase == Phase.AWARDED,
        )
        .order_by(Contract.created_at)
        .limit(limit)
    )
    return [(c, t) for c, t in rows.all()]


async def claims_of_agency(
    session: AsyncSession, *, agency_code: str, limit: int
) -> Sequence[tuple[Payment, Tender]]:
    """The agency's payment claims, those to inspect first, then the newest."""
    rows = await session.execute(
        select(Payment, Tender)
        .join(Contract, Contract.contract_no == Payment.contract_no)
        .join(Tender, Tender.id == Contract.tender_id)
        .where(Tender.agency_code == agency_code)
        .order_by((Payment.status == PaymentState.CLAIMED).desc(), Payment.claimed_at.desc())
        .limit(limit)
    )
    return [(p, t) for p, t in rows.all()]


async def review_passed(session: AsyncSession, *, tender_id: uuid.UUID, business_no: str) -> bool:
    """Whether this candidate of the tender passed its qualification review."""
    passed = await session.scalar(
        select(Review.passed).where(
            Review.tender_id == tender_id, Review.business_no == business_no
        )
    )
    return bool(passed)


async def contract_of(session: AsyncSession, *, tender_id: uuid.UUID) -> Contract | None:
    """The tender's contract, once the award made one."""
    return await session.scalar(select(Contract).where(Contract.tender_id == tender_id))
