"""Login challenges, enrolled certificates and sessions: every statement of identity.

Times are the database's (`clock_timestamp()`), the clock deadlines are judged by, so a
challenge's or a session's expiry never depends on which API host answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.store.identity_tables import AuthSession, LoginChallenge, PersonCertificate
from nara.store.tables import Person

_PURGE_AFTER = timedelta(minutes=10)
"""Challenges this long past their expiry are deleted (nobody can use them any more)."""


async def insert_challenge(
    session: AsyncSession, *, person_id: str, nonce: bytes, ttl: timedelta
) -> LoginChallenge:
    """Store a new challenge valid for `ttl`; old expired ones are swept on the way."""
    stale = (
        select(LoginChallenge.id)
        .where(LoginChallenge.expires_at < func.clock_timestamp() - _PURGE_AFTER)
        .limit(100)
        .scalar_subquery()
    )
    await session.execute(delete(LoginChallenge).where(LoginChallenge.id.in_(stale)))
    row: LoginChallenge | None = await session.scalar(
        pg_insert(LoginChallenge)
        .values(
            id=uuid.uuid4(),
            person_id=person_id,
            nonce=nonce,
            expires_at=func.clock_timestamp() + ttl,
        )
        .returning(LoginChallenge)
    )
    assert row is not None
    return row


@dataclass(frozen=True)
class Consumed:
    """What consuming a challenge found: the challenge (None if unknown) and, when it could
    not be used, why (`"used"` or `"expired"`)."""

    challenge: LoginChallenge | None
    refused: str | None


async def consume_challenge(session: AsyncSession, challenge_id: uuid.UUID) -> Consumed:
    """Mark the challenge used, atomically: of two logins with one challenge, one wins."""
    used = await session.scalar(
        update(LoginChallenge)
        .where(
            LoginChallenge.id == challenge_id,
            LoginChallenge.used_at.is_(None),
            LoginChallenge.expires_at > func.clock_timestamp(),
        )
        .values(used_at=func.clock_timestamp())
        .returning(LoginChallenge)
    )
    if used is not None:
        return Consumed(used, None)
    found = await session.get(LoginChallenge, challenge_id)
    if found is None:
        return Consumed(None, None)
    return Consumed(found, "used" if found.used_at is not None else "expired")


async def certificates_of_key(session: AsyncSession, spki_sha256: str) -> list[PersonCertificate]:
    """Every certificate enrolled with this public key (one person's, while the rule holds)."""
    rows = await session.scalars(
        select(PersonCertificate).where(PersonCertificate.spki_sha256 == spki_sha256)
    )
    return list(rows)


async def lock_key(session: AsyncSession, spki_sha256: str) -> None:
    """Serialise enrolments of one public key until the transaction ends (no two people
    can enrol the same key in a race)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"spki:{spki_sha256}"},
    )


async def stamp_login(session: AsyncSession, fingerprint: str) -> PersonCertificate:
    """Note a login with an enrolled certificate; its row."""
    row: PersonCertificate | None = await session.scalar(
        update(PersonCertificate)
        .where(PersonCertificate.fingerprint == fingerprint)
        .values(last_login_at=func.clock_timestamp())
        .returning(PersonCertificate)
    )
    assert row is not None
    return row


async def enrol_certificate(
    session: AsyncSession,
    *,
    fingerprint: str,
    person_id: str,
    serial: str,
    issuer: str,
    spki_sha256: str,
    business_no: str | None,
    not_before: datetime,
    not_after: datetime,
) -> PersonCertificate:
    """Record a certificate for the person, with this login (under `lock_key`)."""
    row: PersonCertificate | None = await session.scalar(
        pg_insert(PersonCertificate)
        .values(
            fingerprint=fingerprint,
            person_id=person_id,
            serial=serial,
            issuer=issuer,
            spki_sha256=spki_sha256,
            business_no=business_no,
            not_before=not_before,
            not_after=not_after,
            last_login_at=func.clock_timestamp(),
        )
        .returning(PersonCertificate)
    )
    assert row is not None
    return row


async def insert_session(
    session: AsyncSession,
    *,
    token_sha256: bytes,
    person_id: str,
    certificate: PersonCertificate,
    client_address: str | None,
    ttl: timedelta,
    method: str = "certificate",
    passkey_id: uuid.UUID | None = None,
) -> AuthSession:
    """A new session, ending at `ttl` from now or when the certificate expires, if sooner.
    A passkey login opens it on the certificate that enrolled the passkey."""
    now = func.clock_timestamp()
    row: AuthSession | None = await session.scalar(
        pg_insert(AuthSession)
        .values(
            id=uuid.uuid4(),
            token_sha256=token_sha256,
            person_id=person_id,
            certificate_fingerprint=certificate.fingerprint,
            certificate_serial=certificate.serial,
            business_no=certificate.business_no,
            client_address=client_address,
            expires_at=func.least(now + ttl, certificate.not_after),
            last_seen_at=now,
            method=method,
            passkey_id=passkey_id,
        )
        .returning(AuthSession)
    )
    assert row is not None
    return row


@dataclass(frozen=True)
class SessionRow:
    """A session with its person, read in one statement, and the database's time."""

    session: AuthSession
    name: str
    role: Role
    agency_code: str | None
    now: datetime


async def find_session(session: AsyncSession, token_sha256: bytes) -> SessionRow | None:
    """The session of a token hash, its person and the database clock (one round trip)."""
    found = (
        await session.execute(
            select(
                AuthSession,
                Person.name,
                Person.role,
                Person.agency_code,
                func.clock_timestamp(),
            )
            .join(Person, Person.id == AuthSession.person_id)
            .where(AuthSession.token_sha256 == token_sha256)
        )
    ).one_or_none()
    if found is None:
        return None
    row, name, role, agency_code, now = found
    return SessionRow(row, name, role, agency_code, now)


async def touch_session(session: AsyncSession, session_id: uuid.UUID) -> None:
    """The person was seen now (the idle timeout starts again)."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id)
        .values(last_seen_at=func.clock_timestamp())
    )


async def end_session(session: AsyncSession, session_id: uuid.UUID, reason: str) -> bool:
    """End an open session; whether it was open."""
    ended = await session.scalar(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
        .values(ended_at=func.clock_timestamp(), end_reason=reason)
        .returning(AuthSession.id)
    )
    return ended is not None


async def find_certificate(session: AsyncSession, *, fingerprint: str) -> PersonCertificate | None:
    """The enrolled certificate with this fingerprint, if any."""
    return await session.get(PersonCertificate, fingerprint)
