"""Sessions: from a bearer token to the person behind a request, and logging out.

A token is looked up by its SHA-256 (the token itself is never stored), with its person
and the database's clock, in one statement. It names a live session unless it was ended
(logged out, certificate revoked, idle), it is past its expiry (SESSION_TTL_S after login,
or the certificate's own expiry if sooner), the person was idle longer than SESSION_IDLE_S,
or the CA's revocation list (as this process last read it) lists its certificate; the
last three end the session for good. A live session's last-seen time is written at most
every `SessionPolicy.touch_after`, so most requests cost one read.

The read runs in the caller's database session (the request's own, so authenticating
costs no second connection); the rare writes (a touch, an ending) run and commit in a
short session of their own from `writer`, so they stick whatever the request does next
(a read-only request never commits, a refused one rolls back).
"""

from __future__ import annotations

import uuid
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.domain.errors import SessionEnded
from nara.domain.identity import SessionEnd
from nara.services.actors import AUTHORIZATION, Actor, Authentication
from nara.services.identity.login import token_hash
from nara.services.identity.models import SessionView
from nara.services.identity.verifier import Verifier
from nara.store import identity as store

_WORDS = {
    SessionEnd.UNKNOWN: "the token names no session",
    SessionEnd.EXPIRED: "the session has expired",
    SessionEnd.IDLE: "the session ended after a time without requests",
    SessionEnd.LOGGED_OUT: "the session was logged out",
    SessionEnd.CERTIFICATE_REVOKED: "the certificate the session was opened with was revoked",
    SessionEnd.PASSKEY_REMOVED: "the passkey the session was opened with was removed",
}


def _ended(reason: SessionEnd) -> SessionEnded:
    return SessionEnded(
        f"{_WORDS[reason]}: log in again",
        field=AUTHORIZATION,
        fix="log in again (POST /auth/challenge, then POST /auth/login) and send "
        "Authorization: Bearer <the new token>",
        reason=reason.value,
    )


Writer: TypeAlias = async_sessionmaker[AsyncSession]


async def _end(writer: Writer, session_id: uuid.UUID, reason: SessionEnd) -> SessionEnded:
    async with writer() as session:
        await store.end_session(session, session_id, reason.value)
        await session.commit()
    return _ended(reason)


async def _live(
    session: AsyncSession, writer: Writer, verifier: Verifier, token: str
) -> store.SessionRow:
    """The session row of a live token (touched if due); SessionEnded otherwise."""
    found = await store.find_session(session, token_hash(token))
    if found is None:
        raise _ended(SessionEnd.UNKNOWN)
    row, now = found.session, found.now
    if row.ended_at is not None:
        raise _ended(SessionEnd(row.end_reason or SessionEnd.LOGGED_OUT))
    if now >= row.expires_at:
        raise _ended(SessionEnd.EXPIRED)
    ending: SessionEnd | None = None
    if now - row.last_seen_at >= verifier.policy.idle_timeout:
        ending = SessionEnd.IDLE
    elif row.certificate_serial in await verifier.revocations().for_session():
        ending = SessionEnd.CERTIFICATE_REVOKED
    if ending is not None:
        raise await _end(writer, row.id, ending)
    if now - row.last_seen_at >= verifier.policy.touch_after:
        async with writer() as touching:
            await store.touch_session(touching, row.id)
            await touching.commit()
    return found


async def resolve(
    *,
    session: AsyncSession,
    writer: Writer,
    verifier: Verifier,
    token: str,
    client_address: str | None,
) -> Actor:
    """The person behind a bearer token, with how they proved it and where from.

    Raises:
        SessionEnded: 401, `reason` says why (unknown, expired, idle, logged-out,
            certificate-revoked).
    """
    found = await _live(session, writer, verifier, token)
    row = found.session
    return Actor(
        id=row.person_id,
        name=found.name,
        role=found.role,
        agency_code=found.agency_code,
        auth=Authentication(
            session_id=row.id,
            method=row.method,
            certificate_fingerprint=row.certificate_fingerprint,
            certificate_serial=row.certificate_serial,
            business_no=row.business_no,
            client_address=client_address,
        ),
    )


async def describe(
    *, session: AsyncSession, writer: Writer, verifier: Verifier, token: str
) -> SessionView:
    """The session of a live token, as `GET /auth/whoami` shows it."""
    found = await _live(session, writer, verifier, token)
    row = found.session
    return SessionView(
        session_id=row.id,
        person_id=row.person_id,
        name=found.name,
        role=found.role,
        agency_code=found.agency_code,
        certificate_serial=row.certificate_serial,
        certificate_fingerprint=row.certificate_fingerprint,
        business_no=row.business_no,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_seen_at=row.last_seen_at,
        idle_timeout_s=int(verifier.policy.idle_timeout.total_seconds()),
        client_address=row.client_address,
    )


async def logout(*, session: AsyncSession, actor: Actor) -> None:
    """End the actor's session now (the caller commits): its token stops working."""
    assert actor.auth is not None, "logout needs a session"
    await store.end_session(session, actor.auth.session_id, SessionEnd.LOGGED_OUT.value)
