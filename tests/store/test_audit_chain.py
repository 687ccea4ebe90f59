"""The audit chain on real PostgreSQL: linear, idempotent per key, and tamper-evident."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from nara.store import audit
from nara.store.tables import AuditEvent, AuditHead


async def _append(engine: AsyncEngine, key: str, payload: dict[str, Any] | None = None) -> bool:
    async with async_sessionmaker(engine).begin() as session:
        return await audit.append(
            session,
            actor="tester",
            entity="tender:test",
            action="checked",
            idempotency_key=key,
            payload=payload,
        )


async def test_the_same_key_is_recorded_once(db_engine: AsyncEngine) -> None:
    key = f"test:{uuid.uuid4()}"
    assert await _append(db_engine, key, {"n": 1})
    assert not await _append(db_engine, key, {"n": 2})
    async with async_sessionmaker(db_engine)() as s:
        rows = (
            (await s.execute(select(AuditEvent).where(AuditEvent.idempotency_key == key)))
            .scalars()
            .all()
        )
        assert [r.payload for r in rows] == [{"n": 1}]


async def test_concurrent_appends_keep_one_linear_chain(db_engine: AsyncEngine) -> None:
    keys = [f"test:{uuid.uuid4()}" for _ in range(40)]
    # Every key twice, all at once: each lands once and the chain stays one line.
    results = await asyncio.gather(*[_append(db_engine, k) for k in keys + keys])
    assert sum(results) == len(keys)
    async with async_sessionmaker(db_engine)() as s:
        check = await audit.verify(s)
        head = await s.get(AuditHead, 1)
        assert check.ok and head is not None and check.events == head.count


async def test_an_edited_event_breaks_the_chain(db_session: AsyncSession) -> None:
    key = f"test:{uuid.uuid4()}"
    await audit.append(
        db_session,
        actor="tester",
        entity="tender:test",
        action="awarded",
        idempotency_key=key,
        payload={"price": 90_000_000},
    )
    await audit.append(
        db_session,
        actor="tester",
        entity="tender:test",
        action="paid",
        idempotency_key=f"{key}:next",
    )
    assert (await audit.verify(db_session)).ok
    # Someone with database access rewrites the award price (rolled back after the test).
    await db_session.execute(
        update(AuditEvent)
        .where(AuditEvent.idempotency_key == key)
        .values(payload={"price": 95_000_000})
    )
    edited = await db_session.scalar(select(AuditEvent.id).where(AuditEvent.idempotency_key == key))
    check = await audit.verify(db_session)
    assert not check.ok and check.first_bad_id == edited


async def test_record_applies_its_change_only_for_a_new_event(db_session: AsyncSession) -> None:
    key = f"test:{uuid.uuid4()}"
    changes: list[int] = []

    async def change() -> None:
        changes.append(len(changes) + 1)

    for _ in range(2):
        await audit.record(
            db_session,
            actor="tester",
            entity="tender:test",
            action="checked",
            key=key,
            payload={"n": 1},
            then=change,
        )
    assert changes == [1]
