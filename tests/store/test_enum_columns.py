"""Enum columns keep the strings the rows always held and read back as domain members."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Role
from nara.store.tables import Agency, Person


async def test_members_are_stored_as_their_values(db_session: AsyncSession) -> None:
    code = f"E{uuid.uuid4().hex[:8]}"
    db_session.add(Agency(code=code, name="Enum office", kind=AgencyKind.LOCAL))
    await db_session.flush()
    db_session.add(Person(id=f"p-{code}", name="Kim", role=Role.INSPECTOR, agency_code=code))
    await db_session.flush()
    stored = (
        await db_session.execute(
            text(
                "SELECT a.kind, p.role FROM agency a JOIN person p ON p.agency_code = a.code"
                " WHERE a.code = :code"
            ),
            {"code": code},
        )
    ).one()
    assert tuple(stored) == ("local", "inspector")
    assert type(stored[0]) is str


async def test_stored_strings_read_back_as_members(db_session: AsyncSession) -> None:
    code = f"E{uuid.uuid4().hex[:8]}"
    await db_session.execute(
        text("INSERT INTO agency (code, name, kind) VALUES (:code, 'Old row', 'national')"),
        {"code": code},
    )
    agency = (await db_session.execute(select(Agency).where(Agency.code == code))).scalar_one()
    assert agency.kind is AgencyKind.NATIONAL
    # A plain string still filters: callers that compare with values keep working.
    found = await db_session.scalar(
        select(Agency.code).where(Agency.code == code, Agency.kind == "national")
    )
    assert found == code
