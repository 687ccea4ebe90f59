"""Enrolling passkeys: registration options, enrolment, the person's list, removal.

A passkey is enrolled for the person who is logged in, answering a single-use
registration challenge of theirs. A credential id is enrolled once, ever: the same
credential offered again (by anybody, even after its removal) is refused, and offered by
another person it is refused naming the rule `one-passkey-one-person`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import generate_registration_options
from webauthn.helpers import bytes_to_base64url, options_to_json_dict
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from nara.domain.errors import CredentialTaken, NotFound, PasskeyRefused
from nara.domain.identity import SessionEnd
from nara.domain.passkeys import (
    CHALLENGE_BYTES,
    ONE_PASSKEY_ONE_PERSON,
    PasskeyProblem,
    user_handle,
)
from nara.services.actors import Actor
from nara.services.passkeys import checks
from nara.services.passkeys.models import (
    CeremonyOptions,
    PasskeyView,
    RegistrationCredential,
    RelyingParty,
)
from nara.store import audit
from nara.store import passkeys as store

REGISTRATION = "registration"
FIELD = "credential"


def _refused(problem: PasskeyProblem, detail: str, *, fix: str, **extra: object) -> PasskeyRefused:
    return PasskeyRefused(detail, field=FIELD, fix=fix, reason=problem.value, **extra)


async def registration_options(
    *, session: AsyncSession, rp: RelyingParty, actor: Actor
) -> CeremonyOptions:
    """A registration challenge for the actor, with the options for `credentials.create()`
    (user verification required, a discoverable credential, their passkeys excluded).
    Caller commits."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    row = await store.insert_challenge(
        session,
        purpose=REGISTRATION,
        person_id=actor.id,
        challenge=challenge,
        ttl=rp.challenge_ttl,
    )
    mine = await store.list_for_person(session, person_id=actor.id)
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.rp_name,
        user_id=user_handle(actor.id),
        user_name=actor.id,
        user_display_name=actor.name,
        challenge=challenge,
        timeout=int(rp.challenge_ttl.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=checks.decode(p.credential_id, "credential id"))
            for p in mine
        ],
    )
    return CeremonyOptions(
        challenge_id=row.id, expires_at=row.expires_at, public_key=options_to_json_dict(options)
    )


async def _challenge(session: AsyncSession, actor: Actor, challenge_id: uuid.UUID) -> bytes:
    """The challenge bytes, now used up and committed: a failed answer cannot be retried."""
    consumed = await store.consume_challenge(
        session, challenge_id=challenge_id, purpose=REGISTRATION
    )
    await session.commit()
    row = consumed.challenge
    fix = "ask for new options (POST /passkeys/registration/options) and answer them at once"
    if row is None or row.person_id != actor.id:
        raise _refused(
            PasskeyProblem.CHALLENGE_UNKNOWN,
            f"no registration challenge {challenge_id} was issued to {actor.id}",
            fix=fix,
        )
    if consumed.refused == "used":
        raise _refused(
            PasskeyProblem.CHALLENGE_USED,
            "this registration challenge was answered already",
            fix=fix,
        )
    if consumed.refused == "expired":
        raise _refused(
            PasskeyProblem.CHALLENGE_EXPIRED,
            f"this registration challenge expired at {row.expires_at.isoformat()}",
            fix=fix,
        )
    return row.challenge


async def enrol(
    *,
    session: AsyncSession,
    rp: RelyingParty,
    actor: Actor,
    challenge_id: uuid.UUID,
    credential: RegistrationCredential,
    name: str,
) -> PasskeyView:
    """Enrol the credential for the actor, answering their registration challenge. Caller
    commits; the challenge is used up (and committed) by any answer, right or wrong.

    The passkey remembers the certificate of the actor's login: a passkey login opens its
    sessions on that certificate. A passkey login cannot enrol passkeys (a lost passkey
    must not be able to make more).

    Raises:
        PasskeyRefused: 403; `reason` names the check (needs-certificate-login;
            challenge-unknown, -expired, -used; wrong-origin, wrong-relying-party,
            not-user-verified, invalid; already-enrolled).
        CredentialTaken: 403, the credential is another person's (`rule`
            one-passkey-one-person).
    """
    if actor.auth is not None and actor.auth.method != "certificate":
        raise _refused(
            PasskeyProblem.NEEDS_CERTIFICATE,
            f"a passkey is enrolled from a certificate login; this session was opened with "
            f"a {actor.auth.method}",
            fix="log in with your certificate (POST /auth/challenge, POST /auth/login), then "
            "enrol the passkey",
        )
    challenge = await _challenge(session, actor, challenge_id)
    try:
        registered = checks.registration(credential.as_webauthn(), challenge=challenge, rp=rp)
    except checks.Check as failed:
        raise _refused(
            failed.problem, failed.detail, fix="make the passkey again from new options"
        ) from None
    credential_id = bytes_to_base64url(registered.credential_id)
    row = await store.insert(
        session,
        credential_id=credential_id,
        person_id=actor.id,
        name=name,
        public_key=registered.public_key,
        sign_count=registered.sign_count,
        user_handle=user_handle(actor.id),
        aaguid=registered.aaguid,
        certificate_fingerprint=actor.auth.certificate_fingerprint if actor.auth else None,
    )
    if row is None:
        owner = await store.find(session, credential_id=credential_id)
        assert owner is not None  # the insert conflicted on this credential id
        if owner.person_id != actor.id:
            raise CredentialTaken(
                f"this passkey is enrolled for another person; a passkey belongs to one "
                f"person and is never lent (rule {ONE_PASSKEY_ONE_PERSON})",
                field=FIELD,
                fix="make a new passkey on your own authenticator",
                reason=PasskeyProblem.NOT_YOURS.value,
                rule=ONE_PASSKEY_ONE_PERSON,
            )
        raise _refused(
            PasskeyProblem.ALREADY_ENROLLED,
            f"you enrolled this passkey already ({owner.name!r}"
            + (", since removed)" if owner.removed_at else ")"),
            fix="use it as it is, or make a new passkey",
            rule=ONE_PASSKEY_ONE_PERSON,
        )
    await audit.append(
        session,
        actor=actor.id,
        entity=f"person:{actor.id}",
        action="passkey-enrolled",
        idempotency_key=f"passkey-enrolled:{row.id}",
        payload={"passkey_id": str(row.id), "credential_id": credential_id, "name": name},
    )
    return PasskeyView.model_validate(row)


async def list_mine(*, session: AsyncSession, actor: Actor) -> Sequence[PasskeyView]:
    """The actor's passkeys in use, oldest first."""
    rows = await store.list_for_person(session, person_id=actor.id)
    return [PasskeyView.model_validate(row) for row in rows]


async def remove(*, session: AsyncSession, actor: Actor, passkey_id: uuid.UUID) -> PasskeyView:
    """Stop accepting one of the actor's passkeys (its credential stays bound to them) and
    end the sessions its logins opened. Caller commits. NotFound unless theirs and in use.

    The passkey's row is locked before the audit head, as a bid locks it (one lock order).
    """
    row = await store.remove(session, person_id=actor.id, passkey_id=passkey_id)
    if row is None:
        raise NotFound(
            f"{actor.id} has no passkey {passkey_id} in use",
            field="passkey_id",
            fix="GET /passkeys lists yours",
        )
    await store.end_sessions(session, passkey_id=row.id, reason=SessionEnd.PASSKEY_REMOVED.value)
    await audit.append(
        session,
        actor=actor.id,
        entity=f"person:{actor.id}",
        action="passkey-removed",
        idempotency_key=f"passkey-removed:{row.id}",
        payload={"passkey_id": str(row.id), "credential_id": row.credential_id},
    )
    return PasskeyView.model_validate(row)
