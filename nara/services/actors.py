"""Who is acting, and what they may do: roles, agencies and agent links.

A stand-in for certificate login: a person's registered row gives the role and the agency;
a supplier acts for a business only when the business registered them as its agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import Role
from nara.domain.errors import Forbidden, Unauthenticated
from nara.store import registry


@dataclass(frozen=True)
class Actor:
    """The person behind a request (a stand-in for certificate login)."""

    id: str
    name: str
    role: Role
    agency_code: str | None

    def describe(self) -> str:
        where = f" of agency {self.agency_code}" if self.agency_code else ""
        return f"{self.id} ({self.role.value}{where})"


async def get_actor(*, session: AsyncSession, person_id: str) -> Actor:
    """The person with this id; Unauthenticated when there is none."""
    person = await registry.find_person(session, person_id=person_id)
    if person is None:
        raise Unauthenticated(
            f"no person {person_id!r} is registered",
            field="X-Nara-Person",
            fix="send the id of a registered person (POST /people registers one)",
        )
    return Actor(id=person.id, name=person.name, role=person.role, agency_code=person.agency_code)


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    """Forbidden unless the actor has one of `roles`."""
    if actor.role not in roles:
        wanted = " or ".join(r.value for r in roles)
        raise Forbidden(
            f"{actor.describe()} cannot {doing}: only a {wanted} can",
            field="X-Nara-Person",
            fix=f"act as a {wanted}",
        )


def require_agency(actor: Actor, agency_code: str, *, doing: str) -> None:
    """Forbidden unless the actor belongs to `agency_code`."""
    if actor.agency_code != agency_code:
        raise Forbidden(
            f"{actor.describe()} cannot {doing}: it belongs to agency {agency_code}",
            field="X-Nara-Person",
            fix=f"act as a person of agency {agency_code}",
        )


async def require_agent(*, session: AsyncSession, actor: Actor, business_no: str) -> None:
    """Forbidden unless the actor is a supplier the business registered as its agent."""
    require_role(actor, Role.SUPPLIER, doing=f"act for business {business_no}")
    if await registry.find_agent(session, business_no=business_no, person_id=actor.id) is None:
        raise Forbidden(
            f"{actor.id} is not an agent of business {business_no}; a supplier acts only for "
            "businesses that registered them",
            field="business_no",
            fix=f"ask {business_no} to register you with POST /businesses/{business_no}/agents",
        )
