"""Passkey login: the everyday login, once a certificate login has enrolled the passkey.

1. `login_options`: a single-use challenge (PASSKEY_CHALLENGE_TTL_S) and the options for
   `navigator.credentials.get()`. It names no person and lists no credential: the
   authenticator offers its own passkeys for this relying party, so asking never tells an
   outsider who exists or which passkeys they hold.
2. `login`: the challenge is used up first, in its own commit (a failed attempt cannot be
   retried with it). The assertion must be of a passkey in use, for this challenge,
   origin and relying party, with the user verified and the counter moving forward. The
   session is the one of certificate login (`nara.services.identity`), opened on the
   certificate that enrolled the passkey, which must still be valid and not revoked; it
   says `method: passkey`, and removing the passkey ends it.

Every refusal is `PasskeyLoginRefused` (401) naming its reason, or `CertificateRefused`
when the enrolling certificate has expired or was revoked.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import generate_authentication_options
from webauthn.helpers import options_to_json_dict
from webauthn.helpers.structs import UserVerificationRequirement

from nara.domain.errors import CertificateRefused, PasskeyLoginRefused
from nara.domain.identity import CertificateProblem
from nara.domain.passkeys import CHALLENGE_BYTES, PasskeyProblem
from nara.services.identity.login import token_hash
from nara.services.identity.models import LoginResult
from nara.services.identity.verifier import Verifier
from nara.services.passkeys import assertions, checks
from nara.services.passkeys.models import CeremonyOptions, PasskeyAssertion, RelyingParty
from nara.services.registry import PersonView
from nara.store import clock, registry
from nara.store import identity as identity_store
from nara.store import passkeys as store

LOGIN = "login"
_FIX = "ask for new options (POST /auth/passkey/options) and answer them at once"


def _refused(problem: PasskeyProblem, detail: str, *, field: str, fix: str) -> PasskeyLoginRefused:
    return PasskeyLoginRefused(detail, field=field, fix=fix, reason=problem.value)


async def login_options(*, session: AsyncSession, rp: RelyingParty) -> CeremonyOptions:
    """A new single-use login challenge and its options (stored; the caller commits)."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    row = await store.insert_challenge(
        session, purpose=LOGIN, person_id=None, challenge=challenge, ttl=rp.challenge_ttl
    )
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        timeout=int(rp.challenge_ttl.total_seconds() * 1000),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return CeremonyOptions(
        challenge_id=row.id, expires_at=row.expires_at, public_key=options_to_json_dict(options)
    )


async def _use_challenge(session: AsyncSession, challenge_id: uuid.UUID) -> bytes:
    consumed = await store.consume_challenge(session, challenge_id=challenge_id, purpose=LOGIN)
    await session.commit()
    row = consumed.challenge
    if row is None:
        raise _refused(
            PasskeyProblem.CHALLENGE_UNKNOWN,
            f"there is no passkey login challenge {challenge_id}",
            field="challenge_id",
            fix=_FIX,
        )
    if consumed.refused == "used":
        raise _refused(
            PasskeyProblem.CHALLENGE_USED,
            f"passkey login challenge {challenge_id} was already used: each logs in once",
            field="challenge_id",
            fix=_FIX,
        )
    if consumed.refused == "expired":
        raise _refused(
            PasskeyProblem.CHALLENGE_EXPIRED,
            f"passkey login challenge {challenge_id} expired at {row.expires_at.isoformat()}",
            field="challenge_id",
            fix=_FIX,
        )
    return row.challenge


async def login(
    *,
    session: AsyncSession,
    rp: RelyingParty,
    verifier: Verifier,
    challenge_id: uuid.UUID,
    assertion: PasskeyAssertion,
    client_address: str | None,
) -> LoginResult:
    """Check the assertion answering a login challenge and open a session (the caller
    commits the session and the passkey's counter).

    Raises:
        PasskeyLoginRefused: 401, `reason` names which check failed.
        CertificateRefused: 401, the certificate that enrolled the passkey expired or was
            revoked (log in with a certificate again).
        TrustUnavailable: no current CRL (503).
    """
    challenge = await _use_challenge(session, challenge_id)
    try:
        confirmation = await assertions.verify(
            session=session, rp=rp, assertion=assertion, challenge=challenge, person_id=None
        )
    except checks.Check as failed:
        raise _refused(
            failed.problem,
            f"the passkey login failed: {failed.detail}",
            field="assertion",
            fix=_FIX if failed.problem is PasskeyProblem.WRONG_DOCUMENT else "log in again",
        ) from None
    certificate = await store.enrolling_certificate(session, confirmation.certificate_fingerprint)
    person = await registry.find_person(session, person_id=confirmation.person_id)
    if certificate is None or person is None:
        raise _refused(
            PasskeyProblem.NEEDS_CERTIFICATE,
            "this passkey was not enrolled from a certificate login, so it cannot open one",
            field="assertion",
            fix="log in with your certificate and enrol the passkey from that session",
        )
    now = await clock.now(session)
    if certificate.not_after <= now:
        raise CertificateRefused(
            f"the certificate that enrolled this passkey expired at "
            f"{certificate.not_after.isoformat()}",
            field="assertion",
            fix="log in with your renewed certificate; the passkey works again after that",
            reason=CertificateProblem.EXPIRED.value,
        )
    if certificate.serial in await verifier.revocations().for_login(now):
        raise CertificateRefused(
            f"the certificate that enrolled this passkey ({certificate.serial}) was revoked",
            field="assertion",
            fix="ask the CA for a new certificate, log in with it and enrol a passkey again",
            reason=CertificateProblem.REVOKED.value,
        )
    try:
        await assertions.record(session, confirmation)
    except checks.Check as failed:
        raise _refused(
            failed.problem, failed.detail, field="assertion", fix="log in again"
        ) from None
    token = secrets.token_urlsafe(32)
    row = await identity_store.insert_session(
        session,
        token_sha256=token_hash(token),
        person_id=person.id,
        certificate=certificate,
        client_address=client_address,
        ttl=verifier.policy.session_ttl,
        method="passkey",
        passkey_id=confirmation.passkey_id,
    )
    return LoginResult(
        token=token,
        session_id=row.id,
        expires_at=row.expires_at,
        idle_timeout_s=int(verifier.policy.idle_timeout.total_seconds()),
        person=PersonView.model_validate(person),
        certificate_enrolled=False,
    )
