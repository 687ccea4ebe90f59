"""Logging in and out of the console, and enrolling its first passkey.

The login page's script asks the API's own `POST /auth/passkey/options`, runs
`navigator.credentials.get()` and sends the answer to `POST /console/login`, which calls
the same login service as `POST /auth/passkey` and puts the session token in the
HttpOnly cookie instead of the answer (the page's script never holds it). Enrolment: `nara
console enrol` (a certificate session) asks `POST /console/enrolment-links` for a one-time
link; opening it, the page's script redeems it (`POST /console/enrol`: a certificate
session in the cookie) and enrols a passkey with the same services as
`/passkeys/registration/options` and `/passkeys/registration`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import Field

from nara.api.console import web
from nara.api.deps import (
    ActorDep,
    ClientAddressDep,
    RelyingPartyDep,
    SessionDep,
    SettingsDep,
    VerifierDep,
)
from nara.api.schemas.base import ApiModel, Code, ReadModel
from nara.api.schemas.passkeys import (
    CeremonyOptionsRead,
    PasskeyCreate,
    PasskeyLoginCreate,
    PasskeyRead,
)
from nara.services.identity import console_links, sessions
from nara.services.passkeys import enrolment
from nara.services.passkeys import login as logins
from nara.settings import Settings

router = APIRouter(
    prefix=web.PREFIX, include_in_schema=False, dependencies=[Depends(web.verify_csrf)]
)

LinkSecret = Annotated[
    str, Code(r"[A-Za-z0-9_-]{40,60}", what="link", accepted="the secret after # in the link")
]


class LinkRedeem(ApiModel):
    link: LinkSecret = Field(description="the part of the enrolment link after `#`")


class LinkRead(ReadModel):
    link: str
    expires_at: datetime


class ConsoleLoginRead(ReadModel):
    next: str
    csrf: str


def _signed_in(token: str, expires_at: datetime, settings: Settings) -> Response:
    """The answer that puts a new session in the cookie, with the page's next CSRF token."""
    body = ConsoleLoginRead(next=f"{web.PREFIX}", csrf=web.csrf_for(token))
    response = Response(body.model_dump_json(), status_code=201, media_type="application/json")
    max_age = max(1, int((expires_at - datetime.now(UTC)).total_seconds()))
    web.set_session_cookie(response, settings, token, max_age)
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    return web.render(request, "login.html", person=None)


@router.post("/login", status_code=201)
async def login(
    body: PasskeyLoginCreate,
    session: SessionDep,
    rp: RelyingPartyDep,
    verifier: VerifierDep,
    settings: SettingsDep,
    client_address: ClientAddressDep,
) -> Response:
    result = await logins.login(
        session=session,
        rp=rp,
        verifier=verifier,
        challenge_id=body.challenge_id,
        assertion=body.assertion.to_service(),
        client_address=client_address,
    )
    await session.commit()
    return _signed_in(result.token, result.expires_at, settings)


@router.post("/logout")
async def logout(session: SessionDep, actor: ActorDep) -> Response:
    await sessions.logout(session=session, actor=actor)
    await session.commit()
    response = RedirectResponse(f"{web.PREFIX}/login", status_code=303)
    response.delete_cookie(web.SESSION_COOKIE, path=web.PREFIX)
    return response


@router.post("/enrolment-links", status_code=201)
async def issue_link(session: SessionDep, actor: ActorDep, settings: SettingsDep) -> LinkRead:
    link = await console_links.issue(session=session, actor=actor)
    await session.commit()
    return LinkRead(
        link=f"{settings.webauthn_origin}{web.PREFIX}/enrol#{link.secret}",
        expires_at=link.expires_at,
    )


@router.get("/enrol")
async def enrol_page(request: Request) -> Response:
    return web.render(request, "enrol.html", person=None)


@router.post("/enrol", status_code=201)
async def redeem_link(
    body: LinkRedeem,
    session: SessionDep,
    verifier: VerifierDep,
    settings: SettingsDep,
    client_address: ClientAddressDep,
) -> Response:
    opened = await console_links.redeem(
        session=session, verifier=verifier, secret=body.link, client_address=client_address
    )
    await session.commit()
    return _signed_in(opened.token, opened.expires_at, settings)


@router.post("/passkeys/registration/options", status_code=201)
async def registration_options(
    session: SessionDep, actor: ActorDep, rp: RelyingPartyDep
) -> CeremonyOptionsRead:
    options = await enrolment.registration_options(session=session, rp=rp, actor=actor)
    await session.commit()
    return CeremonyOptionsRead.model_validate(options)


@router.post("/passkeys/registration", status_code=201)
async def register_passkey(
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
