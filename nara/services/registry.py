"""Registering agencies, businesses, people and agent links.

Creates are idempotent by natural key: sending the same record again answers the
existing one; sending a different record under an existing key is a conflict.

Who may register: agencies, businesses and people, an operator; a business's agents, an
operator or an agent that business already has (a business manages its own agents once
an operator registered the first). The first operator of a new installation comes from
the console (`nara people add --role operator`), which acts as `actors.console()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Role
from nara.domain.errors import Conflict, Forbidden, NotFound
from nara.services.actors import AUTHORIZATION, Actor, require_role
from nara.services.base import Created, ServiceModel
from nara.store import audit, registry


class AgencyView(ServiceModel):
    code: str
    name: str
    kind: AgencyKind
    account_no: str | None
    created_at: datetime


class BusinessView(ServiceModel):
    business_no: str
    name: str
    account_no: str | None
    region: str | None
    created_at: datetime


class PersonView(ServiceModel):
    id: str
    name: str
    role: Role
    agency_code: str | None
    created_at: datetime


class AgentLink(ServiceModel):
    """A supplier a business registered as its agent: they may bid and sign for it."""

    business_no: str
    person_id: str
    created_at: datetime


V = TypeVar("V", bound=ServiceModel)


def _answer(
    stored: tuple[Any, bool], values: dict[str, Any], what: str, view: type[V]
) -> Created[V]:
    """The stored row as `view`; Conflict if an earlier row under the key differs."""
    row, created = stored
    differs = [key for key, value in values.items() if getattr(row, key) != value]
    if differs:
        raise Conflict(
            f"{what} already exists with a different {', '.join(differs)}",
            field=differs[0],
            fix="send the registered values again, or use another key",
        )
    return Created(view.model_validate(row), created)


async def create_agency(
    *,
    session: AsyncSession,
    actor: Actor,
    code: str,
    name: str,
    kind: AgencyKind,
    account_no: str | None,
) -> Created[AgencyView]:
    """Register an agency (idempotent by code); operators only."""
    require_role(actor, Role.OPERATOR, doing="register agencies")
    values: dict[str, Any] = {"name": name, "kind": kind, "account_no": account_no}
    created = _answer(
        await registry.insert_agency(session, code=code, **values),
        values,
        f"agency {code}",
        AgencyView,
    )
    if created.created:
        await audit.append(
            session,
            actor=actor.id,
            entity=f"agency:{code}",
            action="registered",
            idempotency_key=f"agency:{code}:registered",
            payload={"name": name, "kind": kind.value},
        )
    return created


async def create_business(
    *,
    session: AsyncSession,
    actor: Actor,
    business_no: str,
    name: str,
    account_no: str | None,
    region: str | None,
) -> Created[BusinessView]:
    """Register a business (idempotent by registration number); operators only."""
    require_role(actor, Role.OPERATOR, doing="register businesses")
    values: dict[str, Any] = {"name": name, "account_no": account_no, "region": region}
    created = _answer(
        await registry.insert_business(session, business_no=business_no, **values),
        values,
        f"business {business_no}",
        BusinessView,
    )
    if created.created:
        await audit.append(
            session,
            actor=actor.id,
            entity=f"business:{business_no}",
            action="registered",
            idempotency_key=f"business:{business_no}:registered",
            payload={"name": name},
        )
    return created


async def create_person(
    *,
    session: AsyncSession,
    actor: Actor,
    person_id: str,
    name: str,
    role: Role,
    agency_code: str | None,
) -> Created[PersonView]:
    """Register a person (idempotent by id); officers and inspectors name their agency.
    Operators only."""
    require_role(actor, Role.OPERATOR, doing="register people")
    if agency_code is not None and await registry.find_agency(session, code=agency_code) is None:
        raise NotFound(
            f"no agency {agency_code}",
            field="agency_code",
            fix="register the agency first with POST /agencies",
        )
    values: dict[str, Any] = {"name": name, "role": role, "agency_code": agency_code}
    created = _answer(
        await registry.insert_person(session, person_id=person_id, **values),
        values,
        f"person {person_id}",
        PersonView,
    )
    if created.created:
        await audit.append(
            session,
            actor=actor.id,
            entity=f"person:{person_id}",
            action="registered",
            idempotency_key=f"person:{person_id}:registered",
            payload={"role": role.value, "agency_code": agency_code},
        )
    return created


async def create_agent(
    *, session: AsyncSession, actor: Actor, business_no: str, person_id: str
) -> Created[AgentLink]:
    """Register a supplier as an agent of a business (idempotent); an operator or an agent
    of that business."""
    if actor.role is not Role.OPERATOR and (
        actor.role is not Role.SUPPLIER
        or await registry.find_agent(session, business_no=business_no, person_id=actor.id) is None
    ):
        raise Forbidden(
            f"{actor.describe()} cannot register agents of business {business_no}: only an "
            "operator or an agent of that business can",
            field=AUTHORIZATION,
            fix=f"ask an operator or an agent of {business_no}",
        )
    if await registry.find_business(session, business_no=business_no) is None:
        raise NotFound(
            f"no business {business_no}",
            field="business_no",
            fix="register the business first with POST /businesses",
        )
    person = await registry.find_person(session, person_id=person_id)
    if person is None:
        raise NotFound(
            f"no person {person_id}",
            field="person_id",
            fix="register the person first with POST /people",
        )
    if person.role is not Role.SUPPLIER:
        raise Conflict(
            f"{person_id} is a {person.role}; only suppliers act for businesses",
            field="person_id",
            fix="register a person with the supplier role",
        )
    created = _answer(
        await registry.insert_agent(session, business_no=business_no, person_id=person_id),
        {},
        f"agent {person_id} of {business_no}",
        AgentLink,
    )
    if created.created:
        await audit.append(
            session,
            actor=actor.id,
            entity=f"business:{business_no}",
            action="agent-registered",
            idempotency_key=f"business:{business_no}:agent:{person_id}",
            payload={"person_id": person_id},
        )
    return created


async def get_business(*, session: AsyncSession, business_no: str) -> BusinessView:
    """The business with this registration number."""
    business = await registry.find_business(session, business_no=business_no)
    if business is None:
        raise NotFound(
            f"no business {business_no}", field="business_no", fix="check the registration number"
        )
    return BusinessView.model_validate(business)
