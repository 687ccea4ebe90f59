"""Login by challenge: a single-use nonce, signed with the key of a trusted certificate.

1. `issue_challenge`: 32 random bytes for a person id, valid LOGIN_CHALLENGE_TTL_S. It is
   issued for any well-formed id, so asking never tells an outsider who exists.
2. `login`: the challenge is used up first, in its own commit, so a failed attempt can
   never be retried with it. Then, at the server's clock: the certificate chains to a
   trusted root and is inside its validity; the CA's current CRL does not list it; it names
   the challenge's person; the signature over `login_message(nonce)` verifies with its key;
   the person is registered; a business-use certificate is of a business the person is an
   agent of. The certificate is enrolled for the person on first use (one certificate and
   one key per person: `CredentialTaken` otherwise), and a session is opened.

Every refusal names its reason (`CertificateRefused`, `LoginRefused`, `CredentialTaken`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.domain.errors import CertificateRefused, CredentialTaken, LoginRefused
from nara.domain.identity import NONCE_BYTES, CertificateProblem, LoginProblem, login_message
from nara.services.identity.certificates import VerifiedCertificate
from nara.services.identity.models import Challenge, LoginResult
from nara.services.identity.verifier import Verifier
from nara.services.registry import PersonView
from nara.store import audit, clock, registry
from nara.store import identity as store
from nara.store.identity_tables import PersonCertificate

MAX_SIGNATURE_BYTES = 200


def token_hash(token: str) -> bytes:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).digest()


async def issue_challenge(
    *, session: AsyncSession, verifier: Verifier, person_id: str
) -> Challenge:
    """A new single-use challenge for `person_id` (stored; the caller commits)."""
    row = await store.insert_challenge(
        session,
        person_id=person_id,
        nonce=secrets.token_bytes(NONCE_BYTES),
        ttl=verifier.policy.challenge_ttl,
    )
    return Challenge(challenge_id=row.id, nonce=row.nonce, expires_at=row.expires_at)


def _login_refused(problem: LoginProblem, detail: str, *, field: str, fix: str) -> LoginRefused:
    return LoginRefused(detail, field=field, fix=fix, reason=problem.value)


async def _use_challenge(session: AsyncSession, challenge_id: uuid.UUID) -> tuple[str, bytes]:
    """(person id, nonce) of the challenge, now used up and committed."""
    consumed = await store.consume_challenge(session, challenge_id)
    await session.commit()
    fix = "ask a new challenge with POST /auth/challenge and sign it at once"
    if consumed.challenge is None:
        raise _login_refused(
            LoginProblem.CHALLENGE_UNKNOWN,
            f"there is no login challenge {challenge_id}",
            field="challenge_id",
            fix=fix,
        )
    if consumed.refused == "used":
        raise _login_refused(
            LoginProblem.CHALLENGE_USED,
            f"login challenge {challenge_id} was already used: each challenge logs in once",
            field="challenge_id",
            fix=fix,
        )
    if consumed.refused == "expired":
        raise _login_refused(
            LoginProblem.CHALLENGE_EXPIRED,
            f"login challenge {challenge_id} expired at "
            f"{consumed.challenge.expires_at.isoformat()}",
            field="challenge_id",
            fix=fix,
        )
    return consumed.challenge.person_id, consumed.challenge.nonce


def _check_signature(cert: VerifiedCertificate, nonce: bytes, signature: str) -> None:
    try:
        raw = base64.b64decode(signature, validate=True)
        if len(raw) > MAX_SIGNATURE_BYTES:
            raise ValueError("too long")
        cert.public_key().verify(raw, login_message(nonce), ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature) as error:
        raise _login_refused(
            LoginProblem.SIGNATURE_INVALID,
            "the signature does not verify with the certificate's key over this challenge",
            field="signature",
            fix="sign b'nara-login\\0' + nonce with the certificate's private key "
            "(ECDSA-SHA256, DER, base64)",
        ) from error


async def login(
    *,
    session: AsyncSession,
    verifier: Verifier,
    challenge_id: uuid.UUID,
    certificate_pem: str,
    signature: str,
    client_address: str | None,
) -> LoginResult:
    """Check the answer to a challenge and open a session (the caller commits the session).

    Raises:
        LoginRefused, CertificateRefused: 401, `reason` names which check failed.
        CredentialTaken: the certificate or its key is enrolled for another person (403).
        TrustUnavailable: no current CRL or no trusted root (503).
    """
    person_id, nonce = await _use_challenge(session, challenge_id)
    now = await clock.now(session)
    cert = verifier.roots().verify(certificate_pem, at=now)
    if cert.serial in await verifier.revocations().for_login(now):
        raise CertificateRefused(
            f"certificate {cert.serial} was revoked by its certificate authority",
            field="certificate",
            fix="ask the CA for a new certificate",
            reason=CertificateProblem.REVOKED.value,
        )
    if cert.person_id != person_id:
        raise CertificateRefused(
            f"the certificate is {cert.person_id}'s, but the challenge was for {person_id}",
            field="certificate",
            fix="log in with your own certificate, or ask a challenge for the certificate's person",
            reason=CertificateProblem.SUBJECT_MISMATCH.value,
        )
    _check_signature(cert, nonce, signature)
    person = await registry.find_person(session, person_id=person_id)
    if person is None:
        raise _login_refused(
            LoginProblem.UNKNOWN_PERSON,
            f"{person_id} holds a valid certificate but is not registered here",
            field="certificate",
            fix="ask an operator to register you",
        )
    await _check_business(session, cert, person.role)
    enrolled = await _enrol(session, cert)
    token = secrets.token_urlsafe(32)
    row = await store.insert_session(
        session,
        token_sha256=token_hash(token),
        person_id=person_id,
        certificate=enrolled[0],
        client_address=client_address,
        ttl=verifier.policy.session_ttl,
    )
    return LoginResult(
        token=token,
        session_id=row.id,
        expires_at=row.expires_at,
        idle_timeout_s=int(verifier.policy.idle_timeout.total_seconds()),
        person=PersonView.model_validate(person),
        certificate_enrolled=enrolled[1],
    )


async def _check_business(session: AsyncSession, cert: VerifiedCertificate, role: Role) -> None:
    """A business-use certificate works only for an agent of that business."""
    if cert.business_no is None:
        return
    if (
        role is not Role.SUPPLIER
        or await registry.find_agent(
            session, business_no=cert.business_no, person_id=cert.person_id
        )
        is None
    ):
        raise CertificateRefused(
            f"the certificate is bound to business {cert.business_no}, and {cert.person_id} "
            "is not registered as its agent",
            field="certificate",
            fix=f"ask business {cert.business_no} (or an operator) to register you as its "
            "agent, or log in with your personal certificate",
            reason=CertificateProblem.WRONG_BUSINESS.value,
        )


async def _enrol(
    session: AsyncSession, cert: VerifiedCertificate
) -> tuple[PersonCertificate, bool]:
    """The certificate enrolled for its person: (row, enrolled by this login).

    A certificate already enrolled for this person (the usual login) costs one read and one
    update; a new one is enrolled under a lock on its key, after checking again that no
    other person holds that key.
    """
    enrolled = await store.certificates_of_key(session, cert.spki_sha256)
    if any(c.fingerprint == cert.fingerprint for c in enrolled) and not _others(enrolled, cert):
        return await store.stamp_login(session, cert.fingerprint), False
    await store.lock_key(session, cert.spki_sha256)
    enrolled = await store.certificates_of_key(session, cert.spki_sha256)
    if _others(enrolled, cert):
        raise CredentialTaken(
            "this certificate's key is enrolled for another person; one credential "
            "belongs to one person",
            field="certificate",
            fix="each person logs in with a certificate and key of their own",
            reason="key-enrolled-for-another-person",
        )
    if any(c.fingerprint == cert.fingerprint for c in enrolled):  # enrolled meanwhile
        return await store.stamp_login(session, cert.fingerprint), False
    row = await store.enrol_certificate(
        session,
        fingerprint=cert.fingerprint,
        person_id=cert.person_id,
        serial=cert.serial,
        issuer=cert.issuer,
        spki_sha256=cert.spki_sha256,
        business_no=cert.business_no,
        not_before=cert.not_before,
        not_after=cert.not_after,
    )
    await audit.append(
        session,
        actor=cert.person_id,
        entity=f"person:{cert.person_id}",
        action="certificate-enrolled",
        idempotency_key=f"person:{cert.person_id}:certificate:{cert.fingerprint}",
        payload={
            "serial": cert.serial,
            "fingerprint": cert.fingerprint,
            "issuer": cert.issuer,
            "business_no": cert.business_no,
        },
    )
    return row, True


def _others(enrolled: list[PersonCertificate], cert: VerifiedCertificate) -> bool:
    """Whether anyone but the certificate's person holds its key."""
    return any(c.person_id != cert.person_id for c in enrolled)
