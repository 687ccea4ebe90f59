"""Who is acting, and what they may do: roles, agencies and agent links.

A request's actor comes from its session (`nara.services.identity.sessions.resolve`):
the person who logged in with their certificate, their registered role and agency, and
how they proved it (`Authentication`). A supplier acts for a business only when the
business registered them as its agent.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.domain.errors import Forbidden, NotFound
from nara.store import registry

AUTHORIZATION = "Authorization"
"""The header that carries the session (`Bearer <token>`): the field a refusal names."""


@dataclass(frozen=True)
class Authentication:
    """How the person behind a request proved who they are, and where the request came from.

    The facts later rules need (a bid records its credential and address; signals of
    lent certificates compare them): the session, the certificate it was opened with, the
    business that certificate is bound to, and the request's client address.
    """

    session_id: uuid.UUID
    method: str
    """"certificate" (login by challenge) or "passkey" (a passkey login, on the certificate
    that enrolled the passkey)."""
    certificate_fingerprint: str
    """SHA-256 of the certificate's DER, lower-case hex."""
    certificate_serial: str
    """The CA's serial, lower-case hex."""
    business_no: str | None
    """The business a business-use certificate is bound to; None for a personal one."""
    client_address: str | None
    """This request's client address (`request.client.host`: behind a trusted proxy,
    uvicorn's proxy headers make it the real client's)."""


@dataclass(frozen=True)
class Actor:
    """The person behind a request, and (for a request) how they proved it."""

    id: str
    name: str
    role: Role
    agency_code: str | None
    auth: Authentication | None = None
    """None only for trusted in-process callers (the CLI, a benchmark calling services)."""
    request_key: str | None = None
    """With an `Idempotency-Key` on the request: a digest of the key, the person, the path
    and the body (`nara.api.gate`). An Update the request runs carries it in its id, so a
    retry of the same request gets the first outcome instead of running it twice."""

    def describe(self) -> str:
        where = f" of agency {self.agency_code}" if self.agency_code else ""
        return f"{self.id} ({self.role.value}{where})"


async def get_actor(*, session: AsyncSession, person_id: str) -> Actor:
    """The person with this id, for a trusted in-process caller (the CLI, a benchmark that
    calls services directly); requests get theirs from a session. NotFound if none."""
    person = await registry.find_person(session, person_id=person_id)
    if person is None:
        raise NotFound(
            f"no person {person_id!r} is registered",
            field="person_id",
            fix="register the person first (`nara people add`, or POST /people)",
        )
    return Actor(id=person.id, name=person.name, role=person.role, agency_code=person.agency_code)


def console(name: str = "console") -> Actor:
    """The operator at the console: `nara people add` and set-up code that writes with
    DATABASE_URL in hand, where there is no session (holding the database is the proof).
    Its id (`console:<name>`) names it in the audit log; it is no registered person."""
    return Actor(id=f"console:{name}", name=name, role=Role.OPERATOR, agency_code=None)


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    """Forbidden unless the actor has one of `roles`."""
    if actor.role not in roles:
        wanted = " or ".join(r.value for r in roles)
        raise Forbidden(
            f"{actor.describe()} cannot {doing}: only a {wanted} can",
            field=AUTHORIZATION,
            fix=f"log in as a {wanted}",
        )


def require_agency(actor: Actor, agency_code: str, *, doing: str) -> None:
    """Forbidden unless the actor belongs to `agency_code`."""
    if actor.agency_code != agency_code:
        raise Forbidden(
            f"{actor.describe()} cannot {doing}: it belongs to agency {agency_code}",
            field=AUTHORIZATION,
            fix=f"log in as a person of agency {agency_code}",
        )


async def require_agent(*, session: AsyncSession, actor: Actor, business_no: str) -> None:
    """Forbidden unless the actor is a supplier the business registered as its agent."""
    require_role(actor, Role.SUPPLIER, doing=f"act for business {business_no}")
    if await registry.find_agent(session, business_no=business_no, person_id=actor.id) is None:
        raise _not_agent(actor, business_no)


def require_agent_of(actor: Actor, business_no: str, acting_for: Collection[str]) -> None:
    """`require_agent` against the businesses the actor is known to act for (one read
    the caller already made)."""
    require_role(actor, Role.SUPPLIER, doing=f"act for business {business_no}")
    if business_no not in acting_for:
        raise _not_agent(actor, business_no)


def _not_agent(actor: Actor, business_no: str) -> Forbidden:
    return Forbidden(
        f"{actor.id} is not an agent of business {business_no}; a supplier acts only for "
        "businesses that registered them",
        field="business_no",
        fix=f"ask {business_no} to register you with POST /businesses/{business_no}/agents",
    )
