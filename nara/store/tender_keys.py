"""Tender sealing keys as the key service keeps them (wrapped; nara.keys)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from nara.store.tables import TenderKey


async def insert_once(session: AsyncSession, *, key: TenderKey) -> TenderKey:
    """Store the tender's key unless it has one already; the key the tender has."""
    await session.execute(
        pg_insert(TenderKey)
        .values(
            notice_no=key.notice_no,
            key_id=key.key_id,
            public_key=key.public_key,
            wrapped_private_key=key.wrapped_private_key,
            wrapped_reserve_secret=key.wrapped_reserve_secret,
            reserve_commitment=key.reserve_commitment,
            wrapping_key_id=key.wrapping_key_id,
        )
        .on_conflict_do_nothing(index_elements=[TenderKey.notice_no])
    )
    found = await find(session, notice_no=key.notice_no)
    assert found is not None
    return found


async def find(session: AsyncSession, *, notice_no: str) -> TenderKey | None:
    """The tender's key, if it has one."""
    return (
        await session.execute(select(TenderKey).where(TenderKey.notice_no == notice_no))
    ).scalar_one_or_none()


async def mark_released(session: AsyncSession, *, notice_no: str) -> None:
    """Note the first use of the private key after the close."""
    await session.execute(
        update(TenderKey)
        .where(TenderKey.notice_no == notice_no, TenderKey.released_at.is_(None))
        .values(released_at=func.clock_timestamp())
    )
