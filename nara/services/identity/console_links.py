"""One-time links into the officers' console, for enrolling the first passkey.

A person logged in with their certificate (`nara login`) asks for a link (`nara console
enrol`); the link's secret is shown once and kept only as its SHA-256, for LINK_TTL. Opening
it in a browser uses it up and opens a console session on the same certificate (a
certificate session, so the passkey registration page may enrol a passkey with it). A
link that is unknown, used or expired is refused, naming which; the certificate must still
be valid and not revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.errors import CertificateRefused, LoginRefused
from nara.domain.identity import CertificateProblem
from nara.services.actors import AUTHORIZATION, Actor
from nara.services.base import ServiceModel
from nara.services.identity.login import token_hash
from nara.services.identity.verifier import Verifier
from nara.store import clock
from nara.store import console as links
from nara.store import identity as store

LINK_TTL = timedelta(minutes=10)
"""How long an enrolment link may be opened (once)."""
LINK_FIX = "run `nara console enrol` again (after `nara login`) and open the new link at once"


def link_hash(secret: str) -> bytes:
    """What the database keeps of a link's secret (not the hash a session token has)."""
    return hashlib.sha256(b"nara-console-link\0" + secret.encode()).digest()


class EnrolmentLink(ServiceModel):
    secret: str
    """Shown once: the link's fragment (`/console/enrol#<secret>`)."""
    expires_at: datetime


class ConsoleSession(ServiceModel):
    token: str
    expires_at: datetime
    person_id: str


async def issue(*, session: AsyncSession, actor: Actor) -> EnrolmentLink:
    """A new link for the actor's certificate session (the caller commits)."""
    if actor.auth is None or actor.auth.method != "certificate":
        raise LoginRefused(
            "an enrolment link is given to a certificate login only; this session was "
            f"opened with a {actor.auth.method if actor.auth else 'no login'}",
            field=AUTHORIZATION,
            fix="log in with your certificate (`nara login`), then run `nara console enrol`",
            reason="needs-certificate-login",
        )
    secret = secrets.token_urlsafe(32)
    row = await links.insert_link(
        session,
        token_sha256=link_hash(secret),
        person_id=actor.id,
        certificate_fingerprint=actor.auth.certificate_fingerprint,
        ttl=LINK_TTL,
    )
    return EnrolmentLink(secret=secret, expires_at=row.expires_at)


async def redeem(
    *, session: AsyncSession, verifier: Verifier, secret: str, client_address: str | None
) -> ConsoleSession:
    """Use the link up (committed at once, whatever follows) and open a session."""
    used = await links.use_link(session, link_hash(secret))
    await session.commit()
    if used.link is None or used.refused is not None:
        words = {"unknown": "names no link", "used": "was used already", "expired": "expired"}
        raise LoginRefused(
            f"this enrolment link {words[used.refused or 'unknown']}: each link opens once",
            field="link",
            fix=LINK_FIX,
            reason=f"link-{used.refused}",
        )
    certificate = await store.find_certificate(
        session, fingerprint=used.link.certificate_fingerprint
    )
    now = await clock.now(session)
    assert certificate is not None, "a link names an enrolled certificate (foreign key)"
    if now >= certificate.not_after or certificate.serial in await verifier.revocations().for_login(
        now
    ):
        raise CertificateRefused(
            f"certificate {certificate.serial} is expired or revoked",
            field="link",
            fix="ask the CA for a new certificate, log in with it, and ask a new link",
            reason=CertificateProblem.REVOKED.value,
        )
    token = secrets.token_urlsafe(32)
    row = await store.insert_session(
        session,
        token_sha256=token_hash(token),
        person_id=used.link.person_id,
        certificate=certificate,
        client_address=client_address,
        ttl=verifier.policy.session_ttl,
    )
    return ConsoleSession(token=token, expires_at=row.expires_at, person_id=row.person_id)
