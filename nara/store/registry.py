"""Agencies, businesses, people, and the agent links between businesses and people.

Rows are stored once by natural key: `insert_*` answers the row already under that key
(and False) instead of failing, so the caller can tell a repeat from a conflict.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Role
from nara.store.tables import Agency, Base, Business, BusinessAgent, Person

R = TypeVar("R", bound=Base)


async def _insert_once(
    session: AsyncSession, table: type[R], key: dict[str, Any], values: dict[str, Any]
) -> tuple[R, bool]:
    inserted = await session.execute(
        pg_insert(table).values(**key, **values).on_conflict_do_nothing().returning(table)
    )
    row: R | None = inserted.scalar_one_or_none()
    if row is not None:
        return row, True
    identity = tuple(key.values()) if len(key) > 1 else next(iter(key.values()))
    existing = await session.get(table, identity)
    assert existing is not None  # the conflict was on this key
    return existing, False


async def find_agency(session: AsyncSession, *, code: str) -> Agency | None:
    """The agency with this code, if registered."""
    return await session.get(Agency, code)


async def insert_agency(
    session: AsyncSession, *, code: str, name: str, kind: AgencyKind, account_no: str | None
) -> tuple[Agency, bool]:
    """Store an agency; (the row under `code`, whether this call stored it)."""
    return await _insert_once(
        session, Agency, {"code": code}, {"name": name, "kind": kind, "account_no": account_no}
    )


async def find_business(session: AsyncSession, *, business_no: str) -> Business | None:
    """The business with this registration number, if registered."""
    return await session.get(Business, business_no)


async def insert_business(
    session: AsyncSession,
    *,
    business_no: str,
    name: str,
    account_no: str | None,
    region: str | None,
) -> tuple[Business, bool]:
    """Store a business; (the row under `business_no`, whether this call stored it)."""
    return await _insert_once(
        session,
        Business,
        {"business_no": business_no},
        {"name": name, "account_no": account_no, "region": region},
    )


async def find_person(session: AsyncSession, *, person_id: str) -> Person | None:
    """The person with this id, if registered."""
    return await session.get(Person, person_id)


async def insert_person(
    session: AsyncSession, *, person_id: str, name: str, role: Role, agency_code: str | None
) -> tuple[Person, bool]:
    """Store a person; (the row under `person_id`, whether this call stored it)."""
    return await _insert_once(
        session,
        Person,
        {"id": person_id},
        {"name": name, "role": role, "agency_code": agency_code},
    )


async def find_agent(
    session: AsyncSession, *, business_no: str, person_id: str
) -> BusinessAgent | None:
    """The link that makes the person an agent of the business, if there is one."""
    return await session.get(BusinessAgent, (business_no, person_id))


async def businesses_of(session: AsyncSession, *, person_id: str) -> list[str]:
    """The businesses the person is an agent of."""
    rows = await session.scalars(
        select(BusinessAgent.business_no).where(BusinessAgent.person_id == person_id)
    )
    return list(rows)


async def is_agent_of_any(
    session: AsyncSession, *, person_id: str, business_nos: Collection[str]
) -> bool:
    """Whether the person is an agent of at least one of these businesses."""
    linked = await session.scalar(
        select(BusinessAgent.business_no).where(
            BusinessAgent.person_id == person_id, BusinessAgent.business_no.in_(business_nos)
        )
    )
    return linked is not None


async def insert_agent(
    session: AsyncSession, *, business_no: str, person_id: str
) -> tuple[BusinessAgent, bool]:
    """Link a person to a business as its agent; (the link, whether this call stored it)."""
    return await _insert_once(
        session, BusinessAgent, {"business_no": business_no, "person_id": person_id}, {}
    )
