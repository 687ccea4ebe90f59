"""Login by challenge, logout, whoami: how a person gets and ends a session."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Response

from nara.api.deps import (
    ActorDep,
    ClientAddressDep,
    SessionDep,
    TokenDep,
    VerifierDep,
    WriterDep,
)
from nara.api.problems import problem_responses
from nara.api.schemas.auth import (
    ChallengeCreate,
    ChallengeRead,
    LoginCreate,
    LoginRead,
    WhoAmIRead,
)
from nara.api.schemas.registry import PersonRead
from nara.services.identity import login as logins
from nara.services.identity import sessions

router = APIRouter(prefix="/auth", tags=["auth"], responses=problem_responses(500, 503))


@router.post(
    "/challenge",
    response_model=ChallengeRead,
    status_code=201,
    responses=problem_responses(400, 422),
    summary="Ask a single-use login challenge (anyone)",
    description=(
        "32 random bytes to sign with the key of your certificate, valid "
        "`LOGIN_CHALLENGE_TTL_S` (60 s) and usable once. Issued for any well-formed person "
        "id: the answer never tells whether the person exists."
    ),
)
async def create_challenge(
    body: ChallengeCreate, session: SessionDep, verifier: VerifierDep
) -> ChallengeRead:
    challenge = await logins.issue_challenge(
        session=session, verifier=verifier, person_id=body.person_id
    )
    await session.commit()
    return ChallengeRead(
        challenge_id=challenge.challenge_id,
        nonce=base64.b64encode(challenge.nonce).decode(),
        expires_at=challenge.expires_at,
    )


@router.post(
    "/login",
    response_model=LoginRead,
    status_code=201,
    responses=problem_responses(400, 401, 403, 422),
    summary="Log in with a signed challenge and a certificate; opens a session",
    description=(
        "The challenge is used up whatever the outcome. The certificate must chain to a "
        "trusted root (`TRUSTED_CA_CERTS`), be valid at the server's clock, not be on the "
        "CA's revocation list, name the challenge's person and (for a business-use "
        "certificate) a business they are an agent of; the signature must verify over "
        "`b'nara-login\\0' + nonce` with its key. The first login with a certificate "
        "enrols it for that person; the same certificate or key for another person is "
        "refused (403). A refusal is 401 with `reason`: `expired`, `not-yet-valid`, "
        "`revoked`, `foreign-ca`, `subject-not-the-person`, `wrong-business`, "
        "`malformed`, `invalid`, `challenge-unknown`, `challenge-used`, "
        "`challenge-expired`, `signature-invalid` or `unknown-person`."
    ),
)
async def create_login(
    body: LoginCreate,
    session: SessionDep,
    verifier: VerifierDep,
    client_address: ClientAddressDep,
) -> LoginRead:
    result = await logins.login(
        session=session,
        verifier=verifier,
        challenge_id=body.challenge_id,
        certificate_pem=body.certificate,
        signature=body.signature,
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


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401),
    summary="End this session: its token stops working at once",
)
async def logout(session: SessionDep, actor: ActorDep) -> Response:
    await sessions.logout(session=session, actor=actor)
    await session.commit()
    return Response(status_code=204)


@router.get(
    "/whoami",
    response_model=WhoAmIRead,
    responses=problem_responses(401),
    summary="The session's person, role, certificate and expiry",
)
async def whoami(
    session: SessionDep, writer: WriterDep, verifier: VerifierDep, token: TokenDep
) -> WhoAmIRead:
    view = await sessions.describe(session=session, writer=writer, verifier=verifier, token=token)
    return WhoAmIRead.model_validate(view)
