"""Dependencies of the routes: settings, a database session, Temporal, and who is calling.

Identity is a stand-in until certificate login lands: the `X-Nara-Person` header names
a registered person, whose row gives the role and the agency. A supplier acts for a
business only when the business registered them as its agent (checked per request).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from nara.api.schemas.base import PersonId
from nara.domain.enums import Role
from nara.domain.errors import Forbidden, TemporalUnavailable, Unauthenticated
from nara.services import actors
from nara.services.actors import Actor
from nara.settings import Settings
from nara.temporal import connect

PERSON_HEADER = "X-Nara-Person"


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


def get_settings(request: Request) -> Settings:
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


PersonHeader = Annotated[
    PersonId | None,
    Header(
        alias=PERSON_HEADER,
        description="id of the person acting (stand-in for certificate login): 1 to 40 "
        "letters, digits, _, ., @ or -",
    ),
]


async def get_actor(
    session: Annotated[AsyncSession, Depends(get_session)], person_id: PersonHeader = None
) -> Actor:
    """The calling person; 401 when the header is missing or names nobody."""
    if not person_id:
        raise Unauthenticated(
            f"this needs the {PERSON_HEADER} header naming who is acting",
            field=PERSON_HEADER,
            fix=f"send {PERSON_HEADER}: <person id>",
        )
    return await actors.get_actor(session=session, person_id=person_id)


async def get_registrar(
    session: Annotated[AsyncSession, Depends(get_session)],
    settings: Annotated[Settings, Depends(get_settings)],
    person_id: PersonHeader = None,
) -> str:
    """Who may register agencies, businesses and people: an operator; in development also
    anyone without a header (bootstrap). Returns the actor id for the audit log."""
    if not person_id:
        if settings.env == "development":
            return "bootstrap"
        raise Unauthenticated(
            f"registering needs an operator: send {PERSON_HEADER}",
            field=PERSON_HEADER,
            fix=f"send {PERSON_HEADER}: <operator id>",
        )
    actor = await actors.get_actor(session=session, person_id=person_id)
    if actor.role is not Role.OPERATOR:
        raise Forbidden(
            f"{actor.describe()} cannot register agencies, businesses or people: only an "
            "operator can",
            field=PERSON_HEADER,
            fix="ask an operator",
        )
    return actor.id


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
MaybeTemporalDep = Annotated[Client | None, Depends(get_temporal_or_none)]
ActorDep = Annotated[Actor, Depends(get_actor)]
RegistrarDep = Annotated[str, Depends(get_registrar)]
