"""People registered from the console, where there is no session yet: the first operator
of an installation (`nara people add`), the demo's operator (`nara dev`, `nara demo`) and
the operator of a test or benchmark stack (`nara.testing`).

Writes go through `nara.services.registry` as `actors.console(...)`: holding DATABASE_URL
is the proof. Idempotent: the same person again answers the existing one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from nara.domain.enums import Role
from nara.services import actors, registry
from nara.services.base import Created
from nara.services.registry import PersonView
from nara.store.db import create_engine, session_factory


async def add_person(
    engine: AsyncEngine,
    *,
    person_id: str,
    name: str,
    role: Role,
    agency_code: str | None = None,
    by: str = "console",
) -> Created[PersonView]:
    """Register a person as the console's operator `by`; committed."""
    async with session_factory(engine)() as session:
        created = await registry.create_person(
            session=session,
            actor=actors.console(by),
            person_id=person_id,
            name=name,
            role=role,
            agency_code=agency_code,
        )
        await session.commit()
    return created


async def add_person_at(
    database_url: str,
    *,
    person_id: str,
    name: str,
    role: Role,
    agency_code: str | None = None,
    by: str = "console",
) -> Created[PersonView]:
    """`add_person` on an engine of its own (the CLI, `nara dev`)."""
    engine = create_engine(database_url, pool_size=1, application_name="nara-console")
    try:
        return await add_person(
            engine, person_id=person_id, name=name, role=role, agency_code=agency_code, by=by
        )
    finally:
        await engine.dispose()
