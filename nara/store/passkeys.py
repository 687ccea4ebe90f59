"""Enrolled passkeys and their challenges: every statement of passkeys.

Times are the database's (`clock_timestamp()`), so a challenge's expiry never depends on
which API host answers. The signature counter only moves forward, in one statement
(`advance_sign_count`): of two assertions with the same counter, one wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.store.identity_tables import AuthSession, PersonCertificate
from nara.store.passkey_tables import Passkey, PasskeyChallenge

_PURGE_AFTER = timedelta(minutes=10)
"""Challenges this long past their expiry are deleted (nobody can use them any more)."""


async def insert_challenge(
    session: AsyncSession,
    *,
    purpose: str,
    person_id: str | None,
    challenge: bytes,
    ttl: timedelta,
) -> PasskeyChallenge:
    """Store a new challenge valid for `ttl`; old expired ones are swept on the way."""
    stale = (
        select(PasskeyChallenge.id)
        .where(PasskeyChallenge.expires_at < func.clock_timestamp() - _PURGE_AFTER)
        .limit(100)
        .scalar_subquery()
    )
    await session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.id.in_(stale)))
    row: PasskeyChallenge | None = await session.scalar(
        pg_insert(PasskeyChallenge)
        .values(
            id=uuid.uuid4(),
            purpose=purpose,
            person_id=person_id,
            challenge=challenge,
            expires_at=func.clock_timestamp() + ttl,
        )
        .returning(PasskeyChallenge)
    )
    assert row is not None
    return row


@dataclass(frozen=True)
class Consumed:
    """What consuming a challenge found: the challenge (None if unknown) and, when it could
    not be used, why (`"used"` or `"expired"`)."""

    challenge: PasskeyChallenge | None
    refused: str | None


async def consume_challenge(
    session: AsyncSession, *, challenge_id: uuid.UUID, purpose: str
) -> Consumed:
    """Mark the challenge used, atomically: of two answers to one challenge, one wins."""
    used = await session.scalar(
        update(PasskeyChallenge)
        .where(
            PasskeyChallenge.id == challenge_id,
            PasskeyChallenge.purpose == purpose,
            PasskeyChallenge.used_at.is_(None),
            PasskeyChallenge.expires_at > func.clock_timestamp(),
        )
        .values(used_at=func.clock_timestamp())
        .returning(PasskeyChallenge)
    )
    if used is not None:
        return Consumed(used, None)
    found = await session.get(PasskeyChallenge, challenge_id)
    if found is None or found.purpose != purpose:
        return Consumed(None, None)
    return Consumed(found, "used" if found.used_at is not None else "expired")


async def insert(
    session: AsyncSession,
    *,
    credential_id: str,
    person_id: str,
    name: str,
    public_key: bytes,
    sign_count: int,
    user_handle: bytes,
    aaguid: str,
    certificate_fingerprint: str | None,
) -> Passkey | None:
    """Enrol a credential for a person; None if this credential id is enrolled already
    (for anybody, removed or not)."""
    row: Passkey | None = await session.scalar(
        pg_insert(Passkey)
        .values(
            id=uuid.uuid4(),
            credential_id=credential_id,
            person_id=person_id,
            name=name,
            public_key=public_key,
            sign_count=sign_count,
            user_handle=user_handle,
            aaguid=aaguid,
            certificate_fingerprint=certificate_fingerprint,
        )
        .on_conflict_do_nothing(index_elements=[Passkey.credential_id])
        .returning(Passkey)
    )
    return row


async def find(session: AsyncSession, *, credential_id: str) -> Passkey | None:
    """The passkey with this credential id (removed or not), if any."""
    return await session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


async def list_for_person(session: AsyncSession, *, person_id: str) -> Sequence[Passkey]:
    """The person's passkeys that are not removed, oldest first."""
    rows = await session.scalars(
        select(Passkey)
        .where(Passkey.person_id == person_id, Passkey.removed_at.is_(None))
        .order_by(Passkey.created_at, Passkey.id)
    )
    return rows.all()


async def remove(session: AsyncSession, *, person_id: str, passkey_id: uuid.UUID) -> Passkey | None:
    """Mark the person's passkey removed (the row stays, binding the credential to them);
    None if they have no such passkey in use."""
    row: Passkey | None = await session.scalar(
        update(Passkey)
        .where(
            Passkey.id == passkey_id,
            Passkey.person_id == person_id,
            Passkey.removed_at.is_(None),
        )
        .values(removed_at=func.clock_timestamp())
        .returning(Passkey)
    )
    return row


async def advance_sign_count(session: AsyncSession, *, passkey_id: uuid.UUID, to: int) -> bool:
    """Move the counter to `to` if that is forward and the passkey is in use, and stamp
    its last use; False if another assertion got there first (or it was removed). An
    authenticator that keeps no counter (0 every time, from the start) passes with 0."""
    # Presented 0: only a passkey whose counter never moved (it keeps none) passes.
    allowed = Passkey.sign_count == 0 if to == 0 else Passkey.sign_count < to
    moved = await session.scalar(
        update(Passkey)
        .where(
            Passkey.id == passkey_id,
            allowed,
            Passkey.removed_at.is_(None),
        )
        .values(sign_count=to, last_used_at=func.clock_timestamp())
        .returning(Passkey.id)
    )
    return moved is not None


async def end_sessions(session: AsyncSession, *, passkey_id: uuid.UUID, reason: str) -> int:
    """End every open session a passkey login opened with this passkey; how many."""
    ended = await session.scalars(
        update(AuthSession)
        .where(AuthSession.passkey_id == passkey_id, AuthSession.ended_at.is_(None))
        .values(ended_at=func.clock_timestamp(), end_reason=reason)
        .returning(AuthSession.id)
    )
    return len(ended.all())


async def enrolling_certificate(
    session: AsyncSession, fingerprint: str | None
) -> PersonCertificate | None:
    """The enrolled certificate a passkey's enrolling login used, if it had one."""
    return await session.get(PersonCertificate, fingerprint) if fingerprint else None
