"""Dependencies of the routes: settings, a database session, Temporal, and who is calling.

Who is calling comes from a session only: `Authorization: Bearer <token>`, the token of
`POST /auth/login` (login by a signed challenge with the person's certificate). No header
names a person. A missing or malformed header is 401 naming the header and the fix, with
`WWW-Authenticate: Bearer`; an ended session is 401 saying why (`SessionEnded`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from nara.domain.errors import TemporalUnavailable, Unauthenticated
from nara.keys import KeyService
from nara.services.actors import AUTHORIZATION, Actor
from nara.services.identity import Verifier
from nara.services.passkeys import RelyingParty
from nara.settings import Settings
from nara.temporal import connect

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,200}")
_LOGIN_FIX = (
    "log in (POST /auth/challenge, sign the nonce with your certificate's key, POST "
    "/auth/login; `nara login` does this) and send Authorization: Bearer <token>"
)
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="session",
    description="The token of POST /auth/login: `Authorization: Bearer <token>`.",
)


class TemporalGateway:
    """The API's Temporal client, connected at start-up or on first use after an outage.

    The API starts even when Temporal is down: reads answer from PostgreSQL (with
    `live: null`), writes that need a workflow answer 503 until it is back.
    """

    RETRY_AFTER_S = 2.0
    CONNECT_TIMEOUT_S = 5.0

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self._client = client
        self._lock = asyncio.Lock()
        self._last_attempt = 0.0
        self.last_error: str | None = None

    async def connect(self) -> Client | None:
        """The client, connecting if needed; None when Temporal cannot be reached now."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() - self._last_attempt < self.RETRY_AFTER_S:
                return None
            self._last_attempt = time.monotonic()
            try:
                self._client = await asyncio.wait_for(
                    connect(self.settings), timeout=self.CONNECT_TIMEOUT_S
                )
                self.last_error = None
            except Exception as error:  # any failure to connect means "not now"
                self.last_error = f"{type(error).__name__}: {error}"
            return self._client

    async def require(self) -> Client:
        client = await self.connect()
        if client is None:
            raise TemporalUnavailable(
                f"Temporal is not reachable: {self.last_error or 'connecting'}",
                fix="retry in a moment; nothing was changed",
            )
        return client


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session per request; routes commit explicitly, anything else rolls back."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


async def get_temporal(request: Request) -> Client:
    """The Temporal client; 503 when Temporal is unreachable."""
    gateway: TemporalGateway = request.app.state.temporal
    return await gateway.require()


async def get_temporal_or_none(request: Request) -> Client | None:
    """The Temporal client, or None (reads degrade instead of failing)."""
    gateway: TemporalGateway = request.app.state.temporal
    return await gateway.connect()


async def get_verifier(request: Request) -> Verifier:
    """The trusted roots, the CA's revocation list and the session policy of this process."""
    verifier: Verifier = request.app.state.identity
    return verifier


def client_address(request: Request) -> str | None:
    """The request's client address: the peer of its connection, never a header. Only a
    proxy listed in TRUSTED_PROXIES may name the real client (X-Forwarded-For)."""
    return request.client.host if request.client else None


async def _client_address(request: Request) -> str | None:
    # Dependencies are coroutines: FastAPI runs a plain `def` one in a worker thread.
    return client_address(request)


async def get_token(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The bearer token of the request; 401 when the header is missing or malformed."""
    header = request.headers.get(AUTHORIZATION)
    if header is None:
        raise Unauthenticated(
            f"this needs a session: send the {AUTHORIZATION} header",
            field=AUTHORIZATION,
            fix=_LOGIN_FIX,
        )
    scheme, _space, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token):
        raise Unauthenticated(
            f"the {AUTHORIZATION} header is malformed: it must be `Bearer <token>` with the "
            "token of POST /auth/login",
            field=AUTHORIZATION,
            fix=_LOGIN_FIX,
        )
    return token


def get_writer(request: Request) -> async_sessionmaker[AsyncSession]:
    """Short database sessions of their own, for writes that must stick whatever the
    request does (a session's last-seen time, its end)."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return factory


async def _writer(request: Request) -> async_sessionmaker[AsyncSession]:
    return get_writer(request)


async def get_actor(request: Request) -> Actor:
    """The person the access gate let through (`nara.api.gate.authorize`, which every
    route runs first: it read the session, with `auth`, and checked the route's rule).
    A route reached without it answers 401: it fails closed."""
    actor = getattr(getattr(request.state, "access", None), "actor", None)
    if not isinstance(actor, Actor):
        raise Unauthenticated(
            f"this needs a session: send the {AUTHORIZATION} header",
            field=AUTHORIZATION,
            fix=_LOGIN_FIX,
        )
    return actor


async def get_keys(request: Request) -> KeyService:
    """The key service (tender keys, receipt signing) of this process."""
    keys: KeyService = request.app.state.keys
    return keys


async def get_relying_party(request: Request) -> RelyingParty:
    """Who passkeys are made for and where they are used (the WEBAUTHN_* settings)."""
    settings: Settings = request.app.state.settings
    return RelyingParty(
        rp_id=settings.webauthn_rp_id,
        rp_name=settings.webauthn_rp_name,
        origin=settings.webauthn_origin,
        challenge_ttl=timedelta(seconds=settings.passkey_challenge_ttl_s),
    )


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
MaybeTemporalDep = Annotated[Client | None, Depends(get_temporal_or_none)]
ActorDep = Annotated[Actor, Depends(get_actor)]
TokenDep = Annotated[str, Depends(get_token)]
VerifierDep = Annotated[Verifier, Depends(get_verifier)]
ClientAddressDep = Annotated[str | None, Depends(_client_address)]
WriterDep = Annotated[async_sessionmaker[AsyncSession], Depends(_writer)]
RelyingPartyDep = Annotated[RelyingParty, Depends(get_relying_party)]
KeysDep = Annotated[KeyService, Depends(get_keys)]
