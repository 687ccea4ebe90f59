"""The database clock: the one clock deadlines are judged by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def now(session: AsyncSession) -> datetime:
    """`clock_timestamp()`: the time of this statement, not of the transaction's start."""
    at: datetime | None = await session.scalar(select(func.clock_timestamp()))
    assert at is not None
    return at
