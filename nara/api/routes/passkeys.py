"""Passkeys (the fingerprint step): enrol, list and remove yours; log in with one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from nara.api.deps import (
    ActorDep,
    ClientAddressDep,
    RelyingPartyDep,
    SessionDep,
    VerifierDep,
)
from nara.api.problems import problem_responses
from nara.api.schemas.auth import LoginRead
from nara.api.schemas.passkeys import (
    CeremonyOptionsRead,
    PasskeyCreate,
    PasskeyLoginCreate,
    PasskeyRead,
)
from nara.api.schemas.registry import PersonRead
from nara.services.passkeys import enrolment
from nara.services.passkeys import login as logins

router = APIRouter(prefix="/passkeys", tags=["passkeys"], responses=problem_responses(500, 503))
login_router = APIRouter(
    prefix="/auth/passkey", tags=["auth"], responses=problem_responses(500, 503)
)


@router.post(
    "/registration/options",
    response_model=CeremonyOptionsRead,
    status_code=201,
    responses=problem_responses(401),
    summary="Start enrolling a passkey (from a certificate login)",
    description=(
        "A single-use registration challenge for you, valid `PASSKEY_CHALLENGE_TTL_S`, and "
        "`public_key`: the options for `navigator.credentials.create()` (user verification "
        "required, your passkeys excluded). Answer with POST /passkeys/registration."
    ),
)
async def registration_options(
    session: SessionDep, actor: ActorDep, rp: RelyingPartyDep
) -> CeremonyOptionsRead:
    options = await enrolment.registration_options(session=session, rp=rp, actor=actor)
    await session.commit()
    return CeremonyOptionsRead.model_validate(options)


@router.post(
    "/registration",
    response_model=PasskeyRead,
    status_code=201,
    responses=problem_responses(400, 401, 403, 422),
    summary="Enrol a passkey: the answer of navigator.credentials.create()",
    description=(
        "The challenge is used up whatever the outcome. Refused (403 `passkey-refused`, "
        "`reason` says which check) when the challenge is unknown, used or expired, the "
        "credential was made on another origin or relying party, without user "
        "verification, or does not verify; from a passkey login (`needs-certificate-login`); "
        "or when you enrolled it already. A credential enrolled by another person is 403 "
        "`credential-taken` (rule `one-passkey-one-person`)."
    ),
)
async def enrol(
    body: PasskeyCreate, session: SessionDep, actor: ActorDep, rp: RelyingPartyDep
) -> PasskeyRead:
    passkey = await enrolment.enrol(
        session=session,
        rp=rp,
        actor=actor,
        challenge_id=body.challenge_id,
        credential=body.credential.to_service(),
        name=body.name,
    )
    await session.commit()
    return PasskeyRead.model_validate(passkey)


@router.get(
    "",
    response_model=list[PasskeyRead],
    responses=problem_responses(401),
    summary="Your passkeys in use",
)
async def list_mine(session: SessionDep, actor: ActorDep) -> list[PasskeyRead]:
    return [
        PasskeyRead.model_validate(p)
        for p in await enrolment.list_mine(session=session, actor=actor)
    ]


@router.delete(
    "/{passkey_id}",
    response_model=PasskeyRead,
    responses=problem_responses(401, 404, 422),
    summary="Remove one of your passkeys; the sessions its logins opened end",
    description=(
        "The credential stays bound to you: it can never be enrolled again, by you or "
        "anybody. 404 unless it is yours and in use."
    ),
)
async def remove(passkey_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> PasskeyRead:
    removed = await enrolment.remove(session=session, actor=actor, passkey_id=passkey_id)
    await session.commit()
    return PasskeyRead.model_validate(removed)


@login_router.post(
    "/options",
    response_model=CeremonyOptionsRead,
    status_code=201,
    responses=problem_responses(),
    summary="Ask a single-use passkey login challenge (anyone)",
    description=(
        "`public_key` holds the options for `navigator.credentials.get()`; they name no "
        "person and list no credential, so asking tells nothing about who exists."
    ),
)
async def login_options(session: SessionDep, rp: RelyingPartyDep) -> CeremonyOptionsRead:
    options = await logins.login_options(session=session, rp=rp)
    await session.commit()
    return CeremonyOptionsRead.model_validate(options)


@login_router.post(
    "",
    response_model=LoginRead,
    status_code=201,
    responses=problem_responses(400, 401, 422),
    summary="Log in with a passkey enrolled from a certificate login; opens a session",
    description=(
        "The same session as POST /auth/login, opened on the certificate that enrolled "
        "the passkey (which must still be valid and not revoked). The challenge is used "
        "up whatever the outcome. A refusal is 401 `passkey-login-refused` with `reason`: "
        "`challenge-unknown`, `challenge-used`, `challenge-expired`, `unknown-credential`, "
        "`wrong-document` (another challenge), `wrong-origin`, `wrong-relying-party`, "
        "`not-user-verified`, `replayed-sign-count`, `needs-certificate-login`, "
        "`malformed` or `invalid`; or `certificate-refused` (`expired`, `revoked`)."
    ),
)
async def login(
    body: PasskeyLoginCreate,
    session: SessionDep,
    rp: RelyingPartyDep,
    verifier: VerifierDep,
    client_address: ClientAddressDep,
) -> LoginRead:
    result = await logins.login(
        session=session,
        rp=rp,
        verifier=verifier,
        challenge_id=body.challenge_id,
        assertion=body.assertion.to_service(),
        client_address=client_address,
    )
    await session.commit()
    return LoginRead(
        token=result.token,
        session_id=result.session_id,
        expires_at=result.expires_at,
        idle_timeout_s=result.idle_timeout_s,
        person=PersonRead.model_validate(result.person),
        role=result.person.role,
        certificate_enrolled=result.certificate_enrolled,
    )
