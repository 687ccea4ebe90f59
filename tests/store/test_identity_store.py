"""The identity repositories on real PostgreSQL: a challenge is used once even when two
logins race for it, and its expiry is the database's clock."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from nara.store import identity
from nara.store.db import session_factory


async def _challenge(engine: AsyncEngine, ttl: timedelta) -> uuid.UUID:
    async with session_factory(engine)() as session:
        row = await identity.insert_challenge(
            session, person_id=f"p-{uuid.uuid4().hex[:6]}", nonce=secrets.token_bytes(32), ttl=ttl
        )
        await session.commit()
        return row.id


async def test_of_two_racing_logins_one_uses_the_challenge(db_engine: AsyncEngine) -> None:
    challenge_id = await _challenge(db_engine, timedelta(seconds=60))
    sessions = session_factory(db_engine)

    async def consume() -> identity.Consumed:
        async with sessions() as session:
            consumed = await identity.consume_challenge(session, challenge_id)
            await asyncio.sleep(0.05)  # both transactions open at once
            await session.commit()
            return consumed

    outcomes = await asyncio.gather(consume(), consume(), consume())
    assert sorted(str(o.refused) for o in outcomes) == ["None", "used", "used"]
    async with sessions() as session:
        assert (await identity.consume_challenge(session, challenge_id)).refused == "used"
        unknown = await identity.consume_challenge(session, uuid.uuid4())
        assert unknown.challenge is None and unknown.refused is None


async def test_a_challenge_expires_by_the_database_clock(db_engine: AsyncEngine) -> None:
    challenge_id = await _challenge(db_engine, timedelta(milliseconds=200))
    await asyncio.sleep(0.3)
    async with session_factory(db_engine)() as session:
        late = await identity.consume_challenge(session, challenge_id)
        await session.commit()
    assert late.refused == "expired" and late.challenge is not None
    assert late.challenge.used_at is None  # an expired challenge is never marked used
